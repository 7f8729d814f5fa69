"""`CompositionRepository`: stored squads whose members are archetypes or stored builds."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError
from sqlalchemy import ColumnElement, Select, delete, exists, insert, or_, select, update

from gw2wvw.builds import Build
from gw2wvw.squad import (
    Composition,
    CompositionError,
    Evaluation,
    Member,
    SquadPost,
    evaluate,
    squad_post,
)
from gw2wvw.squad.roles import ArchetypeNotFound
from gw2wvw.squad.targets import MODES, Targets
from gw2wvw.store.base import Repository, Transaction, owned_by, require_user, visible_to
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
    CompositionQuery,
    CompositionRead,
    MemberRead,
    Page,
    PartyIn,
    PartyRead,
    UserRef,
)
from gw2wvw.store.tables import (
    BuildRow,
    CompositionMember,
    CompositionRow,
    CompositionTag,
    User,
    utcnow,
)
from gw2wvw.store.tags import has_tag, replace_links
from gw2wvw.text import did_you_mean

_SORTS = {
    "created": CompositionRow.created_at,
    "updated": CompositionRow.updated_at,
    "name": CompositionRow.name,
}
_RETRIES = 5


def _visible(actor: Actor, *, listed: bool) -> ColumnElement[bool]:
    return visible_to(actor, CompositionRow.visibility, CompositionRow.owner_id, listed=listed)


def _select() -> Select[CompositionRow, str]:
    return select(CompositionRow, User.name.label("owner_name")).join(
        User, User.id == CompositionRow.owner_id
    )


def _pydantic_details(error: ValidationError, prefix: str = "") -> list[ErrorDetail]:
    return [
        ErrorDetail(
            prefix + "".join(f"/{part}" for part in e["loc"]),
            e["type"],
            e["msg"],
        )
        for e in error.errors()
    ]


def _unresolved(path: str, message: str) -> ErrorDetail:
    # The squad model names a member's ``build``; the request named it by ``build_id``.
    if path.endswith("/build"):
        return ErrorDetail(path + "_id", "no_matching_archetype", message)
    return ErrorDetail(path, "unknown_archetype", message)


def _mode(given: str) -> str:
    """The mode ``given`` names in any case; ValidationFailed with a hint otherwise."""
    modes = [*MODES, "custom"]
    for mode in modes:
        if mode == given.casefold():
            return mode
    raise ValidationFailed(
        [
            ErrorDetail(
                "/mode",
                "unknown_mode",
                f"there is no mode {given!r}{did_you_mean(given, modes)}; "
                f"the modes are {', '.join(modes)}",
            )
        ]
    )


class CompositionRepository(Repository):
    """Create, read, list, update, delete and evaluate stored compositions."""

    async def _builds(
        self,
        tx: Transaction,
        actor: Actor,
        parties: tuple[PartyIn, ...],
        kept: frozenset[uuid.UUID] = frozenset(),
    ) -> dict[uuid.UUID, Build]:
        """The stored builds the members name; ValidationFailed for any that ``actor`` may not
        see, except those in ``kept`` (already in the composition, whatever their owner
        has made of them since)."""
        wanted = {m.build_id for p in parties for m in p.members if m.build_id is not None}
        if not wanted:
            return {}
        visible: ColumnElement[bool] = BuildRow.visibility.in_(("public", "unlisted"))
        if actor.user_id is not None:
            visible = or_(visible, BuildRow.owner_id == actor.user_id)
        if kept:
            visible = or_(visible, BuildRow.id.in_(kept))
        rows = await tx.session.execute(
            select(BuildRow.id, BuildRow.data).where(BuildRow.id.in_(wanted), visible)
        )
        found = {row.id: Build.model_validate(row.data) for row in rows}
        missing = [
            ErrorDetail(
                f"/parties/{p}/members/{m}/build_id",
                "unknown_build",
                f"build {member.build_id} not found",
            )
            for p, party in enumerate(parties)
            for m, member in enumerate(party.members)
            if member.build_id is not None and member.build_id not in found
        ]
        if missing:
            raise ValidationFailed(missing)
        return found

    def _check(
        self,
        fields: dict[str, Any],
        parties: tuple[PartyIn, ...],
        builds: dict[uuid.UUID, Build],
    ) -> None:
        """Refuse what the squad model refuses (players twice, two commanders, unknown
        archetypes, builds that match no archetype), with paths."""
        try:
            composition = Composition.model_validate(
                {
                    "name": fields["name"],
                    "mode": fields["mode"],
                    "targets": fields.get("targets"),
                    "parties": [
                        {
                            "members": [
                                {
                                    "player": m.player,
                                    "archetype": m.archetype,
                                    "build": builds[m.build_id] if m.build_id else None,
                                    "role": m.role,
                                    "commander": m.commander,
                                }
                                for m in party.members
                            ]
                        }
                        for party in parties
                    ],
                }
            )
            composition.resolve(self.store.roles)
        except ValidationError as error:
            raise ValidationFailed(_pydantic_details(error)) from error
        except CompositionError as error:
            raise ValidationFailed(
                [_unresolved(path, message) for path, message in error.errors]
            ) from error

    async def _write_members(
        self, tx: Transaction, composition_id: uuid.UUID, parties: tuple[PartyIn, ...]
    ) -> None:
        await tx.session.execute(
            delete(CompositionMember).where(CompositionMember.composition_id == composition_id)
        )
        rows = [
            {
                "composition_id": composition_id,
                "party": p,
                "position": m,
                "player": member.player,
                # Stored as the archetype's id, whatever name the caller used for it.
                "archetype": (
                    self.store.roles.resolve(member.archetype).id
                    if member.archetype is not None
                    else None
                ),
                "build_id": member.build_id,
                "role": member.role,
                "commander": member.commander,
            }
            for p, party in enumerate(parties, start=1)
            for m, member in enumerate(party.members, start=1)
        ]
        await tx.session.execute(insert(CompositionMember), rows)

    async def _fetch(self, tx: Transaction, actor: Actor, ident: uuid.UUID) -> CompositionRead:
        row = (
            await tx.session.execute(
                _select().where(CompositionRow.id == ident, _visible(actor, listed=False))
            )
        ).first()
        if row is None:
            raise NotFound("composition", ident)
        return (await self._reads(tx, [row]))[0]

    async def _reads(self, tx: Transaction, rows: list[Any]) -> list[CompositionRead]:
        ids = [row.CompositionRow.id for row in rows]
        members: dict[uuid.UUID, dict[int, list[MemberRead]]] = defaultdict(
            lambda: defaultdict(list)
        )
        if ids:
            result = await tx.session.execute(
                select(CompositionMember)
                .where(CompositionMember.composition_id.in_(ids))
                .order_by(
                    CompositionMember.composition_id,
                    CompositionMember.party,
                    CompositionMember.position,
                )
            )
            for member in result.scalars():
                members[member.composition_id][member.party].append(
                    MemberRead(
                        player=member.player,
                        archetype=member.archetype,
                        build_id=member.build_id,
                        role=member.role,
                        commander=member.commander,
                    )
                )
        reads = []
        for row in rows:
            composition: CompositionRow = row.CompositionRow
            parties = members[composition.id]
            reads.append(
                CompositionRead(
                    id=composition.id,
                    owner=UserRef(id=composition.owner_id, name=row.owner_name),
                    name=composition.name,
                    description=composition.description,
                    mode=composition.mode,
                    targets=(
                        Targets.model_validate(composition.targets) if composition.targets else None
                    ),
                    visibility=composition.visibility,
                    tags=tuple(composition.tags),
                    parties=tuple(PartyRead(members=tuple(parties[p])) for p in sorted(parties)),
                    version=composition.version,
                    created_at=composition.created_at,
                    updated_at=composition.updated_at,
                )
            )
        return reads

    async def create(self, actor: Actor, new: CompositionCreate) -> CompositionRead:
        """Validate and store a composition owned by ``actor``; emits ``composition.created``."""
        owner = require_user(actor)
        composition_id = uuid7()
        now = utcnow()
        tags = list(dict.fromkeys(new.tags))
        async with self._tx() as tx:
            builds = await self._builds(tx, actor, new.parties)
            fields = new.model_dump(mode="json", exclude={"parties"})
            self._check(fields, new.parties, builds)
            await tx.session.execute(
                insert(CompositionRow).values(
                    id=composition_id,
                    owner_id=owner,
                    name=new.name,
                    description=new.description,
                    mode=new.mode,
                    targets=fields["targets"],
                    visibility=new.visibility,
                    tags=tags,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            await self._write_members(tx, composition_id, new.parties)
            await replace_links(
                tx.session,
                self.store.dialect,
                CompositionTag,
                CompositionTag.composition_id,
                composition_id,
                tags,
            )
            created = await self._fetch(tx, actor, composition_id)
            await tx.emit("composition.created", owner, created.model_dump(mode="json"))
        return created

    async def get(self, actor: Actor, composition_id: uuid.UUID) -> CompositionRead:
        """A composition ``actor`` may see; NotFound otherwise."""
        async with self._tx(write=False) as tx:
            return await self._fetch(tx, actor, composition_id)

    async def list(self, actor: Actor, query: CompositionQuery) -> Page[CompositionRead]:
        """One page of the compositions ``actor`` may list, filtered and sorted by ``query``."""
        statement = _select().where(_visible(actor, listed=query.owner is None))
        if query.owner is not None:
            statement = owned_by(statement, actor, query.owner, CompositionRow.visibility)
        if query.mode is not None:
            statement = statement.where(CompositionRow.mode == _mode(query.mode))
        if query.archetype is not None:
            try:
                archetype = self.store.roles.resolve(query.archetype).id
            except ArchetypeNotFound as error:
                raise ValidationFailed(
                    [ErrorDetail("/archetype", "unknown_archetype", str(error))]
                ) from error
            statement = statement.where(
                exists(
                    select(1).where(
                        CompositionMember.composition_id == CompositionRow.id,
                        CompositionMember.archetype == archetype,
                    )
                )
            )
        if query.tag is not None:
            statement = statement.where(
                has_tag(CompositionTag, CompositionTag.composition_id, CompositionRow.id, query.tag)
            )
        if query.text is not None:
            statement = statement.where(CompositionRow.name.icontains(query.text, autoescape=True))
        order, after = keyset(query.sort, _SORTS, CompositionRow.id, query.cursor)
        if after is not None:
            statement = statement.where(after)
        statement = statement.order_by(*order).limit(query.limit + 1)
        async with self._tx(write=False) as tx:
            rows = list((await tx.session.execute(statement)).all())
            items = await self._reads(tx, rows[: query.limit])
        if not rows and query.owner is not None:
            await self._check_owner(query.owner)
        cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            value = {"created": last.created_at, "updated": last.updated_at, "name": last.name}
            cursor = encode_cursor(query.sort, value[query.sort.lstrip("-")], last.id)
        return Page[CompositionRead](items=tuple(items), next_cursor=cursor)

    async def _owned(self, tx: Transaction, actor: Actor, ident: uuid.UUID) -> CompositionRead:
        current = await self._fetch(tx, actor, ident)
        if current.owner.id != actor.user_id:
            raise PermissionDenied(f"composition {ident} belongs to {current.owner.name}")
        return current

    async def update(
        self,
        actor: Actor,
        composition_id: uuid.UUID,
        changes: CompositionCreate | CompositionPatch,
        expected_version: int | None = None,
    ) -> CompositionRead:
        """Replace or patch a composition; emits ``composition.updated``.

        With ``expected_version``, another version raises VersionConflict and changes nothing.
        """
        owner = require_user(actor)
        replace = isinstance(changes, CompositionCreate)
        given = changes.model_dump(mode="json", exclude_unset=not replace, exclude={"parties"})
        for _ in range(_RETRIES):
            async with self._tx() as tx:
                # Writers of one composition queue on its row (PostgreSQL; SQLite has one
                # writer), so the version read next is the one the update replaces.
                await tx.session.execute(
                    select(CompositionRow.id)
                    .where(CompositionRow.id == composition_id)
                    .with_for_update()
                )
                current = await self._owned(tx, actor, composition_id)
                if expected_version is not None and current.version != expected_version:
                    raise VersionConflict(
                        "composition", composition_id, expected_version, current.version
                    )
                parties = changes.parties or tuple(
                    PartyIn.model_validate(p.model_dump(mode="json")) for p in current.parties
                )
                merged = {
                    **current.model_dump(mode="json", include={"name", "mode", "targets"}),
                    **{k: v for k, v in given.items() if v is not None or k == "targets"},
                }
                existing = frozenset(
                    m.build_id for p in current.parties for m in p.members if m.build_id
                )
                builds = await self._builds(tx, actor, parties, kept=existing)
                self._check(merged, parties, builds)
                values = {
                    k: v
                    for k, v in given.items()
                    if k in ("name", "description", "mode", "targets", "visibility", "tags")
                    and (v is not None or k == "targets")
                }
                if "tags" in values:
                    values["tags"] = list(dict.fromkeys(values["tags"]))
                result = await tx.session.execute(
                    update(CompositionRow)
                    .where(
                        CompositionRow.id == composition_id,
                        CompositionRow.version == current.version,
                    )
                    .values(**values, version=current.version + 1, updated_at=utcnow())
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    if changes.parties is not None:
                        await self._write_members(tx, composition_id, changes.parties)
                    if "tags" in values:
                        await replace_links(
                            tx.session,
                            self.store.dialect,
                            CompositionTag,
                            CompositionTag.composition_id,
                            composition_id,
                            values["tags"],
                        )
                    updated = await self._fetch(tx, actor, composition_id)
                    await tx.emit("composition.updated", owner, updated.model_dump(mode="json"))
                    return updated
            if expected_version is not None:
                raise VersionConflict(
                    "composition", composition_id, expected_version, expected_version + 1
                )
        raise Conflict(f"composition {composition_id} keeps changing; try again")

    async def delete(
        self, actor: Actor, composition_id: uuid.UUID, expected_version: int | None = None
    ) -> None:
        """Delete a composition; emits ``composition.deleted`` with its last state."""
        owner = require_user(actor)
        async with self._tx() as tx:
            current = await self._owned(tx, actor, composition_id)
            version = expected_version if expected_version is not None else current.version
            if current.version != version:
                raise VersionConflict("composition", composition_id, version, current.version)
            result = await tx.session.execute(
                delete(CompositionRow).where(
                    CompositionRow.id == composition_id, CompositionRow.version == version
                )
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise VersionConflict("composition", composition_id, version, version + 1)
            await tx.emit("composition.deleted", owner, current.model_dump(mode="json"))

    async def detach(
        self, build_ids: Sequence[uuid.UUID], *, owned_by_others_than: uuid.UUID | None = None
    ) -> Sequence[uuid.UUID]:
        """Turn members that use these builds into the archetype each build plays.

        What a user deletes (a build, the account) never waits on others' compositions, and
        they learn nothing of it but that the member is an archetype now. Only compositions
        of owners other than ``owned_by_others_than`` when it is given. Each changed
        composition gets a new version and a ``composition.updated`` event; returns their ids.
        """
        if not build_ids:
            return []
        async with self._tx() as tx:
            statement = (
                select(
                    CompositionMember.id,
                    CompositionMember.composition_id,
                    CompositionMember.role,
                    BuildRow.data,
                )
                .join(BuildRow, BuildRow.id == CompositionMember.build_id)
                .join(CompositionRow, CompositionRow.id == CompositionMember.composition_id)
                .where(CompositionMember.build_id.in_(build_ids))
            )
            if owned_by_others_than is not None:
                statement = statement.where(CompositionRow.owner_id != owned_by_others_than)
            uses = (await tx.session.execute(statement)).all()
            changed: dict[uuid.UUID, None] = {}
            for member_id, composition_id, role, data in uses:
                played = Member(build=Build.model_validate(data), role=role).resolve(
                    self.store.roles
                )
                if played is None:  # no longer plays anything: the member goes
                    await tx.session.execute(
                        delete(CompositionMember).where(CompositionMember.id == member_id)
                    )
                else:
                    await tx.session.execute(
                        update(CompositionMember)
                        .where(CompositionMember.id == member_id)
                        .values(archetype=played.id, build_id=None, role=None)
                    )
                changed[composition_id] = None
            for composition_id in changed:
                await tx.session.execute(
                    update(CompositionRow)
                    .where(CompositionRow.id == composition_id)
                    .values(version=CompositionRow.version + 1, updated_at=utcnow())
                )
                owner = await tx.session.scalar(
                    select(CompositionRow.owner_id).where(CompositionRow.id == composition_id)
                )
                read = await self._fetch(tx, Actor(user_id=owner), composition_id)
                await tx.emit("composition.updated", owner, read.model_dump(mode="json"))
        return list(changed)

    async def composition(self, actor: Actor, composition_id: uuid.UUID) -> Composition:
        """A stored composition as the squad model, with the stored builds filled in.

        A member whose build ``actor`` may not see (another user's private build) appears as
        the archetype that build plays: the squad stays whole and the build stays private.
        """
        return await self._squad(actor, composition_id, reveal_all=False)

    async def _squad(
        self, actor: Actor, composition_id: uuid.UUID, *, reveal_all: bool
    ) -> Composition:
        async with self._tx(write=False) as tx:
            stored = await self._fetch(tx, actor, composition_id)
            parties = tuple(
                PartyIn.model_validate(p.model_dump(mode="json")) for p in stored.parties
            )
            # The builds as their owner saw them when storing the composition: a public
            # composition may use its owner's private builds.
            owner = Actor(user_id=stored.owner.id, name=stored.owner.name)
            used = frozenset(m.build_id for p in parties for m in p.members if m.build_id)
            builds = await self._builds(tx, owner, parties, kept=used)
            shown = builds if reveal_all else await self._visible_builds(tx, actor, parties)
        members = []
        for party in parties:
            row = []
            for m in party.members:
                member: dict[str, Any] = {"player": m.player, "commander": m.commander}
                if m.build_id is None:
                    member["archetype"] = m.archetype
                elif m.build_id in shown:
                    member.update(build=builds[m.build_id], role=m.role)
                else:
                    played = Member(build=builds[m.build_id], role=m.role).resolve(self.store.roles)
                    assert played is not None  # the build matched an archetype when stored
                    member["archetype"] = played.id
                row.append(member)
            members.append({"members": row})
        return Composition.model_validate(
            {
                "name": stored.name,
                "mode": stored.mode,
                "targets": stored.targets,
                "parties": members,
            }
        )

    async def _visible_builds(
        self, tx: Transaction, actor: Actor, parties: tuple[PartyIn, ...]
    ) -> set[uuid.UUID]:
        wanted = {m.build_id for p in parties for m in p.members if m.build_id is not None}
        if not wanted:
            return set()
        visible: ColumnElement[bool] = BuildRow.visibility != "private"
        if actor.user_id is not None:
            visible = or_(visible, BuildRow.owner_id == actor.user_id)
        rows = await tx.session.execute(select(BuildRow.id).where(BuildRow.id.in_(wanted), visible))
        return set(rows.scalars())

    async def evaluate(
        self, actor: Actor, composition_id: uuid.UUID, targets: Targets | None = None
    ) -> Evaluation:
        """Evaluate a stored composition against ``targets`` (default: its own or its mode's).

        Anyone who may see the composition may evaluate it, even where it uses builds they may
        not see: the evaluation shows the archetypes members play, never a build's content.
        """
        squad = await self._squad(actor, composition_id, reveal_all=True)
        return evaluate(squad, self.store.roles, targets)

    async def post(self, actor: Actor, composition_id: uuid.UUID) -> SquadPost:
        """What a post of a stored composition shows ``actor`` (as ``gw2wvw.squad.squad_post``).

        Visibility as :meth:`composition`: a build ``actor`` may not see shows as the archetype it
        plays, with that archetype's example chat code, never the build's own.
        """
        squad = await self._squad(actor, composition_id, reveal_all=False)
        # Hiding a build keeps the archetype it plays, so this evaluation equals evaluate()'s.
        evaluation = evaluate(squad, self.store.roles)
        return squad_post(squad, evaluation, self.store.roles, self.store.data)
