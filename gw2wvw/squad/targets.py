"""What a squad should have, per mode: per-party and squad-wide targets and their weights."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, model_validator

from gw2wvw.squad.roles import BOONS, PARTY_CAPABILITIES, Boon, PartyCapability, SquadCapability

Mode = Literal["zerg", "havoc", "roaming", "guild_raid"]
"""The kinds of WvW play with default targets."""

MODES: tuple[Mode, ...] = get_args(Mode)
"""Every mode with defaults."""

PartyRequirement = Boon | PartyCapability
"""Something every party should have: a boon, or healing, barrier or cleanse."""

PARTY_REQUIREMENTS: tuple[str, ...] = (*BOONS, *PARTY_CAPABILITIES)
"""Every party requirement, boons first."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PartyTarget(_Model):
    """A party requirement: how much is enough, and how much it weighs in the score."""

    weight: float = Field(ge=0, le=1000)
    minimum: float = Field(default=1.0, gt=0, le=75)
    """Stacks for might and stability, the sum of 0-3 ratings for healing, barrier and
    cleanse, providers for any other boon."""


class SquadTarget(_Model):
    """A squad-wide capability: the 0-3 ratings wanted per member, and the weight."""

    weight: float = Field(ge=0, le=1000)
    per_member: float = Field(gt=0, le=3)


class Targets(_Model):
    """Everything the evaluator scores and the builder maximises.

    ``required`` names party requirements the builder must meet in every party (hard
    constraints); the evaluator reports a missing one as critical.
    """

    party: dict[PartyRequirement, PartyTarget]
    squad: dict[SquadCapability, SquadTarget]
    required: tuple[PartyRequirement, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Targets:
        missing = [r for r in self.required if r not in self.party]
        if missing:
            raise ValueError(f"required {', '.join(missing)} must also have a party target")
        if self.total_weight() <= 0:
            raise ValueError("at least one target needs a positive weight")
        return self

    def total_weight(self) -> float:
        """The sum of every weight (the score divides by it)."""
        return sum(t.weight for t in self.party.values()) + sum(
            t.weight for t in self.squad.values()
        )

    def with_weights(self, weights: Mapping[str, float]) -> Targets:
        """A copy with some weights replaced (keys are requirement or capability names)."""
        unknown = sorted(set(weights) - set(self.party) - set(self.squad))
        if unknown:
            raise ValueError(f"no target named {', '.join(unknown)}")
        # Validated again from plain data, so the new weights meet the same bounds.
        document = self.model_dump()
        for section in ("party", "squad"):
            for name, target in document[section].items():
                if name in weights:
                    target["weight"] = weights[name]
        return Targets.model_validate(document)


def _targets(
    party: dict[str, tuple[float, float]], squad: dict[str, tuple[float, float]]
) -> Targets:
    return Targets.model_validate(
        {
            "party": {k: {"weight": w, "minimum": m} for k, (w, m) in party.items()},
            "squad": {k: {"weight": w, "per_member": p} for k, (w, p) in squad.items()},
        }
    )


# Weights follow what WvW squad pages and the pack's observed squad stress: a stability anchor and
# a healer in every party first, then quickness and alacrity, might, the defensive boons, and
# enough damage and strips across the squad. Minimums are in the table's own units.
DEFAULT_TARGETS: Mapping[Mode, Targets] = {
    "zerg": _targets(
        {
            "stability": (20, 2),
            "healing": (12, 3),
            "quickness": (12, 1),
            "alacrity": (10, 1),
            "might": (8, 8),
            "cleanse": (8, 3),
            "protection": (6, 1),
            "resistance": (6, 1),
            "barrier": (3, 2),
            "aegis": (3, 1),
            "resolution": (3, 1),
            "fury": (3, 1),
            "regeneration": (2, 1),
            "vigor": (2, 1),
            "swiftness": (2, 1),
            "superspeed": (2, 1),
        },
        {"damage": (14, 2.2), "strip": (10, 0.6), "cc": (4, 0.8)},
    ),
    "guild_raid": _targets(
        {
            "stability": (20, 3),
            "healing": (12, 3),
            "quickness": (12, 1),
            "alacrity": (10, 1),
            "might": (8, 10),
            "cleanse": (8, 3),
            "protection": (6, 1),
            "resistance": (6, 1),
            "barrier": (3, 2),
            "aegis": (3, 1),
            "resolution": (3, 1),
            "fury": (3, 1),
            "regeneration": (2, 1),
            "vigor": (2, 1),
            "swiftness": (2, 1),
            "superspeed": (2, 1),
        },
        {"damage": (18, 2.4), "strip": (12, 0.7), "cc": (5, 0.8)},
    ),
    "havoc": _targets(
        {
            "stability": (10, 1),
            "healing": (10, 2),
            "quickness": (8, 1),
            "alacrity": (6, 1),
            "might": (6, 5),
            "cleanse": (6, 2),
            "protection": (4, 1),
            "resistance": (4, 1),
            "superspeed": (4, 1),
            "swiftness": (4, 1),
            "barrier": (3, 1),
            "fury": (3, 1),
            "vigor": (2, 1),
            "aegis": (2, 1),
        },
        {"damage": (20, 2.4), "strip": (8, 0.6), "cc": (6, 1.0)},
    ),
    "roaming": _targets(
        {
            "healing": (6, 1),
            "stability": (4, 1),
            "swiftness": (6, 1),
            "superspeed": (4, 1),
            "might": (4, 3),
            "fury": (4, 1),
            "quickness": (4, 1),
            "protection": (3, 1),
            "resistance": (3, 1),
            "vigor": (3, 1),
        },
        {"damage": (25, 2.6), "cc": (8, 1.2), "strip": (4, 0.6)},
    ),
}
"""The default targets of each mode."""


def targets_for(
    mode: Mode | None = None,
    targets: Targets | None = None,
    weights: Mapping[str, float] | None = None,
) -> Targets:
    """The targets to use: explicit ``targets``, else the mode's defaults; then ``weights``."""
    chosen = targets if targets is not None else DEFAULT_TARGETS[mode or "zerg"]
    return chosen.with_weights(weights) if weights else chosen
