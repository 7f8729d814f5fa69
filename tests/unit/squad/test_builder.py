"""The squad builder: optimality proved by brute force on small instances, rosters given by
specialization names, bench reasons, errors, and the asynchronous, cancellable solve."""

from __future__ import annotations

import asyncio
import itertools
import math
import re
import time
from collections.abc import Iterator, Sequence

import pytest

from gw2wvw.squad import (
    Lock,
    RolesTable,
    RosterPlayer,
    SquadPlan,
    SquadRequest,
    SquadRequestError,
    build_squad,
    build_squad_async,
)
from gw2wvw.squad.evaluation import evaluate_archetypes
from gw2wvw.squad.program import Lineup, SquadProgram
from gw2wvw.squad.targets import targets_for
from tests.unit.squad.conftest import (
    balanced_sizes,
    healer_and_anchor,
    make_program,
    structure_problems,
    within_shares,
)

# Two lists of eight archetypes: conventional single-function ones, and one with dual functions
# (a heal Firebrand that is healer and anchor, Troubadour boons and healer, Catalyst damage and
# boons) and two archetypes of one specialization (Firebrand), so the specialization cap binds.
PLAIN = (
    "firebrand-stab",
    "luminary-stab",
    "tempest-heal",
    "druid-heal",
    "chronomancer-boon",
    "spellbreaker-strip",
    "scourge-strip",
    "reaper-damage",
)
DUAL = (
    "firebrand-heal",
    "firebrand-stab",
    "troubadour-support",
    "catalyst-boon-damage",
    "scrapper-heal-superspeed",
    "herald-boon",
    "ritualist-strip",
    "dragonhunter-damage",
)


def exact_score(program: SquadProgram, plan: SquadPlan) -> float:
    """The program's score (plain numbers) of a plan's parties, with its preferences."""
    index = {a.id: n for n, a in enumerate(program.archetypes)}
    names = {p.name: n for n, p in enumerate(program.roster)}
    lineup = Lineup(
        [
            [(names[m.player] if m.player is not None else None, index[m.archetype]) for m in party]
            for party in plan.parties
        ]
    )
    return program.objective(lineup)


# -- brute force over every squad of a size ----------------------------------------------------


def best_by_size(ids: Sequence[str], size: int, mode: str) -> float | None:
    """The best score over every squad of ``size`` from ``ids`` that meets the mode's structure
    and shares (None when no squad does), by enumeration."""
    program = make_program(SquadRequest(size=size, mode=mode, archetypes=tuple(ids)))
    kinds = program.archetypes
    sizes = balanced_sizes(size)
    worth: dict[tuple[int, ...], float] = {}
    templates: dict[int, list[tuple[int, ...]]] = {}
    for n in set(sizes):
        templates[n] = []
        for party in itertools.combinations_with_replacement(range(len(kinds)), n):
            if not structure_problems([kinds[a] for a in party], mode):
                templates[n].append(party)
                worth[party] = program.worth(party)
    groups = [(n, sizes.count(n)) for n in sorted(set(sizes), reverse=True)]
    best: float | None = None
    choices = [itertools.combinations_with_replacement(templates[n], k) for n, k in groups]
    for choice in itertools.product(*choices):
        parties = [list(party) for group in choice for party in group]
        squad = [[kinds[a] for a in party] for party in parties]
        if mode != "roaming" and not within_shares(squad, size):
            continue
        points = sum(worth[tuple(p)] for p in parties) + program.squad_points(parties)
        if best is None or points > best:
            best = points
    return best


SIZE_CASES = [
    *((PLAIN, size, "zerg") for size in range(1, 11)),
    *((DUAL, size, "zerg") for size in range(1, 11)),
    *((PLAIN, size, "guild_raid") for size in (5, 9, 10)),
    *((PLAIN, size, "havoc") for size in (2, 3, 5, 8, 10)),
    *((DUAL, size, "havoc") for size in (4, 9)),
    *((PLAIN, size, "roaming") for size in (1, 3, 5)),
]


