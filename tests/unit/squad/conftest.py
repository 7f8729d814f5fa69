"""Shared helpers of the squad tests: the bundled tables, a program for a request, and an
independent reading of the issue's party structure, written from its words rather than from the
code under test."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import pytest

from gw2wvw.squad import Archetype, Figures, RolesTable, SquadRequest, load_figures, load_roles
from gw2wvw.squad.program import SquadProgram
from gw2wvw.squad.targets import STRUCTURES, targets_for

SUPPORT = frozenset({"healer", "stability", "boons"})
"""Functions that make a member a support (the issue: healer, stability anchor, boon support)."""

OFFENSE = frozenset({"strip", "damage"})
"""Functions that make a member a damage or strip member."""

BOONS = (
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
)
"""The thirteen boons a WvW party cares about, written out here rather than imported."""

STACKED = frozenset({"might", "stability"})
"""Boons Elite Insights reports in average stacks (the others in percent uptime)."""


@pytest.fixture(scope="session")
def roles() -> RolesTable:
    """The bundled roles table."""
    return load_roles()


@pytest.fixture(scope="session")
def figures() -> Figures:
    """The bundled figures table."""
    return load_figures()


def make_program(request: SquadRequest) -> SquadProgram:
    """The builder's program of ``request`` with the bundled tables and the mode's targets."""
    targets = targets_for(request.mode, request.targets, request.weights)
    return SquadProgram(request, load_roles(), targets, load_figures())


def balanced_sizes(players: int) -> list[int]:
    """As few parties of at most five as hold ``players``, sizes differing by at most one,
    largest first (how a commander splits a squad into subgroups)."""
    if players <= 0:
        return []
    count = -(-players // 5)
    sizes = [players // count] * count
    for p in range(players % count):
        sizes[p] += 1
    return sizes


def is_support(archetype: Archetype) -> bool:
    """Whether the archetype is one of its party's supports."""
    return bool(SUPPORT & set(archetype.functions))


def is_offense(archetype: Archetype) -> bool:
    """Whether the archetype counts as a damage or strip member."""
    return bool(OFFENSE & set(archetype.functions))


def healer_and_anchor(party: Sequence[Archetype]) -> bool:
    """Whether a healer and a stability anchor are two different members of ``party``."""
    return any(
        h != s
        for h, healer in enumerate(party)
        for s, anchor in enumerate(party)
        if "healer" in healer.functions and "stability" in anchor.functions
    )


def structure_problems(party: Sequence[Archetype], mode: str) -> list[str]:
    """What the issue's structure of ``mode`` finds wrong with ``party`` (empty: nothing).

    zerg and guild raid: one healer and one stability anchor (two different members), at most
    three supports, at least two damage or strip members (one fewer per missing member), no
    support archetype twice. Havoc: a healer or anchor, at most two supports, three damage or
    strip members. Roaming: no archetype twice, at most one support. The rules apply to parties
    of the mode's smallest full size (a smaller party is a remainder).
    """
    structure = STRUCTURES[mode]  # type: ignore[index]
    n = len(party)
    if n < structure.min_party:
        return []
    problems = []
    supports = sum(is_support(a) for a in party)
    offense = sum(is_offense(a) for a in party)
    ids = Counter(a.id for a in party)
    if mode in ("zerg", "guild_raid"):
        if not any("healer" in a.functions for a in party):
            problems.append("no healer")
        if not healer_and_anchor(party):
            problems.append("no stability anchor besides the healer")
        most, least = 3, 2
        repeated = [
            i for i, k in ids.items() if k > 1 and is_support(next(a for a in party if a.id == i))
        ]
    elif mode == "havoc":
        if not any({"healer", "stability"} & set(a.functions) for a in party):
            problems.append("no healer or stability anchor")
        most, least = 2, 3
        repeated = [
            i for i, k in ids.items() if k > 1 and is_support(next(a for a in party if a.id == i))
        ]
    else:
        most, least = 1, 0
        repeated = [i for i, k in ids.items() if k > 1]
    if supports > most:
        problems.append(f"{supports} supports")
    if offense < max(0, least - (5 - n)):
        problems.append(f"{offense} damage or strip members")
    if repeated:
        problems.append(f"repeated {', '.join(sorted(repeated))}")
    return problems


def share_caps(slots: int) -> tuple[int, int]:
    """The most slots one archetype (about a fifth) and one specialization (a quarter) may take
    in a size-mode squad of ``slots``; a squad smaller than ten may still play any two."""
    return max(2, math.ceil(slots / 5)), max(2, slots // 4)


def within_shares(squad: Sequence[Sequence[Archetype]], slots: int) -> bool:
    """Whether no archetype and no specialization takes more than its share of ``slots``."""
    archetype_cap, spec_cap = share_caps(slots)
    everyone = [a for party in squad for a in party]
    by_id = Counter(a.id for a in everyone)
    by_spec = Counter((a.profession, a.specialization) for a in everyone)
    return max(by_id.values(), default=0) <= archetype_cap and (
        max(by_spec.values(), default=0) <= spec_cap
    )
