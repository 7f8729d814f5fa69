"""The squad builder: optimality proved by brute force on small instances, and its constraints."""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Sequence

import pytest
from pydantic import ValidationError

from gw2wvw.squad import (
    Lock,
    RolesTable,
    RosterPlayer,
    SquadPlan,
    SquadRequest,
    SquadRequestError,
    Targets,
    build_squad,
    load_roles,
)
from gw2wvw.squad.program import party_sizes
from gw2wvw.squad.roles import Archetype

# -- an independent scorer, written from the documented formula --------------------------------


def amount(archetype: Archetype, requirement: str) -> float:
    if requirement in ("healing", "barrier", "cleanse"):
        return getattr(archetype.party, requirement).tier
    source = archetype.party.boons.get(requirement)  # type: ignore[call-overload]
    if source is None:
        return 0.0
    return source.stacks if source.stacks is not None else 1.0


def score(parties: Sequence[Sequence[Archetype]], targets: Targets) -> float:
    total_weight = sum(t.weight for t in targets.party.values()) + sum(
        t.weight for t in targets.squad.values()
    )
    points = 0.0
    for requirement, target in targets.party.items():
        covered = [
            min(1.0, sum(amount(a, requirement) for a in party) / target.minimum)
            for party in parties
        ]
        points += 100 * target.weight / total_weight * sum(covered) / len(parties)
    members = sum(len(p) for p in parties)
    for capability, squad_target in targets.squad.items():
        total = sum(getattr(a.squad, capability).tier for party in parties for a in party)
        points += (
            100
            * squad_target.weight
            / total_weight
            * min(1.0, total / (squad_target.per_member * members))
        )
    return points


def meets(parties: Sequence[Sequence[Archetype]], targets: Targets) -> bool:
    return all(
        sum(amount(a, r) for a in party) >= targets.party[r].minimum
        for r in targets.required
        for party in parties
    )


def best_by_size(roles: RolesTable, size: int, targets: Targets) -> float:
    sizes = party_sizes(size)
    best = -math.inf
    choices = [list(itertools.combinations_with_replacement(roles.archetypes, s)) for s in sizes]
    for parties in itertools.product(*choices):
        if meets(parties, targets):
            best = max(best, score(parties, targets))
    return best


def best_by_roster(
    roles: RolesTable,
    roster: Sequence[RosterPlayer],
    size: int,
    targets: Targets,
    preference_weight: float,
    locks: dict[str, Lock],
) -> float:
    slots = min(size, len(roster))
    sizes = party_sizes(slots)
    best = -math.inf
    options = []
    for player in roster:
        lock = locks.get(player.name)
        allowed: list[str | None] = (
            [lock.archetype] if lock and lock.archetype else list(player.archetypes)
        )
        if not (lock or player.commander):
            allowed.append(None)
        options.append(allowed)
    for choice in itertools.product(*options):
        playing = [(i, a) for i, a in enumerate(choice) if a is not None]
        if len(playing) != slots:
            continue
        pref = sum(
            preference_weight / slots * roster[i].preferences.get(a, 0.0) for i, a in playing
        )
        # Every split of the players into parties of the given sizes.
        for order in itertools.permutations(range(slots)):
            cuts = list(itertools.accumulate(sizes))
            groups = [order[start:end] for start, end in zip([0, *cuts], cuts, strict=False)]
            if any(list(g) != sorted(g) for g in groups):
                continue
            fine = True
            for p, group in enumerate(groups):
                for k in group:
                    lock = locks.get(roster[playing[k][0]].name)
                    if lock and lock.party is not None and lock.party != p + 1:
                        fine = False
            if not fine:
                continue
            parties = [[roles[playing[k][1]] for k in g] for g in groups]
            if meets(parties, targets):
                best = max(best, score(parties, targets) + pref)
    return best


def check_plan(plan: SquadPlan, size: int) -> None:
    assert plan.status == "optimal"
    assert [len(p) for p in plan.parties] == party_sizes(size)
    assert plan.evaluation is not None
    assert plan.objective == pytest.approx(plan.evaluation.score + plan.preference_points)


# -- optimality --------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [1, 3, 5, 6, 8, 10])
def test_size_requests_are_optimal(
    tiny_roles: RolesTable, tiny_targets: Targets, size: int
) -> None:
    plan = build_squad(SquadRequest(size=size, targets=tiny_targets), tiny_roles)
    check_plan(plan, size)
    assert plan.objective == pytest.approx(best_by_size(tiny_roles, size, tiny_targets), abs=1e-6)


