"""What a squad should have, per mode: party and squad targets in Elite Insights' units, the
structure every party must follow, and how much a broken rule costs.

The numbers are gw2wvw's judgment, anchored to the real fights of the project's data pack (the
Eternal Battlegrounds fight of 2025-11-04: 19 squad members in four parties). A zerg party's
targets are about the uptime the squad itself gave the average party of that fight (stability
1.6 stacks, quickness 23 %, protection 37 %, resistance 33 %, might 9 stacks, 29 cleanses a
minute), rounded; a guild raid asks about a third more, havoc and roaming less boons and more
damage. The reasoning of each mode is in :data:`MODE_NOTES`; README and the docs repeat it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gw2wvw.squad.figures import METRIC_UNITS, Metric
from gw2wvw.squad.roles import BOONS, STACKING_BOONS, Boon

Mode = Literal["zerg", "guild_raid", "havoc", "roaming"]
"""The kinds of WvW play gw2wvw plans for."""

MODES: tuple[Mode, ...] = get_args(Mode)
"""Every mode."""

PartyMetric = Literal["cleanses"]
"""A per-member output a party needs as a whole (cleanses of the party's conditions)."""

PartyGoal = Boon | PartyMetric
"""Something every party should have: a boon's uptime or stacks, or cleanses per minute."""

PARTY_GOALS: tuple[str, ...] = (*BOONS, "cleanses")
"""Every party goal, boons first."""

SquadMetric = Literal["strips", "damage", "cleanses", "healing"]
"""A per-member output the squad needs in total."""

Rule = Literal[
    "healer",
    "stability",
    "support",
    "supports",
    "offense",
    "duplicate",
    "archetype_share",
    "specialization_share",
]
"""A structure rule: a party lacks a healer / a stability anchor / any support, has too many
supports or too few damage or strip members, or plays an archetype twice that it should not; the
squad gives one archetype or one specialization too many slots."""

RULES: tuple[Rule, ...] = get_args(Rule)
"""Every rule."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Target(_Model):
    """A party goal: the amount wanted (EI units) and its weight in the score."""

    target: float = Field(gt=0, le=10_000)
    """Percent uptime, average stacks (might, stability) or cleanses per minute."""
    weight: float = Field(ge=0, le=1000)


class SquadTarget(_Model):
    """A squad goal: the amount wanted per slot of the squad, and its weight."""

    per_member: float = Field(gt=0, le=100_000)
    """Strips or cleanses per minute, or healing or damage per second, per slot."""
    weight: float = Field(ge=0, le=1000)


class Targets(_Model):
    """Everything the evaluator scores and the builder maximises (see :func:`value`)."""

    party: dict[PartyGoal, Target]
    squad: dict[SquadMetric, SquadTarget] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Targets:
        for boon, goal in self.party.items():
            if boon not in STACKING_BOONS and boon != "cleanses" and goal.target > 100:
                raise ValueError(f"{boon} is an uptime in percent; {goal.target:g} is above 100")
            if boon in STACKING_BOONS and goal.target > 25:
                raise ValueError(f"{boon} stacks to 25; {goal.target:g} is above that")
        if self.total_weight() <= 0:
            raise ValueError("at least one target needs a positive weight")
        return self

    def total_weight(self) -> float:
        """The sum of every weight (the score divides by it)."""
        return sum(t.weight for t in self.party.values()) + sum(
            t.weight for t in self.squad.values()
        )

    def with_weights(self, weights: Mapping[str, float]) -> Targets:
        """A copy with some weights replaced (keys are party goal or squad metric names)."""
        unknown = sorted(set(weights) - set(self.party) - set(self.squad))
        if unknown:
            raise ValueError(f"no target named {', '.join(unknown)}")
        document = self.model_dump()
        for section in ("party", "squad"):
            for name, target in document[section].items():
                if name in weights:
                    target["weight"] = weights[name]
        return Targets.model_validate(document)


class Structure(_Model):
    """The party structure a mode asks for; the builder enforces it, the score prices it.

    Rules apply to parties of at least ``min_party`` members (a smaller party is a remainder).
    """

    group_size: int = Field(default=5, ge=1, le=5)
    """Members per party (5: the game's subgroup)."""
    max_players: int = Field(default=50, ge=1, le=50)
    min_party: int = Field(default=4, ge=1, le=5)
    healer: bool = True
    """Every party has a healer."""
    stability: bool = True
    """Every party has a stability anchor (another member than its healer)."""
    support: bool = False
    """Every party has at least one healer or stability anchor."""
    max_supports: int = Field(default=3, ge=0, le=5)
    min_offense: int = Field(default=2, ge=0, le=5)
    """Damage or strip members a full party has at least (one fewer per missing member)."""
    distinct_supports: bool = True
    """No support archetype twice in a party (rule ``duplicate``)."""
    distinct_archetypes: bool = False
    """No archetype twice in a party at all (rule ``duplicate``)."""
    archetype_share: float = Field(default=0.2, gt=0, le=1)
    """The most slots one archetype takes in a size-mode squad (of the squad's size)."""
    specialization_share: float = Field(default=0.25, gt=0, le=1)
    """The most slots one specialization takes in a size-mode squad."""


PRICES: Mapping[Rule, float] = {
    "healer": 0.5,
    "stability": 0.5,
    "support": 0.5,
    "supports": 0.25,
    "offense": 0.25,
    "duplicate": 0.25,
    "archetype_share": 0.5,
    "specialization_share": 0.5,
}
"""What a broken rule costs: ``100 * price * members / slots`` points for a party rule (each
extra support, missing damage member or duplicate counts once), ``100 * price / slots`` per slot
over a share. Half a party for a missing healer or anchor is more than any boon the missing
member's slot could buy, so a plan breaks one only when the players are not there."""


def _targets(
    party: dict[str, tuple[float, float]], squad: dict[str, tuple[float, float]]
) -> Targets:
    return Targets.model_validate(
        {
            "party": {k: {"target": t, "weight": w} for k, (t, w) in party.items()},
            "squad": {k: {"per_member": t, "weight": w} for k, (t, w) in squad.items()},
        }
    )


DEFAULT_TARGETS: Mapping[Mode, Targets] = {
    "zerg": _targets(
        {
            "stability": (1.5, 25),
            "quickness": (25, 12),
            "protection": (40, 12),
            "resistance": (30, 10),
            "cleanses": (20, 10),
            "might": (8, 8),
            "aegis": (30, 5),
            "resolution": (40, 5),
            "fury": (45, 4),
            "regeneration": (35, 4),
            "vigor": (25, 3),
            "swiftness": (70, 2),
        },
        {"strips": (6, 12), "damage": (500, 12)},
    ),
    "guild_raid": _targets(
        {
            "stability": (2.0, 25),
            "quickness": (33, 12),
            "protection": (50, 12),
            "resistance": (40, 10),
            "cleanses": (27, 10),
            "might": (11, 8),
            "aegis": (40, 5),
            "resolution": (50, 5),
            "fury": (60, 4),
            "regeneration": (45, 4),
            "vigor": (33, 3),
            "swiftness": (80, 2),
        },
        {"strips": (8, 14), "damage": (650, 14)},
    ),
    "havoc": _targets(
        {
            "stability": (0.8, 12),
            "quickness": (15, 8),
            "protection": (25, 8),
            "resistance": (20, 6),
            "cleanses": (12, 8),
            "might": (6, 8),
            "fury": (35, 5),
            "swiftness": (60, 6),
            "regeneration": (20, 3),
            "vigor": (20, 3),
        },
        {"damage": (700, 25), "strips": (4, 10)},
    ),
    "roaming": _targets(
        {
            "swiftness": (50, 6),
            "might": (4, 6),
            "fury": (25, 5),
            "protection": (15, 4),
            "cleanses": (6, 6),
            "vigor": (15, 3),
        },
        {"damage": (800, 30), "strips": (3, 8)},
    ),
}
"""The default targets of each mode (see :data:`MODE_NOTES` for why)."""

STRUCTURES: Mapping[Mode, Structure] = {
    "zerg": Structure(),
    "guild_raid": Structure(),
    "havoc": Structure(
        max_players=15,
        min_party=3,
        healer=False,
        stability=False,
        support=True,
        max_supports=2,
        min_offense=3,
    ),
    "roaming": Structure(
        max_players=5,
        min_party=1,
        healer=False,
        stability=False,
        max_supports=1,
        min_offense=0,
        distinct_archetypes=True,
        archetype_share=1.0,
        specialization_share=1.0,
    ),
}
"""The party structure of each mode."""

MODE_NOTES: Mapping[Mode, str] = {
    "zerg": "A 10-50 player squad fighting as one blob. Every party of five runs one healer and "
    "one stability anchor (Firebrand or Luminary; not the same member), at most three supports "
    "and at least two damage or strip members, no support twice. Targets: about what the squad "
    "gave the average party of the data pack's real EBG fight (stability 1.6 stacks, quickness "
    "23 %, protection 37 %), rounded; strips 6 a minute and 500 damage a second per slot, that "
    "fight's squad average.",
    "guild_raid": "A coordinated guild group: the zerg structure with about a third more of every "
    "target, what that fight's strongest party reached.",
    "havoc": "A 3-15 player group that splits from the blob: every party has one healer or "
    "stability anchor and at most two supports, the rest damage or strips; half the zerg's "
    "boons, more damage.",
    "roaming": "One group of 1-5 players: no archetype twice, at most one support; mobility "
    "(swiftness), might and damage matter, party boons little.",
}
"""Why each mode's structure and targets are what they are."""

UNITS: Mapping[str, str] = {
    **{b: ("stacks" if b in STACKING_BOONS else "% uptime") for b in BOONS},
    "cleanses": "cleanses per minute",
    **{f"squad {m}": unit for m, unit in METRIC_UNITS.items()},
}
"""The unit of each goal."""


def targets_for(
    mode: Mode | None = None,
    targets: Targets | None = None,
    weights: Mapping[str, float] | None = None,
) -> Targets:
    """The targets to use: explicit ``targets``, else the mode's defaults; then ``weights``."""
    chosen = targets if targets is not None else DEFAULT_TARGETS[mode or "zerg"]
    return chosen.with_weights(weights) if weights else chosen


def value(amount: float, target: float) -> float:
    """How much of a goal ``amount`` achieves, 0-1, with diminishing returns.

    The first half of the target earns 0.65, the second half 0.35, and nothing beyond it: one
    excellent provider beats two mediocre ones, and doubling a boon already at target is worth
    nothing. Concave and piecewise linear, so the builder maximises it exactly.
    """
    if amount >= target:
        return 1.0
    half = target / 2
    if amount <= half:
        return max(0.0, 0.65 * amount / half)
    return 0.65 + 0.35 * (amount - half) / half


VALUE_PIECES: tuple[tuple[float, float], ...] = ((1.3, 0.0), (0.7, 0.3), (0.0, 1.0))
""":func:`value` as the minimum of lines ``slope * amount / target + intercept``."""


__all__ = [
    "DEFAULT_TARGETS",
    "MODES",
    "MODE_NOTES",
    "PARTY_GOALS",
    "PRICES",
    "RULES",
    "STRUCTURES",
    "UNITS",
    "VALUE_PIECES",
    "Metric",
    "Mode",
    "PartyGoal",
    "Rule",
    "SquadMetric",
    "SquadTarget",
    "Structure",
    "Target",
    "Targets",
    "targets_for",
    "value",
]
