"""`FightRepository`: uploaded fight logs, their parsing status and reports, visible by the
rules of builds."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, select, update

from gw2wvw.store.base import Repository, Transaction, owned_by, require_user, visible_to
from gw2wvw.store.errors import NotFound, PermissionDenied
from gw2wvw.store.ids import uuid7
from gw2wvw.store.pagination import encode_cursor, keyset
from gw2wvw.store.schemas import Actor, FightCreate, FightQuery, FightRead, Page, UserRef
from gw2wvw.store.tables import FightRow, User, utcnow

# Everything but the original: listings and reads never carry the stored log.
_COLUMNS = (
    FightRow.id,
    FightRow.owner_id,
    User.name.label("owner_name"),
    FightRow.source,
    FightRow.visibility,
    FightRow.status,
    FightRow.reason,
    FightRow.map,
    FightRow.started_at,
    FightRow.duration_s,
    FightRow.size,
    FightRow.report,
    FightRow.version,
    FightRow.created_at,
    FightRow.updated_at,
)
_SORTS = {"created": FightRow.created_at}


def _read(row: Any, *, report: bool = True) -> FightRead:
    return FightRead(
        id=row.id,
        owner=UserRef(id=row.owner_id, name=row.owner_name),
        source=row.source,
        visibility=row.visibility,
        status=row.status,
        reason=row.reason,
        map=row.map,
        started_at=row.started_at,
        duration_s=row.duration_s,
        size=row.size,
        report=row.report if report else None,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _visible(actor: Actor, *, listed: bool) -> ColumnElement[bool]:
    """What ``actor`` may see: public fights (and unlisted ones by id), and their own."""
    return visible_to(actor, FightRow.visibility, FightRow.owner_id, listed=listed)


def _select() -> Select[Any]:
    return select(*_COLUMNS).join(User, User.id == FightRow.owner_id)


class FightRepository(Repository):
    """Store fight logs as they arrive, record what parsing made of them, read and list them.

    A fight is created ``pending`` with its compressed original; the parsing job then marks it
    ``ready`` with its report or ``failed`` with the reason, once: the report, map, start and
    duration are written in one statement, so a fight is never half imported.
    """

    async def _fetch(self, tx: Transaction, actor: Actor | None, fight_id: uuid.UUID) -> FightRead:
        statement = _select().where(FightRow.id == fight_id)
        if actor is not None:
            statement = statement.where(_visible(actor, listed=False))
        row = (await tx.session.execute(statement)).first()
        if row is None:
            raise NotFound("fight", fight_id)
        return _read(row)

    async def create(self, actor: Actor, new: FightCreate, original: bytes, size: int) -> FightRead:
        """Store a ``pending`` fight owned by ``actor``: ``original`` is the log as uploaded,
        gzip-compressed, and ``size`` its length before compression."""
        owner = require_user(actor)
        now = utcnow()
        fight_id = uuid7()
        async with self._tx() as tx:
            tx.session.add(
                FightRow(
                    id=fight_id,
                    owner_id=owner,
                    visibility=new.visibility,
                    status="pending",
                    source=new.source,
                    original=original,
                    size=size,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            await tx.session.flush()
            return await self._fetch(tx, None, fight_id)

    async def get(self, actor: Actor, fight_id: uuid.UUID) -> FightRead:
        """A fight ``actor`` may see (private ones are their owner's only); NotFound otherwise."""
        async with self._tx(write=False) as tx:
            return await self._fetch(tx, actor, fight_id)

    async def original(self, fight_id: uuid.UUID) -> tuple[str, bytes]:
        """The source and the stored (gzip-compressed) original of a fight, for the parsing
        job; NotFound if it was deleted meanwhile."""
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(
                    select(FightRow.source, FightRow.original).where(FightRow.id == fight_id)
                )
            ).first()
        if row is None:
            raise NotFound("fight", fight_id)
        return row.source, row.original

    async def pending(self, limit: int = 1000) -> list[uuid.UUID]:
        """The fights still waiting for the parsing job, oldest first (a crash leaves some)."""
        async with self._tx(write=False) as tx:
            rows = await tx.session.execute(
                select(FightRow.id)
                .where(FightRow.status == "pending")
                .order_by(FightRow.created_at, FightRow.id)
                .limit(limit)
            )
            return list(rows.scalars())

    async def _finish(self, fight_id: uuid.UUID, values: dict[str, Any]) -> tuple[FightRead, bool]:
        """Move a pending fight to its final state; whether this call did it."""
        async with self._tx() as tx:
            result = await tx.session.execute(
                update(FightRow)
                .where(FightRow.id == fight_id, FightRow.status == "pending")
                .values(**values, version=FightRow.version + 1, updated_at=utcnow())
            )
            finished = await self._fetch(tx, None, fight_id)
            moved = result.rowcount == 1  # type: ignore[attr-defined]
            if moved and finished.status == "ready":
                # Subscribers get the fight without its report: they fetch that by its URL.
                payload = finished.model_copy(update={"report": None}).model_dump(mode="json")
                await tx.emit("fight.imported", finished.owner.id, payload)
        return finished, moved

    async def mark_ready(
        self,
        fight_id: uuid.UUID,
        report: dict[str, Any],
        *,
        map: str,
        started_at: datetime | None,
        duration_s: float,
    ) -> FightRead:
        """Record a pending fight's report; emits ``fight.imported``.

        A fight already ready or failed stays as it is (a job run twice changes nothing).
        """
        finished, _ = await self._finish(
            fight_id,
            {
                "status": "ready",
                "report": report,
                "map": map[:100],
                "started_at": started_at,
                "duration_s": duration_s,
                "reason": None,
            },
        )
        return finished

    async def mark_failed(self, fight_id: uuid.UUID, reason: str) -> FightRead:
        """Record why a pending fight could not be read; a finished fight stays as it is."""
        finished, _ = await self._finish(fight_id, {"status": "failed", "reason": reason})
        return finished

    async def list(self, actor: Actor, query: FightQuery) -> Page[FightRead]:
        """One page of the fights ``actor`` may list, without their reports (read a fight for
        its report)."""
        statement = _select().where(_visible(actor, listed=query.owner is None))
        if query.owner is not None:
            statement = owned_by(statement, actor, query.owner, FightRow.visibility)
        if query.map is not None:
            statement = statement.where(func.lower(FightRow.map) == query.map.casefold())
        if query.status is not None:
            statement = statement.where(FightRow.status == query.status)
        if query.started_after is not None:
            statement = statement.where(FightRow.started_at >= query.started_after)
        if query.started_before is not None:
            statement = statement.where(FightRow.started_at < query.started_before)
        order, after = keyset(query.sort, _SORTS, FightRow.id, query.cursor)
        if after is not None:
            statement = statement.where(after)
        statement = statement.order_by(*order).limit(query.limit + 1)
        rows = await self._fetch_rows(statement, {})
        if not rows and query.owner is not None:
            await self._check_owner(query.owner)
        items = [_read(row, report=False) for row in rows[: query.limit]]
        cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            cursor = encode_cursor(query.sort, last.created_at, last.id)
        return Page[FightRead](items=tuple(items), next_cursor=cursor)

    async def delete(self, actor: Actor, fight_id: uuid.UUID) -> None:
        """Delete a fight of ``actor``'s; PermissionDenied for another's, NotFound if hidden."""
        require_user(actor)
        async with self._tx() as tx:
            current = await self._fetch(tx, actor, fight_id)
            if current.owner.id != actor.user_id:
                raise PermissionDenied(f"fight {fight_id} belongs to {current.owner.name}")
            await tx.session.execute(delete(FightRow).where(FightRow.id == fight_id))
