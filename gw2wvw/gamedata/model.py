"""Typed, immutable records of the game data, shaped after the official API v2."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Literal, TypeVar

K = TypeVar("K")
V = TypeVar("V")

SkillSlot = Literal["Heal", "Utility", "Elite"]
"""The three slot kinds of a build's skill bar, as the API spells them."""

WeaponFlag = Literal["Mainhand", "Offhand", "TwoHand", "Aquatic"]
"""How a weapon is held, as the API spells it."""


def _frozen_map(items: Mapping[K, V] | None = None) -> Mapping[K, V]:
    return MappingProxyType(dict(items or {}))


@dataclass(frozen=True, slots=True)
class WeaponSkill:
    """One skill of a weapon, with the hand or attunement it depends on."""

    id: int
    slot: str
    offhand: str | None = None
    attunement: str | None = None


@dataclass(frozen=True, slots=True)
class Weapon:
    """A weapon type a profession can wield.

    ``specialization`` is the elite specialization the weapon came with. Since 2023 every
    specialization of the profession may wield it, so it is an origin, not a requirement.
    """

    type: str
    flags: frozenset[str]
    specialization: int | None
    skills: tuple[WeaponSkill, ...]

    @property
    def two_handed(self) -> bool:
        """Whether the weapon takes both hands."""
        return "TwoHand" in self.flags

    @property
    def aquatic(self) -> bool:
        """Whether the weapon is used under water."""
        return "Aquatic" in self.flags

    @property
    def mainhand(self) -> bool:
        """Whether the weapon can be held in the main hand."""
        return "Mainhand" in self.flags

    @property
    def offhand(self) -> bool:
        """Whether the weapon can be held in the off hand."""
        return "Offhand" in self.flags


@dataclass(frozen=True, slots=True)
class ProfessionSkill:
    """A heal, utility or elite skill listed by a profession."""

    id: int
    slot: str
    type: str | None


@dataclass(frozen=True, slots=True)
class Profession:
    """One of the nine professions with its chat-code byte and what it may use."""

    id: str
    name: str
    code: int
    flags: frozenset[str]
    specializations: tuple[int, ...]
    weapons: Mapping[str, Weapon]
    skills: tuple[ProfessionSkill, ...]
    skills_by_palette: Mapping[int, int]
    palettes_by_skill: Mapping[int, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # A frozen dataclass only stops rebinding; the mappings it holds must be read-only too.
        object.__setattr__(self, "weapons", _frozen_map(self.weapons))
        object.__setattr__(self, "skills_by_palette", _frozen_map(self.skills_by_palette))
        # Several palettes may name one skill; the first in API order is the canonical one.
        reverse: dict[int, int] = {}
        for palette, skill in self.skills_by_palette.items():
            reverse.setdefault(skill, palette)
        object.__setattr__(self, "palettes_by_skill", _frozen_map(reverse))


@dataclass(frozen=True, slots=True)
class Specialization:
    """A trait line: three minor and nine major traits, elite or core."""

    id: int
    name: str
    profession: str
    elite: bool
    minor_traits: tuple[int, ...]
    major_traits: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Trait:
    """A trait with its tier (1 adept, 2 master, 3 grandmaster) and its row ``order``."""

    id: int
    name: str
    tier: int
    order: int
    slot: str
    specialization: int | None


@dataclass(frozen=True, slots=True)
class Skill:
    """A skill with the slot it sits in and who may use it."""

    id: int
    name: str
    slot: str | None
    type: str | None
    professions: tuple[str, ...]
    specialization: int | None
    weapon_type: str | None


@dataclass(frozen=True, slots=True)
class Legend:
    """A revenant legend: its chat-code byte and its fixed skills."""

    id: str
    code: int
    swap: int
    heal: int
    elite: int
    utilities: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Pet:
    """A ranger pet."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ItemStatAttribute:
    """One attribute of a stat combination."""

    attribute: str
    multiplier: float
    value: int


@dataclass(frozen=True, slots=True)
class ItemStat:
    """An item stat combination (for example Minstrel's)."""

    id: int
    name: str
    attributes: tuple[ItemStatAttribute, ...]


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """Where and when a snapshot was fetched."""

    build_id: int
    fetched_at: str
    source: str