def test_required_coverage_is_respected_and_optimal(
    tiny_roles: RolesTable, tiny_targets: Targets
) -> None:
    targets = Targets.model_validate({**tiny_targets.model_dump(), "required": ["alacrity"]})
    plan = build_squad(SquadRequest(size=7, targets=targets), tiny_roles)
    check_plan(plan, 7)
    assert plan.evaluation is not None
    assert all(p.coverage["alacrity"] for p in plan.evaluation.parties)
    assert plan.objective == pytest.approx(best_by_size(tiny_roles, 7, targets), abs=1e-6)


def random_roster(seed: int, players: int, roles: RolesTable) -> list[RosterPlayer]:
    rng = random.Random(seed)
    ids = [a.id for a in roles.archetypes]
    roster = []
    for n in range(players):
        options = rng.sample(ids, rng.randint(1, 3))
        preferences = {a: rng.choice([0.0, 0.5, 1.0]) for a in options if rng.random() < 0.5}
        roster.append(
            RosterPlayer(name=f"player{n}", archetypes=tuple(options), preferences=preferences)
        )
    return roster


@pytest.mark.parametrize(
    ("seed", "players", "size", "locks"),
    [
        (1, 6, 6, {}),
        (2, 7, 6, {}),
        (3, 7, 5, {"player0": Lock(player="player0", party=1)}),
        (4, 8, 6, {"player1": Lock(player="player1", archetype="dps", party=2)}),
        (5, 8, 4, {"player2": Lock(player="player2", archetype="heal")}),
    ],
)
def test_roster_requests_are_optimal_and_keep_every_rule(
    tiny_roles: RolesTable,
    tiny_targets: Targets,
    seed: int,
    players: int,
    size: int,
    locks: dict[str, Lock],
) -> None:
    roster = random_roster(seed, players, tiny_roles)
    request = SquadRequest(
        size=size,
        roster=tuple(roster),
        targets=tiny_targets,
        locks=tuple(locks.values()),
        preference_weight=5,
    )
    plan = build_squad(request, tiny_roles)
    check_plan(plan, size)
    expected = best_by_roster(tiny_roles, roster, size, tiny_targets, 5, locks)
    assert plan.objective == pytest.approx(expected, abs=1e-6)
    options = {p.name: set(p.archetypes) for p in roster}
    seated = [m.player for party in plan.parties for m in party]
    assert sorted(seated + list(plan.bench)) == sorted(p.name for p in roster)  # type: ignore[type-var]
    for number, party in enumerate(plan.parties, start=1):
        for member in party:
            assert member.player is not None
            lock = locks.get(member.player)
            if lock and lock.archetype:
                assert member.archetype == lock.archetype
            else:
                assert member.archetype in options[member.player]
            if lock and lock.party:
                assert number == lock.party
    assert set(locks) <= set(seated)


def test_the_commander_always_plays(tiny_roles: RolesTable, tiny_targets: Targets) -> None:
    roster = [
        RosterPlayer(name="Boss", archetypes=("roam",), commander=True),
        *(RosterPlayer(name=f"p{n}", archetypes=("stab", "heal", "dps")) for n in range(5)),
    ]
    plan = build_squad(SquadRequest(size=5, roster=tuple(roster), targets=tiny_targets), tiny_roles)
    members = [m for party in plan.parties for m in party]
    assert [m.player for m in members if m.commander] == ["Boss"]
    assert len(plan.bench) == 1


def test_same_request_same_plan(tiny_roles: RolesTable, tiny_targets: Targets) -> None:
    roster = tuple(random_roster(9, 20, tiny_roles))
    request = SquadRequest(size=15, roster=roster, targets=tiny_targets)
    first = build_squad(request, tiny_roles)
    second = build_squad(request, tiny_roles)
    assert first.model_dump(exclude={"solve_seconds"}) == second.model_dump(
        exclude={"solve_seconds"}
    )


# -- the bundled table, the done criteria of the issue -------------------------------------------


@pytest.mark.parametrize("size", [5, 10, 15, 25, 35, 50])
def test_zerg_plans_cover_the_core_boons_in_every_party(size: int) -> None:
    plan = build_squad(SquadRequest(size=size, mode="zerg"))
    check_plan(plan, size)
    assert plan.evaluation is not None
    for party in plan.evaluation.parties:
        for boon in ("stability", "quickness", "alacrity", "might", "healing"):
            assert party.coverage[boon], (party.number, boon)
    roles = load_roles()
    for party in plan.parties:
        for member in party:
            assert member.chat_code == roles[member.archetype].example.chat_code
            assert member.chat_code.startswith("[&DQ")


