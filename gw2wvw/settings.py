"""Configuration: one `Settings` object, read from ``GW2WVW_*`` environment variables."""

from __future__ import annotations

from datetime import timedelta
from ipaddress import IPv4Network, IPv6Network
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from gw2wvw._extras import requires

with requires("store", "gw2wvw.settings"):
    import platformdirs
    from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user directory where gw2wvw keeps its database and synced game data."""
    return Path(platformdirs.user_data_dir("gw2wvw", appauthor=False))


def _comma_separated(value: Any) -> Any:
    # Environment variables carry lists as "a,b,c" rather than JSON.
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


Networks = Annotated[
    tuple[IPv4Network | IPv6Network, ...], NoDecode, BeforeValidator(_comma_separated)
]
"""CIDR networks, as a sequence or a comma-separated string (``127.0.0.0/8,10.0.0.0/8``)."""

Delays = Annotated[
    tuple[Annotated[float, Field(ge=0)], ...], NoDecode, BeforeValidator(_comma_separated)
]
"""Seconds, as a sequence or a comma-separated string (``5,30,120``)."""

DEFAULT_RETRY_SCHEDULE = (
    5.0,
    30.0,
    120.0,
    600.0,
    1800.0,
    3600.0,
    7200.0,
    14400.0,
    28800.0,
    43200.0,
    86400.0,
    86400.0,
)
"""Seconds to wait after each failed attempt: 12 retries spanning about three days."""

DISCORD_API_BASE = "https://discord.com"
"""Discord's own base: the only host a discord endpoint's URL may name."""


class WebhookSettings(BaseModel):
    """How webhooks are checked, signed, sent, retried and given up on."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    allowed_networks: Networks = ()
    """Networks a webhook may target although they are not public (self-hosting, tests)."""

    timeout: float = Field(default=10.0, gt=0, le=60)
    """Seconds one attempt may take, connecting and answering included."""

    retry_schedule: Delays = DEFAULT_RETRY_SCHEDULE
    """Seconds before each retry; once it runs out the delivery has failed."""

    retry_jitter: float = Field(default=0.1, ge=0, le=1)
    """Each delay is stretched or shrunk by up to this fraction, so retries spread out."""

    retry_after_cap: float = Field(default=86400.0, ge=0)
    """The longest ``Retry-After`` (seconds) that is honoured."""

    max_consecutive_failures: int = Field(default=20, ge=1)
    """Failed deliveries in a row (retries exhausted) after which an endpoint is disabled."""

    disable_after: float = Field(default=3 * 86400.0, gt=0)
    """Seconds an endpoint may keep failing, without a success, before it is disabled."""

    response_body_limit: int = Field(default=1024, ge=0, le=65536)
    """How many bytes of each response are read and kept for the delivery log."""

    secret_grace: float = Field(default=86400.0, ge=0)
    """Seconds the old secret keeps signing too, after a rotation."""

    lease_margin: float = Field(default=30.0, ge=0)
    """Seconds, beyond the timeout, that a claimed delivery stays reserved for its worker."""

    poll_interval: float = Field(default=1.0, gt=0, le=3600)
    """Seconds the in-process dispatcher sleeps when there is nothing to do."""

    concurrency: int = Field(default=16, ge=1, le=1000)
    """Attempts the in-process dispatcher runs at once."""

    batch_size: int = Field(default=100, ge=1, le=1000)
    """Outbox events relayed, or deliveries claimed, per database round."""

    discord_api_base: str = DISCORD_API_BASE
    """Where Discord webhook URLs live: a discord endpoint's URL is under
    ``{discord_api_base}/api/webhooks/`` (a local stand-in's base in tests)."""

    discord_wait_cap: float = Field(default=5.0, ge=0, le=60)
    """The longest Discord rate-limit wait (seconds) slept through inside one attempt, between
    the messages of a post; a longer one ends the attempt and the retry waits for it."""

    @property
    def lease(self) -> timedelta:
        """How long a claim reserves a delivery: longer than any attempt can take."""
        return timedelta(seconds=self.timeout + self.lease_margin)


