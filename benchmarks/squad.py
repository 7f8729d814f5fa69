"""Squad builder: exact solve against a greedy + hill-climbing baseline, on the same evaluator.

The baseline does what other squad tools do: fill each party role by role with the best-scoring
choice, then try random changes (another archetype, another player, two members trading parties)
and keep those that raise the score. Both are scored by ``evaluate_archetypes``.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Sequence

from gw2wvw.squad import RosterPlayer, SquadRequest, build_squad, load_roles
from gw2wvw.squad.evaluation import evaluate_archetypes
from gw2wvw.squad.program import party_sizes
from gw2wvw.squad.roles import Archetype, RolesTable
from gw2wvw.squad.targets import Targets, targets_for

SEED = 20261127
ROLE_TEMPLATE = ("stab-support", "healer", "boon-support", "strip", "damage")
CLIMB_STEPS = 1500
RUNS = 5

Slot = tuple[int | None, Archetype]


def roster(roles: RolesTable, players: int = 60) -> list[RosterPlayer]:
    """A fixed-seed roster: each player can play 1 to 4 archetypes."""
    rng = random.Random(SEED)
    ids = [a.id for a in roles.archetypes]
    return [
        RosterPlayer(name=f"player{n:02d}", archetypes=tuple(rng.sample(ids, rng.randint(1, 4))))
        for n in range(players)
    ]


def _score(parties: Sequence[Sequence[Slot]], targets: Targets) -> float:
    return evaluate_archetypes([[a for _, a in p] for p in parties], targets).score


def baseline(
    roles: RolesTable, targets: Targets, size: int, players: Sequence[RosterPlayer] | None
) -> float:
    """Greedy role filling, then hill climbing; returns the score reached."""
    rng = random.Random(SEED)
    slots = min(size, len(players)) if players else size
    sizes = party_sizes(slots)
    options: dict[int, list[Archetype]] = (
        {i: [roles[a] for a in p.archetypes] for i, p in enumerate(players)} if players else {}
    )
    free = set(options)
    parties: list[list[Slot]] = [[] for _ in sizes]

    def choices(role: str | None) -> list[Slot]:
        if players is None:
            return [(None, a) for a in roles.archetypes if role is None or a.role == role]
        return [(i, a) for i in sorted(free) for a in options[i] if role is None or a.role == role]

    for p, party_size in enumerate(sizes):
        for slot in range(party_size):
            role = ROLE_TEMPLATE[slot] if slot < len(ROLE_TEMPLATE) else None
            candidates = choices(role) or choices(None)
            best = max(candidates, key=lambda c: _score([*parties[:p], [*parties[p], c]], targets))
            parties[p].append(best)
            if best[0] is not None:
                free.discard(best[0])
    current = _score(parties, targets)
    for _ in range(CLIMB_STEPS):
        p = rng.randrange(len(parties))
        m = rng.randrange(len(parties[p]))
        player, _ = parties[p][m]
        move = rng.random()
        if move < 0.4 and len(parties) > 1:
            q = rng.randrange(len(parties))
            n = rng.randrange(len(parties[q]))
            parties[p][m], parties[q][n] = parties[q][n], parties[p][m]
            candidate = _score(parties, targets)
            if candidate > current:
                current = candidate
            else:
                parties[p][m], parties[q][n] = parties[q][n], parties[p][m]
            continue
        old = parties[p][m]
        if players is None:
            parties[p][m] = (None, rng.choice(roles.archetypes))
        elif move < 0.7 or not free:
            parties[p][m] = (player, rng.choice(options[player]))  # type: ignore[index]
        else:
            newcomer = rng.choice(sorted(free))
            parties[p][m] = (newcomer, rng.choice(options[newcomer]))
        candidate = _score(parties, targets)
        if candidate > current:
            current = candidate
            if parties[p][m][0] != player:
                free.discard(parties[p][m][0])
                free.add(player)  # type: ignore[arg-type]
        else:
            parties[p][m] = old
    return current


def main() -> None:
    """Print, per instance: exact solve time and objective, baseline objective and time."""
    roles = load_roles()
    targets = targets_for("zerg")
    players = roster(roles)
    print(
        f"{'instance':<12}{'solve (median)':>16}{'objective':>11}{'baseline':>10}"
        f"{'baseline time':>15}{'ratio':>8}"
    )
    for kind in ("size", "roster"):
        for size in (10, 25, 50):
            request = SquadRequest(size=size, roster=tuple(players) if kind == "roster" else None)
            times, objective, status = [], 0.0, ""
            for _ in range(RUNS):
                start = time.perf_counter()
                plan = build_squad(request, roles)
                times.append(time.perf_counter() - start)
                objective, status = plan.objective or 0.0, plan.status
            start = time.perf_counter()
            reached = baseline(roles, targets, size, players if kind == "roster" else None)
            climb = time.perf_counter() - start
            solve = statistics.median(times)
            verdict = "" if objective >= reached - 1e-6 else "  WORSE THAN BASELINE"
            print(
                f"{kind + ' ' + str(size):<12}{solve * 1000:>13.0f} ms{objective:>11.2f}"
                f"{reached:>10.2f}{climb * 1000:>12.0f} ms{climb / solve:>7.1f}x"
                f"  {status}{verdict}"
            )