def test_balanced_party_sizes() -> None:
    assert party_sizes(1) == [1]
    assert party_sizes(12) == [4, 4, 4]
    assert party_sizes(7) == [4, 3]
    assert party_sizes(50) == [5] * 10
    assert party_sizes(46) == [5] * 6 + [4] * 4


# -- infeasible and invalid requests --------------------------------------------------------------


def roster_of(n: int, archetypes: tuple[str, ...] = ("dps", "stab")) -> tuple[RosterPlayer, ...]:
    return tuple(RosterPlayer(name=f"p{i}", archetypes=archetypes) for i in range(n))


@pytest.mark.parametrize(
    ("request_args", "reason"),
    [
        (
            {"size": 5, "locks": [Lock(player=f"p{i}", party=1) for i in range(6)]},
            "6 players must play (locked or commander), but the squad has 5 slots",
        ),
        (
            {"size": 10, "locks": [Lock(player=f"p{i}", party=1) for i in range(6)]},
            "party 1 holds 5 players, but 6 are locked to it: p0, p1, p2, p3, p4, p5",
        ),
        (
            {"size": 10, "locks": [Lock(player="p0", party=3)]},
            "p0 is locked to party 3, but 10 players make 2 parties",
        ),
    ],
)
def test_impossible_locks_are_named(
    tiny_roles: RolesTable, request_args: dict[str, object], reason: str
) -> None:
    plan = build_squad(SquadRequest(roster=roster_of(12), **request_args), tiny_roles)  # type: ignore[arg-type]
    assert plan.status == "infeasible"
    assert plan.reason == reason
    assert plan.parties == ()
    assert plan.objective is None


def test_impossible_required_coverage_is_named(
    tiny_roles: RolesTable, tiny_targets: Targets
) -> None:
    targets = Targets.model_validate({**tiny_targets.model_dump(), "required": ["alacrity"]})
    only_dps = SquadRequest(roster=roster_of(10, ("dps", "strip")), targets=targets)
    plan = build_squad(only_dps, tiny_roles)
    assert plan.reason == "every party needs alacrity, but no available archetype gives it"
    one_healer = SquadRequest(
        roster=(*roster_of(9, ("dps",)), RosterPlayer(name="medic", archetypes=("heal",))),
        targets=targets,
    )
    plan = build_squad(one_healer, tiny_roles)
    assert plan.reason == (
        "every party needs alacrity (at least 1), which the available players and locks cannot "
        "give all 2 parties"
    )


def test_unknown_names_are_request_errors(tiny_roles: RolesTable) -> None:
    with pytest.raises(SquadRequestError, match="no archetype 'nope'"):
        build_squad(SquadRequest(size=5, archetypes=("dps", "nope")), tiny_roles)
    with pytest.raises(SquadRequestError, match="not in the roster: ghost"):
        build_squad(
            SquadRequest(roster=roster_of(5), locks=(Lock(player="ghost", party=1),)), tiny_roles
        )


def test_a_restricted_archetype_list_is_respected(tiny_roles: RolesTable) -> None:
    plan = build_squad(SquadRequest(size=10, archetypes=("dps", "heal")), tiny_roles)
    assert {m.archetype for party in plan.parties for m in party} <= {"dps", "heal"}


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ({}, "a size, a roster or both"),
        ({"size": 0}, "greater than or equal to 1"),
        ({"size": 51}, "less than or equal to 50"),
        ({"roster": []}, "the roster is empty"),
        ({"size": 5, "locks": [{"player": "a", "party": 1}]}, "a size request has no roster"),
        ({"roster": [{"name": "a", "archetypes": ["dps"]}] * 2}, "players appear twice"),
        (
            {"roster": [{"name": "a", "archetypes": ["dps"], "preferences": {"heal": 1}}]},
            "cannot play",
        ),
        (
            {"roster": [{"name": "a", "archetypes": ["dps"], "preferences": {"dps": 2}}]},
            "between 0 and 1",
        ),
        (
            {
                "roster": [
                    {"name": "a", "archetypes": ["dps"], "commander": True},
                    {"name": "b", "archetypes": ["dps"], "commander": True},
                ]
            },
            "at most one commander",
        ),
        (
            {"roster": [{"name": "a", "archetypes": ["dps"]}], "locks": [{"player": "a"}]},
            "names an archetype",
        ),
        (
            {
                "roster": [{"name": "a", "archetypes": ["dps"]}],
                "locks": [{"player": "a", "party": 1}, {"player": "A", "party": 1}],
            },
            "locked twice",
        ),
        ({"size": 5, "time_limit": 0}, "greater than 0"),
    ],
)
def test_invalid_requests_are_refused_precisely(document: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SquadRequest.model_validate(document)
