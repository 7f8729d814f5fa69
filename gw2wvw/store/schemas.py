"""What goes into the store and what comes out: the resource shapes the API also serves."""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from gw2wvw.builds import Build
from gw2wvw.schema_rules import exactly_one_of
from gw2wvw.squad.roles import ArchetypeRef, Role
from gw2wvw.squad.targets import Mode, Targets
from gw2wvw.text import Line, Paragraph

Visibility = Literal["private", "unlisted", "public"]
"""private: the owner only; unlisted: anyone with the id, listed to the owner; public: all."""

Scope = Literal["read", "write", "account"]
"""What an API token may do: ``read`` private data, ``write`` (create, change, delete) builds,
compositions and webhooks, manage the ``account`` (its tokens and display name)."""

SCOPES: tuple[Scope, ...] = get_args(Scope)
"""Every scope, in the order they are listed."""

MAX_INT = 2**31 - 1
"""The largest integer a request may carry where the database stores it (a 32-bit column)."""


def _matching(pattern: str, code: str, message: str) -> AfterValidator:
    """A check that ``pattern`` matches the whole text, failing with a plain ``message``."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if compiled.fullmatch(value) is None:
            raise PydanticCustomError(code, message)
        return value

    return AfterValidator(check)


_USER_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{2,63}"
UserName = Annotated[
    str,
    _matching(
        _USER_NAME,
        "invalid_user_name",
        "a user name has 3-64 letters, digits, '_', '.' or '-', starting with a letter or digit",
    ),
    Field(json_schema_extra={"pattern": f"^{_USER_NAME}$"}, examples=["ann"]),
]
"""3-64 letters, digits, ``_``, ``.`` or ``-``, starting with a letter or digit."""

_TAG = r"[A-Za-z0-9][A-Za-z0-9-]{0,31}"
Tag = Annotated[
    str,
    _matching(_TAG, "invalid_tag", "a tag has 1-32 letters, digits or '-', starting with no '-'"),
    AfterValidator(str.lower),
    Field(json_schema_extra={"pattern": f"^{_TAG}$"}, examples=["zerg"]),
]
"""A tag: up to 32 letters, digits or dashes; stored in lower case."""

_EVENT = r"\*|[a-z]+\.\*|[a-z]+\.[a-z_]+"
EventPattern = Annotated[
    str,
    _matching(
        _EVENT,
        "invalid_event_type",
        "an event type is like 'build.created', a family like 'build.*', or '*' for all",
    ),
    Field(json_schema_extra={"pattern": f"^({_EVENT})$"}, examples=["build.*"]),
]
"""An event type (``build.created``), a family (``build.*``) or everything (``*``)."""

Password = Annotated[Line, Field(min_length=10, max_length=256)]
"""A password: 10 to 256 characters on one line."""

_URL = r"https?://[^\s\u0000-\u001f\u007f]+"
WebhookUrl = Annotated[
    str,
    _matching(_URL, "invalid_url", "give an http:// or https:// URL"),
    Field(
        min_length=8,
        max_length=2000,
        json_schema_extra={"pattern": f"^{_URL}$"},
        examples=["https://bot.example.org/hooks/gw2wvw"],
    ),
]
"""An ``http://`` or ``https://`` URL on one line, with no spaces."""

EXAMPLE_CHAT_CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
"""A Firebrand's chat code (the ``firebrand-stab`` archetype's): the examples' build."""

T = TypeVar("T")


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(frozen=True)


class Actor(_In):
    """Who is acting: a signed-in user, or anonymous (``user_id`` None)."""

    user_id: uuid.UUID | None = None
    name: str | None = None
    scopes: frozenset[Scope] = frozenset(SCOPES)
    """What the actor may do; a token's scopes, everything for the library's own callers."""
    token_id: uuid.UUID | None = None
    """The API token the actor signed in with, if any."""

    @property
    def authenticated(self) -> bool:
        """Whether a user is signed in."""
        return self.user_id is not None


ANONYMOUS = Actor()
"""The actor of requests without credentials."""


class UserRef(_Out):
    """Who owns an item."""

    id: uuid.UUID
    name: str


