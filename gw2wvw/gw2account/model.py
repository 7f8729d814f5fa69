"""A player's GW2 account as gw2wvw sees it: characters, their builds, what they can bring.

:func:`to_account` turns the official API's answers (:class:`~gw2wvw.gw2account.client.RawAccount`)
into a :class:`Gw2Account` whose builds are :class:`~gw2wvw.builds.Build` with chat codes;
:func:`suggest` names the specializations and archetypes the player can sign up with.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gw2wvw.builds import Build, BuildError, Legends, Pets, SkillBar, Skills, TraitLine
from gw2wvw.builds.chatcodes import build_to_chat_code
from gw2wvw.chatcode import ChatCodeError

if TYPE_CHECKING:
    from gw2wvw.gamedata import GameData
    from gw2wvw.gw2account.client import RawAccount
    from gw2wvw.squad.roles import RolesTable


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class AccountBuild(_Frozen):
    """One build of the account: a character's build tab or a build-storage slot."""

    source: str = Field(description="Where it is: ``tab`` of a character, or ``storage``.")
    character: str | None = Field(default=None, description="The character, for a tab.")
    tab: int | None = Field(default=None, description="The tab number (1-based), for a tab.")
    active: bool = Field(default=False, description="Whether it is the character's active tab.")
    name: str = Field(description="The build's name in game, or a made-up one when it has none.")
    build: Build | None = Field(description="The build, or None when it could not be read.")
    chat_code: str | None = Field(description="Its chat code (without weapons: the API has none).")
    elite_specialization: str | None = Field(description="Its elite specialization, if any.")
    problem: str | None = Field(default=None, description="Why there is no build or chat code.")

    @property
    def empty(self) -> bool:
        """Whether nothing is chosen in it (a tab never filled in), or it could not be read."""
        build = self.build
        return build is None or (
            build.specializations == (None, None, None)
            and all(skill is None for _, skill in build.skills.terrestrial.slots())
        )


class Gw2Character(_Frozen):
    """One character: its name, profession and build tabs."""

    name: str
    profession: str
    level: int | None = None
    builds: tuple[AccountBuild, ...] = ()


class Gw2Account(_Frozen):
    """A player's account: its name, characters (with their tabs) and build storage."""

    name: str
    key_name: str = Field(description="The name the player gave the API key.")
    permissions: tuple[str, ...]
    characters: tuple[Gw2Character, ...] = ()
    build_storage: tuple[AccountBuild, ...] = ()

    def builds(self) -> tuple[AccountBuild, ...]:
        """Every build of the account: each character's tabs, then the build storage."""
        return (*(b for c in self.characters for b in c.builds), *self.build_storage)


