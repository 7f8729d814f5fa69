"""`WebhookRepository`: a user's webhook endpoints, their signing secrets and failure state."""

from __future__ import annotations

import base64
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update

from gw2wvw.store.base import Repository, Transaction, require_user
from gw2wvw.store.errors import (
    Conflict,
    ErrorDetail,
    NotFound,
    ValidationFailed,
    VersionConflict,
)
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import (
    Actor,
    DeliveryRead,
    EndpointCreate,
    EndpointPatch,
    EndpointRead,
    EndpointWithSecret,
)
from gw2wvw.store.tables import OutboxEvent, WebhookDelivery, WebhookEndpoint, utcnow

UrlCheck = Callable[[str], Awaitable[None]]
"""Checks a URL before it is registered; raises ValidationFailed (at ``/url``) to refuse it.

The store cannot import the check itself (``gw2wvw.events`` sits above it), so whoever opens
the store passes one in: ``open_store(..., url_check=gw2wvw.events.url_check(networks))``.
"""

TEST_EVENT = "webhook.test"
"""The type of the event :meth:`WebhookRepository.send_test` sends."""

SECRET_PREFIX = "whsec_"
"""Standard Webhooks secrets are ``whsec_`` and the base64 of the key."""


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


DISCORD_PATH = "/api/webhooks/"
"""Where Discord's webhook URLs live under its API base."""


def discord_url_problem(url: str, base: str) -> str | None:
    """Why ``url`` is not a Discord webhook URL under ``base`` (None when it is one)."""
    prefix = base.rstrip("/") + DISCORD_PATH
    if not url.startswith(prefix):
        return f"a discord endpoint's URL starts with {prefix}"
    rest = url[len(prefix) :].split("?", 1)[0].split("/")
    if len(rest) != 2 or not rest[0].isdigit() or not rest[1]:
        return f"a Discord webhook URL is {prefix}<id>/<token>"
    return None


def _read(row: Any) -> EndpointRead:
    return EndpointRead(
        id=row.id,
        url=row.url,
        kind=row.kind,
        description=row.description,
        event_types=tuple(row.event_types),
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        consecutive_failures=row.consecutive_failures,
        failing_since=row.failing_since,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
        previous_secret_expires_at=row.previous_secret_expires_at
        if row.previous_secret is not None
        else None,
    )


