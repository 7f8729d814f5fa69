"""The database schema: SQLAlchemy tables for users, tokens, GW2 API keys, builds, compositions,
fights, raid nights and sign-ups, webhooks and the event outbox. Migrations in
``gw2wvw/migrations`` create exactly this (a test compares)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from gw2wvw.store.ids import uuid7

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""Constraint names that are the same on SQLite and PostgreSQL, so migrations can name them."""


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite keeps naive text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store aware datetimes as UTC; refuse naive ones, which are ambiguous."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        # SQLite compares timestamps as text: a naive, fixed-format UTC value sorts correctly.
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return every timestamp as an aware UTC datetime."""
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class Base(DeclarativeBase):
    """The declarative base of every table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON,
        list[Any]: JSON,
    }


class User(Base):
    """A person who owns builds, compositions and webhooks."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    name: Mapped[str] = mapped_column(String(64))
    name_key: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """An API token: only its SHA-256 is stored; the prefix helps people recognise it."""

    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Space-separated, as OAuth writes them; tokens made before scopes existed could do it all.
    scopes: Mapped[str] = mapped_column(String(100), server_default="read write account")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class Gw2Key(Base):
    """A user's official GW2 API key, encrypted (Fernet), with what ``/v2/tokeninfo`` said."""

    __tablename__ = "gw2_keys"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    ciphertext: Mapped[str] = mapped_column(Text)
    key_name: Mapped[str] = mapped_column(String(200))
    # Space-separated, like the tokens' scopes.
    permissions: Mapped[str] = mapped_column(String(300))
    account_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class Tag(Base):
    """A tag name, shared by builds and compositions."""

    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(32), unique=True)


class BuildRow(Base):
    """A stored build. ``tags`` is what reads show; ``build_tags`` is the index for filtering."""

    __tablename__ = "builds"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'unlisted', 'public')", name="visibility"),
        Index("ix_builds_owner_created", "owner_id", "created_at", "id"),
        Index("ix_builds_visibility_created", "visibility", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    visibility: Mapped[str] = mapped_column(String(16))
    profession: Mapped[str] = mapped_column(String(32), index=True)
    elite_specialization: Mapped[int | None] = mapped_column(Integer, index=True)
    chat_code: Mapped[str] = mapped_column(String(200))
    data: Mapped[dict[str, Any]]
    tags: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class BuildTag(Base):
    """Which build carries which tag."""

    __tablename__ = "build_tags"

    build_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("builds.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CompositionRow(Base):
    """A stored squad composition; its members are rows of ``composition_members``."""

    __tablename__ = "compositions"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'unlisted', 'public')", name="visibility"),
        Index("ix_compositions_owner_created", "owner_id", "created_at", "id"),
        Index("ix_compositions_visibility_created", "visibility", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    mode: Mapped[str] = mapped_column(String(16), index=True)
    targets: Mapped[dict[str, Any] | None]
    visibility: Mapped[str] = mapped_column(String(16))
    tags: Mapped[list[Any]]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class CompositionTag(Base):
    """Which composition carries which tag."""

    __tablename__ = "composition_tags"

    composition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("compositions.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(
        ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class CompositionMember(Base):
    """One member of a composition: an archetype, or a stored build played in a role."""

    __tablename__ = "composition_members"
    __table_args__ = (
        UniqueConstraint("composition_id", "party", "position"),
        CheckConstraint("(archetype IS NULL) <> (build_id IS NULL)", name="archetype_or_build"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    composition_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("compositions.id", ondelete="CASCADE")
    )
    party: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)
    player: Mapped[str | None] = mapped_column(String(64))
    archetype: Mapped[str | None] = mapped_column(String(64), index=True)
    # A build in use cannot be deleted: the composition would lose a member silently.
    build_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("builds.id", ondelete="RESTRICT"), index=True
    )
    role: Mapped[str | None] = mapped_column(String(16))
    commander: Mapped[bool] = mapped_column(Boolean, default=False)


class FightRow(Base):
    """An uploaded fight log: its compressed original and, once parsed, its report."""

    __tablename__ = "fights"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'unlisted', 'public')", name="visibility"),
        CheckConstraint("status IN ('pending', 'ready', 'failed')", name="status"),
        Index("ix_fights_owner_created", "owner_id", "created_at", "id"),
        Index("ix_fights_visibility_created", "visibility", "created_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    visibility: Mapped[str] = mapped_column(String(16))
    # Indexed so that start-up finds the fights a crash left pending without a scan.
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(2000))
    map: Mapped[str | None] = mapped_column(String(100), index=True)
    started_at: Mapped[datetime | None] = mapped_column(index=True)
    duration_s: Mapped[float | None] = mapped_column(Float)
    report: Mapped[dict[str, Any] | None]
    # The log as uploaded, gzip-compressed; read only by the parsing job.
    original: Mapped[bytes] = mapped_column(LargeBinary)
    size: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookEndpoint(Base):
    """A subscriber's URL, its signing secret(s), event filter and failure state."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    url: Mapped[str] = mapped_column(String(2000))
    # standard: Standard Webhooks, signed; discord: Discord messages to a Discord webhook URL.
    kind: Mapped[str] = mapped_column(String(16), server_default="standard")
    description: Mapped[str] = mapped_column(Text, default="")
    secret: Mapped[str] = mapped_column(String(100))
    previous_secret: Mapped[str | None] = mapped_column(String(100))
    previous_secret_expires_at: Mapped[datetime | None]
    event_types: Mapped[list[Any]]
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    failing_since: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutboxEvent(Base):
    """A domain event, written in the transaction of the change it describes."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "relayed_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    type: Mapped[str] = mapped_column(String(64))
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    payload: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    relayed_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    """One event for one endpoint: its state and when to try next."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("event_id", "endpoint_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        CheckConstraint("status IN ('pending', 'succeeded', 'failed', 'cancelled')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"))
    endpoint_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookAttempt(Base):
    """One HTTP attempt of a delivery, for the endpoint's delivery log."""

    __tablename__ = "webhook_attempts"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    delivery_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    response_code: Mapped[int | None] = mapped_column(Integer)
    response_body: Mapped[str | None] = mapped_column(Text)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)


class EventRow(Base):
    """A raid night: when, what kind of squad, who may see it, and the plan built for it."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("visibility IN ('private', 'unlisted', 'public')", name="visibility"),
        CheckConstraint("size BETWEEN 5 AND 50", name="size"),
        Index("ix_events_owner_starts", "owner_id", "starts_at", "id"),
        Index("ix_events_visibility_starts", "visibility", "starts_at", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    owner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime]
    # The IANA zone the officer announced it in: the instant is UTC, the zone is for display.
    time_zone: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Integer)
    guild_tag: Mapped[str | None] = mapped_column(String(4))
    visibility: Mapped[str] = mapped_column(String(16))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    # The plan outlives nothing: deleting its composition leaves the event unplanned.
    composition_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("compositions.id", ondelete="SET NULL")
    )
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class SignupRow(Base):
    """One member's sign-up to an event: who plays, what they can bring, whether they come."""

    __tablename__ = "signups"
    __table_args__ = (
        UniqueConstraint("event_id", "user_id"),
        CheckConstraint("status IN ('coming', 'maybe', 'late', 'backup')", name="status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid7)
    event_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    player: Mapped[str] = mapped_column(String(64))
    # Archetype ids, most preferred first.
    specializations: Mapped[list[Any]]
    status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