@pytest.mark.parametrize(
    ("ids", "size", "mode"),
    SIZE_CASES,
    ids=[f"{mode}-{'plain' if ids is PLAIN else 'dual'}-{size}" for ids, size, mode in SIZE_CASES],
)
def test_size_plans_are_optimal_by_brute_force(ids: Sequence[str], size: int, mode: str) -> None:
    best = best_by_size(ids, size, mode)
    request = SquadRequest(size=size, mode=mode, archetypes=tuple(ids), time_limit=20)
    plan = build_squad(request)
    if best is None:
        assert plan.status == "infeasible"
        assert plan.reason
        return
    assert plan.status == "optimal", plan.reason
    program = make_program(request)
    # The squad is the best there is (scored on plain numbers), and the plan reports its score.
    assert exact_score(program, plan) == pytest.approx(best, rel=1e-4, abs=1e-6)
    assert plan.objective == pytest.approx(best, rel=1e-4, abs=1e-6)
    assert [len(p) for p in plan.parties] == balanced_sizes(size)
    squad = [[program.roles[m.archetype] for m in party] for party in plan.parties]
    assert all(m.archetype in ids for party in plan.parties for m in party)
    assert all(not structure_problems(party, mode) for party in squad)
    if mode != "roaming":
        assert within_shares(squad, size)


def test_specialization_names_choose_their_default_archetypes(roles: RolesTable) -> None:
    names = ("Firebrand", "tempest", "DRUID", "Chronomancer", "Spellbreaker", "scourge", "Reaper")
    plan = build_squad(SquadRequest(size=10, archetypes=names, time_limit=20))
    assert plan.status == "optimal"
    allowed = {roles.resolve(n).id for n in names}
    assert {m.archetype for party in plan.parties for m in party} <= allowed
    by_ids = build_squad(SquadRequest(size=10, archetypes=tuple(sorted(allowed)), time_limit=20))
    assert plan.objective == pytest.approx(by_ids.objective, abs=1e-6)


def test_a_list_without_a_healer_cannot_meet_the_zerg_structure() -> None:
    plan = build_squad(
        SquadRequest(size=10, archetypes=("firebrand-stab", "scourge-strip", "reaper-damage"))
    )
    assert plan.status == "infeasible"
    assert plan.reason is not None
    assert "healer" in plan.reason
    assert plan.parties == ()


# -- brute force over every lineup of a roster -------------------------------------------------


def partitions(players: Sequence[int], sizes: Sequence[int]) -> Iterator[list[list[int]]]:
    """Every way to split ``players`` into parties of ``sizes``, parties told apart."""
    if not sizes:
        yield []
        return
    for first in itertools.combinations(players, sizes[0]):
        rest = [p for p in players if p not in first]
        for tail in partitions(rest, sizes[1:]):
            yield [list(first), *tail]


def best_by_roster(request: SquadRequest) -> float:
    """The best objective over every lineup of the roster that honours the request, by
    enumeration: who plays (the commander and locked players always), in which party (locked
    players in theirs), as which of the archetypes they listed (or were locked to)."""
    program = make_program(request)
    roster = range(len(program.roster))
    must = {i for i in roster if program.must_play(i)}
    locked = {i: program.locked_party(i) for i in roster if program.locked_party(i) is not None}
    sizes = program.sizes
    worth: dict[tuple[int, ...], float] = {}
    best = -math.inf
    for chosen in itertools.combinations(roster, program.players):
        if not must <= set(chosen):
            continue
        for parties in partitions(chosen, sizes):
            if any(i not in parties[p] for i, p in locked.items()):
                continue
            # Without party locks, parties of one size are interchangeable: count each once.
            if not locked and any(
                len(a) == len(b) and a[0] > b[0] for a, b in itertools.pairwise(parties)
            ):
                continue
            seats = [(i, p) for p, party in enumerate(parties) for i in party]
            for options in itertools.product(*(program.plays(i) for i, _ in seats)):
                squad: list[list[int]] = [[] for _ in sizes]
                preference = 0.0
                for (i, p), a in zip(seats, options, strict=True):
                    squad[p].append(a)
                    preference += program.preference(i, a)
                points = program.squad_points(squad) + preference
                for party in squad:
                    key = tuple(sorted(party))
                    if key not in worth:
                        worth[key] = program.worth(key)
                    points += worth[key]
                best = max(best, points)
    return best


def player(
    name: str, *archetypes: str, commander: bool = False, **preferences: float
) -> RosterPlayer:
    return RosterPlayer(
        name=name,
        archetypes=archetypes,
        commander=commander,
        preferences={k.replace("_", "-"): w for k, w in preferences.items()},
    )


