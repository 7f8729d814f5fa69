"""``/v1/gamedata`` and ``/v1/roles``: the game data and the WvW roles table, public and cacheable.

Neither changes while the process runs, so every body is serialised once per snapshot and served
with a content ETag and ``Cache-Control: public``. The answers do not depend on who asks: these
routes never read the token, and they vary on ``Accept-Encoding`` only, so shared caches may
hand one copy to everyone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.gamedata import GameData, Profession
from gw2wvw.gamedata.snapshot import ENDPOINTS
from gw2wvw.squad import Archetype, RolesTable
from gw2wvw.squad.roles import ArchetypeId, SpecializationEntry
from gw2wvw_api.http import Representation, content_etag, public, respond
from gw2wvw_api.problems import ProblemError, ProblemException, problem_responses
from gw2wvw_api.routes.common import CONDITIONAL_GET
from gw2wvw_api.services import ServicesDep

router = APIRouter(tags=["gamedata"])

MAX_IDS = 200
"""The most ids one ``?ids=`` lookup may name."""

_VARY = {"Vary": "Accept-Encoding"}


class _Read(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)


class SnapshotRead(_Read):
    """The snapshot served: game build, when and where it was fetched, records per endpoint."""

    build_id: int
    fetched_at: str
    source: str
    counts: dict[str, int]


class WeaponSkillRead(_Read):
    """A weapon skill, with the off hand or attunement it depends on."""

    id: int
    slot: str
    offhand: str | None
    attunement: str | None


class WeaponRead(_Read):
    """A weapon type a profession wields; ``specialization`` is the one it came with."""

    flags: tuple[str, ...]
    specialization: int | None
    skills: tuple[WeaponSkillRead, ...]


class ProfessionSkillRead(_Read):
    """A heal, utility or elite skill of a profession."""

    id: int
    slot: str
    type: str | None


class ProfessionRead(_Read):
    """A profession: its chat-code byte, specializations, weapons and bar skills."""

    id: str
    name: str
    code: int
    flags: tuple[str, ...]
    specializations: tuple[int, ...]
    weapons: dict[str, WeaponRead]
    skills: tuple[ProfessionSkillRead, ...]
    skills_by_palette: tuple[tuple[int, int], ...] = Field(
        description="[palette id, skill id] pairs, as the official API lists them."
    )


class SpecializationRead(_Read):
    """A specialization (trait line) with its minor and major trait ids."""

    id: int
    name: str
    profession: str
    elite: bool
    minor_traits: tuple[int, ...]
    major_traits: tuple[int, ...]


class TraitRead(_Read):
    """A trait: tier 1-3 (adept, master, grandmaster) and its row ``order`` 0-2."""

    id: int
    name: str
    tier: int
    order: int
    slot: str
    specialization: int | None


class SkillRead(_Read):
    """A skill: the slot it sits in, who may use it, and the weapon it belongs to."""

    id: int
    name: str
    slot: str | None
    type: str | None
    professions: tuple[str, ...]
    specialization: int | None
    weapon_type: str | None


class RolesRead(_Read):
    """The roles table: every WvW archetype the squad tools plan with, with its evidence."""

    version: int
    description: str
    specializations: dict[str, SpecializationEntry] = Field(
        description="Each specialization name Elite Insights writes (the 36 elites and the nine "
        "core professions) and the archetype it stands for where an archetype is asked for."
    )
    archetypes: tuple[Archetype, ...]


def _profession(record: Profession) -> ProfessionRead:
    return ProfessionRead(
        id=record.id,
        name=record.name,
        code=record.code,
        flags=tuple(sorted(record.flags)),
        specializations=record.specializations,
        weapons={
            name: WeaponRead(
                flags=tuple(sorted(weapon.flags)),
                specialization=weapon.specialization,
                skills=tuple(WeaponSkillRead.model_validate(s) for s in weapon.skills),
            )
            for name, weapon in record.weapons.items()
        },
        skills=tuple(ProfessionSkillRead.model_validate(s) for s in record.skills),
        skills_by_palette=tuple(record.skills_by_palette.items()),
    )


def _reads(records: Mapping[Any, Any], read: type[_Read]) -> dict[object, BaseModel]:
    return {key: read.model_validate(record) for key, record in records.items()}


_KINDS: dict[str, Callable[[GameData, RolesTable], dict[object, BaseModel]]] = {
    "profession": lambda data, _: {p.id: _profession(p) for p in data.professions.values()},
    "specialization": lambda data, _: _reads(data.specializations, SpecializationRead),
    "trait": lambda data, _: _reads(data.traits, TraitRead),
    "skill": lambda data, _: _reads(data.skills, SkillRead),
    "archetype": lambda _, roles: {a.id: a for a in roles.archetypes},
}


class Catalog:
    """The prepared responses of one snapshot and roles table, each serialised on first use."""

    def __init__(self, data: GameData, roles: RolesTable, max_age: int) -> None:
        self.data = data
        self.roles = roles
        self.cache_control = public(max_age)
        self._items: dict[str, Mapping[object, Representation]] = {}
        self._documents: dict[str, Representation] = {}

    def represent(self, body: bytes) -> Representation:
        """``body`` with its content ETag and the public caching headers."""
        return Representation(body, content_etag(body), self.cache_control, headers=_VARY)

    def items(self, kind: str) -> Mapping[object, Representation]:
        """Every record of ``kind`` by id, serialised (all of a kind at once, the first time)."""
        found = self._items.get(kind)
        if found is None:
            reads = _KINDS[kind](self.data, self.roles)
            found = {
                key: self.represent(read.model_dump_json().encode()) for key, read in reads.items()
            }
            self._items[kind] = found
        return found

    def item(self, kind: str, ident: object) -> Representation:
        """One record, or a 404 problem."""
        found = self.items(kind).get(ident)
        if found is None:
            raise ProblemException(404, "not_found", f"{kind} {ident} not found")
        return found

    def array(self, kind: str, idents: Iterable[object]) -> bytes:
        """A JSON array of the records of ``idents`` that exist, in the order given."""
        items = self.items(kind)
        return b"[" + b",".join(items[i].body for i in idents if i in items) + b"]"

    def prepared(self, name: str) -> Representation | None:
        """The document ``name`` if it was made already (None otherwise)."""
        return self._documents.get(name)

    def document(self, name: str, make: Callable[[], bytes]) -> Representation:
        """A whole-resource body, made once."""
        found = self._documents.get(name)
        if found is None:
            found = self._documents[name] = self.represent(make())
        return found


async def _catalog(request: Request, services: ServicesDep) -> Catalog:
    state = request.app.state
    store = services.store
    catalog: Catalog | None = getattr(state, "gamedata_catalog", None)
    if catalog is None or catalog.data is not store.data or catalog.roles is not store.roles:
        catalog = Catalog(store.data, store.roles, services.settings.gamedata_max_age)
        state.gamedata_catalog = catalog
    return catalog


CatalogDep = Annotated[Catalog, Depends(_catalog)]
"""A route parameter that receives the app's :class:`Catalog`."""