class WebhookRepository(Repository):
    """Register, list, change and remove webhook endpoints."""

    async def _row(self, tx: Transaction, actor: Actor, endpoint_id: uuid.UUID) -> WebhookEndpoint:
        user_id = require_user(actor)
        row = (
            await tx.session.execute(
                select(WebhookEndpoint).where(
                    WebhookEndpoint.id == endpoint_id, WebhookEndpoint.owner_id == user_id
                )
            )
        ).scalar()
        if row is None:
            raise NotFound("webhook endpoint", endpoint_id)
        return row

    async def _check_url(self, url: str) -> None:
        # Before the write transaction opens (unless a unit of work already holds one):
        # resolving a name may take seconds, and must not hold the database's write lock.
        check = self.store.url_check
        if check is not None:
            await check(url)

    def _check_kind(self, url: str, kind: str) -> None:
        if kind != "discord":
            return
        problem = discord_url_problem(url, self.store.webhook_settings.discord_api_base)
        if problem is not None:
            raise ValidationFailed([ErrorDetail("/url", "not_discord_webhook", problem)])

    async def create(self, actor: Actor, new: EndpointCreate) -> EndpointWithSecret:
        """Register an endpoint; the result carries its secret, shown this once.

        The URL is checked first (when the store has a ``url_check``): a refused one raises
        ValidationFailed at ``/url`` and nothing is stored. A discord endpoint's URL must be a
        Discord webhook URL under the settings' ``discord_api_base``.
        """
        user_id = require_user(actor)
        self._check_kind(new.url, new.kind)
        await self._check_url(new.url)
        endpoint_id = uuid7()
        secret = new_secret()
        now = utcnow()
        async with self._tx() as tx:
            await tx.session.execute(
                insert(WebhookEndpoint).values(
                    id=endpoint_id,
                    owner_id=user_id,
                    url=new.url,
                    kind=new.kind,
                    description=new.description,
                    secret=secret,
                    event_types=list(dict.fromkeys(new.event_types)),
                    enabled=True,
                    consecutive_failures=0,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            row = await self._row(tx, actor, endpoint_id)
        return EndpointWithSecret(**_read(row).model_dump(), secret=secret)

    async def get(self, actor: Actor, endpoint_id: uuid.UUID) -> EndpointRead:
        """One of the actor's endpoints."""
        async with self._tx(write=False) as tx:
            return _read(await self._row(tx, actor, endpoint_id))

    async def list(self, actor: Actor) -> list[EndpointRead]:
        """The actor's endpoints, oldest first."""
        user_id = require_user(actor)
        async with self._tx(write=False) as tx:
            rows = (
                await tx.session.execute(
                    select(WebhookEndpoint)
                    .where(WebhookEndpoint.owner_id == user_id)
                    .order_by(WebhookEndpoint.id)
                )
            ).scalars()
            return [_read(row) for row in rows]

    async def update(
        self,
        actor: Actor,
        endpoint_id: uuid.UUID,
        changes: EndpointPatch,
        expected_version: int | None = None,
    ) -> EndpointRead:
        """Change an endpoint; enabling one clears its failure state; a new URL is checked."""
        require_user(actor)
        if changes.url is not None:
            await self._check_url(changes.url)
        values: dict[str, Any] = {
            k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None
        }
        if "event_types" in values:
            values["event_types"] = list(dict.fromkeys(values["event_types"]))
        if values.get("enabled") is True:
            values.update(disabled_reason=None, consecutive_failures=0, failing_since=None)
        async with self._tx() as tx:
            row = await self._row(tx, actor, endpoint_id)
            if changes.url is not None:
                self._check_kind(changes.url, row.kind)
            version = row.version
            if expected_version is not None and version != expected_version:
                raise VersionConflict("webhook endpoint", endpoint_id, expected_version, version)
            statement = update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            if expected_version is not None:
                # Without an expected version the patch applies to whatever version is current
                # (a concurrent writer must not turn it into a conflict the caller never asked for).
                statement = statement.where(WebhookEndpoint.version == expected_version)
            result = await tx.session.execute(
                statement.values(
                    **values, version=WebhookEndpoint.version + 1, updated_at=utcnow()
                ).execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise VersionConflict("webhook endpoint", endpoint_id, version, version + 1)
            tx.session.expire_all()
            return _read(await self._row(tx, actor, endpoint_id))

    async def delete(self, actor: Actor, endpoint_id: uuid.UUID) -> None:
        """Remove an endpoint and its delivery log."""
        async with self._tx() as tx:
            await self._row(tx, actor, endpoint_id)
            await tx.session.execute(
                delete(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            )

    async def rotate_secret(
        self,
        actor: Actor,
        endpoint_id: uuid.UUID,
        grace: timedelta | None = None,
        *,
        now: datetime | None = None,
    ) -> EndpointWithSecret:
        """Give an endpoint a new secret; the old one also signs for ``grace`` (None: settings).

        Deliveries carry both signatures until the grace period ends, so the receiver can
        switch to the new secret at its own pace. Only the latest old secret is kept.
        """
        now = now or utcnow()
        if grace is None:
            grace = timedelta(seconds=self.store.webhook_settings.secret_grace)
        secret = new_secret()
        async with self._tx() as tx:
            row = await self._row(tx, actor, endpoint_id)
            keep = grace > timedelta(0)
            await tx.session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == endpoint_id)
                .values(
                    secret=secret,
                    previous_secret=row.secret if keep else None,
                    previous_secret_expires_at=now + grace if keep else None,
                    version=WebhookEndpoint.version + 1,
                    updated_at=now,
                )
                .execution_options(synchronize_session=False)
            )
            tx.session.expire_all()
            row = await self._row(tx, actor, endpoint_id)
        return EndpointWithSecret(**_read(row).model_dump(), secret=secret)

    async def send_test(
        self, actor: Actor, endpoint_id: uuid.UUID, *, now: datetime | None = None
    ) -> DeliveryRead:
        """Queue a ``webhook.test`` event for this one endpoint; returns its delivery.

        The event is written already relayed, with its single delivery, so the relay never
        offers it to the owner's other endpoints. A disabled endpoint raises Conflict.
        """
        now = now or utcnow()
        async with self._tx() as tx:
            row = await self._row(tx, actor, endpoint_id)
            if not row.enabled:
                raise Conflict(f"webhook endpoint {endpoint_id} is disabled; enable it first")
            event_id, delivery_id = uuid7(), uuid7()
            payload = {
                "endpoint_id": str(endpoint_id),
                "message": "A test event from gw2wvw: this endpoint receives webhooks.",
            }
            await tx.execute(
                insert(OutboxEvent),
                {
                    "id": event_id,
                    "type": TEST_EVENT,
                    "owner_id": row.owner_id,
                    "payload": payload,
                    "created_at": now,
                    "relayed_at": now,
                },
            )
            await tx.execute(
                insert(WebhookDelivery),
                {
                    "id": delivery_id,
                    "event_id": event_id,
                    "endpoint_id": endpoint_id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                },
            )
        return DeliveryRead(
            id=delivery_id,
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=TEST_EVENT,
            status="pending",
            attempts=0,
            next_attempt_at=now,
            last_attempt_at=None,
            response_code=None,
            response_body=None,
            duration_ms=None,
            error=None,
            created_at=now,
        )
