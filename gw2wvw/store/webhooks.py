"""`WebhookRepository`: a user's webhook endpoints, their signing secrets and failure state."""

from __future__ import annotations

import base64
import secrets
import uuid
from typing import Any

from sqlalchemy import delete, insert, select, update

from gw2wvw.store.base import Repository, Transaction, require_user
from gw2wvw.store.errors import NotFound, VersionConflict
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import (
    Actor,
    EndpointCreate,
    EndpointPatch,
    EndpointRead,
    EndpointWithSecret,
)
from gw2wvw.store.tables import WebhookEndpoint, utcnow

SECRET_PREFIX = "whsec_"
"""Standard Webhooks secrets are ``whsec_`` and the base64 of the key."""


def new_secret() -> str:
    """A fresh signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def _read(row: Any) -> EndpointRead:
    return EndpointRead(
        id=row.id,
        url=row.url,
        description=row.description,
        event_types=tuple(row.event_types),
        enabled=row.enabled,
        disabled_reason=row.disabled_reason,
        consecutive_failures=row.consecutive_failures,
        failing_since=row.failing_since,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
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

    async def create(self, actor: Actor, new: EndpointCreate) -> EndpointWithSecret:
        """Register an endpoint; the result carries its secret, shown this once."""
        user_id = require_user(actor)
        endpoint_id = uuid7()
        secret = new_secret()
        now = utcnow()
        async with self._tx() as tx:
            await tx.session.execute(
                insert(WebhookEndpoint).values(
                    id=endpoint_id,
                    owner_id=user_id,
                    url=new.url,
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
        """Change an endpoint; enabling one clears its failure state."""
        values: dict[str, Any] = {
            k: v for k, v in changes.model_dump(exclude_unset=True).items() if v is not None
        }
        if "event_types" in values:
            values["event_types"] = list(dict.fromkeys(values["event_types"]))
        if values.get("enabled") is True:
            values.update(disabled_reason=None, consecutive_failures=0, failing_since=None)
        async with self._tx() as tx:
            row = await self._row(tx, actor, endpoint_id)
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