def _id(value: Any) -> int | None:
    """An API id, or None for the API's empty slot (``null``, and ``0`` in some answers)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None


def _ids(values: Any, count: int) -> tuple[int | None, ...]:
    items = list(values) if isinstance(values, list) else []
    return tuple(_id(v) for v in (items + [None] * count)[:count])


def _bar(skills: Any) -> SkillBar:
    skills = skills if isinstance(skills, dict) else {}
    return SkillBar.model_validate(
        {
            "heal": _id(skills.get("heal")),
            "utilities": _ids(skills.get("utilities"), 3),
            "elite": _id(skills.get("elite")),
        }
    )


def _legends(values: Any) -> tuple[str | None, str | None]:
    items = list(values) if isinstance(values, list) else []
    first, second = [v if isinstance(v, str) and v else None for v in [*items, None, None][:2]]
    return first, second


def api_build(record: Mapping[str, Any], profession: str | None = None) -> Build:
    """The :class:`Build` of one API build (a tab's ``build``, a storage slot).

    Weapons are not part of it (the API keeps them in equipment tabs), nor are a revenant's
    inactive-legend utilities. Raises :class:`BuildError` when the record is not a build.
    """
    lines: list[TraitLine | None] = []
    for spec in list(record.get("specializations") or [])[:3]:
        spec_id = _id(spec.get("id")) if isinstance(spec, dict) else None
        lines.append(
            None
            if spec_id is None
            else TraitLine.model_validate({"id": spec_id, "traits": _ids(spec.get("traits"), 3)})
        )
    pets = record.get("pets")
    legends, aquatic = record.get("legends"), record.get("aquatic_legends")
    try:
        return Build.model_validate(
            {
                "profession": record.get("profession") or profession,
                "specializations": tuple(lines + [None] * (3 - len(lines))),
                "skills": Skills(
                    terrestrial=_bar(record.get("skills")),
                    aquatic=_bar(record.get("aquatic_skills")),
                ),
                "pets": (
                    Pets.model_validate(
                        {
                            "terrestrial": _ids(pets.get("terrestrial"), 2),
                            "aquatic": _ids(pets.get("aquatic"), 2),
                        }
                    )
                    if isinstance(pets, dict)
                    else None
                ),
                "legends": (
                    Legends.model_validate(
                        {
                            "terrestrial": _legends(legends),
                            "aquatic": _legends(aquatic),
                        }
                    )
                    if isinstance(legends, list)
                    else None
                ),
                "name": record.get("name") or None,
            }
        )
    except (ValidationError, TypeError, AttributeError) as exc:
        raise BuildError(f"not a build the official API would give: {exc}") from exc


def _elite(build: Build, data: GameData) -> str | None:
    for line in build.specializations:
        spec = data.specializations.get(line.id) if line is not None else None
        if spec is not None and spec.elite:
            return spec.name
    return None


def _account_build(
    record: Any, data: GameData, *, default_name: str, profession: str | None = None, **where: Any
) -> AccountBuild:
    if not isinstance(record, dict):
        return AccountBuild(
            name=default_name,
            build=None,
            chat_code=None,
            elite_specialization=None,
            problem="the API gave no build here",
            **where,
        )
    try:
        build = api_build(record, profession)
    except BuildError as exc:
        return AccountBuild(
            name=str(record.get("name") or default_name),
            build=None,
            chat_code=None,
            elite_specialization=None,
            problem=str(exc),
            **where,
        )
    name = build.name or default_name
    try:
        code, problem = build_to_chat_code(build, data), None
    except (BuildError, ChatCodeError) as exc:
        code, problem = None, str(exc)
    return AccountBuild(
        name=name,
        build=build,
        chat_code=code,
        elite_specialization=_elite(build, data),
        problem=problem,
        **where,
    )


def _character(record: Mapping[str, Any], tabs: Sequence[Any], data: GameData) -> Gw2Character:
    name = str(record.get("name", ""))
    profession = str(record.get("profession", ""))
    builds: list[AccountBuild] = []
    for tab in tabs:
        number = tab.get("tab") if isinstance(tab, dict) else None
        number = number if isinstance(number, int) else len(builds) + 1
        builds.append(
            _account_build(
                tab.get("build") if isinstance(tab, dict) else None,
                data,
                default_name=f"{name} tab {number}",
                profession=profession,
                source="tab",
                character=name,
                tab=number,
                active=bool(tab.get("is_active")) if isinstance(tab, dict) else False,
            )
        )
    level = record.get("level")
    return Gw2Character(
        name=name,
        profession=profession,
        level=level if isinstance(level, int) else None,
        builds=tuple(builds),
    )


def to_account(raw: RawAccount, data: GameData | None = None) -> Gw2Account:
    """The :class:`Gw2Account` of the official API's answers (bundled game data by default)."""
    if data is None:
        from gw2wvw import gamedata

        data = gamedata.load()
    characters = tuple(
        _character(c, raw.build_tabs.get(str(c.get("name", "")), []), data) for c in raw.characters
    )
    storage = tuple(
        _account_build(b, data, default_name=f"Build storage {i}", source="storage")
        for i, b in enumerate(raw.build_storage, start=1)
    )
    return Gw2Account(
        name=str(raw.account["name"]),
        key_name=raw.key.name,
        permissions=raw.key.permissions,
        characters=characters,
        build_storage=storage,
    )


class Suggestion(_Frozen):
    """A specialization the player has a build for, and the archetypes it can fill."""

    specialization: str
    archetypes: tuple[str, ...]
    builds: int = Field(description="How many of the account's builds are of it.")


def suggest(account: Gw2Account, roles: RolesTable) -> tuple[Suggestion, ...]:
    """The elite specializations the account's builds play, most builds first, each with the
    archetypes of ``roles`` it fills (a specialization without a squad role is left out)."""
    counts: dict[str, int] = {}
    for build in account.builds():
        if build.elite_specialization is not None:
            counts[build.elite_specialization] = counts.get(build.elite_specialization, 0) + 1
    found: list[Suggestion] = []
    for name, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        archetypes = roles.of_specialization(name)
        if archetypes:
            ids = tuple(a.id for a in archetypes)
            found.append(Suggestion(specialization=name, archetypes=ids, builds=count))
    return tuple(found)


def signup_specializations(suggestions: Iterable[Suggestion]) -> list[str]:
    """The suggestions as a sign-up's ``specializations`` list (names, most builds first)."""
    return [s.specialization for s in suggestions]