IdsQuery = Annotated[
    str,
    Query(
        pattern=r"^[0-9]{1,10}(,[0-9]{1,10})*$",
        max_length=MAX_IDS * 11 - 1,
        description=f"Comma-separated ids, at most {MAX_IDS}. Unknown ids are left out of the "
        "answer (200 with the records found, in the order asked, each once).",
        examples=["1,2,3"],
    ),
]
"""The ``ids`` query parameter of a lookup by ids."""


def _ids(text: str) -> list[int]:
    parts = text.split(",")
    if len(parts) > MAX_IDS:
        message = f"{len(parts)} ids given; at most {MAX_IDS} per request"
        raise ProblemException(
            422,
            "validation_failed",
            message,
            errors=[ProblemError(path="/query/ids", code="too_many_ids", message=message)],
        )
    return list(dict.fromkeys(int(part) for part in parts))


_GET = {**CONDITIONAL_GET, **problem_responses(400)}
_LOOKUP = {**CONDITIONAL_GET, **problem_responses(400, 422)}
# FastAPI documents a 422 for every route with parameters; it must say what ours look like.
_ONE = {**CONDITIONAL_GET, **problem_responses(400, 404, 422)}


@router.get(
    "/v1/gamedata",
    response_model=SnapshotRead,
    responses=_GET,
    summary="The game-data snapshot",
)
async def get_snapshot(request: Request, catalog: CatalogDep) -> Response:
    """Which snapshot the API serves: game build id, fetch time, source and record counts."""

    def make() -> bytes:
        data = catalog.data
        return (
            SnapshotRead(
                build_id=data.info.build_id,
                fetched_at=data.info.fetched_at,
                source=data.info.source,
                counts={endpoint: len(getattr(data, endpoint)) for endpoint in ENDPOINTS},
            )
            .model_dump_json()
            .encode()
        )

    return respond(request, catalog.document("snapshot", make))


