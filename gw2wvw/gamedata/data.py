"""`GameData`: every record of a snapshot, indexed for O(1) lookups."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from gw2wvw.gamedata.constants import (
    REVENANT_LEGEND_SKILLS,
    REVENANT_PALETTES,
    WEAPON_TYPE_IDS,
    WEAPON_TYPES_BY_ID,
)
from gw2wvw.gamedata.model import (
    ItemStat,
    Legend,
    Pet,
    Profession,
    Skill,
    SnapshotInfo,
    Specialization,
    Trait,
)

K = TypeVar("K")
R = TypeVar("R")


def _index(records: Iterable[R], key: str) -> Mapping[object, R]:
    return MappingProxyType({getattr(r, key): r for r in records})


def _unique_names(records: Iterable[R]) -> Mapping[str, R]:
    seen: dict[str, R] = {}
    duplicated: set[str] = set()
    for record in records:
        name: str = getattr(record, "name")  # noqa: B009 - records share a name field, not a type
        if name in seen:
            duplicated.add(name)
        seen[name] = record
    return MappingProxyType({k: v for k, v in seen.items() if k not in duplicated})


class GameData:
    """An immutable, indexed view of one game-data snapshot.

    Every mapping is read-only and keyed by the API id. Lookups by name exist where the game
    keeps names unique (professions, specializations, pets).
    """

    __slots__ = (
        "_legend_palette_skills",
        "_legend_skill_ids",
        "_legend_specializations",
        "_legends_by_code",
        "_pets_by_name",
        "_professions_by_code",
        "_specializations_by_name",
        "info",
        "itemstats",
        "legends",
        "pets",
        "professions",
        "skills",
        "specializations",
        "traits",
    )

    info: SnapshotInfo
    professions: Mapping[str, Profession]
    specializations: Mapping[int, Specialization]
    traits: Mapping[int, Trait]
    skills: Mapping[int, Skill]
    legends: Mapping[str, Legend]
    pets: Mapping[int, Pet]
    itemstats: Mapping[int, ItemStat]

    def __init__(
        self,
        *,
        info: SnapshotInfo,
        professions: Iterable[Profession],
        specializations: Iterable[Specialization],
        traits: Iterable[Trait],
        skills: Iterable[Skill],
        legends: Iterable[Legend],
        pets: Iterable[Pet],
        itemstats: Iterable[ItemStat],
    ) -> None:
        self.info = info
        self.professions = _index(professions, "id")  # type: ignore[assignment]
        self.specializations = _index(specializations, "id")  # type: ignore[assignment]
        self.traits = _index(traits, "id")  # type: ignore[assignment]
        self.skills = _index(skills, "id")  # type: ignore[assignment]
        self.legends = _index(legends, "id")  # type: ignore[assignment]
        self.pets = _index(pets, "id")  # type: ignore[assignment]
        self.itemstats = _index(itemstats, "id")  # type: ignore[assignment]
        self._professions_by_code = _index(self.professions.values(), "code")
        self._legends_by_code = _index(self.legends.values(), "code")
        self._specializations_by_name = _unique_names(self.specializations.values())
        self._pets_by_name = _unique_names(self.pets.values())
        self._legend_palette_skills = MappingProxyType(
            {
                legend.id: dict(
                    zip(REVENANT_PALETTES, REVENANT_LEGEND_SKILLS[legend.code], strict=True)
                )
                for legend in self.legends.values()
                if legend.code in REVENANT_LEGEND_SKILLS
            }
        )
        self._legend_skill_ids = MappingProxyType(
            {
                legend.id: frozenset(
                    (
                        legend.heal,
                        legend.elite,
                        *legend.utilities,
                        *self._legend_palette_skills.get(legend.id, {}).values(),
                    )
                )
                for legend in self.legends.values()
            }
        )
        self._legend_specializations = MappingProxyType(
            {legend.id: self._required_specialization(legend) for legend in self.legends.values()}
        )

    def _required_specialization(self, legend: Legend) -> int | None:
        # /v2/legends has no specialization field; the legend's own skills carry it.
        for skill_id in (legend.heal, legend.elite, *legend.utilities, legend.swap):
            skill = self.skills.get(skill_id)
            if skill is not None and skill.specialization is not None:
                return skill.specialization
        return None

    def profession_by_code(self, code: int) -> Profession | None:
        """The profession whose build-code byte is ``code``, if any."""
        return self._professions_by_code.get(code)

    def legend_by_code(self, code: int) -> Legend | None:
        """The legend whose build-code byte is ``code``, if any."""
        return self._legends_by_code.get(code)

    def specialization_named(self, name: str) -> Specialization | None:
        """The specialization called ``name`` (names are unique), if any."""
        return self._specializations_by_name.get(name)

    def pet_named(self, name: str) -> Pet | None:
        """The pet called ``name`` (names are unique), if any."""
        return self._pets_by_name.get(name)

    def legend_specialization(self, legend_id: str) -> int | None:
        """The elite specialization a legend needs, or None when every revenant may use it."""
        return self._legend_specializations.get(legend_id)

    def legend_skill_ids(self, legend_id: str) -> frozenset[int]:
        """Every heal, utility and elite skill id that belongs to a legend."""
        return self._legend_skill_ids.get(legend_id, frozenset())

    def legend_palette_skill(self, legend_id: str, palette: int) -> int | None:
        """The skill a revenant palette id stands for under ``legend_id``, if any."""
        return self._legend_palette_skills.get(legend_id, {}).get(palette)

    def legend_skill_palette(self, legend_id: str, skill_id: int) -> int | None:
        """The revenant palette id that writes ``skill_id`` under ``legend_id``, if any."""
        legend = self.legends.get(legend_id)
        if legend is None:
            return None
        for palette, skill in self._legend_palette_skills.get(legend_id, {}).items():
            if skill == skill_id:
                return palette
        record = (legend.heal, *legend.utilities, legend.elite)
        if skill_id in record:
            return REVENANT_PALETTES[record.index(skill_id)]
        return None

    @staticmethod
    def weapon_type_id(weapon_type: str) -> int | None:
        """The build-code id of a weapon type name, if known."""
        return WEAPON_TYPE_IDS.get(weapon_type)

    @staticmethod
    def weapon_type_named(weapon_id: int) -> str | None:
        """The weapon type name for a build-code weapon id, if known."""
        return WEAPON_TYPES_BY_ID.get(weapon_id)

    def __setattr__(self, name: str, value: Any) -> None:
        """Set each attribute once, in ``__init__``; the game data is shared by every caller."""
        if hasattr(self, name):
            raise AttributeError(f"GameData is immutable: {name!r} cannot be reassigned")
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        """Refuse: the game data is immutable."""
        raise AttributeError(f"GameData is immutable: {name!r} cannot be deleted")

    def __repr__(self) -> str:
        return (
            f"<GameData build={self.info.build_id} professions={len(self.professions)} "
            f"skills={len(self.skills)} traits={len(self.traits)}>"
        )
