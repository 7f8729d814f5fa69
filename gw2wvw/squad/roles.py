"""The WvW roles table: archetypes, what each gives its party and the squad, and why.

The bundled table (``roles.json`` beside this module, schema in ``roles.schema.json``) starts from
the sourced reference of the offline game-data pack and keeps its evidence. Users may load their
own table from a file or from Python objects; :func:`load_roles` validates it and, given game
data, checks every id it cites.
"""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from gw2wvw.builds import Build, BuildError, validate
from gw2wvw.chatcode import ChatCodeError
from gw2wvw.errors import Gw2WvwError
from gw2wvw.gamedata import GameData

Boon = Literal[
    "might",
    "fury",
    "quickness",
    "alacrity",
    "stability",
    "aegis",
    "protection",
    "resistance",
    "resolution",
    "regeneration",
    "vigor",
    "swiftness",
    "superspeed",
]
"""The boons a WvW party cares about."""

BOONS: tuple[Boon, ...] = get_args(Boon)
"""Every boon, in the order tables show them."""

STACKING_BOONS: frozenset[Boon] = frozenset({"might", "stability"})
"""Boons whose intensity stacks: Elite Insights gives them in average stacks, not percent."""

Function = Literal["healer", "stability", "boons", "strip", "damage"]
"""What a member does for its party and squad; an archetype has one or two."""

FUNCTIONS: tuple[Function, ...] = get_args(Function)
"""Every function, supports first."""

FUNCTION_NAMES: Mapping[Function, str] = {
    "healer": "healer",
    "stability": "stability anchor",
    "boons": "boon support",
    "strip": "strip",
    "damage": "damage",
}
"""How a commander names each function."""

SUPPORT_FUNCTIONS: frozenset[Function] = frozenset({"healer", "stability", "boons"})
"""Functions that make a member one of its party's supports."""

OFFENSIVE_FUNCTIONS: frozenset[Function] = frozenset({"strip", "damage"})
"""Functions that make a member one of its party's damage or strip members."""

PartyCapability = Literal["healing", "barrier", "cleanse"]
"""Support a member gives its own party, rated 0-3."""

PARTY_CAPABILITIES: tuple[PartyCapability, ...] = get_args(PartyCapability)
"""Every party capability."""

SquadCapability = Literal["strip", "cc", "damage"]
"""What a member adds to the whole squad, rated 0-3."""

SQUAD_CAPABILITIES: tuple[SquadCapability, ...] = get_args(SquadCapability)
"""Every squad capability."""

Role = Literal["stab-support", "healer", "boon-support", "strip", "damage", "utility", "roamer"]
"""The job an archetype does in a squad."""

ROLES: tuple[Role, ...] = get_args(Role)
"""Every role, supports first."""

Confidence = Literal["high", "medium", "low"]
"""How well the sources back an entry."""

Tier = Annotated[int, Field(ge=0, le=3)]
"""A 0-3 rating: 0 none, 1 minor, 2 solid, 3 core of the role."""

ArchetypeId = Annotated[str, Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$", max_length=64)]
"""A stable archetype id such as ``firebrand-stab``."""

ArchetypeRef = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9]+([- ][A-Za-z0-9]+)*$",
        max_length=64,
        examples=["firebrand-stab", "Firebrand", "Necromancer"],
    ),
]
"""An archetype id, or an elite specialization or core profession name as Elite Insights writes
it (case-insensitive), which stands for that specialization's default archetype."""