class UserCreate(_In):
    """A new account."""

    name: UserName
    display_name: Line | None = Field(default=None, min_length=1, max_length=100)
    password: Password | None = None


class UserUpdate(_In):
    """Changes to one's own account."""

    display_name: Line | None = Field(default=None, min_length=1, max_length=100)
    password: Password | None = None
    current_password: Line | None = Field(
        default=None,
        min_length=1,
        max_length=256,
        description="The password now, required with a new password.",
    )


class UserRead(_Out):
    """An account as others may see it."""

    id: uuid.UUID
    name: str
    display_name: str
    created_at: datetime


class TokenCreate(_In):
    """A new API token."""

    name: Line = Field(default="api", min_length=1, max_length=100)
    expires_at: datetime | None = None
    scopes: tuple[Scope, ...] = Field(default=("read", "write"), min_length=1, max_length=3)
    """What the token may do (``account`` only when asked for)."""

    @field_validator("scopes")
    @classmethod
    def _once_each(cls, scopes: tuple[Scope, ...]) -> tuple[Scope, ...]:
        return tuple(scope for scope in SCOPES if scope in scopes)


class TokenRead(_Out):
    """An API token without its secret."""

    id: uuid.UUID
    name: str
    prefix: str
    scopes: tuple[Scope, ...]
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None


class IssuedToken(TokenRead):
    """A token just issued: ``token`` is the secret, shown this once."""

    token: str


class _BuildFields(_In):
    name: Line = Field(min_length=1, max_length=100)
    description: Paragraph = Field(default="", max_length=2000)
    visibility: Visibility = "private"
    tags: tuple[Tag, ...] = Field(default=(), max_length=10)


class BuildCreate(_BuildFields):
    """A build to store: as a ``build`` object or as a ``chat_code``."""

    model_config = ConfigDict(
        json_schema_extra={
            **exactly_one_of(("build",), ("chat_code",)),
            "examples": [
                {
                    "name": "Firebrand stability",
                    "chat_code": EXAMPLE_CHAT_CODE,
                    "visibility": "public",
                    "tags": ["zerg"],
                }
            ],
        }
    )

    build: Build | None = None
    chat_code: Line | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_source(self) -> BuildCreate:
        if (self.build is None) == (self.chat_code is None):
            raise ValueError("give either build or chat_code")
        return self


class BuildPatch(_In):
    """Fields to change on a build; what is left out stays as it is."""

    model_config = ConfigDict(
        json_schema_extra={
            **exactly_one_of(("build",), ("chat_code",), ()),
            "examples": [{"name": "Firebrand stability (2)", "chat_code": EXAMPLE_CHAT_CODE}],
        }
    )

    name: Line | None = Field(default=None, min_length=1, max_length=100)
    description: Paragraph | None = Field(default=None, max_length=2000)
    visibility: Visibility | None = None
    tags: tuple[Tag, ...] | None = Field(default=None, max_length=10)
    build: Build | None = None
    chat_code: Line | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _one_source(self) -> BuildPatch:
        if self.build is not None and self.chat_code is not None:
            raise ValueError("give build or chat_code, not both")
        return self


class BuildRead(_Out):
    """A stored build."""

    id: uuid.UUID
    owner: UserRef
    name: str
    description: str
    visibility: Visibility
    profession: str
    elite_specialization: int | None
    chat_code: str
    build: Build
    tags: tuple[str, ...]
    version: int
    created_at: datetime
    updated_at: datetime


class MemberIn(_In):
    """A composition member: an archetype, or a stored build with the role it plays."""

    model_config = ConfigDict(
        json_schema_extra=exactly_one_of(("archetype",), ("build_id", "role"))
    )

    player: Line | None = Field(default=None, min_length=1, max_length=64)
    archetype: ArchetypeRef | None = None
    """An archetype id, or a specialization name for its default archetype."""
    build_id: uuid.UUID | None = None
    role: Role | None = None
    commander: StrictBool = False

    @model_validator(mode="after")
    def _one_kind(self) -> MemberIn:
        if (self.archetype is None) == (self.build_id is None):
            raise ValueError("a member has either an archetype or a build_id")
        if self.build_id is not None and self.role is None:
            raise ValueError("a member with a build needs the role it plays")
        if self.archetype is not None and self.role is not None:
            raise ValueError("role goes with a build; an archetype has its own role")
        return self


