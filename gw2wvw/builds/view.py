"""`BuildView`: a build with names beside its ids, the stable JSON shape scripts rely on."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from gw2wvw.builds.chatcodes import build_to_chat_code
from gw2wvw.builds.errors import BuildError
from gw2wvw.builds.model import Build, Legends, Pets, SkillBar, Skills, TraitLine
from gw2wvw.gamedata import GameData


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class SpecializationView(_View):
    """One trait line: specialization id and name (null when the line is empty)."""

    id: int | None
    name: str | None
    elite: bool
    traits: tuple[int | None, int | None, int | None]
    trait_names: tuple[str | None, str | None, str | None]


class SkillBarView(_View):
    """A skill bar as skill ids (null for an empty slot)."""

    heal: int | None
    utilities: tuple[int | None, int | None, int | None]
    elite: int | None


class SkillsView(_View):
    """The terrestrial and aquatic skill bars."""

    terrestrial: SkillBarView
    aquatic: SkillBarView


class BuildView(_View):
    """A resolved build as ``gw2wvw build decode --json`` prints it.

    The keys ``profession``, ``specializations``, ``skills``, ``pets``, ``legends``, ``weapons``,
    ``skill_overrides`` and ``chat_code`` are a stable contract; ``skill_names``, ``pet_names`` and
    ``legend_names`` map the ids that appear to their names.
    """

    profession: str
    specializations: tuple[SpecializationView, SpecializationView, SpecializationView]
    skills: SkillsView
    pets: Pets | None
    legends: Legends | None
    weapons: tuple[str, ...]
    skill_overrides: tuple[int, ...]
    stats: int | None
    stats_name: str | None
    chat_code: str | None
    skill_names: dict[int, str]
    pet_names: dict[int, str]
    legend_names: dict[str, str]


def _line(line: TraitLine | None, data: GameData) -> SpecializationView:
    if line is None:
        return SpecializationView(
            id=None,
            name=None,
            elite=False,
            traits=(None, None, None),
            trait_names=(None, None, None),
        )
    spec = data.specializations.get(line.id)
    names = [
        (trait.name if (trait := data.traits.get(t)) else None) if t is not None else None
        for t in line.traits
    ]
    return SpecializationView(
        id=line.id,
        name=spec.name if spec else None,
        elite=spec.elite if spec else False,
        traits=line.traits,
        trait_names=(names[0], names[1], names[2]),
    )


def _bar(bar: SkillBar) -> SkillBarView:
    return SkillBarView(heal=bar.heal, utilities=bar.utilities, elite=bar.elite)


def view(build: Build, data: GameData) -> BuildView:
    """Describe ``build`` with names; ``chat_code`` is null when the build cannot be encoded."""
    try:
        code: str | None = build_to_chat_code(build, data)
    except BuildError:
        code = None
    skill_ids = [
        s
        for bar in (build.skills.terrestrial, build.skills.aquatic)
        for _, s in bar.slots()
        if s is not None
    ]
    if build.legends is not None:
        inactive = build.legends.inactive_utilities
        skill_ids += [s for s in (*inactive.terrestrial, *inactive.aquatic) if s is not None]
    skill_ids += build.skill_overrides
    pet_ids = (
        [p for p in (*build.pets.terrestrial, *build.pets.aquatic) if p is not None]
        if build.pets
        else []
    )
    legend_ids = (
        [x for x in (*build.legends.terrestrial, *build.legends.aquatic) if x is not None]
        if build.legends
        else []
    )
    lines = build.specializations
    stats = data.itemstats.get(build.stats) if build.stats is not None else None
    return BuildView(
        profession=build.profession,
        specializations=(_line(lines[0], data), _line(lines[1], data), _line(lines[2], data)),
        skills=SkillsView(
            terrestrial=_bar(build.skills.terrestrial), aquatic=_bar(build.skills.aquatic)
        ),
        pets=build.pets,
        legends=build.legends,
        weapons=build.weapons,
        skill_overrides=build.skill_overrides,
        stats=build.stats,
        stats_name=stats.name if stats else None,
        chat_code=code,
        skill_names={s: data.skills[s].name for s in skill_ids if s in data.skills},
        pet_names={p: data.pets[p].name for p in pet_ids if p in data.pets},
        legend_names={
            legend: data.skills[data.legends[legend].swap].name
            for legend in legend_ids
            if legend in data.legends and data.legends[legend].swap in data.skills
        },
    )


def build_of(shown: BuildView) -> Build:
    """The build a view describes: what ``gw2wvw build decode --json`` prints, read back."""
    lines = tuple(
        TraitLine(id=line.id, traits=line.traits) if line.id is not None else None
        for line in shown.specializations
    )
    return Build(
        profession=shown.profession,
        specializations=(lines[0], lines[1], lines[2]),
        skills=Skills(
            terrestrial=SkillBar(**shown.skills.terrestrial.model_dump()),
            aquatic=SkillBar(**shown.skills.aquatic.model_dump()),
        ),
        weapons=shown.weapons,
        pets=shown.pets,
        legends=shown.legends,
        skill_overrides=shown.skill_overrides,
        stats=shown.stats,
    )
