"""A small hand-made roles table, so squad tests state their expectations independently of the
curated bundled table."""

from __future__ import annotations

from typing import Any

import pytest

from gw2wvw.squad import RolesTable, parse_roles
from gw2wvw.squad.targets import Targets

# Any valid code will do for these archetypes: the tests never decode it.
CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"


def archetype(
    ident: str,
    role: str,
    boons: dict[str, float | None],
    healing: int = 0,
    cleanse: int = 0,
    strip: int = 0,
    damage: int = 0,
    cc: int = 0,
) -> dict[str, Any]:
    """An archetype document: boons maps a boon to its stacks (None for a duration boon)."""
    return {
        "id": ident,
        "name": ident.replace("-", " ").title(),
        "profession": "Guardian",
        "specialization": 62,
        "role": role,
        "summary": "test archetype",
        "confidence": "high",
        "party": {
            "boons": {b: {"stacks": s, "evidence": "test"} for b, s in boons.items()},
            "healing": {"tier": healing},
            "barrier": {"tier": 0},
            "cleanse": {"tier": cleanse},
        },
        "squad": {"strip": {"tier": strip}, "cc": {"tier": cc}, "damage": {"tier": damage}},
        "example": {"chat_code": CODE, "source": "test"},
    }


TINY = [
    archetype("stab", "stab-support", {"stability": 2, "quickness": None, "might": 3}, healing=1),
    archetype("heal", "healer", {"alacrity": None, "might": 2}, healing=3, cleanse=3),
    archetype("quick", "boon-support", {"quickness": None, "might": 5}, healing=1, damage=1),
    archetype("strip", "strip", {}, strip=3, damage=2, cc=1),
    archetype("dps", "damage", {"might": 1}, damage=3, cc=2),
    archetype("roam", "roamer", {}, damage=2),
]


@pytest.fixture(scope="session")
def tiny_roles() -> RolesTable:
    return parse_roles({"archetypes": TINY})


@pytest.fixture(scope="session")
def tiny_targets() -> Targets:
    """Stability 2 stacks, quickness, alacrity, might 5, healing 3 per party; damage and strips."""
    return Targets.model_validate(
        {
            "party": {
                "stability": {"weight": 20, "minimum": 2},
                "quickness": {"weight": 10},
                "alacrity": {"weight": 10},
                "might": {"weight": 10, "minimum": 5},
                "healing": {"weight": 10, "minimum": 3},
            },
            "squad": {
                "damage": {"weight": 25, "per_member": 2},
                "strip": {"weight": 10, "per_member": 0.6},
                "cc": {"weight": 5, "per_member": 0.8},
            },
        }
    )
