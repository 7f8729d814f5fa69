"""Squad builder: the exact solve against a greedy + hill-climbing baseline, on the same score.

The baseline does what other squad tools do: fill each party function by function (healer,
stability anchor, boon support, then damage and strips) with the choice that scores best so far,
then try random changes (another archetype, another player, two members trading parties) and
keep those that raise the score. Both are scored by the builder's own score
(``SquadProgram.score``, equal to ``evaluate``'s), and for both the benchmark reports the share
of parties that meet their mode's structure.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence

from gw2wvw.squad import RosterPlayer, SquadRequest, build_squad, load_figures, load_roles
from gw2wvw.squad.evaluation import party_rules
from gw2wvw.squad.program import SquadProgram
from gw2wvw.squad.targets import targets_for

SEED = 20261203
CLIMB_STEPS = 3000
RUNS = 5
FUNCTION_ORDER = ("healer", "stability", "boons", "damage", "strip")

# How often each specialization turns up among sign-ups, roughly as the data pack's fights
# and WvW guild pages show them: Firebrands and Scourges everywhere, a few of everything else.
POPULARITY = {
    "Firebrand": 8, "Luminary": 5, "Scourge": 7, "Spellbreaker": 5, "Ritualist": 6,
    "Paragon": 5, "Amalgam": 5, "Druid": 3, "Tempest": 3, "Scrapper": 3, "Specter": 2,
    "Troubadour": 3, "Chronomancer": 2, "Herald": 2, "Reaper": 4, "Dragonhunter": 3,
    "Willbender": 2, "Catalyst": 2, "Harbinger": 2, "Vindicator": 2, "Untamed": 2, "Weaver": 2,
    "Virtuoso": 1, "Conduit": 2, "Berserker": 2, "Necromancer": 1, "Mirage": 1, "Daredevil": 1,
    "Deadeye": 1, "Soulbeast": 1, "Renegade": 1, "Bladesworn": 1,
}  # fmt: skip

Lineup = list[list[tuple[int | None, int]]]


def roster(players: int) -> tuple[RosterPlayer, ...]:
    """A fixed-seed roster: each player names one to three specializations."""
    rng = random.Random(SEED + players)
    names, weights = list(POPULARITY), list(POPULARITY.values())
    signed = []
    for n in range(players):
        picks = rng.choices(names, weights, k=rng.choice((1, 1, 2, 2, 3)))
        signed.append(RosterPlayer(name=f"player{n:02d}", archetypes=tuple(dict.fromkeys(picks))))
    return tuple(signed)


def _objective(program: SquadProgram, lineup: Lineup) -> float:
    parties = [[a for _, a in party] for party in lineup]
    preference = sum(
        program.preference(i, a) for party in lineup for i, a in party if i is not None
    )
    return program.score(parties) + preference


def baseline(program: SquadProgram) -> Lineup:
    """Greedy function filling, then hill climbing (the same score as the solver's)."""
    rng = random.Random(SEED)
    kinds = program.archetypes
    roster = program.roster
    options = {i: program.plays(i) for i in range(len(roster))}
    free = set(options)
    lineup: Lineup = [[] for _ in program.sizes]

    def choices(function: str | None) -> list[tuple[int | None, int]]:
        fits = [a for a in range(len(kinds)) if function is None or kinds[a].fills(function)]  # type: ignore[arg-type]
        if not roster:
            return [(None, a) for a in fits]
        return [(i, a) for i in sorted(free) for a in options[i] if a in fits]

    for p, size in enumerate(program.sizes):
        for slot in range(size):
            function = FUNCTION_ORDER[slot] if slot < len(FUNCTION_ORDER) else None
            candidates = choices(function) or choices(None)
            if not candidates:
                break
            best = max(
                candidates, key=lambda c: _objective(program, [*lineup[:p], [*lineup[p], c]])
            )
            lineup[p].append(best)
            if best[0] is not None:
                free.discard(best[0])
    current = _objective(program, lineup)
    for _ in range(CLIMB_STEPS):
        p = rng.randrange(len(lineup))
        m = rng.randrange(len(lineup[p]))
        player, _ = lineup[p][m]
        move = rng.random()
        old = [list(party) for party in lineup]
        newcomer: int | None = None
        if move < 0.4 and len(lineup) > 1:
            q = rng.randrange(len(lineup))
            n = rng.randrange(len(lineup[q]))
            lineup[p][m], lineup[q][n] = lineup[q][n], lineup[p][m]
        elif not roster:
            lineup[p][m] = (None, rng.randrange(len(kinds)))
        elif move < 0.7 or not free or player is None:
            lineup[p][m] = (player, rng.choice(options[player]))  # type: ignore[index]
        else:
            newcomer = rng.choice(sorted(free))
            lineup[p][m] = (newcomer, rng.choice(options[newcomer]))
        candidate = _objective(program, lineup)
        if candidate > current:
            current = candidate
            if newcomer is not None:
                free.discard(newcomer)
                free.add(player)  # type: ignore[arg-type]
        else:
            lineup[:] = old
    return lineup


def structure_share(program: SquadProgram, parties: Sequence[Sequence[int]]) -> float:
    """The share of parties (of at least the structure's minimum size) that break no rule."""
    ruled = [p for p in parties if len(p) >= program.structure.min_party]
    kept = sum(
        not party_rules([program.archetypes[a] for a in p], program.structure).counts for p in ruled
    )
    return kept / len(ruled) if ruled else 1.0


def main() -> None:
    """Print, per instance: exact solve time, objective and structure; the baseline's too."""
    roles, figures = load_roles(), load_figures()
    print(
        f"{'instance':<18}{'solve (median)':>15}{'status':>9}{'objective':>10}{'structure':>10}"
        f"{'baseline':>10}{'structure':>10}{'baseline time':>15}"
    )
    instances: list[tuple[str, SquadRequest]] = [
        (f"zerg {size}", SquadRequest(size=size)) for size in (10, 25, 50)
    ]
    instances += [
        (f"guild_raid {size}", SquadRequest(size=size, mode="guild_raid")) for size in (15, 30)
    ]
    instances += [("havoc 10", SquadRequest(size=10, mode="havoc"))]
    instances += [
        (f"roster {n} for {size}", SquadRequest(roster=roster(n), size=size))
        for n, size in ((12, 10), (30, 25), (62, 50), (22, 25))
    ]
    for name, request in instances:
        times: list[float] = []
        for _ in range(RUNS):
            start = time.perf_counter()
            plan = build_squad(request, roles, figures)
            times.append(time.perf_counter() - start)
        program = SquadProgram(request, roles, targets_for(request.mode), figures)
        index = {a.id: n for n, a in enumerate(program.archetypes)}
        exact = [[index[m.archetype] for m in party] for party in plan.parties]
        start = time.perf_counter()
        reached = baseline(program)
        climb = time.perf_counter() - start
        plain = [[a for _, a in party] for party in reached]
        print(
            f"{name:<18}{statistics.median(times) * 1000:>12.0f} ms{plan.status:>9}"
            f"{plan.objective or 0.0:>10.2f}{structure_share(program, exact):>10.0%}"
            f"{_objective(program, reached):>10.2f}{structure_share(program, plain):>10.0%}"
            f"{climb * 1000:>12.0f} ms"
        )
