"""The `Build` model: a character build as game ids, independent of any chat code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.text import Line, Paragraph

if TYPE_CHECKING:
    from gw2wvw.gamedata import GameData

Id = Annotated[int, Field(ge=1, le=2**32 - 1)]
"""A positive game id (skill, trait, specialization, pet, stat combination)."""

OptionalId = Id | None
"""A game id, or None for an empty slot."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class TraitLine(_Frozen):
    """One specialization line and its chosen adept, master and grandmaster major traits."""

    id: Id = Field(description="Specialization id.")
    traits: tuple[OptionalId, OptionalId, OptionalId] = Field(
        default=(None, None, None),
        description="Chosen major trait ids for the adept, master and grandmaster tiers.",
    )


class SkillBar(_Frozen):
    """The five chosen skills of one bar: heal, three utilities, elite."""

    heal: OptionalId = None
    utilities: tuple[OptionalId, OptionalId, OptionalId] = (None, None, None)
    elite: OptionalId = None

    def slots(self) -> tuple[tuple[str, int | None], ...]:
        """(JSON path suffix, skill id) for each of the five slots, in bar order."""
        u = self.utilities
        return (
            ("heal", self.heal),
            ("utilities/0", u[0]),
            ("utilities/1", u[1]),
            ("utilities/2", u[2]),
            ("elite", self.elite),
        )


class Skills(_Frozen):
    """The terrestrial and aquatic skill bars."""

    terrestrial: SkillBar = SkillBar()
    aquatic: SkillBar = SkillBar()


class Pets(_Frozen):
    """A ranger's pets: two for land, two for water (None for an empty slot)."""

    terrestrial: tuple[OptionalId, OptionalId] = (None, None)
    aquatic: tuple[OptionalId, OptionalId] = (None, None)


class InactiveUtilities(_Frozen):
    """The utility skills of each inactive legend, in the order the player set them."""

    terrestrial: tuple[OptionalId, OptionalId, OptionalId] = (None, None, None)
    aquatic: tuple[OptionalId, OptionalId, OptionalId] = (None, None, None)


LegendId = Annotated[str, Field(pattern=r"^Legend[0-9]{1,3}$", examples=["Legend5"])]
"""A legend id as the API spells it (``Legend1`` ... ``Legend8``)."""


class Legends(_Frozen):
    """A revenant's legends: (active, inactive) for land and for water."""

    terrestrial: tuple[LegendId | None, LegendId | None] = (None, None)
    aquatic: tuple[LegendId | None, LegendId | None] = (None, None)
    inactive_utilities: InactiveUtilities = InactiveUtilities()


class Build(_Frozen):
    """A character build: profession, trait lines, skills, weapons, pets or legends, stats.

    Ids are the official API's. Build one from a chat code with :meth:`from_chat_code`, check it
    with :func:`gw2wvw.builds.validate`, and share it with :meth:`to_chat_code`.
    """

    profession: Line = Field(
        min_length=1,
        max_length=32,
        description="Profession id, e.g. Guardian.",
        examples=["Guardian"],
    )
    specializations: tuple[TraitLine | None, TraitLine | None, TraitLine | None] = (
        None,
        None,
        None,
    )
    skills: Skills = Skills()
    weapons: tuple[Annotated[Line, Field(min_length=1, max_length=32)], ...] = Field(
        default=(), max_length=16, description="Weapon type names, e.g. Staff."
    )
    pets: Pets | None = None
    legends: Legends | None = None
    skill_overrides: tuple[Id, ...] = Field(default=(), max_length=16)
    stats: OptionalId = Field(default=None, description="Item stat combination id.")
    name: Line | None = Field(default=None, max_length=100)
    notes: Paragraph | None = Field(default=None, max_length=2000)

    @classmethod
    def from_chat_code(cls, code: str, data: GameData) -> Build:
        """Translate a build chat code into a Build through ``data``'s palette tables."""
        # The translation module imports this one; importing it here avoids the cycle.
        from gw2wvw.builds.chatcodes import build_from_chat_code

        return build_from_chat_code(code, data)

    def to_chat_code(self, data: GameData) -> str:
        """The canonical (current-form) chat code of this build."""
        from gw2wvw.builds.chatcodes import build_to_chat_code

        return build_to_chat_code(self, data)
