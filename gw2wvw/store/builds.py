"""`BuildRepository`: stored builds, validated against the game data, visible by their rules."""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import MutableSequence, Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Select,
    Uuid,
    bindparam,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError

from gw2wvw.builds import Build, BuildError, validate
from gw2wvw.chatcode import ChatCodeError
from gw2wvw.squad import Member
from gw2wvw.store.base import Repository, Transaction, owned_by, require_user, visible_to
from gw2wvw.store.compositions import CompositionRepository
from gw2wvw.store.driver import DriverQuery
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
    BuildCreate,
    BuildPatch,
    BuildQuery,
    BuildRead,
    Page,
    UserRef,
)
from gw2wvw.store.tables import (
    Base,
    BuildRow,
    BuildTag,
    CompositionMember,
    CompositionRow,
    OutboxEvent,
    User,
    utcnow,
)
from gw2wvw.store.tags import has_tag, replace_links
from gw2wvw.text import did_you_mean

_COLUMNS = (
    BuildRow.id,
    BuildRow.owner_id,
    User.name.label("owner_name"),
    BuildRow.name,
    BuildRow.description,
    BuildRow.visibility,
    BuildRow.profession,
    BuildRow.elite_specialization,
    BuildRow.chat_code,
    BuildRow.data,
    BuildRow.tags,
    BuildRow.version,
    BuildRow.created_at,
    BuildRow.updated_at,
)
_SORTS = {"created": BuildRow.created_at, "updated": BuildRow.updated_at, "name": BuildRow.name}
_RETRIES = 5