class PartyIn(_In):
    """A party of one to five members."""

    members: tuple[MemberIn, ...] = Field(min_length=1, max_length=5)


class _CompositionFields(_In):
    name: Line = Field(min_length=1, max_length=100)
    description: Paragraph = Field(default="", max_length=2000)
    mode: Mode | Literal["custom"] = "zerg"
    targets: Targets | None = None
    visibility: Visibility = "private"
    tags: tuple[Tag, ...] = Field(default=(), max_length=10)


class CompositionCreate(_CompositionFields):
    """A composition to store."""

    parties: tuple[PartyIn, ...] = Field(min_length=1, max_length=10)


class CompositionPatch(_In):
    """Fields to change on a composition; what is left out stays as it is."""

    name: Line | None = Field(default=None, min_length=1, max_length=100)
    description: Paragraph | None = Field(default=None, max_length=2000)
    mode: Mode | Literal["custom"] | None = None
    targets: Targets | None = None
    visibility: Visibility | None = None
    tags: tuple[Tag, ...] | None = Field(default=None, max_length=10)
    parties: tuple[PartyIn, ...] | None = Field(default=None, min_length=1, max_length=10)


class MemberRead(_Out):
    """A stored composition member."""

    player: str | None
    archetype: str | None
    build_id: uuid.UUID | None
    role: str | None
    commander: bool


class PartyRead(_Out):
    """A stored party."""

    members: tuple[MemberRead, ...]


class CompositionRead(_Out):
    """A stored composition."""

    id: uuid.UUID
    owner: UserRef
    name: str
    description: str
    mode: str
    targets: Targets | None
    visibility: Visibility
    tags: tuple[str, ...]
    parties: tuple[PartyRead, ...]
    version: int
    created_at: datetime
    updated_at: datetime


BuildSort = Literal["created", "-created", "updated", "-updated", "name", "-name"]
"""A sort key; a leading ``-`` sorts descending."""


class _Query(_In):
    owner: Line | None = Field(
        default=None, min_length=1, max_length=64, description="Owner's user name, in any case."
    )
    tag: Tag | None = None
    text: Line | None = Field(
        default=None, min_length=1, max_length=100, description="Part of the name, in any case."
    )
    sort: BuildSort = "-created"
    cursor: Line | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="The ``next_cursor`` of the previous page.",
    )
    limit: int = Field(default=20, ge=1, le=100)


class BuildQuery(_Query):
    """Filters, order and page of a build listing."""

    profession: Line | None = Field(
        default=None,
        min_length=1,
        max_length=32,
        description="A profession name in any case, e.g. guardian.",
        examples=["Guardian"],
    )
    elite_specialization: int | None = Field(
        default=None,
        ge=1,
        le=MAX_INT,
        description="An elite specialization id, e.g. 62 (Firebrand).",
        examples=[62],
    )


class CompositionQuery(_Query):
    """Filters, order and page of a composition listing."""

    mode: Line | None = Field(
        default=None,
        min_length=1,
        max_length=16,
        description="A mode in any case: zerg, guild_raid, havoc, roaming or custom.",
        examples=["zerg"],
    )
    archetype: ArchetypeRef | None = None
    """An archetype id or a specialization name (its default archetype)."""


class Page(_Out, Generic[T]):
    """One page of a listing; ``next_cursor`` fetches the next, None at the end."""

    items: tuple[T, ...]
    next_cursor: str | None


FightStatus = Literal["pending", "ready", "failed"]
"""pending: stored, not parsed yet; ready: parsed, the report is there; failed: not a log."""

_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")

FightSort = Literal["created", "-created"]
"""A sort key of fight listings; a leading ``-`` sorts descending."""


class FightCreate(_In):
    """A fight log to store: where it comes from and who may see it."""

    source: Line = Field(min_length=1, max_length=2000)
    """The file name or the dps.report permalink."""
    visibility: Visibility = "private"


