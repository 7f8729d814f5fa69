"""The party structure of every mode, as the issue states it, in the builder's size plans."""

from __future__ import annotations

import math
from collections import Counter

import pytest

from gw2wvw.squad import RolesTable, SquadPlan, SquadRequest, SquadRequestError, build_squad
from tests.unit.squad.conftest import (
    balanced_sizes,
    healer_and_anchor,
    is_offense,
    is_support,
)

SIZES = (10, 15, 20, 25, 30, 40, 50)


def squad_of(plan: SquadPlan, roles: RolesTable) -> list[list]:  # type: ignore[type-arg]
    return [[roles[m.archetype] for m in party] for party in plan.parties]


@pytest.mark.parametrize("mode", ["zerg", "guild_raid"])
@pytest.mark.parametrize("size", SIZES)
def test_zerg_and_guild_raid_parties_have_the_conventional_structure(
    mode: str, size: int, roles: RolesTable
) -> None:
    plan = build_squad(SquadRequest(size=size, mode=mode, time_limit=20))
    assert plan.status == "optimal", plan.reason
    assert [len(p) for p in plan.parties] == balanced_sizes(size)
    squad = squad_of(plan, roles)
    for number, party in enumerate(squad, start=1):
        if len(party) < 5:
            continue
        where = f"{mode} {size} party {number}: {[a.id for a in party]}"
        assert healer_and_anchor(party), where
        assert sum(is_support(a) for a in party) <= 3, where
        assert sum(is_offense(a) for a in party) >= 2, where
        supports = Counter(a.id for a in party if is_support(a))
        assert max(supports.values(), default=0) == 1, where
    everyone = [a for party in squad for a in party]
    by_spec = Counter((a.profession, a.specialization) for a in everyone)
    by_archetype = Counter(a.id for a in everyone)
    assert max(by_spec.values()) <= size / 4, by_spec.most_common(2)
    assert max(by_archetype.values()) <= math.ceil(size / 5), by_archetype.most_common(2)
    # The plan's own evaluation agrees: no rule broken, no critical finding.
    assert plan.evaluation is not None
    assert plan.evaluation.penalties == ()
    assert not [f for f in plan.evaluation.findings if f.severity == "critical"]


@pytest.mark.parametrize("size", [3, 5, 8, 10, 12, 15])
def test_every_havoc_party_has_a_healer_or_an_anchor(size: int, roles: RolesTable) -> None:
    plan = build_squad(SquadRequest(size=size, mode="havoc", time_limit=20))
    assert plan.status == "optimal", plan.reason
    assert sum(len(p) for p in plan.parties) == size
    for party in squad_of(plan, roles):
        assert any({"healer", "stability"} & set(a.functions) for a in party), [a.id for a in party]


@pytest.mark.parametrize("size", [1, 2, 3, 4, 5])
def test_a_roaming_group_is_one_group_with_no_archetype_twice(size: int, roles: RolesTable) -> None:
    plan = build_squad(SquadRequest(size=size, mode="roaming", time_limit=20))
    assert plan.status == "optimal", plan.reason
    assert len(plan.parties) == 1
    (party,) = squad_of(plan, roles)
    assert len(party) == size
    assert len({a.id for a in party}) == size
    assert sum(is_support(a) for a in party) <= 1


@pytest.mark.parametrize(("mode", "size"), [("roaming", 6), ("roaming", 10), ("havoc", 16)])
def test_groups_too_big_for_their_mode_are_refused(mode: str, size: int) -> None:
    with pytest.raises(SquadRequestError, match=str(size)):
        build_squad(SquadRequest(size=size, mode=mode))


def test_a_roaming_roster_plays_at_most_five(roles: RolesTable) -> None:
    from gw2wvw.squad import RosterPlayer

    specs = ("Weaver", "Mirage", "Daredevil", "Willbender", "Soulbeast", "Untamed", "Holosmith")
    roster = tuple(RosterPlayer(name=s, archetypes=(s,)) for s in specs)
    plan = build_squad(SquadRequest(roster=roster, mode="roaming", time_limit=20))
    assert plan.status == "optimal", plan.reason
    assert [len(p) for p in plan.parties] == [5]
    assert len(plan.bench) == 2
    assert len({m.archetype for m in plan.parties[0]}) == 5
