"""One column per party and archetype: the solve of requests that lock players to parties.

Parties are told apart here (a locked player belongs in one), which :mod:`gw2wvw.squad.generation`
avoids; the rows of each party and of the squad are the program's own.
"""

from __future__ import annotations

from collections import defaultdict

from gw2wvw.squad.program import Clock, Solved, SquadProgram
from gw2wvw.squad.solver import LinearModel
from gw2wvw.squad.targets import PRICES, VALUE_PIECES


class PartyProgram:
    """One column per party and archetype: for requests that lock players to parties."""

    def __init__(self, program: SquadProgram) -> None:
        self.program = program

    def solve(self, clock: Clock) -> Solved:
        """The best squad within the clock's time, every party and archetype a column."""
        program = self.program
        lm = LinearModel()
        parties = range(len(program.sizes))
        arch = range(len(program.archetypes))
        hard = program.request.roster is None
        x = {
            (p, a): lm.column(
                0,
                program.most_in_party(a, program.sizes[p]) if hard else program.sizes[p],
                integer=True,
            )
            for p in parties
            for a in arch
        }
        for p in parties:
            lm.row(((x[p, a], 1.0) for a in arch), program.sizes[p], program.sizes[p])
            program.party_rows(lm, {a: x[p, a] for a in arch}, program.sizes[p], hard=hard)
        self._squad_rows(lm, x, hard)
        chosen = self._roster_rows(lm, x)
        result = lm.solve(clock.left(), clock.cancel)
        if result.status in ("infeasible", "no_solution") or result.objective is None:
            return Solved(result.status, None, None, None, clock.elapsed())
        values = result.values
        locked: dict[tuple[int, int], list[int]] = defaultdict(list)
        pools: dict[int, list[int]] = defaultdict(list)
        for (i, a, party), c in sorted(chosen.items()):
            if values[c] > 0.5:
                if party is None:
                    pools[a].append(i)
                else:
                    locked[party, a].append(i)
        members = [[a for a in arch for _ in range(round(values[x[p, a]]))] for p in parties]
        lineup = program.seat(members, pools, locked)
        objective = program.objective(lineup)
        bound = max(result.bound or objective, objective)
        optimal = result.status == "optimal"
        return Solved(
            "optimal" if optimal else "feasible", lineup, objective, bound, clock.elapsed()
        )

    def _squad_rows(self, lm: LinearModel, x: dict[tuple[int, int], int], hard: bool) -> None:
        program = self.program
        for k, (_, squad_goal) in enumerate(program.squad_goals):
            u = lm.column(0, 1, cost=program.squad_weight[k])
            target = squad_goal.per_member * program.slots
            terms = [(c, program.metric[a][k]) for (_, a), c in x.items() if program.metric[a][k]]
            for slope, intercept in VALUE_PIECES:
                if slope:
                    lm.row(
                        [(u, target), *((c, -slope * m) for c, m in terms)],
                        upper=intercept * target,
                    )
        groups = [
            (
                "archetype_share",
                [[a] for a in range(len(program.archetypes))],
                program.archetype_cap,
            ),
            ("specialization_share", program.specs, program.spec_cap),
        ]
        for rule, members_of, most in groups:
            if program.players <= most:
                continue
            for group in members_of:
                # Enforced for a size request, priced for a roster.
                extra = lm.column(
                    0,
                    0 if hard else program.players,
                    cost=-100 * PRICES[rule] / program.slots,  # type: ignore[index]
                )
                lm.row(
                    [(extra, -1.0), *((c, 1.0) for (_, a), c in x.items() if a in group)],
                    upper=most,
                )

    def _roster_rows(
        self, lm: LinearModel, x: dict[tuple[int, int], int]
    ) -> dict[tuple[int, int, int | None], int]:
        """A column per player and archetype (and party, for locked players)."""
        program = self.program
        chosen: dict[tuple[int, int, int | None], int] = {}
        plays: dict[tuple[int | None, int], list[tuple[int, float]]] = defaultdict(list)
        for i in range(len(program.roster)):
            party = program.locked_party(i)
            row = []
            for a in program.plays(i):
                col = lm.column(0, 1, cost=program.preference(i, a), integer=True)
                chosen[i, a, party] = col
                plays[party, a].append((col, 1.0))
                row.append((col, 1.0))
            lm.row(row, lower=1.0 if program.must_play(i) else 0.0, upper=1.0)
        for a in range(len(program.archetypes)):
            everyone = [t for (_, b), terms in plays.items() if b == a for t in terms]
            lm.row(
                [
                    *((x[p, a], 1.0) for p in range(len(program.sizes))),
                    *((c, -k) for c, k in everyone),
                ],
                0,
                0,
            )
            for p in range(len(program.sizes)):
                if plays.get((p, a)):
                    lm.row([(x[p, a], 1.0), *((c, -k) for c, k in plays[p, a])], lower=0)
        return chosen
