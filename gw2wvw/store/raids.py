"""`RaidRepository`: raid nights (events), the members' sign-ups, locking and the saved plan."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, delete, func, insert, select, update

from gw2wvw.squad.roles import ArchetypeNotFound
from gw2wvw.store.base import Repository, Transaction, owned_by, require_user, visible_to
from gw2wvw.store.compositions import CompositionRepository
from gw2wvw.store.errors import (
    Conflict,
    ErrorDetail,
    NotFound,
    PermissionDenied,
    ValidationFailed,
    VersionConflict,
)
from gw2wvw.store.ids import uuid7
from gw2wvw.store.pagination import encode_cursor, keyset
from gw2wvw.store.schemas import (
    Actor,
    CompositionCreate,
    CompositionPatch,
    Page,
    RaidCreate,
    RaidPatch,
    RaidQuery,
    RaidRead,
    SignupIn,
    SignupRead,
    UserRef,
)
from gw2wvw.store.tables import EventRow, SignupRow, User, utcnow

if TYPE_CHECKING:
    from gw2wvw.store.planning import EventPlan

_SORTS = {"starts": EventRow.starts_at, "created": EventRow.created_at}


class EventLocked(Conflict):
    """The event is locked: only its owner may change sign-ups until it is unlocked."""


def _visible(actor: Actor, *, listed: bool) -> ColumnElement[bool]:
    return visible_to(actor, EventRow.visibility, EventRow.owner_id, listed=listed)


def _select() -> Select[Any]:
    count = (
        select(func.count(SignupRow.id))
        .where(SignupRow.event_id == EventRow.id)
        .correlate(EventRow)
        .scalar_subquery()
    )
    return select(EventRow, User.name.label("owner_name"), count.label("signups")).join(
        User, User.id == EventRow.owner_id
    )


def _read(row: Any) -> RaidRead:
    event: EventRow = row.EventRow
    return RaidRead(
        id=event.id,
        owner=UserRef(id=event.owner_id, name=row.owner_name),
        name=event.name,
        description=event.description,
        starts_at=event.starts_at,
        time_zone=event.time_zone,
        local_start=event.starts_at.astimezone(ZoneInfo(event.time_zone)),
        mode=event.mode,
        size=event.size,
        guild_tag=event.guild_tag,
        visibility=event.visibility,
        locked=event.locked,
        composition_id=event.composition_id,
        signups=row.signups,
        version=event.version,
        created_at=event.created_at,
        updated_at=event.updated_at,
    )


def _signup(row: SignupRow, user_name: str) -> SignupRead:
    return SignupRead(
        id=row.id,
        event_id=row.event_id,
        user=UserRef(id=row.user_id, name=user_name),
        player=row.player,
        specializations=tuple(row.specializations),
        status=row.status,
        note=row.note,
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class RaidRepository(Repository):
    """Create, read, list, change and lock events; sign members up and record the plan."""

    async def _fetch(self, tx: Transaction, actor: Actor, ident: uuid.UUID) -> RaidRead:
        row = (
            await tx.session.execute(
                _select().where(EventRow.id == ident, _visible(actor, listed=False))
            )
        ).first()
        if row is None:
            raise NotFound("event", ident)
        return _read(row)

    async def _owned(
        self, tx: Transaction, actor: Actor, ident: uuid.UUID, expected: int | None = None
    ) -> RaidRead:
        # Writers of one event queue on its row (PostgreSQL; SQLite has one writer).
        await tx.session.execute(select(EventRow.id).where(EventRow.id == ident).with_for_update())
        current = await self._fetch(tx, actor, ident)
        if current.owner.id != actor.user_id:
            raise PermissionDenied(f"event {ident} belongs to {current.owner.name}")
        if expected is not None and current.version != expected:
            raise VersionConflict("event", ident, expected, current.version)
        return current

    async def create(self, actor: Actor, new: RaidCreate) -> RaidRead:
        """Announce an event owned by ``actor``; emits ``event.created``."""
        owner = require_user(actor)
        event_id = uuid7()
        now = utcnow()
        async with self._tx() as tx:
            await tx.session.execute(
                insert(EventRow).values(
                    id=event_id,
                    owner_id=owner,
                    **new.model_dump(),
                    locked=False,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            created = await self._fetch(tx, actor, event_id)
            await tx.emit("event.created", owner, created.model_dump(mode="json"))
        return created

    async def get(self, actor: Actor, event_id: uuid.UUID) -> RaidRead:
        """An event ``actor`` may see; NotFound otherwise."""
        async with self._tx(write=False) as tx:
            return await self._fetch(tx, actor, event_id)

    async def list(self, actor: Actor, query: RaidQuery) -> Page[RaidRead]:
        """One page of the events ``actor`` may list (public ones and their own)."""
        statement = _select().where(_visible(actor, listed=query.owner is None))
        if query.owner is not None:
            statement = owned_by(statement, actor, query.owner, EventRow.visibility)
        if query.guild_tag is not None:
            statement = statement.where(func.lower(EventRow.guild_tag) == query.guild_tag.lower())
        if query.mode is not None:
            statement = statement.where(EventRow.mode == query.mode)
        if query.starts_after is not None:
            statement = statement.where(EventRow.starts_at >= query.starts_after)
        order, after = keyset(query.sort, _SORTS, EventRow.id, query.cursor)
        if after is not None:
            statement = statement.where(after)
        statement = statement.order_by(*order).limit(query.limit + 1)
        async with self._tx(write=False) as tx:
            rows = list((await tx.session.execute(statement)).all())
        items = [_read(row) for row in rows[: query.limit]]
        if not rows and query.owner is not None:
            await self._check_owner(query.owner)
        cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            value = last.starts_at if query.sort.lstrip("-") == "starts" else last.created_at
            cursor = encode_cursor(query.sort, value, last.id)
        return Page[RaidRead](items=tuple(items), next_cursor=cursor)

    async def update(
        self,
        actor: Actor,
        event_id: uuid.UUID,
        changes: RaidPatch,
        expected_version: int | None = None,
    ) -> RaidRead:
        """Change an event's fields; emits ``event.updated``. VersionConflict if it moved on."""
        owner = require_user(actor)
        # null leaves a field as it is, as for the other patches; only the guild tag may be
        # cleared.
        values = {
            name: value
            for name, value in changes.model_dump(exclude_unset=True).items()
            if value is not None or name == "guild_tag"
        }
        async with self._tx() as tx:
            current = await self._owned(tx, actor, event_id, expected_version)
            await tx.session.execute(
                update(EventRow)
                .where(EventRow.id == event_id)
                .values(**values, version=current.version + 1, updated_at=utcnow())
            )
            updated = await self._fetch(tx, actor, event_id)
            await tx.emit("event.updated", owner, updated.model_dump(mode="json"))
        return updated

    async def delete(
        self, actor: Actor, event_id: uuid.UUID, expected_version: int | None = None
    ) -> None:
        """Delete an event and its sign-ups (not its plan); emits ``event.deleted``."""
        owner = require_user(actor)
        async with self._tx() as tx:
            current = await self._owned(tx, actor, event_id, expected_version)
            await tx.session.execute(delete(EventRow).where(EventRow.id == event_id))
            await tx.emit("event.deleted", owner, current.model_dump(mode="json"))

    async def set_locked(
        self,
        actor: Actor,
        event_id: uuid.UUID,
        locked: bool,
        expected_version: int | None = None,
    ) -> RaidRead:
        """Lock (no sign-up changes but the owner's) or unlock an event.

        Emits ``event.locked`` or ``event.unlocked``; doing what is already done changes nothing.
        """
        owner = require_user(actor)
        async with self._tx() as tx:
            current = await self._owned(tx, actor, event_id, expected_version)
            if current.locked == locked:
                return current
            await tx.session.execute(
                update(EventRow)
                .where(EventRow.id == event_id)
                .values(locked=locked, version=current.version + 1, updated_at=utcnow())
            )
            changed = await self._fetch(tx, actor, event_id)
            kind = "event.locked" if locked else "event.unlocked"
            await tx.emit(kind, owner, changed.model_dump(mode="json"))
        return changed

    async def signups(self, actor: Actor, event_id: uuid.UUID) -> Sequence[SignupRead]:
        """The sign-ups of an event ``actor`` may see, in the order they were made."""
        async with self._tx(write=False) as tx:
            await self._fetch(tx, actor, event_id)
            rows = await tx.session.execute(
                select(SignupRow, User.name)
                .join(User, User.id == SignupRow.user_id)
                .where(SignupRow.event_id == event_id)
                .order_by(SignupRow.created_at, SignupRow.id)
            )
            return [_signup(row, name) for row, name in rows]

    async def _target(
        self, tx: Transaction, actor: Actor, event: RaidRead, user: str | None
    ) -> tuple[uuid.UUID, str]:
        """Whose sign-up ``actor`` changes: their own, or (the owner only) ``user``'s."""
        me = require_user(actor)
        if user is not None and user.casefold() != (actor.name or "").casefold():
            if event.owner.id != me:
                raise PermissionDenied("only the event's owner changes others' sign-ups")
            found = (
                await tx.session.execute(
                    select(User.id, User.name).where(User.name_key == user.casefold())
                )
            ).first()
            if found is None:
                raise NotFound("user", user)
            return found.id, found.name
        if event.locked and event.owner.id != me:
            raise EventLocked(f"event {event.id} is locked; ask {event.owner.name} to change it")
        name = await tx.session.scalar(select(User.name).where(User.id == me))
        return me, str(name)

    def _archetypes(self, given: tuple[str, ...]) -> Sequence[str]:
        """Archetype ids for specialization names or ids, once each, in the order given."""
        found: dict[str, None] = {}
        problems = []
        for n, name in enumerate(given):
            try:
                found[self.store.roles.resolve(name).id] = None
            except ArchetypeNotFound as error:
                problems.append(
                    ErrorDetail(f"/specializations/{n}", "unknown_archetype", str(error))
                )
        if problems:
            raise ValidationFailed(problems)
        return list(found)

    async def sign_up(
        self,
        actor: Actor,
        event_id: uuid.UUID,
        signup: SignupIn,
        *,
        user: str | None = None,
        expected_version: int | None = None,
    ) -> SignupRead:
        """Sign ``actor`` up (or change their sign-up); the owner may name another ``user``.

        Emits ``signup.changed``. Raises EventLocked for anyone but the owner once locked.
        """
        archetypes = self._archetypes(signup.specializations)
        async with self._tx() as tx:
            event = await self._fetch(tx, actor, event_id)
            user_id, user_name = await self._target(tx, actor, event, user)
            current = (
                await tx.session.execute(
                    select(SignupRow)
                    .where(SignupRow.event_id == event_id, SignupRow.user_id == user_id)
                    .with_for_update()
                )
            ).scalar()
            now = utcnow()
            values = {
                "player": signup.player or user_name,
                "specializations": archetypes,
                "status": signup.status,
                "note": signup.note,
                "updated_at": now,
            }
            if current is None:
                if expected_version is not None:
                    raise NotFound("sign-up", user_name)
                signup_id = uuid7()
                await tx.session.execute(
                    insert(SignupRow).values(
                        id=signup_id,
                        event_id=event_id,
                        user_id=user_id,
                        version=1,
                        created_at=now,
                        **values,
                    )
                )
                change = "created"
            else:
                if expected_version is not None and current.version != expected_version:
                    raise VersionConflict("sign-up", current.id, expected_version, current.version)
                signup_id = current.id
                await tx.session.execute(
                    update(SignupRow)
                    .where(SignupRow.id == signup_id)
                    .values(**values, version=current.version + 1)
                )
                change = "updated"
            await self._players_unique(tx, event_id, user_id, str(values["player"]))
            row = (
                await tx.session.execute(
                    select(SignupRow)
                    .where(SignupRow.id == signup_id)
                    .execution_options(populate_existing=True)
                )
            ).scalar_one()
            read = _signup(row, user_name)
            await tx.emit("signup.changed", event.owner.id, _change(change, read))
        return read

    async def _players_unique(
        self, tx: Transaction, event_id: uuid.UUID, user_id: uuid.UUID, player: str
    ) -> None:
        """Refuse a player name another member of the event signed up with (the roster needs
        each name once)."""
        others = await tx.session.scalars(
            select(SignupRow.player).where(
                SignupRow.event_id == event_id, SignupRow.user_id != user_id
            )
        )
        if any(other.casefold() == player.casefold() for other in others):
            raise ValidationFailed(
                [ErrorDetail("/player", "player_taken", f"{player!r} signed up already")]
            )

    async def withdraw(self, actor: Actor, event_id: uuid.UUID, *, user: str | None = None) -> None:
        """Take back a sign-up (the owner may name another ``user``); emits ``signup.changed``."""
        async with self._tx() as tx:
            event = await self._fetch(tx, actor, event_id)
            user_id, user_name = await self._target(tx, actor, event, user)
            row = (
                await tx.session.execute(
                    select(SignupRow).where(
                        SignupRow.event_id == event_id, SignupRow.user_id == user_id
                    )
                )
            ).scalar()
            if row is None:
                raise NotFound("sign-up", user_name)
            read = _signup(row, user_name)
            await tx.session.execute(delete(SignupRow).where(SignupRow.id == row.id))
            await tx.emit("signup.changed", event.owner.id, _change("withdrawn", read))

    async def plan(
        self,
        actor: Actor,
        event_id: uuid.UUID,
        *,
        keep: bool = True,
        time_limit: float = 10.0,
    ) -> EventPlan:
        """Build the squad from the sign-ups and save it as the event's composition (owner only).

        With ``keep``, players the saved plan places stay where they are (locks); the answer
        lists what changed and why. Creates the composition the first time and updates it
        after (``composition.created`` / ``.updated``); emits ``event.planned``. Needs the
        ``squad`` extra. ValidationFailed when nobody signed up, Conflict when no squad fits.
        """
        from gw2wvw.store.planning import EventPlan, placements, solve

        async with self._tx(write=False) as tx:
            event = await self._fetch(tx, actor, event_id)
        if event.owner.id != actor.user_id:
            raise PermissionDenied(f"event {event_id} belongs to {event.owner.name}")
        signups = await self.signups(actor, event_id)
        previous = {}
        if event.composition_id is not None:
            stored = await CompositionRepository(self.store, self._joined).get(
                actor, event.composition_id
            )
            previous = placements(stored)
        planned, parties = await solve(
            self.store.roles, event, signups, previous, keep=keep, time_limit=time_limit
        )
        async with self._tx() as tx:
            compositions = CompositionRepository(self.store, tx)
            current = await self._owned(tx, actor, event_id)
            if current.composition_id is None:
                composition = await compositions.create(
                    actor,
                    CompositionCreate(
                        name=event.name,
                        description=f"Planned from the sign-ups of event {event.id}",
                        mode=event.mode,
                        visibility=event.visibility,
                        parties=parties,
                    ),
                )
            else:
                # The event's mode may have changed since the last plan: the squad follows it.
                composition = await compositions.update(
                    actor,
                    current.composition_id,
                    CompositionPatch(parties=parties, mode=current.mode),
                )
            await tx.session.execute(
                update(EventRow)
                .where(EventRow.id == event_id)
                .values(
                    composition_id=composition.id,
                    version=current.version + 1,
                    updated_at=utcnow(),
                )
            )
            saved = await self._fetch(tx, actor, event_id)
            changes = [c.model_dump(mode="json") for c in planned.changes]
            await tx.emit(
                "event.planned",
                saved.owner.id,
                {
                    "event": saved.model_dump(mode="json"),
                    "composition_id": str(composition.id),
                    "changes": changes,
                    "waiting": planned.waiting,
                },
            )
        return EventPlan(
            event=saved,
            composition=composition,
            changes=planned.changes,
            waiting=planned.waiting,
            status=planned.plan.status,
            evaluation=planned.plan.evaluation,
        )


def _change(change: str, signup: SignupRead) -> dict[str, Any]:
    return {
        "event_id": str(signup.event_id),
        "change": change,
        "signup": signup.model_dump(mode="json"),
    }