ROSTERS: dict[str, SquadRequest] = {
    "four-players": SquadRequest(
        roster=(
            player("Ann", "Firebrand", "Tempest"),
            player("Bob", "druid"),
            player("Cid", "Scourge", "Reaper", "Chronomancer"),
            player("Dee", "Spellbreaker"),
        )
    ),
    "six-with-commander-and-preferences": SquadRequest(
        roster=(
            player("Boss", "Firebrand", "Luminary", commander=True),
            player("Ann", "Tempest", "Weaver", Weaver=1.0),
            player("Bob", "druid", "Untamed"),
            player("Cid", "Scourge", "Necromancer"),
            player("Dee", "Spellbreaker", "Berserker"),
            player("Eve", "Chronomancer", "Mirage", Chronomancer=0.5),
        )
    ),
    "seven-for-five-slots": SquadRequest(
        size=5,
        roster=(
            player("Ann", "Firebrand", "Tempest"),
            player("Bob", "Firebrand"),
            player("Cid", "druid"),
            player("Dee", "Scourge", "Reaper"),
            player("Eve", "Spellbreaker"),
            player("Fay", "Chronomancer", "Mirage"),
            player("Gus", "Weaver"),
        ),
    ),
    "five-for-eight-slots": SquadRequest(
        size=8,
        roster=(
            player("Ann", "Firebrand"),
            player("Bob", "Tempest", "druid"),
            player("Cid", "Scourge"),
            player("Dee", "Spellbreaker", "Herald"),
            player("Eve", "Renegade"),
        ),
    ),
    "eight-with-an-archetype-lock": SquadRequest(
        roster=(
            player("Ann", "Firebrand", "Luminary"),
            player("Bob", "firebrand-heal", "Tempest"),
            player("Cid", "druid", "Scourge"),
            player("Dee", "Scourge", "Reaper"),
            player("Eve", "Spellbreaker"),
            player("Fay", "Chronomancer"),
            player("Gus", "Weaver", "Tempest"),
            player("Hal", "Herald", "Renegade"),
        ),
        locks=(Lock(player="Gus", archetype="Weaver"),),
    ),
    "eight-with-party-locks": SquadRequest(
        roster=(
            player("Ann", "Firebrand", "Luminary"),
            player("Bob", "Tempest"),
            player("Cid", "druid", "Scourge"),
            player("Dee", "Scourge", "Reaper"),
            player("Eve", "Spellbreaker", "Bladesworn"),
            player("Fay", "Chronomancer"),
            player("Gus", "Weaver"),
            player("Hal", "Herald", "Daredevil"),
        ),
        locks=(Lock(player="Ann", party=2), Lock(player="Bob", archetype="Tempest", party=2)),
    ),
    "nine-players-two-parties-commander-locked": SquadRequest(
        roster=(
            player("Boss", "Luminary", commander=True),
            player("Ann", "Firebrand"),
            player("Bob", "Tempest", "Scrapper"),
            player("Cid", "druid"),
            player("Dee", "Scourge", "Reaper"),
            player("Eve", "Spellbreaker"),
            player("Fay", "Chronomancer", "Mirage"),
            player("Gus", "Weaver"),
            player("Hal", "Herald"),
        ),
        locks=(Lock(player="Boss", party=1), Lock(player="Hal", party=1)),
    ),
    "havoc-seven": SquadRequest(
        mode="havoc",
        roster=(
            player("Ann", "Firebrand", "Dragonhunter"),
            player("Bob", "Tempest", "Weaver"),
            player("Cid", "Scourge", "Reaper"),
            player("Dee", "Spellbreaker", "Paragon"),
            player("Eve", "Chronomancer", "Mirage"),
            player("Fay", "Herald", "Renegade"),
            player("Gus", "Untamed", "druid"),
        ),
    ),
    "roaming-seven-for-five": SquadRequest(
        mode="roaming",
        roster=(
            player("Ann", "Weaver", "Tempest"),
            player("Bob", "Weaver"),
            player("Cid", "Mirage", "Chronomancer"),
            player("Dee", "Daredevil", "Deadeye"),
            player("Eve", "Willbender", "Firebrand"),
            player("Fay", "Soulbeast", "Untamed"),
            player("Gus", "Mirage"),
        ),
    ),
    "eight-players-one-specialization-each": SquadRequest(
        roster=(
            player("Ann", "Firebrand"),
            player("Bob", "druid"),
            player("Cid", "Scourge"),
            player("Dee", "Necromancer"),
            player("Eve", "Weaver"),
            player("Fay", "Mirage"),
            player("Gus", "Renegade"),
            player("Hal", "Daredevil"),
        )
    ),
}


