"""Configuration: one `Settings` object, read from ``GW2WVW_*`` environment variables."""

from __future__ import annotations

from pathlib import Path

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """The per-user directory where gw2wvw keeps its database and synced game data."""
    return Path(platformdirs.user_data_dir("gw2wvw", appauthor=False))


class Settings(BaseSettings):
    """Every setting gw2wvw reads; pass an instance to the factories that need one."""

    model_config = SettingsConfigDict(env_prefix="GW2WVW_", extra="ignore", frozen=True)

    data_dir: Path = Field(default_factory=default_data_dir)
    """Where the embedded database and synced snapshots live."""

    gamedata_path: Path | None = None
    """A synced snapshot (file or directory) to use instead of the bundled one."""

    gw2_api_url: str = "https://api.guildwars2.com"
    """The official GW2 API that ``gw2wvw gamedata sync`` reads."""

    database_url: str | None = None
    """SQLite or PostgreSQL URL; unset means the embedded SQLite file in ``data_dir``."""

    redis_url: str | None = None
    """Redis for the shared response cache (and the webhook worker); unset: in-process cache."""

    signup_enabled: bool = True
    """Whether anyone may create an account with ``POST /v1/users``."""

    cache_ttl: float = Field(default=30.0, gt=0, le=3600)
    """Seconds a cached response may live even if nothing invalidates it (a safety net)."""

    gamedata_max_age: int = Field(default=3600, ge=0)
    """``Cache-Control: max-age`` of game-data responses, in seconds."""

    migrate_on_start: bool = True
    """Whether the API upgrades the database schema when it starts."""

    def resolved_database_url(self) -> str:
        """The database URL to use: ``database_url``, else ``data_dir/gw2wvw.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'gw2wvw.db'}"