class _BuildCache:
    """Validated builds by (id, version): a version never changes, and validating one is a
    large share of a lookup."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[uuid.UUID, int], Build] = OrderedDict()

    def build(self, row: Any) -> Build:
        key = (row.id, row.version)
        found = self._items.get(key)
        if found is not None:
            self._items.move_to_end(key)
            return found
        data = json.loads(row.data) if isinstance(row.data, str | bytes) else row.data
        found = Build.model_validate(data)
        self._items[key] = found
        if len(self._items) > self._size:
            self._items.popitem(last=False)
        return found


_BUILDS = _BuildCache(4096)


def _read(row: Any) -> BuildRead:
    return BuildRead(
        id=row.id,
        owner=UserRef(id=row.owner_id, name=row.owner_name),
        name=row.name,
        description=row.description,
        visibility=row.visibility,
        profession=row.profession,
        elite_specialization=row.elite_specialization,
        chat_code=row.chat_code,
        build=_BUILDS.build(row),
        tags=tuple(row.tags),
        version=row.version,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _visible(actor: Actor, *, listed: bool) -> ColumnElement[bool]:
    """What ``actor`` may see: public items (and unlisted ones by id), and their own."""
    return visible_to(actor, BuildRow.visibility, BuildRow.owner_id, listed=listed)


def _select() -> Select[Any]:
    return select(*_COLUMNS).join(User, User.id == BuildRow.owner_id)


# Built once: composing a statement costs more Python time than running it.
# "Not private" is "public or unlisted" (a check constraint says so), without an IN list that
# would be re-rendered on every execution.
_BY_ID_ANONYMOUS = _select().where(
    BuildRow.id == bindparam("build_id"), BuildRow.visibility != "private"
)
_BY_ID = _select().where(
    BuildRow.id == bindparam("build_id"),
    or_(BuildRow.visibility != "private", BuildRow.owner_id == bindparam("actor_id")),
)


_INSERT = insert(Base.metadata.tables["builds"])

# PostgreSQL, a build without tags: the row and its event in one statement (one round trip, no
# BEGIN and COMMIT; a statement is atomic by itself), its owner's name taken from the users row
# into the event, and no read of what the write already knows.
_CREATE_ONE = DriverQuery(
    insert(OutboxEvent)
    .add_cte(
        insert(BuildRow)
        .values(
            {
                column.key: bindparam(column.key, type_=column.type)
                for column in BuildRow.__table__.c
            }
        )
        .returning(BuildRow.id)
        .cte("new_build")
    )
    .from_select(
        ["id", "type", "owner_id", "payload", "created_at"],
        select(
            bindparam("event_id", type_=Uuid),
            literal("build.created"),
            User.id,
            cast(
                func.jsonb_set(
                    cast(bindparam("payload", type_=JSON), JSONB),
                    literal_column("'{owner,name}'"),
                    func.to_jsonb(User.name),
                ),
                JSON,
            ),
            bindparam("created_at"),
        ).where(User.id == bindparam("owner_id")),
    )
    .returning(func.json_extract_path_text(OutboxEvent.payload, "owner", "name").label("owner"))
)
_BY_ID_FAST = {
    False: DriverQuery(_BY_ID_ANONYMOUS, undecoded=("data",)),
    True: DriverQuery(_BY_ID, undecoded=("data",)),
}


def _by_id(actor: Actor, build_id: uuid.UUID) -> tuple[Select[Any], dict[str, Any]]:
    if actor.user_id is None:
        return _BY_ID_ANONYMOUS, {"build_id": build_id}
    return _BY_ID, {"build_id": build_id, "actor_id": actor.user_id}


class BuildRepository(Repository):
    """Create, read, list, update and delete stored builds."""

    def _resolve(self, build: Build | None, chat_code: str | None) -> tuple[Build, str, int | None]:
        """The build, its canonical chat code and elite specialization; or ValidationFailed."""
        data = self.store.data
        if chat_code is not None:
            try:
                build = Build.from_chat_code(chat_code, data)
            except (ChatCodeError, BuildError) as error:
                raise ValidationFailed(
                    [ErrorDetail("/chat_code", "invalid_chat_code", str(error))]
                ) from error
        assert build is not None
        report = validate(build, data)
        if not report.valid:
            where = "/chat_code" if chat_code is not None else "/build"
            raise ValidationFailed(
                [
                    ErrorDetail(
                        where if chat_code is not None else where + issue.path,
                        issue.code,
                        issue.message
                        + (f" (at {issue.path} of the decoded build)" if chat_code else ""),
                    )
                    for issue in report.errors
                ]
            )
        try:
            code = build.to_chat_code(data)
        except BuildError as error:
            raise ValidationFailed([ErrorDetail("/build", "not_encodable", str(error))]) from error
        third = build.specializations[2]
        spec = data.specializations.get(third.id) if third is not None else None
        return build, code, spec.id if spec is not None and spec.elite else None

    async def _fetch(self, tx: Transaction, actor: Actor, build_id: uuid.UUID) -> BuildRead:
        row = (await tx.session.execute(*_by_id(actor, build_id))).first()
        if row is None:
            raise NotFound("build", build_id)
        return _read(row)

    async def create(self, actor: Actor, new: BuildCreate) -> BuildRead:
        """Validate and store a build owned by ``actor``; emits ``build.created``."""
        owner = require_user(actor)
        build, code, elite = self._resolve(new.build, new.chat_code)
        build_id = uuid7()
        now = utcnow()
        tags = list(dict.fromkeys(new.tags))
        if not tags and self._joined is None and self.store.dialect == "postgresql":
            return await self._create_one(actor, owner, new, build, code, elite, build_id)
        async with self._tx() as tx:
            await tx.execute(
                _INSERT,
                {
                    "id": build_id,
                    "owner_id": owner,
                    "name": new.name,
                    "description": new.description,
                    "visibility": new.visibility,
                    "profession": build.profession,
                    "elite_specialization": elite,
                    "chat_code": code,
                    "data": build.model_dump(mode="json"),
                    "tags": tags,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                },
            )
            if tags:
                await replace_links(
                    tx.session, self.store.dialect, BuildTag, BuildTag.build_id, build_id, tags
                )
            created = await self._fetch(tx, actor, build_id)
            await tx.emit("build.created", owner, created.model_dump(mode="json"))
        return created

    async def _create_one(
        self,
        actor: Actor,
        owner: uuid.UUID,
        new: BuildCreate,
        build: Build,
        code: str,
        elite: int | None,
        build_id: uuid.UUID,
    ) -> BuildRead:
        """:meth:`create` of a build without tags on PostgreSQL, in one statement."""
        now = utcnow()
        created = BuildRead(
            id=build_id,
            owner=UserRef(id=owner, name=actor.name or ""),
            name=new.name,
            description=new.description,
            visibility=new.visibility,
            profession=build.profession,
            elite_specialization=elite,
            chat_code=code,
            build=build,
            tags=(),
            version=1,
            created_at=now,
            updated_at=now,
        )
        data = build.model_dump_json()
        rows = await _CREATE_ONE.fetch(
            self.store.reads,
            {
                "id": build_id,
                "owner_id": owner,
                "name": new.name,
                "description": new.description,
                "visibility": new.visibility,
                "profession": build.profession,
                "elite_specialization": elite,
                "chat_code": code,
                "data": data,
                "tags": "[]",
                "version": 1,
                "created_at": now,
                "updated_at": now,
                "event_id": uuid7(),
                "payload": created.model_dump_json(),
            },
        )
        if not rows:
            # No such user: the event found no owner row (the build's own key would have
            # failed the statement in any case).
            raise Conflict("the change clashes with stored data: the owner does not exist")
        return created.model_copy(update={"owner": UserRef(id=owner, name=rows[0].owner)})

    async def get(self, actor: Actor, build_id: uuid.UUID) -> BuildRead:
        """A build ``actor`` may see; raises NotFound otherwise (whether or not it exists)."""
        statement, params = _by_id(actor, build_id)
        if self._joined is not None:
            rows: list[Any] = await self._fetch_rows(statement, params)
        else:
            rows = await _BY_ID_FAST[actor.user_id is not None].fetch(self.store.reads, params)
        if not rows:
            raise NotFound("build", build_id)
        return _read(rows[0])

    async def list(self, actor: Actor, query: BuildQuery) -> Page[BuildRead]:
        """One page of the builds ``actor`` may list, filtered and sorted by ``query``."""
        statement = _select().where(_visible(actor, listed=query.owner is None))
        if query.owner is not None:
            statement = owned_by(statement, actor, query.owner, BuildRow.visibility)
        if query.profession is not None:
            statement = statement.where(BuildRow.profession == self._profession(query.profession))
        if query.elite_specialization is not None:
            elite = self.store.data.specializations.get(query.elite_specialization)
            if elite is None or not elite.elite:
                raise ValidationFailed(
                    [
                        ErrorDetail(
                            "/elite_specialization",
                            "unknown_elite_specialization",
                            f"{query.elite_specialization} is not an elite specialization's id",
                        )
                    ]
                )
            statement = statement.where(BuildRow.elite_specialization == elite.id)
        if query.tag is not None:
            statement = statement.where(
                has_tag(BuildTag, BuildTag.build_id, BuildRow.id, query.tag)
            )
        if query.text is not None:
            statement = statement.where(BuildRow.name.icontains(query.text, autoescape=True))
        order, after = keyset(query.sort, _SORTS, BuildRow.id, query.cursor)
        if after is not None:
            statement = statement.where(after)
        statement = statement.order_by(*order).limit(query.limit + 1)
        rows = await self._fetch_rows(statement, {})
        if not rows and query.owner is not None:
            await self._check_owner(query.owner)
        items = [_read(row) for row in rows[: query.limit]]
        cursor = None
        if len(rows) > query.limit:
            last = items[-1]
            key = query.sort.lstrip("-")
            value = {"created": last.created_at, "updated": last.updated_at, "name": last.name}
            cursor = encode_cursor(query.sort, value[key], last.id)
        return Page[BuildRead](items=tuple(items), next_cursor=cursor)

    def _profession(self, given: str) -> str:
        """The profession ``given`` names in any case; ValidationFailed with a hint otherwise."""
        names = list(self.store.data.professions)
        for name in names:
            if name.casefold() == given.casefold():
                return name
        raise ValidationFailed(
            [
                ErrorDetail(
                    "/profession",
                    "unknown_profession",
                    f"there is no profession {given!r}{did_you_mean(given, names)}",
                )
            ]
        )

    async def _owned(self, tx: Transaction, actor: Actor, build_id: uuid.UUID) -> BuildRead:
        current = await self._fetch(tx, actor, build_id)
        if current.owner.id != actor.user_id:
            raise PermissionDenied(f"build {build_id} belongs to {current.owner.name}")
        return current

    async def update(
        self,
        actor: Actor,
        build_id: uuid.UUID,
        changes: BuildCreate | BuildPatch,
        expected_version: int | None = None,
        *,
        detached: MutableSequence[uuid.UUID] | None = None,
    ) -> BuildRead:
        """Replace (BuildCreate) or patch (BuildPatch) a build; emits ``build.updated``.

        With ``expected_version``, a build at another version raises VersionConflict and
        changes nothing; without it, the change applies to whatever version is current.
        Others' compositions where the changed build plays no archetype keep the one it played
        (see :meth:`_still_plays`); their ids are added to ``detached`` when it is given.
        """
        owner = require_user(actor)
        for _ in range(_RETRIES):
            async with self._tx() as tx:
                # Writers of one build queue on its row (PostgreSQL; SQLite has one writer), so
                # the version read next is the one the update replaces.
                await tx.session.execute(
                    select(BuildRow.id).where(BuildRow.id == build_id).with_for_update()
                )
                current = await self._owned(tx, actor, build_id)
                if expected_version is not None and current.version != expected_version:
                    raise VersionConflict("build", build_id, expected_version, current.version)
                values = self._changed(changes)
                if "data" in values:
                    others = await self._still_plays(
                        tx, owner, build_id, Build.model_validate(values["data"])
                    )
                    if detached is not None:
                        detached.extend(others)
                result = await tx.session.execute(
                    update(BuildRow)
                    .where(BuildRow.id == build_id, BuildRow.version == current.version)
                    .values(**values, version=current.version + 1, updated_at=utcnow())
                )
                if result.rowcount == 1:  # type: ignore[attr-defined]
                    if "tags" in values:
                        await replace_links(
                            tx.session,
                            self.store.dialect,
                            BuildTag,
                            BuildTag.build_id,
                            build_id,
                            values["tags"],
                        )
                    updated = await self._fetch(tx, actor, build_id)
                    await tx.emit("build.updated", owner, updated.model_dump(mode="json"))
                    return updated
            # Someone else changed it between our read and our write.
            if expected_version is not None:
                raise VersionConflict("build", build_id, expected_version, expected_version + 1)
        raise Conflict(f"build {build_id} keeps changing; try again")

    async def _still_plays(
        self, tx: Transaction, owner: uuid.UUID, build_id: uuid.UUID, build: Build
    ) -> Sequence[uuid.UUID]:
        """Keep every composition member that uses this build playing an archetype.

        In the owner's own compositions a change that leaves a member with none is refused
        (Conflict, naming the composition); in others' the member keeps the archetype the build
        played until now (others' items are never named, and never stop a change). Returns the
        ids of others' compositions changed so.
        """
        uses = await tx.session.execute(
            select(
                CompositionMember.composition_id, CompositionMember.role, CompositionRow.owner_id
            )
            .join(CompositionRow, CompositionRow.id == CompositionMember.composition_id)
            .where(CompositionMember.build_id == build_id)
            .distinct()
        )
        lost = False
        for composition_id, role, composition_owner in uses:
            if Member(build=build, role=role).resolve(self.store.roles) is not None:
                continue
            if composition_owner == owner:
                raise Conflict(
                    f"build {build_id} plays {role} in your composition {composition_id}; "
                    "the changed build matches no archetype there"
                )
            lost = True
        if not lost:
            return []
        return await CompositionRepository(self.store, tx).detach(
            [build_id], owned_by_others_than=owner
        )

    def _changed(self, changes: BuildCreate | BuildPatch) -> dict[str, Any]:
        """Column values for ``changes``: all of a replacement, the given fields of a patch."""
        fields = changes.model_dump(exclude_unset=isinstance(changes, BuildPatch))
        values: dict[str, Any] = {}
        for name in ("name", "description", "visibility"):
            if name in fields and fields[name] is not None:
                values[name] = fields[name]
        if fields.get("tags") is not None:
            values["tags"] = list(dict.fromkeys(changes.tags or ()))
        if changes.build is not None or changes.chat_code is not None:
            build, code, elite = self._resolve(changes.build, changes.chat_code)
            values.update(
                profession=build.profession,
                elite_specialization=elite,
                chat_code=code,
                data=build.model_dump(mode="json"),
            )
        return values

    async def delete(
        self, actor: Actor, build_id: uuid.UUID, expected_version: int | None = None
    ) -> Sequence[uuid.UUID]:
        """Delete a build; emits ``build.deleted`` with its last state.

        Compositions that used it (anyone's) keep the member as the archetype the build
        played; returns their ids (they changed). Raises VersionConflict on a version mismatch.
        """
        owner = require_user(actor)
        async with self._tx() as tx:
            current = await self._owned(tx, actor, build_id)
            version = expected_version if expected_version is not None else current.version
            if current.version != version:
                raise VersionConflict("build", build_id, version, current.version)
            detached = await CompositionRepository(self.store, tx).detach([build_id])
            try:
                result = await tx.session.execute(
                    delete(BuildRow).where(BuildRow.id == build_id, BuildRow.version == version)
                )
            except IntegrityError as error:
                raise Conflict(f"build {build_id} is used by a composition") from error
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise VersionConflict("build", build_id, version, version + 1)
            await tx.emit("build.deleted", owner, current.model_dump(mode="json"))
        return detached