@pytest.mark.parametrize("name", list(ROSTERS))
def test_roster_plans_are_optimal_by_brute_force(name: str) -> None:
    request = ROSTERS[name].model_copy(update={"time_limit": 20})
    best = best_by_roster(request)
    plan = build_squad(request)
    assert plan.status == "optimal", plan.reason
    assert exact_score(make_program(request), plan) == pytest.approx(best, rel=1e-4, abs=1e-6)
    assert plan.objective == pytest.approx(best, rel=1e-4, abs=1e-6)


def test_party_locks_put_players_in_their_party() -> None:
    plan = build_squad(ROSTERS["eight-with-party-locks"])
    second = {m.player: m.archetype for m in plan.parties[1]}
    assert "Ann" in second
    assert second["Bob"] == "tempest-heal"
    first = {
        m.player
        for m in build_squad(ROSTERS["nine-players-two-parties-commander-locked"]).parties[0]
    }
    assert {"Boss", "Hal"} <= first


# -- rosters as a commander gives them: specialization names only ------------------------------

ACCEPTANCE = [
    ("Firebrand", 5),
    ("druid", 2),
    ("Tempest", 2),
    ("Scourge", 4),
    ("Necromancer", 1),
    ("Weaver", 2),
    ("Mirage", 2),
    ("Renegade", 2),
    ("Daredevil", 2),
    ("Bladesworn", 2),
    ("Spellbreaker", 3),
    ("Chronomancer", 1),
    ("Herald", 1),
    ("Reaper", 1),
]
"""Thirty players who name only their specialization (in Elite Insights' spelling or not)."""


def spec_roster(counts: Sequence[tuple[str, int]]) -> tuple[RosterPlayer, ...]:
    players = []
    for spec, count in counts:
        for k in range(count):
            players.append(RosterPlayer(name=f"{spec.lower()}{k + 1}", archetypes=(spec,)))
    return tuple(players)


def check_placement(plan: SquadPlan, request: SquadRequest, roles: RolesTable) -> None:
    """Everyone is placed or benched with a reason, and plays what they listed."""
    assert request.roster is not None
    listed = {p.name: {roles.resolve(a).id for a in p.archetypes} for p in request.roster}
    placed = [m.player for party in plan.parties for m in party if m.player is not None]
    benched = [b.player for b in plan.bench]
    assert sorted(placed + benched) == sorted(listed)
    assert all(b.reason.strip() for b in plan.bench)
    for party in plan.parties:
        for member in party:
            assert member.player is not None
            assert member.archetype in listed[member.player]


@pytest.mark.parametrize("size", [25, 20, 15])
def test_specialization_rosters_bench_no_needed_anchor_or_healer(
    size: int, roles: RolesTable
) -> None:
    request = SquadRequest(size=size, roster=spec_roster(ACCEPTANCE), time_limit=20)
    plan = build_squad(request)
    assert plan.status == "optimal", plan.reason
    check_placement(plan, request, roles)
    squad = [[roles[m.archetype] for m in party] for party in plan.parties]
    full = [party for party in squad if len(party) == 5]
    no_healer = [
        n + 1
        for n, party in enumerate(squad)
        if len(party) == 5 and not any("healer" in a.functions for a in party)
    ]
    no_anchor = [
        n + 1 for n, party in enumerate(squad) if len(party) == 5 and not healer_and_anchor(party)
    ]
    assert full
    by_name = {p.name: p for p in request.roster or ()}
    for benched in plan.bench:
        options = [roles.resolve(a) for a in by_name[benched.player].archetypes]
        if any("stability" in a.functions for a in options):
            assert not no_anchor, (
                f"{benched.player} benched while parties {no_anchor} lack an anchor"
            )
        if any("healer" in a.functions for a in options):
            assert not no_healer, (
                f"{benched.player} benched while parties {no_healer} lack a healer"
            )


