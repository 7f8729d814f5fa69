"""Property tests over random rosters: options, locks, the commander, party sizes, unfilled
slots, scores and determinism hold for every plan the builder returns."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st

from gw2wvw.squad import Lock, RosterPlayer, SquadPlan, SquadRequest, build_squad, load_roles
from tests.unit.squad.conftest import balanced_sizes, healer_and_anchor, make_program

NAMES = (
    "Firebrand",
    "firebrand-heal",
    "Luminary",
    "druid",
    "Tempest",
    "Scrapper",
    "scrapper-heal-superspeed",
    "Chronomancer",
    "herald",
    "Paragon",
    "troubadour-support",
    "Scourge",
    "ritualist-strip",
    "Spellbreaker",
    "Reaper",
    "Weaver",
    "Mirage",
    "Renegade",
    "Daredevil",
    "Bladesworn",
    "Necromancer",
    "catalyst-boon-damage",
)
"""Specialization names (some not as Elite Insights capitalises them) and archetype ids; two
name the same archetype (Scrapper and its default)."""

MOST = {"zerg": 50, "guild_raid": 50, "havoc": 15, "roaming": 5}

PROPERTIES = settings(
    max_examples=30,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@dataclass(frozen=True)
class Case:
    """A random request and what follows from it without the builder."""

    request: SquadRequest
    players: int
    """How many players play (the planned party sizes hold them)."""
    slots: int
    impossible: bool
    """More players must play (locked or commander) than fit, or than a locked party holds."""


@st.composite
def cases(
    draw: st.DrawFn,
    locks: bool = True,
    modes: tuple[str, ...] = ("zerg", "zerg", "guild_raid", "havoc", "roaming"),
) -> Case:
    count = draw(st.integers(2, 12))
    mode = draw(st.sampled_from(modes))
    commander = draw(st.none() | st.integers(0, count - 1))
    roster = tuple(
        RosterPlayer(
            name=f"p{i}",
            archetypes=tuple(
                draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
            ),
            commander=i == commander,
        )
        for i in range(count)
    )
    size = draw(st.none() | st.integers(1, min(count + 3, MOST[mode])))
    slots = size if size is not None else min(count, MOST[mode])
    players = min(slots, count)
    parties = len(balanced_sizes(players))
    chosen: list[Lock] = []
    if locks:
        locked = draw(st.lists(st.integers(0, count - 1), max_size=3, unique=True))
        for i in locked:
            archetype = draw(st.none() | st.sampled_from(roster[i].archetypes))
            party = (
                draw(st.none() | st.integers(1, parties))
                if archetype
                else draw(st.integers(1, parties))
            )
            chosen.append(Lock(player=f"p{i}", archetype=archetype, party=party))
    must = {lock.player for lock in chosen}
    if commander is not None:
        must.add(f"p{commander}")
    per_party = [sum(lock.party == p + 1 for lock in chosen) for p in range(parties)]
    sizes = balanced_sizes(players)
    impossible = len(must) > players or any(k > n for k, n in zip(per_party, sizes, strict=True))
    request = SquadRequest(size=size, roster=roster, mode=mode, locks=tuple(chosen), time_limit=10)
    return Case(request, players, slots, impossible)


def build(case: Case) -> SquadPlan:
    note(case.request.model_dump_json(exclude_defaults=True))
    plan = build_squad(case.request)
    if case.impossible:
        assert plan.status == "infeasible"
        assert plan.reason
    else:
        # With a roster the structure is priced, not enforced: some squad always exists.
        assert plan.status in ("optimal", "feasible"), plan.reason
    return plan


@PROPERTIES
@given(cases())
def test_every_player_is_placed_or_benched_and_plays_what_they_listed(case: Case) -> None:
    plan = build(case)
    if case.impossible:
        return
    roles = load_roles()
    request = case.request
    assert request.roster is not None
    listed = {p.name: {roles.resolve(a).id for a in p.archetypes} for p in request.roster}
    placed = {}
    for number, party in enumerate(plan.parties, start=1):
        for member in party:
            assert member.player is not None
            assert member.player not in placed, f"{member.player} plays twice"
            assert member.archetype in listed[member.player]
            placed[member.player] = (member.archetype, number, member.commander)
    benched = [b.player for b in plan.bench]
    assert len(benched) == len(set(benched))
    assert not set(benched) & set(placed)
    assert set(benched) | set(placed) == set(listed)
    assert all(b.reason.strip() for b in plan.bench)
    for lock in request.locks:
        assert lock.player in placed, f"locked {lock.player} does not play"
        archetype, number, _ = placed[lock.player]
        if lock.archetype is not None:
            assert archetype == roles.resolve(lock.archetype).id
        if lock.party is not None:
            assert number == lock.party
    for p in request.roster:
        if p.commander:
            assert p.name in placed
            assert placed[p.name][2] is True
        elif p.name in placed:
            assert placed[p.name][2] is False
    assert [len(party) for party in plan.parties] == balanced_sizes(case.players)
    assert plan.slots == case.slots
    assert plan.unfilled == case.slots - case.players
    assert plan.evaluation is not None
    unfilled = [f for f in plan.evaluation.findings if "unfilled" in f.message]
    if plan.unfilled:
        assert unfilled
        assert all(f.severity == "warning" for f in unfilled)
    else:
        assert not unfilled


@PROPERTIES
@given(cases())
def test_a_plans_score_is_the_programs_score_of_its_parties(case: Case) -> None:
    plan = build(case)
    if case.impossible:
        return
    program = make_program(case.request)
    index = {a.id: n for n, a in enumerate(program.archetypes)}
    parties = [[index[m.archetype] for m in party] for party in plan.parties]
    assert plan.evaluation is not None
    # The evaluation rounds each part to four decimals: that much, and no more, may differ.
    assert abs(plan.evaluation.score - max(0.0, program.score(parties))) <= 1e-3
    assert plan.objective is not None
    assert abs(plan.objective - (plan.evaluation.score + plan.preference_points)) <= 1e-6
    assert plan.bound is not None
    assert plan.bound >= plan.objective - 1e-9


@settings(PROPERTIES, max_examples=15)
@given(cases())
def test_the_same_roster_gives_the_same_plan(case: Case) -> None:
    first = build(case)
    again = build_squad(case.request)
    assert first.model_dump(exclude={"solve_seconds"}) == again.model_dump(
        exclude={"solve_seconds"}
    )


@settings(PROPERTIES, max_examples=25)
@given(cases(locks=False, modes=("zerg", "guild_raid")))
def test_no_anchor_or_healer_is_benched_while_a_full_party_lacks_one(case: Case) -> None:
    plan = build(case)
    roles = load_roles()
    squad = [[roles[m.archetype] for m in party] for party in plan.parties]
    full = [party for party in squad if len(party) == 5]
    lacks_healer = any(not any("healer" in a.functions for a in p) for p in full)
    lacks_anchor = any(not healer_and_anchor(p) for p in full)
    by_name = {p.name: p for p in case.request.roster or ()}
    for benched in plan.bench:
        options = [roles.resolve(a) for a in by_name[benched.player].archetypes]
        if lacks_healer:
            assert not any("healer" in a.functions for a in options), benched
        if lacks_anchor:
            assert not any("stability" in a.functions for a in options), benched