class FightRead(_Out):
    """A stored fight: its parsing status, the reason it failed, or its report."""

    id: uuid.UUID
    owner: UserRef
    source: str
    visibility: Visibility
    status: FightStatus
    reason: str | None
    """Why the log could not be read (``failed`` only)."""
    map: str | None
    started_at: datetime | None
    duration_s: float | None
    size: int
    """Bytes of the log as uploaded."""
    report: dict[str, Any] | None
    """The fight report (``gw2wvw.fights.FightReport`` as JSON) once ``ready``."""
    version: int
    created_at: datetime
    updated_at: datetime


class FightQuery(_In):
    """Filters, order and page of a fight listing."""

    owner: Line | None = Field(
        default=None, min_length=1, max_length=64, description="Owner's user name, in any case."
    )
    map: Line | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="The map, as the report names it, in any case.",
        examples=["Eternal Battlegrounds"],
    )
    status: FightStatus | None = None
    started_after: datetime | None = Field(
        default=None, description="Only fights that started at or after this time."
    )
    started_before: datetime | None = Field(
        default=None, description="Only fights that started before this time."
    )
    sort: FightSort = "-created"
    cursor: Line | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="The ``next_cursor`` of the previous page.",
    )
    limit: int = Field(default=20, ge=1, le=100)

    @field_validator("started_after", "started_before", mode="before")
    @classmethod
    def _iso_text(cls, value: object) -> object:
        # Pydantic would read a number as seconds since 1970: the schema says date-time text.
        if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
            raise PydanticCustomError(
                "invalid_datetime", "give an ISO 8601 time, e.g. 2025-11-04T21:38:00Z"
            )
        return value

    @field_validator("started_after", "started_before")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise PydanticCustomError("naive_datetime", "give a time with its UTC offset")
        return value


WebhookKind = Literal["standard", "discord"]
"""standard: signed Standard Webhooks JSON events; discord: messages to a Discord webhook URL."""


class EndpointCreate(_In):
    """A webhook endpoint to register."""

    # The second example is the one a server refusing non-public addresses (the default)
    # refuses too; where GW2WVW_WEBHOOK_ALLOWED_NETWORKS admits loopback, both are accepted.
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"url": "https://bot.example.org/hooks/gw2wvw", "event_types": ["build.*"]},
                {
                    "url": "http://localhost:9/hooks/gw2wvw",
                    "event_types": ["build.created", "composition.*"],
                    "description": "a bot on this machine",
                },
            ]
        }
    )

    url: WebhookUrl
    kind: WebhookKind = "standard"
    """discord needs a Discord webhook URL (``https://discord.com/api/webhooks/...``)."""
    event_types: tuple[EventPattern, ...] = Field(min_length=1, max_length=20)
    description: Paragraph = Field(default="", max_length=500)


class EndpointPatch(_In):
    """Fields to change on a webhook endpoint."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"event_types": ["*"], "description": "every event", "enabled": True}]
        }
    )

    url: WebhookUrl | None = None
    event_types: tuple[EventPattern, ...] | None = Field(default=None, min_length=1, max_length=20)
    description: Paragraph | None = Field(default=None, max_length=500)
    enabled: StrictBool | None = None


class EndpointRead(_Out):
    """A webhook endpoint, without its secret."""

    id: uuid.UUID
    url: str
    kind: WebhookKind = "standard"
    description: str
    event_types: tuple[str, ...]
    enabled: bool
    disabled_reason: str | None
    consecutive_failures: int
    failing_since: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None = None
    """While a rotated-out secret still signs too: until when."""


class EndpointWithSecret(EndpointRead):
    """An endpoint just created or rotated: ``secret`` is shown this once."""

    secret: str


class EventRead(_Out):
    """A domain event of the outbox."""

    id: uuid.UUID
    type: str
    owner_id: uuid.UUID | None
    payload: dict[str, Any]
    created_at: datetime


DeliveryStatus = Literal["pending", "succeeded", "failed", "cancelled"]
"""pending: due now or later; succeeded / failed: done; cancelled: given up without trying."""


class DeliveryRead(_Out):
    """One event for one endpoint: where its delivery stands and how its last attempt went."""

    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    status: DeliveryStatus
    attempts: int
    """Attempts since the delivery (re)started; the retry schedule counts these."""
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    response_code: int | None
    response_body: str | None
    duration_ms: int | None
    error: str | None
    created_at: datetime


class AttemptRead(_Out):
    """One HTTP attempt of a delivery, as the endpoint's delivery log shows it."""

    id: uuid.UUID
    delivery_id: uuid.UUID
    event_id: uuid.UUID
    event_type: str
    number: int
    started_at: datetime
    response_code: int | None
    response_body: str | None
    """The first bytes of the response (``webhook_response_body_limit``)."""
    duration_ms: int
    error: str | None