@router.get(
    "/v1/gamedata/professions",
    response_model=list[ProfessionRead],
    responses=_GET,
    summary="Every profession",
)
async def list_professions(request: Request, catalog: CatalogDep) -> Response:
    """The nine professions, in the snapshot's order."""
    professions = catalog.document(
        "professions", lambda: catalog.array("profession", catalog.data.professions)
    )
    return respond(request, professions)


@router.get(
    "/v1/gamedata/professions/{profession_id}",
    response_model=ProfessionRead,
    responses=_ONE,
    summary="A profession",
)
async def get_profession(request: Request, catalog: CatalogDep, profession_id: str) -> Response:
    """One profession by id, e.g. ``Guardian`` (case-sensitive, as the game spells it)."""
    return respond(request, catalog.item("profession", profession_id))


@router.get(
    "/v1/gamedata/specializations",
    response_model=list[SpecializationRead],
    responses=_LOOKUP,
    summary="Specializations by id",
)
async def list_specializations(request: Request, catalog: CatalogDep, ids: IdsQuery) -> Response:
    """The specializations named in ``ids`` that exist."""
    return respond(request, catalog.represent(catalog.array("specialization", _ids(ids))))


@router.get(
    "/v1/gamedata/specializations/{specialization_id}",
    response_model=SpecializationRead,
    responses=_ONE,
    summary="A specialization",
)
async def get_specialization(
    request: Request, catalog: CatalogDep, specialization_id: int
) -> Response:
    """One specialization by id."""
    return respond(request, catalog.item("specialization", specialization_id))


@router.get(
    "/v1/gamedata/traits",
    response_model=list[TraitRead],
    responses=_LOOKUP,
    summary="Traits by id",
)
async def list_traits(request: Request, catalog: CatalogDep, ids: IdsQuery) -> Response:
    """The traits named in ``ids`` that exist."""
    return respond(request, catalog.represent(catalog.array("trait", _ids(ids))))


@router.get(
    "/v1/gamedata/traits/{trait_id}",
    response_model=TraitRead,
    responses=_ONE,
    summary="A trait",
)
async def get_trait(request: Request, catalog: CatalogDep, trait_id: int) -> Response:
    """One trait by id."""
    return respond(request, catalog.item("trait", trait_id))


@router.get(
    "/v1/gamedata/skills",
    response_model=list[SkillRead],
    responses=_LOOKUP,
    summary="Skills by id",
)
async def list_skills(request: Request, catalog: CatalogDep, ids: IdsQuery) -> Response:
    """The skills named in ``ids`` that exist."""
    return respond(request, catalog.represent(catalog.array("skill", _ids(ids))))


@router.get(
    "/v1/gamedata/skills/{skill_id}",
    response_model=SkillRead,
    responses=_ONE,
    summary="A skill",
)
async def get_skill(request: Request, catalog: CatalogDep, skill_id: int) -> Response:
    """One skill by id."""
    return respond(request, catalog.item("skill", skill_id))


@router.get(
    "/v1/roles",
    response_model=RolesRead,
    responses=_GET,
    tags=["roles"],
    summary="The WvW roles table",
)
async def get_roles(request: Request, catalog: CatalogDep) -> Response:
    """Every archetype: what it gives its party and the squad, why, and an example build."""

    def make() -> bytes:
        roles = catalog.roles
        read = RolesRead(
            version=roles.version,
            description=roles.description,
            specializations=roles.specializations,
            archetypes=roles.archetypes,
        )
        return read.model_dump_json().encode()

    return respond(request, catalog.document("roles", make))


@router.get(
    "/v1/roles/{archetype_id}",
    response_model=Archetype,
    responses=_ONE,
    tags=["roles"],
    summary="A WvW archetype",
)
async def get_archetype(
    request: Request, catalog: CatalogDep, archetype_id: ArchetypeId
) -> Response:
    """One archetype by id, e.g. ``firebrand-stab``."""
    return respond(request, catalog.item("archetype", archetype_id))