def test_every_specialization_a_commander_names_can_be_placed(roles: RolesTable) -> None:
    specs = ("Weaver", "Mirage", "Renegade", "Daredevil", "Bladesworn", "Necromancer")
    request = SquadRequest(
        roster=(
            RosterPlayer(name="Boss", archetypes=("Firebrand",), commander=True),
            RosterPlayer(name="Heal", archetypes=("druid",)),
            *(RosterPlayer(name=spec, archetypes=(spec,)) for spec in specs),
        ),
        time_limit=20,
    )
    plan = build_squad(request)
    assert plan.status == "optimal", plan.reason
    check_placement(plan, request, roles)
    assert plan.bench == ()
    placed = {m.player: m for party in plan.parties for m in party}
    for spec in specs:
        assert placed[spec].specialization_name.casefold() == spec.casefold()


def test_a_short_roster_leaves_slots_unfilled_and_says_so(roles: RolesTable) -> None:
    request = SquadRequest(size=25, roster=spec_roster(ACCEPTANCE)[:22], time_limit=20)
    plan = build_squad(request)
    assert plan.status == "optimal", plan.reason
    assert plan.unfilled == 3
    assert plan.slots == 25
    assert [len(p) for p in plan.parties] == balanced_sizes(22)
    assert plan.evaluation is not None
    warnings = [f for f in plan.evaluation.findings if f.severity == "warning"]
    assert any("3" in f.message and "25" in f.message and "unfilled" in f.message for f in warnings)
    squad = [[roles[m.archetype] for m in party] for party in plan.parties]
    targets = targets_for("zerg")
    full = evaluate_archetypes(squad, targets)
    assert full.slots == 22
    assert plan.evaluation.score < full.score


def test_a_lock_may_only_name_what_the_player_listed() -> None:
    roster = spec_roster([("Firebrand", 3), ("druid", 2), ("Scourge", 3)])
    with pytest.raises(SquadRequestError, match="druid1"):
        build_squad(
            SquadRequest(roster=roster, locks=(Lock(player="druid1", archetype="Firebrand"),))
        )
    # The same lock by id, and a lock by the name of a specialization the player did list.
    with pytest.raises(SquadRequestError):
        build_squad(
            SquadRequest(roster=roster, locks=(Lock(player="scourge1", archetype="reaper-damage"),))
        )
    plan = build_squad(
        SquadRequest(roster=roster, locks=(Lock(player="firebrand2", archetype="FIREBRAND"),))
    )
    assert any(m.player == "firebrand2" for party in plan.parties for m in party)


@pytest.mark.parametrize(
    ("request_of", "wrong", "close"),
    [
        (
            lambda name: SquadRequest(roster=(RosterPlayer(name="a", archetypes=(name,)),)),
            "Firebrnad",
            "Firebrand",
        ),
        (
            lambda name: SquadRequest(roster=(RosterPlayer(name="a", archetypes=(name,)),)),
            "scourge-stirp",
            "scourge-strip",
        ),
        (
            lambda name: SquadRequest(size=10, archetypes=("Tempest", name)),
            "Chronomacer",
            "Chronomancer",
        ),
        (
            lambda name: SquadRequest(
                roster=(RosterPlayer(name="a", archetypes=("Firebrand",)),),
                locks=(Lock(player="a", archetype=name),),
            ),
            "Firebrand-stab2",
            "firebrand-stab",
        ),
    ],
)
def test_unknown_names_list_close_matches(request_of: object, wrong: str, close: str) -> None:
    with pytest.raises(SquadRequestError) as raised:
        build_squad(request_of(wrong))  # type: ignore[operator]
    assert wrong in str(raised.value)
    assert close in str(raised.value)


def test_a_lock_of_a_stranger_is_refused() -> None:
    with pytest.raises(SquadRequestError, match="Zed"):
        build_squad(
            SquadRequest(
                roster=spec_roster([("Firebrand", 2)]), locks=(Lock(player="Zed", party=1),)
            )
        )


def test_too_many_must_play_players_is_infeasible_with_the_reason() -> None:
    roster = spec_roster([("Firebrand", 3), ("druid", 3)])
    locks = tuple(Lock(player=p.name, party=1) for p in roster[:4])
    plan = build_squad(SquadRequest(size=5, roster=roster, locks=locks))
    # Five slots make one party of five: four locked to it fit; six must-play players do not.
    assert plan.status == "optimal"
    assert {p.name for p in roster[:4]} <= {m.player for m in plan.parties[0]}
    six = tuple(Lock(player=p.name, archetype=p.archetypes[0]) for p in roster)
    plan = build_squad(SquadRequest(size=5, roster=roster, locks=six))
    assert plan.status == "infeasible"
    assert plan.reason is not None
    assert "6" in plan.reason
    assert "5" in plan.reason