class RolesError(Gw2WvwError, ValueError):
    """A roles table is malformed or cites what the game data does not have.

    ``errors`` lists every problem as (JSON path, message).
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        shown = "; ".join(f"{path}: {message}" if path else message for path, message in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"invalid roles table: {shown}{more}")
        self.errors = errors


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Citation(_Model):
    """A skill or trait (pack id and name) that a boon or capability comes from."""

    type: Literal["skill", "trait"]
    id: int = Field(ge=1)
    name: str
    in_build: bool = True
    """False for an alternative the example build does not carry."""
    reach: int | Literal["self"] | None = None
    """Allies reached, where the reference records it (5 = the caster's party)."""


class BoonSource(_Model):
    """Why an archetype gives its party a boon (how much is in the figures table)."""

    sources: tuple[Citation, ...] = ()
    wvw_duration_s: dict[str, float] = Field(default_factory=dict)
    """WvW durations where they differ from PvE, by skill or trait name."""
    evidence: str
    notes: str = ""
    departure: str | None = None
    """Where and why this entry departs from the pack's reference."""


class NotProvided(_Model):
    """A boon some source claims that this archetype does not give its party in WvW."""

    reason: str
    sources: tuple[Citation, ...] = ()
    departure: str | None = None
    """Where and why this entry departs from the pack's reference."""


class Rating(_Model):
    """A 0-3 capability rating with the reason for it."""

    tier: Tier
    note: str = ""


class PartyGives(_Model):
    """What an archetype gives the other members of its party."""

    boons: dict[Boon, BoonSource] = Field(default_factory=dict)
    healing: Rating
    barrier: Rating
    cleanse: Rating


class SquadGives(_Model):
    """What an archetype adds to the whole squad."""

    strip: Rating
    cc: Rating
    damage: Rating


class ExampleBuild(_Model):
    """A chat code of a build that plays the archetype, and where it comes from."""

    chat_code: str
    source: str
    constructed: bool = False
    """True when gw2wvw composed the build from the cited skills and traits."""


class Archetype(_Model):
    """A WvW archetype: a specialization played in one role, with the functions it fills."""

    id: ArchetypeId
    name: str
    profession: str
    specialization: int = Field(ge=1)
    """The elite specialization (or the core line that defines the build)."""
    role: Role
    functions: tuple[Function, ...] = Field(min_length=1, max_length=2)
    """What the archetype does in a party: one function, or two (e.g. healer and stability)."""
    summary: str
    confidence: Confidence
    party: PartyGives
    squad: SquadGives
    not_provided: dict[Boon, NotProvided] = Field(default_factory=dict)
    example: ExampleBuild
    sources: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _distinct_functions(self) -> Archetype:
        if len(set(self.functions)) != len(self.functions):
            raise ValueError(f"{self.id} lists a function twice")
        return self

    def gives(self, boon: Boon) -> bool:
        """Whether the sources say the archetype gives ``boon`` to its party in WvW."""
        return boon in self.party.boons

    def fills(self, function: Function) -> bool:
        """Whether the archetype can fill ``function`` in a party."""
        return function in self.functions

    @property
    def support(self) -> bool:
        """Whether the archetype is one of its party's supports (healer, anchor, boons)."""
        return any(f in SUPPORT_FUNCTIONS for f in self.functions)

    @property
    def offensive(self) -> bool:
        """Whether the archetype counts as one of its party's damage or strip members."""
        return any(f in OFFENSIVE_FUNCTIONS for f in self.functions)

    def capability(self, name: PartyCapability | SquadCapability) -> int:
        """The 0-3 rating of a party or squad capability."""
        rating: Rating = getattr(self.party if name in PARTY_CAPABILITIES else self.squad, name)
        return rating.tier


class SpecializationEntry(_Model):
    """What a specialization name (as Elite Insights writes it) stands for in a squad."""

    default: ArchetypeId | None = None
    """The archetype a player who names only the specialization plays."""
    no_squad_role: str | None = None
    """Why the specialization has no WvW squad role (instead of a default)."""

    @model_validator(mode="after")
    def _one(self) -> SpecializationEntry:
        if (self.default is None) == (self.no_squad_role is None):
            raise ValueError("give either default or no_squad_role")
        return self


class ArchetypeNotFound(Gw2WvwError, LookupError):
    """A name is neither an archetype id nor a specialization of the roles table.

    ``matches`` lists the closest names, best first; ``reason`` is set when the name is a
    specialization that has no WvW squad role.
    """

    def __init__(self, name: str, matches: tuple[str, ...] = (), reason: str | None = None):
        if reason is not None:
            message = f"{name} has no WvW squad role: {reason}"
        else:
            hint = f"; did you mean {', '.join(matches)}?" if matches else ""
            message = f"no archetype or specialization named {name!r}{hint}"
        super().__init__(message)
        self.name = name
        self.matches = matches
        self.reason = reason

    def __str__(self) -> str:
        return str(self.args[0])


def _problem(
    loc: tuple[str | int, ...], template: str, value: Any, **context: str
) -> InitErrorDetails:
    """A table-level validation problem at ``loc``."""
    return InitErrorDetails(
        type=PydanticCustomError("roles_table", template, context), loc=loc, input=value
    )


class RolesTable(_Model):
    """A roles table: format version, its archetypes, and what each specialization name means."""

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    schema_: str | None = Field(default=None, alias="$schema")
    """The JSON Schema the file names for editors (``./roles.schema.json`` in the bundle)."""
    version: Literal[2] = 2
    description: str = ""
    archetypes: tuple[Archetype, ...] = Field(min_length=1)
    specializations: dict[str, SpecializationEntry] = Field(default_factory=dict)
    """Elite specialization and core profession names (as Elite Insights writes them)."""

    @model_validator(mode="after")
    def _consistent(self) -> RolesTable:
        problems: list[InitErrorDetails] = []
        seen: set[str] = set()
        for index, archetype in enumerate(self.archetypes):
            if archetype.id in seen:
                problems.append(
                    _problem(
                        ("archetypes", index, "id"),
                        "archetype id '{id}' appears twice",
                        archetype.id,
                        id=archetype.id,
                    )
                )
            seen.add(archetype.id)
        names: set[str] = set()
        for name, entry in self.specializations.items():
            if name.casefold() in names:
                problems.append(
                    _problem(("specializations", name), "'{name}' appears twice", name, name=name)
                )
            names.add(name.casefold())
            if name.casefold() in seen:
                problems.append(
                    _problem(
                        ("specializations", name),
                        "'{name}' is also an archetype id",
                        name,
                        name=name,
                    )
                )
            if entry.default is not None and entry.default not in seen:
                problems.append(
                    _problem(
                        ("specializations", name, "default"),
                        "no archetype '{id}'",
                        entry.default,
                        id=entry.default,
                    )
                )
        if problems:
            # A ValidationError keeps each problem at its own path; a ValueError raised here
            # would put every one of them at the root of the table.
            raise ValidationError.from_exception_data(type(self).__name__, problems)
        return self

    @functools.cached_property
    def by_id(self) -> Mapping[str, Archetype]:
        """Archetypes by id."""
        return {a.id: a for a in self.archetypes}

    @functools.cached_property
    def _names(self) -> Mapping[str, tuple[str, SpecializationEntry | None]]:
        """Every name a caller may use, casefolded: (how the table spells it, its entry)."""
        names: dict[str, tuple[str, SpecializationEntry | None]] = {
            a.id.casefold(): (a.id, None) for a in self.archetypes
        }
        for name, entry in self.specializations.items():
            names[name.casefold()] = (name, entry)
        return names

    def find(self, name: str) -> Archetype | None:
        """The archetype an id or a specialization name stands for, case-insensitively.

        A specialization name (``"Firebrand"``, ``"necromancer"``) gives its default archetype.
        None when nothing matches or the specialization has no squad role.
        """
        try:
            return self.resolve(name)
        except ArchetypeNotFound:
            return None

    def resolve(self, name: str) -> Archetype:
        """Like :meth:`find`, but raises :class:`ArchetypeNotFound` with the closest names."""
        found = self._names.get(name.strip().casefold())
        if found is None:
            close = difflib.get_close_matches(name.strip().casefold(), self._names, n=3)
            raise ArchetypeNotFound(name, tuple(self._names[c][0] for c in close))
        spelled, entry = found
        if entry is None:
            return self.by_id[spelled]
        if entry.default is None:
            raise ArchetypeNotFound(spelled, reason=entry.no_squad_role)
        return self.by_id[entry.default]

    def of_specialization(self, name: str) -> tuple[Archetype, ...]:
        """Every archetype of the specialization a name stands for (its default first)."""
        default = self.find(name)
        if default is None:
            return ()
        return (
            default,
            *(
                a
                for a in self.archetypes
                if a.specialization == default.specialization
                and a.profession == default.profession
                and a is not default
            ),
        )

    def __getitem__(self, archetype_id: str) -> Archetype:
        return self.by_id[archetype_id]

    def __contains__(self, archetype_id: object) -> bool:
        return archetype_id in self.by_id

    def __len__(self) -> int:
        return len(self.archetypes)


def _citation_problem(
    citation: Citation, archetype: Archetype, build: Build | None, data: GameData
) -> str | None:
    """Why ``citation`` does not fit ``archetype`` (None when it does)."""
    if citation.type == "skill":
        skill = data.skills.get(citation.id)
        if skill is None:
            return f"skill {citation.id} ({citation.name}) does not exist"
        if skill.name != citation.name:
            return f"skill {citation.id} is {skill.name!r}, not {citation.name!r}"
        if skill.professions and archetype.profession not in skill.professions:
            return f"{skill.name} is not a {archetype.profession} skill"
        if (
            citation.in_build
            and build is not None
            and citation.id not in _build_skills(build, data)
        ):
            return f"{skill.name} ({citation.id}) is not in the example build"
        return None
    trait = data.traits.get(citation.id)
    if trait is None:
        return f"trait {citation.id} ({citation.name}) does not exist"
    if trait.name != citation.name:
        return f"trait {citation.id} is {trait.name!r}, not {citation.name!r}"
    spec = data.specializations.get(trait.specialization or 0)
    if spec is None or spec.profession != archetype.profession:
        return f"{trait.name} is not a {archetype.profession} trait"
    if spec.elite and spec.id != archetype.specialization:
        return f"{trait.name} belongs to another elite specialization ({spec.name})"
    if citation.in_build and build is not None and citation.id not in _build_traits(build, data):
        return f"{trait.name} ({citation.id}) is not taken in the example build"
    return None


def _build_skills(build: Build, data: GameData) -> set[int]:
    """Skills a build can use: its bars, inactive legends, weapons and specialization mechanics."""
    skills = {
        s
        for bar in (build.skills.terrestrial, build.skills.aquatic)
        for _, s in bar.slots()
        if s is not None
    }
    if build.legends is not None:
        inactive = build.legends.inactive_utilities
        skills |= {s for s in (*inactive.terrestrial, *inactive.aquatic) if s is not None}
        for legend in (*build.legends.terrestrial, *build.legends.aquatic):
            if legend is not None:
                skills |= data.legend_skill_ids(legend)
    profession = data.professions.get(build.profession)
    if profession is not None:
        for weapon in build.weapons:
            if weapon in profession.weapons:
                skills |= {s.id for s in profession.weapons[weapon].skills}
    lines = {line.id for line in build.specializations if line is not None}
    skills |= {
        s.id
        for s in data.skills.values()
        if s.specialization in lines and (s.slot or "").startswith("Profession")
    }
    return skills


def _build_traits(build: Build, data: GameData) -> set[int]:
    """Traits a build has: its chosen majors and the minors of its lines."""
    traits: set[int] = set()
    for line in build.specializations:
        if line is None:
            continue
        traits |= {t for t in line.traits if t is not None}
        spec = data.specializations.get(line.id)
        if spec is not None:
            traits |= set(spec.minor_traits)
    return traits


def check_roles(table: RolesTable, data: GameData) -> list[tuple[str, str]]:
    """Every way ``table`` disagrees with ``data``, as (JSON path, message) pairs."""
    problems: list[tuple[str, str]] = []
    for index, archetype in enumerate(table.archetypes):
        path = f"/archetypes/{index}"
        spec = data.specializations.get(archetype.specialization)
        if archetype.profession not in data.professions:
            problems.append((f"{path}/profession", f"{archetype.profession!r} is no profession"))
        if spec is None or spec.profession != archetype.profession:
            problems.append(
                (
                    f"{path}/specialization",
                    f"{archetype.specialization} is no {archetype.profession} specialization",
                )
            )
        build: Build | None = None
        try:
            build = Build.from_chat_code(archetype.example.chat_code, data)
        except (ChatCodeError, BuildError) as exc:
            problems.append((f"{path}/example/chat_code", f"does not decode: {exc}"))
        if build is not None:
            lines = {line.id for line in build.specializations if line is not None}
            if build.profession != archetype.profession:
                problems.append((f"{path}/example/chat_code", f"is a {build.profession} build"))
            elif archetype.specialization not in lines:
                problems.append(
                    (
                        f"{path}/example/chat_code",
                        f"does not take specialization {archetype.specialization}",
                    )
                )
            for issue in validate(build, data).errors:
                problems.append((f"{path}/example/chat_code", f"{issue.code} at {issue.path}"))
        cited: list[tuple[str, Citation]] = [
            (f"{path}/party/boons/{boon}/sources/{i}", c)
            for boon, source in archetype.party.boons.items()
            for i, c in enumerate(source.sources)
        ] + [
            (f"{path}/not_provided/{boon}/sources/{i}", c.model_copy(update={"in_build": False}))
            for boon, entry in archetype.not_provided.items()
            for i, c in enumerate(entry.sources)
        ]
        for where, citation in cited:
            problem = _citation_problem(citation, archetype, build, data)
            if problem is not None:
                problems.append((where, problem))
    problems += _specialization_problems(table, data)
    return problems


def _specialization_problems(table: RolesTable, data: GameData) -> list[tuple[str, str]]:
    """Names of the specializations map that the game does not have, or point elsewhere."""
    problems: list[tuple[str, str]] = []
    for name, entry in table.specializations.items():
        where = f"/specializations/{_pointer((name,))[1:]}"
        spec = data.specialization_named(name)
        profession = data.professions.get(name)
        if spec is not None and spec.elite:
            wanted, elite = spec.profession, spec.id
        elif profession is not None:
            wanted, elite = profession.name, None
        else:
            problems.append(
                (where, f"{name!r} is neither an elite specialization nor a profession")
            )
            continue
        archetype = table.by_id.get(entry.default or "")
        if archetype is None:
            continue
        line = data.specializations.get(archetype.specialization)
        plays = (
            archetype.specialization == elite
            if elite is not None
            else archetype.profession == wanted and line is not None and not line.elite
        )
        if archetype.profession != wanted or not plays:
            problems.append((f"{where}/default", f"{archetype.id} is not a {name} archetype"))
    return problems


def _pointer(loc: tuple[int | str, ...]) -> str:
    """The JSON pointer of a pydantic location ("" for the whole document)."""
    parts = (str(p).replace("~", "~0").replace("/", "~1") for p in loc if p != "[key]")
    return "".join(f"/{part}" for part in parts)


def _pydantic_errors(exc: ValidationError) -> list[tuple[str, str]]:
    errors = exc.errors()
    failed = [tuple(e["loc"]) for e in errors if e["type"] != "too_short"]
    problems: list[tuple[str, str]] = []
    for error in errors:
        loc = tuple(error["loc"])
        # A tuple whose items failed also fails its length check; that error only confuses.
        if error["type"] == "too_short" and any(f[: len(loc)] == loc for f in failed):
            continue
        problems.append((_pointer(loc), error["msg"]))
    return problems


def parse_roles(document: Any, data: GameData | None = None) -> RolesTable:
    """Validate a roles table given as Python objects (and, with ``data``, against the game)."""
    try:
        table = RolesTable.model_validate(document)
    except ValidationError as exc:
        raise RolesError(_pydantic_errors(exc)) from exc
    if data is not None:
        problems = check_roles(table, data)
        if problems:
            raise RolesError(problems)
    return table


def bundled_roles_text() -> str:
    """The text of the roles table shipped with the package."""
    return resources.files(__package__).joinpath("roles.json").read_text(encoding="utf-8")


@functools.cache
def _bundled() -> RolesTable:
    return RolesTable.model_validate_json(bundled_roles_text())


def load_roles(path: str | Path | None = None, data: GameData | None = None) -> RolesTable:
    """The bundled roles table, or the one in the JSON file at ``path``.

    A user table is validated with every error listed (:class:`RolesError`); pass ``data`` to
    also check its professions, specializations, example codes and cited ids.
    """
    if path is None:
        return _bundled()
    try:
        document = json.loads(Path(path).read_bytes())
    except OSError as exc:
        raise RolesError([("", f"cannot read {path}: {exc.strerror or exc}")]) from exc
    except ValueError as exc:
        raise RolesError([("", f"{path} is not valid JSON: {exc}")]) from exc
    return parse_roles(document, data)


def roles_json_schema() -> dict[str, Any]:
    """The JSON Schema of a roles table file."""
    return RolesTable.model_json_schema()
