"""`OutboxRepository`: the events written with each change, in the order they happened."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select

from gw2wvw.store.base import Repository
from gw2wvw.store.errors import NotFound
from gw2wvw.store.schemas import EventRead
from gw2wvw.store.tables import OutboxEvent


def _read(row: Any) -> EventRead:
    return EventRead(
        id=row.id,
        type=row.type,
        owner_id=row.owner_id,
        payload=row.payload,
        created_at=row.created_at,
    )


class OutboxRepository(Repository):
    """Read the event outbox (the webhook relay is its consumer)."""

    async def get(self, event_id: uuid.UUID) -> EventRead:
        """One event by id."""
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(select(OutboxEvent).where(OutboxEvent.id == event_id))
            ).scalar()
        if row is None:
            raise NotFound("event", event_id)
        return _read(row)

    async def list(self, after: uuid.UUID | None = None, limit: int = 100) -> list[EventRead]:
        """Events in the order they were written, after ``after`` when given."""
        statement = select(OutboxEvent).order_by(OutboxEvent.id).limit(limit)
        if after is not None:
            statement = statement.where(OutboxEvent.id > after)
        async with self._tx(write=False) as tx:
            rows = (await tx.session.execute(statement)).scalars()
            return [_read(row) for row in rows]