# -- bench reasons -----------------------------------------------------------------------------

_SWAP = re.compile(
    r"as (?P<as>.+?) instead of (?P<who>\S+) \((?P<was>.+)\) in party (?P<party>\d+), "
    r"would cost (?P<cost>[\d.]+) points"
)


def test_bench_reasons_name_the_cheapest_swap_and_its_true_cost(roles: RolesTable) -> None:
    request = ROSTERS["seven-for-five-slots"]
    plan = build_squad(request)
    program = make_program(request)
    assert plan.bench
    index = {a.id: n for n, a in enumerate(program.archetypes)}
    names = {p.name: n for n, p in enumerate(program.roster)}
    seats = [[(names[m.player or ""], index[m.archetype]) for m in party] for party in plan.parties]
    base = program.objective(Lineup([list(s) for s in seats]))
    for benched in plan.bench:
        match = _SWAP.search(benched.reason)
        assert match is not None, benched.reason
        me = names[benched.player]
        costs = {}
        for p, party in enumerate(seats):
            for m, (who, _) in enumerate(party):
                if program.must_play(who):
                    continue
                for a in program.plays(me):
                    changed = [list(s) for s in seats]
                    changed[p][m] = (me, a)
                    costs[p, program.roster[who].name, program.archetypes[a].name] = (
                        base - program.objective(Lineup(changed))
                    )
        claimed = float(match["cost"])
        key = (int(match["party"]) - 1, match["who"], match["as"])
        assert key in costs
        assert costs[key] == pytest.approx(claimed, abs=0.006)
        assert min(costs.values()) >= claimed - 0.006


# -- asynchronous and cancellable --------------------------------------------------------------


async def test_async_build_gives_the_same_plan_and_the_loop_keeps_serving() -> None:
    request = SquadRequest(size=50)
    ticks_while_solving = 0
    task = asyncio.ensure_future(build_squad_async(request))

    async def tick() -> None:
        nonlocal ticks_while_solving
        while True:
            await asyncio.sleep(0.005)
            if not task.done():
                ticks_while_solving += 1

    ticker = asyncio.ensure_future(tick())
    plan = await task
    ticker.cancel()
    await asyncio.gather(ticker, return_exceptions=True)
    assert ticks_while_solving >= 3
    same = build_squad(request)
    assert plan.status == same.status == "optimal"
    assert plan.model_dump(exclude={"solve_seconds"}) == same.model_dump(exclude={"solve_seconds"})


def big_locked_request(time_limit: float) -> SquadRequest:
    """62 players for 50 slots with party locks: the party program takes its whole time limit."""
    ids = [
        "firebrand-stab",
        "luminary-stab",
        "tempest-heal",
        "druid-heal",
        "scrapper-heal-superspeed",
        "chronomancer-boon",
        "herald-boon",
        "paragon-support",
        "spellbreaker-strip",
        "scourge-strip",
        "ritualist-strip",
        "reaper-damage",
        "weaver-damage",
        "dragonhunter-damage",
    ]
    roster = tuple(
        RosterPlayer(
            name=f"p{i}",
            archetypes=(
                ids[i % len(ids)],
                ids[(3 * i + 1) % len(ids)],
                ids[(7 * i + 5) % len(ids)],
            ),
        )
        for i in range(62)
    )
    locks = (Lock(player="p1", party=3), Lock(player="p2", party=7), Lock(player="p5", party=10))
    return SquadRequest(size=50, roster=roster, locks=locks, time_limit=time_limit)


async def test_cancelling_the_async_build_stops_the_solver_promptly() -> None:
    request = big_locked_request(time_limit=120)
    task = asyncio.ensure_future(build_squad_async(request))
    await asyncio.sleep(1.0)
    assert not task.done(), "the request should still be solving after a second"
    started = time.perf_counter()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert time.perf_counter() - started < 5.0


def test_a_time_limit_gives_a_feasible_plan_with_its_gap() -> None:
    plan = build_squad(big_locked_request(time_limit=1.5))
    assert plan.status in ("optimal", "feasible")
    assert plan.objective is not None
    assert plan.bound is not None
    assert plan.bound >= plan.objective
    if plan.status == "feasible":
        assert plan.gap is not None
        assert plan.gap > 0
        assert plan.gap == pytest.approx((plan.bound - plan.objective) / plan.objective, rel=1e-3)
    assert plan.solve_seconds < 10