def delivery_job_id(delivery_id: uuid.UUID, attempts: int, due_at: datetime | None) -> str:
    """A job id naming one attempt of one delivery: queueing it twice queues it once.

    The due time is part of it, so a delivery whose lease expired (its worker died) gets a
    new id while a job that was merely lost and re-enqueued keeps the old one.
    """
    due = int(due_at.timestamp() * 1000) if due_at is not None else 0
    return f"webhook:{delivery_id}:{attempts}:{due}"


class DueDelivery(_Out):
    """A pending delivery and when it is due: what a worker queue is told about."""

    id: uuid.UUID
    attempts: int
    next_attempt_at: datetime

    @property
    def job_id(self) -> str:
        """The de-duplicating job id of this attempt (see :func:`delivery_job_id`)."""
        return delivery_job_id(self.id, self.attempts, self.next_attempt_at)


class Relayed(_Out):
    """What one relay round did: events marked relayed, and the deliveries it created."""

    events: int
    """Outbox events taken; fewer than the limit means the outbox is drained for now."""
    deliveries: tuple[DueDelivery, ...]


class EndpointTarget(_Out):
    """What an attempt needs of an endpoint: where to send and the secrets that sign."""

    id: uuid.UUID
    owner_id: uuid.UUID
    url: str
    secrets: tuple[str, ...] = Field(repr=False)
    """The current secret first, then a rotated-out one still in its grace period."""
    kind: WebhookKind = "standard"


class DeliveryTask(_Out):
    """A claimed delivery: everything one attempt needs, reserved until ``lease_until``."""

    delivery: DeliveryRead
    endpoint: EndpointTarget
    event: EventRead
    lease_until: datetime
    """The claim: recording the attempt checks the delivery is still reserved until then."""


AttemptVerdict = Literal["succeeded", "gone", "failed"]
"""succeeded: 2xx; gone: 410, the endpoint is disabled; failed: anything else."""


class AttemptRecord(_In):
    """The outcome of one attempt, and when to try again (None: give up if it failed)."""

    verdict: AttemptVerdict
    started_at: datetime
    duration_ms: int = Field(ge=0)
    response_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    next_attempt_at: datetime | None = None


class Recorded(_Out):
    """What recording an attempt did."""

    delivery: DeliveryRead | None
    """The delivery after the attempt; None if it was deleted meanwhile (with its endpoint)."""
    applied: bool
    """False when the claim had lapsed (redelivered, or claimed again): only the log changed."""
    disabled_reason: str | None = None
    """Set when this attempt disabled the endpoint."""

    @property
    def due(self) -> DueDelivery | None:
        """The retry to queue, if the delivery is still pending."""
        found = self.delivery
        if not self.applied or found is None or found.status != "pending":
            return None
        if found.next_attempt_at is None:
            return None
        return DueDelivery(
            id=found.id, attempts=found.attempts, next_attempt_at=found.next_attempt_at
        )


def _time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise PydanticCustomError(
            "unknown_time_zone", "give an IANA time zone such as Europe/Berlin"
        ) from error
    return name


TimeZone = Annotated[
    str, Field(min_length=1, max_length=64, examples=["Europe/Berlin"]), AfterValidator(_time_zone)
]
"""An IANA time zone name, e.g. ``Europe/Berlin`` or ``UTC``."""

_GUILD_TAG = r"[A-Za-z0-9]{1,4}"
GuildTag = Annotated[
    str,
    _matching(_GUILD_TAG, "invalid_guild_tag", "a guild tag has 1-4 letters or digits"),
    Field(json_schema_extra={"pattern": f"^{_GUILD_TAG}$"}, examples=["VIG"]),
]
"""A guild's tag as the game shows it in brackets, without them: 1-4 letters or digits."""