class Settings(BaseSettings):
    """Every setting gw2wvw reads; pass an instance to the factories that need one."""

    model_config = SettingsConfigDict(env_prefix="GW2WVW_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the embedded database and synced snapshots live."""

    gamedata_path: Path | None = None
    """A synced snapshot (file or directory) to use instead of the bundled one."""

    gw2_api_url: str = "https://api.guildwars2.com"
    """The official GW2 API that ``gw2wvw gamedata sync`` and players' GW2 accounts read."""

    encryption_key: SecretStr | None = None
    """Fernet key(s), comma-separated, the first encrypting: they encrypt players' GW2 API keys
    at rest. Unset: the embedded mode keeps a generated one in ``data_dir/encryption.key``; a
    server with ``database_url`` set refuses to store GW2 API keys."""

    database_url: str | None = None
    """SQLite or PostgreSQL URL; unset means the embedded SQLite file in ``data_dir``."""

    database_pool_size: int = Field(default=20, ge=1, le=500)
    """PostgreSQL connections a process keeps open in each of its two pools (writes, and
    single statements): as many as the requests or attempts it runs at once, or the rest connect
    and disconnect every time (10 more may open for a burst)."""

    redis_url: str | None = None
    """Redis for the shared response cache (and the webhook worker); unset: in-process cache."""

    fight_max_bytes: int = Field(default=100 * 1024 * 1024, ge=1)
    """The largest fight log ``POST /v1/fights`` accepts, in bytes as sent (compressed or not);
    beyond it the upload is refused with 413 before it is read to the end."""

    dps_report_url: str = "https://dps.report"
    """Where ``POST /v1/fights`` fetches permalinks from (its ``/getJson`` endpoint); fetched
    through the webhooks' SSRF-safe client, so ``webhook_allowed_networks`` applies."""

    worker_queue_name: str = "gw2wvw:webhooks"
    """The worker's arq queue (``GW2WVW_WORKER_QUEUE_NAME``, which the worker reads too): with
    Redis, the API queues fight imports there."""

    signup_enabled: bool = True
    """Whether anyone may create an account with ``POST /v1/users``."""

    cache_ttl: float = Field(default=30.0, gt=0, le=3600)
    """Seconds a cached response may live even if nothing invalidates it (a safety net)."""

    gamedata_max_age: int = Field(default=3600, ge=0)
    """``Cache-Control: max-age`` of game-data responses, in seconds."""

    migrate_on_start: bool = True
    """Whether the API upgrades the database schema when it starts."""

    # Throttling (sliding windows such as "5/minute" or "20 per 10 minutes"; the API reads them).
    throttle_sign_in: str = "5/minute"
    """Sign-in attempts per account from one client address (a correct password clears it)."""

    throttle_sign_in_account: str = "20/10 minutes"
    """Sign-in attempts per account from all addresses together."""

    throttle_sign_in_address: str = "50/10 minutes"
    """Sign-in attempts from one client address, whatever the account."""

    throttle_sign_up: str = "10/hour"
    """Sign-ups from one client address."""

    throttle_tokens: str = "30/hour"
    """New API tokens per account."""

    # Webhooks: see WebhookSettings for what each means; ``webhooks`` gathers them.
    webhook_allowed_networks: Networks = ()
    """``GW2WVW_WEBHOOK_ALLOWED_NETWORKS``: comma-separated CIDRs webhooks may target."""

    webhook_timeout: float = Field(default=10.0, gt=0, le=60)
    """Seconds one delivery attempt may take."""

    webhook_retry_schedule: Delays = DEFAULT_RETRY_SCHEDULE
    """Comma-separated seconds before each retry."""

    webhook_retry_jitter: float = Field(default=0.1, ge=0, le=1)
    """Fraction by which retry delays vary."""

    webhook_retry_after_cap: float = Field(default=86400.0, ge=0)
    """The longest ``Retry-After`` honoured, in seconds."""

    webhook_max_consecutive_failures: int = Field(default=20, ge=1)
    """Failed deliveries in a row that disable an endpoint."""

    webhook_disable_after: float = Field(default=3 * 86400.0, gt=0)
    """Seconds of failing without a success that disable an endpoint."""

    webhook_response_body_limit: int = Field(default=1024, ge=0, le=65536)
    """Bytes of each response kept for the delivery log."""

    webhook_secret_grace: float = Field(default=86400.0, ge=0)
    """Seconds the old secret keeps signing after a rotation."""

    webhook_lease_margin: float = Field(default=30.0, ge=0)
    """Seconds beyond the timeout a claimed delivery stays reserved."""

    webhook_poll_interval: float = Field(default=1.0, gt=0, le=3600)
    """Seconds the in-process dispatcher sleeps when idle."""

    webhook_concurrency: int = Field(default=16, ge=1, le=1000)
    """Attempts the in-process dispatcher runs at once."""

    webhook_batch_size: int = Field(default=100, ge=1, le=1000)
    """Events relayed, or deliveries claimed, per database round."""

    webhook_discord_api_base: str = DISCORD_API_BASE
    """``GW2WVW_WEBHOOK_DISCORD_API_BASE``: the base of the Discord webhook URLs accepted."""

    webhook_discord_wait_cap: float = Field(default=5.0, ge=0, le=60)
    """Seconds of a Discord rate limit slept through within one attempt."""

    @property
    def webhooks(self) -> WebhookSettings:
        """The ``webhook_*`` settings as one object, for the store and the dispatcher."""
        prefix = "webhook_"
        return WebhookSettings(
            **{
                name.removeprefix(prefix): getattr(self, name)
                for name in type(self).model_fields
                if name.startswith(prefix)
            }
        )

    def resolved_database_url(self) -> str:
        """The database URL to use: ``database_url``, else ``data_dir/gw2wvw.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gw2wvw.db'}"
