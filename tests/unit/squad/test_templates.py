"""Party templates: a pool's vectorised worth is the program's, a size request's pool holds
exactly the templates that meet the structure, and without a pool the builder still proves the
same optimum by pricing with a mixed-integer program."""

from __future__ import annotations

import itertools
import math
import random

import pytest

from gw2wvw.squad import RosterPlayer, SquadRequest, build_squad
from gw2wvw.squad import templates as templates_module
from gw2wvw.squad.templates import TemplatePool, multisets
from tests.unit.squad.conftest import make_program, structure_problems

FEW = (
    "firebrand-stab",
    "firebrand-heal",
    "luminary-stab",
    "tempest-heal",
    "druid-heal",
    "troubadour-support",
    "chronomancer-boon",
    "catalyst-boon-damage",
    "spellbreaker-strip",
    "scourge-strip",
    "reaper-damage",
)


def roster_request(count: int, seed: int) -> SquadRequest:
    rng = random.Random(seed)
    return SquadRequest(
        roster=tuple(
            RosterPlayer(name=f"p{i}", archetypes=tuple(rng.sample(FEW, rng.randint(1, 3))))
            for i in range(count)
        ),
        time_limit=20,
    )


@pytest.mark.parametrize(
    "request_",
    [
        SquadRequest(size=10),
        SquadRequest(size=9, mode="guild_raid"),
        SquadRequest(size=4, mode="roaming", archetypes=FEW),
        roster_request(10, seed=1),
        roster_request(9, seed=2),
    ],
    ids=["zerg-10", "guild-raid-9", "roaming-4", "roster-10", "roster-9"],
)
def test_pool_worth_is_the_programs_worth(request_: SquadRequest) -> None:
    program = make_program(request_)
    rng = random.Random(0)
    for n in set(program.sizes):
        pool = TemplatePool.make(program, n)
        assert pool is not None
        assert len(pool) > 0
        for index in rng.sample(range(len(pool)), min(150, len(pool))):
            template = pool.template(index)
            assert len(template) == n
            assert pool.worth[index] == pytest.approx(program.worth(template), abs=1e-9)


@pytest.mark.parametrize(
    ("mode", "n"),
    [
        ("zerg", 5),
        ("zerg", 4),
        ("zerg", 3),
        ("guild_raid", 5),
        ("havoc", 5),
        ("havoc", 3),
        ("roaming", 3),
    ],
)
def test_a_size_requests_pool_holds_the_templates_that_meet_the_structure(
    mode: str, n: int
) -> None:
    # A squad whose party sizes include n: ten players make parties of five, nine of 5 and 4,
    # three one party of three.
    size = {5: 10, 4: 9, 3: 3}[n]
    program = make_program(SquadRequest(size=size, mode=mode, archetypes=FEW))
    assert n in program.sizes
    pool = TemplatePool.make(program, n)
    assert pool is not None
    found = {pool.template(i) for i in range(len(pool))}
    assert len(found) == len(pool), "a template appears twice"
    kinds = program.archetypes
    meeting = {
        party
        for party in itertools.combinations_with_replacement(range(len(kinds)), n)
        if not structure_problems([kinds[a] for a in party], mode)
    }
    # Only templates that meet the structure, and every one of them that the squad's share
    # limits allow (a pool may leave out parties no squad of this size can hold).
    allowed = {
        party
        for party in meeting
        if all(party.count(a) <= program.archetype_cap for a in set(party))
    }
    assert {tuple(sorted(t)) for t in found} <= meeting
    assert allowed <= {tuple(sorted(t)) for t in found}


def test_a_rosters_pool_is_every_multiset() -> None:
    program = make_program(roster_request(10, seed=3))
    kinds = len(program.archetypes)
    for n in set(program.sizes):
        pool = TemplatePool.make(program, n)
        assert pool is not None
        assert len(pool) == math.comb(kinds + n - 1, n)
        assert len({pool.template(i) for i in range(len(pool))}) == len(pool)


def test_multisets_are_every_multiset_once() -> None:
    rows = multisets([2, 5, 7, 9], 3)
    assert sorted(tuple(int(v) for v in row) for row in rows) == sorted(
        itertools.combinations_with_replacement([2, 5, 7, 9], 3)
    )
    assert multisets([1, 2], 0).shape == (1, 0)
    assert multisets([], 2).shape == (0, 2)


def test_no_pool_above_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    program = make_program(SquadRequest(size=10, archetypes=FEW))
    assert TemplatePool.make(program, 5) is not None
    monkeypatch.setattr(templates_module, "LIMIT", 5)
    assert TemplatePool.make(program, 5) is None
    roster = make_program(roster_request(10, seed=4))
    assert TemplatePool.make(roster, 5) is None


@pytest.mark.parametrize(
    "request_",
    [
        SquadRequest(size=10, archetypes=FEW, time_limit=30),
        SquadRequest(size=9, archetypes=FEW, mode="havoc", time_limit=30),
        roster_request(11, seed=5).model_copy(update={"size": 10}),
        roster_request(8, seed=6),
    ],
    ids=["zerg-10", "havoc-9", "roster-11-for-10", "roster-8"],
)
def test_without_pools_mip_pricing_finds_the_same_optimum(
    request_: SquadRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    pooled = build_squad(request_)
    monkeypatch.setattr(templates_module, "LIMIT", 0)
    priced = build_squad(request_)
    assert pooled.status == priced.status == "optimal"
    assert priced.objective == pytest.approx(pooled.objective, rel=1e-4, abs=1e-6)