_RFC3339_START = re.compile(r"\d{4}-")


def _moment_text(value: Any) -> Any:
    # Pydantic would read a number, or text that is one ("0.5" in a query), as a Unix time:
    # an event's start is written as RFC 3339 text, which starts with its year.
    if not isinstance(value, datetime) and not (
        isinstance(value, str) and _RFC3339_START.match(value)
    ):
        raise PydanticCustomError(
            "invalid_date_time", "give a date and time as text, with a time zone (RFC 3339)"
        )
    return value


Moment = Annotated[
    AwareDatetime, BeforeValidator(_moment_text), Field(examples=["2026-12-05T20:00:00+01:00"])
]
"""A date and time with a time zone, as RFC 3339 text (or an aware datetime)."""

SignupStatus = Literal["coming", "maybe", "late", "backup"]
"""coming: there from the start; late: joins after the start; backup: plays if needed;
maybe: may not come at all (planned last)."""


class _RaidFields(_In):
    name: Line = Field(min_length=1, max_length=100)
    description: Paragraph = Field(default="", max_length=2000)
    starts_at: Moment
    """When it starts; any offset, stored as UTC."""
    time_zone: TimeZone = "UTC"
    """The zone the start is shown in (the officer's), an IANA name."""
    mode: Mode = "zerg"
    size: int = Field(default=50, ge=5, le=50)
    guild_tag: GuildTag | None = None
    visibility: Visibility = "private"


class RaidCreate(_RaidFields):
    """A raid night to announce."""


class RaidPatch(_In):
    """Fields to change on an event; what is left out stays as it is."""

    name: Line | None = Field(default=None, min_length=1, max_length=100)
    description: Paragraph | None = Field(default=None, max_length=2000)
    starts_at: Moment | None = None
    time_zone: TimeZone | None = None
    mode: Mode | None = None
    size: int | None = Field(default=None, ge=5, le=50)
    guild_tag: GuildTag | None = None
    visibility: Visibility | None = None


class RaidRead(_Out):
    """A stored event (raid night)."""

    id: uuid.UUID
    owner: UserRef
    name: str
    description: str
    starts_at: datetime
    """UTC."""
    time_zone: str
    local_start: datetime
    """``starts_at`` in ``time_zone``."""
    mode: Mode
    size: int
    guild_tag: str | None
    visibility: Visibility
    locked: bool
    composition_id: uuid.UUID | None
    """The plan built from the sign-ups, once there is one."""
    signups: int
    """How many members signed up."""
    version: int
    created_at: datetime
    updated_at: datetime


class RaidQuery(_In):
    """Filters, order and page of an event listing (soonest first by default)."""

    owner: Line | None = Field(
        default=None, min_length=1, max_length=64, description="Owner's user name, in any case."
    )
    guild_tag: GuildTag | None = Field(default=None, description="A guild tag, in any case.")
    mode: Mode | None = None
    starts_after: Moment | None = Field(
        default=None, description="Only events starting at or after this instant."
    )
    sort: Literal["starts", "-starts", "created", "-created"] = "starts"
    cursor: Line | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="The ``next_cursor`` of the previous page.",
    )
    limit: int = Field(default=20, ge=1, le=100)


class SignupIn(_In):
    """A sign-up: what the member can play, most preferred first, and whether they come."""

    player: Line | None = Field(default=None, min_length=1, max_length=64)
    """The name in the squad (a character or account name); default: the user name."""
    specializations: tuple[ArchetypeRef, ...] = Field(min_length=1, max_length=20)
    """Specialization names or archetype ids, most preferred first."""
    status: SignupStatus = "coming"
    note: Paragraph = Field(default="", max_length=500)


class SignupRead(_Out):
    """A stored sign-up; ``specializations`` are archetype ids, most preferred first."""

    id: uuid.UUID
    event_id: uuid.UUID
    user: UserRef
    player: str
    specializations: tuple[str, ...]
    status: SignupStatus
    note: str
    version: int
    created_at: datetime
    updated_at: datetime
