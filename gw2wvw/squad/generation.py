"""Column generation over party templates: the exact solve of a request without party locks.

The master program picks templates (see :mod:`gw2wvw.squad.program`) subject to the parties per
size, who in the roster can play what, the share limits and the squad goals; pricing finds the
template the master's duals value most: an arg-max over every template of the size
(:class:`~gw2wvw.squad.templates.TemplatePool`) or, where there are too many to list, a small
mixed-integer program. When no template improves the master's relaxation, its value bounds every
squad. The integer master over the templates found gives a squad; a squad better than it can only
use templates whose reduced cost is within the gap of 0, so adding all of them and solving again
proves the result optimal (within 0.01 points). No two parties are ever told apart, so the solver
never explores the same squad in another order.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from gw2wvw._extras import requires
from gw2wvw.squad.program import Clock, Solved, SquadProgram
from gw2wvw.squad.solver import REL_GAP, LinearModel
from gw2wvw.squad.targets import PRICES, VALUE_PIECES
from gw2wvw.squad.templates import TemplatePool

with requires("squad", "gw2wvw.squad's solver"):
    import numpy as np

_EPSILON = 1e-7
_PER_ROUND = 8
"""Templates a pool adds to the master per size and round (the best and the next best)."""
_PRICING_GAP = 1e-3
"""The pricing programs stop within this of their best; their proven bound keeps it exact."""
_NEAR = 100_000
"""The most templates within the gap added at once to prove a squad optimal."""
_CLOSING = 100
"""The most templates added to prove a squad optimal before settling for its gap."""
_ARTIFICIAL = -1000.0
"""The objective of a placeholder that keeps the first master programs feasible."""


@dataclass
class MasterRows:
    """Where the master program's columns and rows are, to read duals and solutions."""

    y: list[int] = field(default_factory=list)
    """A column per template found (in ``ColumnGeneration.templates`` order)."""
    artificial: list[int] = field(default_factory=list)
    convexity: dict[int, int] = field(default_factory=dict)
    """Party size -> the row that counts its parties."""
    usage: dict[int, int] = field(default_factory=dict)
    """Archetype -> its share-limit row (size) or linking row (roster)."""
    specs: list[tuple[int, list[int]]] = field(default_factory=list)
    shares: list[tuple[int, list[int]]] = field(default_factory=list)
    squad: list[tuple[int, int, float]] = field(default_factory=list)
    """(row, squad goal, slope) of every squad goal's value piece."""
    flows: list[tuple[str, int, int, int]] = field(default_factory=list)
    """(kind, group or player, archetype, column) of who plays what (roster)."""
    groups: list[list[int]] = field(default_factory=list)


class ColumnGeneration:
    """Column generation over party templates (for a request that locks nobody to a party)."""

    def __init__(self, program: SquadProgram) -> None:
        self.program = program
        self.counts = {n: self.program.sizes.count(n) for n in sorted(set(program.sizes))}
        self.templates: list[tuple[int, tuple[int, ...]]] = []
        self.known: set[tuple[int, tuple[int, ...]]] = set()
        self.worth: list[float] = []
        self.pools = {n: TemplatePool.make(program, n) for n in self.counts}

    def _add(self, n: int, party: tuple[int, ...]) -> bool:
        key = (n, tuple(sorted(party)))
        if key in self.known:
            return False
        self.known.add(key)
        self.templates.append(key)
        self.worth.append(self.program.worth(key[1]))
        return True

    # -- the master --------------------------------------------------------------------------

    def master(self, integer: bool) -> tuple[LinearModel, MasterRows]:
        """The master program over the templates found so far."""
        program = self.program
        lm = LinearModel()
        y = [
            lm.column(0, self.counts[n], cost=w, integer=integer)
            for (n, _), w in zip(self.templates, self.worth, strict=True)
        ]
        rows = MasterRows(y=y)
        convexity = rows.convexity
        for n, count in self.counts.items():
            # A placeholder party keeps the program feasible until real templates are found.
            artificial = lm.column(0, count, cost=_ARTIFICIAL * n / program.slots)
            rows.artificial.append(artificial)
            convexity[n] = len(lm.rows)
            lm.row(
                [
                    *((c, 1.0) for c, (m, _) in zip(y, self.templates, strict=True) if m == n),
                    (artificial, 1.0),
                ],
                count,
                count,
            )
        arch = range(len(program.archetypes))
        usage: dict[int, list[tuple[int, float]]] = defaultdict(list)
        for c, (_, party) in zip(y, self.templates, strict=True):
            for a in set(party):
                usage[a].append((c, float(party.count(a))))
        hard = program.request.roster is None
        usage_rows = rows.usage
        if hard:
            for a in arch:
                if program.players > program.archetype_cap:
                    usage_rows[a] = len(lm.rows)
                    lm.row(usage[a], upper=program.archetype_cap)
            spec_rows = rows.specs
            for group in program.specs:
                if program.players > program.spec_cap:
                    spec_rows.append((len(lm.rows), group))
                    lm.row([t for a in group for t in usage[a]], upper=program.spec_cap)
        else:
            self._roster_rows(lm, usage, usage_rows, rows, integer)
        squad_rows = rows.squad
        for k, (_, squad_goal) in enumerate(program.squad_goals):
            u = lm.column(0, 1, cost=program.squad_weight[k])
            target = squad_goal.per_member * program.slots
            terms = [
                (c, sum(program.metric[a][k] for a in party))
                for c, (_, party) in zip(y, self.templates, strict=True)
            ]
            for slope, intercept in VALUE_PIECES:
                if slope == 0:
                    continue
                squad_rows.append((len(lm.rows), k, slope))
                lm.row(
                    [(u, target), *((c, -slope * m) for c, m in terms if m)],
                    upper=intercept * target,
                )
        return lm, rows

    def _roster_rows(
        self,
        lm: LinearModel,
        usage: dict[int, list[tuple[int, float]]],
        usage_rows: dict[int, int],
        rows: MasterRows,
        integer: bool,
    ) -> None:
        program = self.program
        grouped, alone = program.groups()
        plays: dict[int, list[tuple[int, float]]] = defaultdict(list)
        flows: list[tuple[str, int, int, int]] = []
        for k, members in enumerate(grouped):
            row = []
            for a in program.plays(members[0]):
                col = lm.column(0, len(members), integer=integer)
                flows.append(("group", k, a, col))
                plays[a].append((col, -1.0))
                row.append((col, 1.0))
            lm.row(row, upper=len(members))
        for i in alone:
            row = []
            for a in program.plays(i):
                col = lm.column(0, 1, cost=program.preference(i, a), integer=integer)
                flows.append(("player", i, a, col))
                plays[a].append((col, -1.0))
                row.append((col, 1.0))
            if program.must_play(i):
                # A placeholder seat keeps the program feasible until templates can seat them.
                seat = lm.column(0, 1, cost=_ARTIFICIAL / program.slots)
                rows.artificial.append(seat)
                row.append((seat, 1.0))
                lm.row(row, lower=1, upper=1)
            else:
                lm.row(row, upper=1)
        for a in range(len(program.archetypes)):
            usage_rows[a] = len(lm.rows)
            lm.row([*usage[a], *plays[a]], 0, 0)

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
                extra = lm.column(0, program.players, cost=-100 * PRICES[rule] / program.slots)  # type: ignore[index]
                rows.shares.append((len(lm.rows), group))
                lm.row([(extra, -1.0), *(t for a in group for t in usage[a])], upper=most)
        rows.flows = flows
        rows.groups = grouped

    # -- pricing -----------------------------------------------------------------------------

    def _costs(self, rows: MasterRows, duals: list[float]) -> list[float]:
        """What the master's duals charge for one more member of each archetype in a template."""
        program = self.program
        costs = [0.0] * len(program.archetypes)
        for a, r in rows.usage.items():
            costs[a] += duals[r]
        for r, group in (*rows.specs, *rows.shares):
            for a in group:
                costs[a] += duals[r]
        for r, k, slope in rows.squad:
            for a in range(len(program.archetypes)):
                costs[a] -= duals[r] * slope * program.metric[a][k]
        return costs

    def price(
        self,
        n: int,
        costs: list[float],
        clock: Clock,
        at_least: float,
        exclude: Sequence[tuple[int, ...]] = (),
        first: bool = True,
    ) -> tuple[tuple[int, ...], float] | None:
        """A template of size ``n`` whose worth minus ``costs`` is at least ``at_least`` (and
        that is not in ``exclude``), or None when there is none (which is then proven)."""
        program = self.program
        lm = LinearModel()
        hard = program.request.roster is None
        # Each count as unary binaries, so that a found template can be cut off exactly.
        units: dict[int, list[int]] = {}
        x: dict[int, int] = {}
        for a in range(len(program.archetypes)):
            top = program.most_in_party(a, n) if hard else n
            units[a] = [lm.column(0, 1, integer=True) for _ in range(top)]
            for one, next_one in zip(units[a], units[a][1:], strict=False):
                lm.row([(one, 1.0), (next_one, -1.0)], lower=0)
            x[a] = lm.column(0, top, cost=-costs[a])
            lm.row([(x[a], 1.0), *((u, -1.0) for u in units[a])], 0, 0)
        lm.row(((c, 1.0) for c in x.values()), n, n)
        program.party_rows(lm, x, n, hard)
        if hard:
            program.share_rows(lm, x)
        # What the template is worth to the master must reach the threshold.
        objective = [(c, k) for c, k in enumerate(lm.cost) if k]
        lm.row(objective, lower=at_least - lm.constant)
        for party in exclude:
            wanted = {a: party.count(a) for a in set(party)}
            terms = []
            for a, columns in units.items():
                k = wanted.get(a, 0)
                terms += [(u, -1.0) for u in columns[:k]] + [(u, 1.0) for u in columns[k:]]
            lm.row(terms, lower=1 - len(party))
        result = lm.solve(clock.left(), clock.cancel, gap=0.0, first=first)
        if result.status not in ("optimal", "feasible") or result.objective is None:
            return None
        found = tuple(a for a, c in x.items() for _ in range(round(result.values[c])))
        return found, result.objective

    def best(
        self, n: int, costs: list[float], clock: Clock, gap: float = _PRICING_GAP
    ) -> tuple[tuple[tuple[int, ...], float] | None, float]:
        """The template of size ``n`` worth most minus ``costs``, and a proven upper bound on
        that worth (the template may be None when the time ran out first)."""
        program = self.program
        lm = LinearModel()
        hard = program.request.roster is None
        x = {
            a: lm.column(
                0, program.most_in_party(a, n) if hard else n, cost=-costs[a], integer=True
            )
            for a in range(len(program.archetypes))
        }
        lm.row(((c, 1.0) for c in x.values()), n, n)
        program.party_rows(lm, x, n, hard)
        if hard:
            program.share_rows(lm, x)
        result = lm.solve(clock.left(), clock.cancel, gap=gap)
        if result.status == "infeasible":
            return None, -math.inf
        if result.objective is None:
            return None, math.inf
        found = tuple(a for a, c in x.items() for _ in range(round(result.values[c])))
        return (found, result.objective), result.bound if result.bound is not None else math.inf

    # -- the solve ---------------------------------------------------------------------------

    def _round(self, clock: Clock) -> tuple[float, float, bool] | None:
        """One round: solve the master's relaxation and add the best template of each size.

        Returns the relaxation's value, the Lagrangian bound this round proves (the value plus,
        per size, the parties times the best reduced cost, at most 0 when nothing improves) and
        whether a template was added; None when no squad can meet the structure.
        """
        lm, rows = self.master(integer=False)
        relaxed = lm.solve(clock.left(), clock.cancel)
        if relaxed.status == "infeasible" or not relaxed.duals or relaxed.objective is None:
            return None
        costs = self._costs(rows, relaxed.duals)
        added = False
        bound = relaxed.objective
        for n, count in self.counts.items():
            if clock.over():
                return relaxed.objective, math.inf, added
            dual = relaxed.duals[rows.convexity[n]]
            pool = self.pools[n]
            if pool is not None:
                if not len(pool):
                    return None
                reduced = pool.reduced(costs)
                top_index = int(reduced.argmax())
                most = float(reduced[top_index])
                found: tuple[tuple[int, ...], float] | None = (pool.template(top_index), most)
                # The next best improving templates too: fewer rounds for the same bound.
                ahead = min(_PER_ROUND, len(reduced) - 1)
                for index in np.argpartition(-reduced, ahead)[:ahead]:
                    if reduced[index] - dual > _EPSILON:
                        added |= self._add(n, pool.template(int(index)))
            else:
                found, most = self.best(n, costs, clock)
            if found is None and most == -math.inf:
                return None
            if (found is None or found[1] - dual <= _EPSILON) and most - dual > _EPSILON:
                # The quick pricing found nothing but cannot rule it out: settle it exactly.
                found, most = self.best(n, costs, clock, gap=0.0)
            bound += count * max(0.0, most - dual)
            if found is not None and found[1] - dual > _EPSILON:
                added |= self._add(n, found[0])
        return relaxed.objective, bound, added

    def _of_size(self, n: int) -> list[tuple[int, ...]]:
        return [party for m, party in self.templates if m == n]

    def solve(self, clock: Clock) -> Solved:
        """The best squad within the clock's time (see the module docstring)."""
        program = self.program
        top = program.most()
        bound = top
        converged = False
        while not clock.over():
            done = self._round(clock)
            if done is None:
                return Solved("infeasible", None, None, None, clock.elapsed())
            relaxed, proven, added = done
            bound = min(bound, proven)
            if not added:
                # No template improves the relaxation: its value bounds every squad.
                converged, bound = True, min(bound, relaxed)
                break
            if relaxed >= bound - REL_GAP * max(1.0, bound):
                early = self._integer(bound, clock)
                if early.status == "optimal":
                    return early
        solved = self._integer(bound, clock)
        if solved.status == "infeasible" and converged and not clock.over():
            # The relaxation has squads, but the templates found make none whole (share limits
            # split them): the party program searches them all.
            from gw2wvw.squad.partywise import PartyProgram

            return PartyProgram(program).solve(clock)
        if solved.status != "feasible" or not converged or clock.over():
            return solved
        return self._close(solved, bound, clock)

    def _close(self, solved: Solved, bound: float, clock: Clock) -> Solved:
        """Close the gap between the integer master and the relaxation's bound.

        With the relaxation's duals, a squad better than ``solved`` can only use templates
        whose reduced cost is within the gap of 0. Add them one at a time, solving the integer
        master again after each: it stops as soon as a squad reaches the bound, and when no
        such template is left, the best squad over those found is optimal over all.
        """
        lm, rows = self.master(integer=False)
        relaxed = lm.solve(clock.left(), clock.cancel)
        if not relaxed.duals:
            return solved
        costs = self._costs(rows, relaxed.duals)
        convexity = rows.convexity
        assert solved.objective is not None
        if all(pool is not None for pool in self.pools.values()):
            gap = bound - solved.objective
            for n, pool in self.pools.items():
                assert pool is not None
                reduced = pool.reduced(costs) - relaxed.duals[convexity[n]]
                near = np.flatnonzero(reduced >= -gap - _EPSILON)
                if len(near) > _NEAR:
                    return solved
                for index in near:
                    self._add(n, pool.template(int(index)))
            attempt = self._integer(bound, clock, proven=True)
            return attempt if attempt.objective is not None else solved
        best = solved
        for _ in range(_CLOSING):
            assert best.objective is not None
            gap = bound - best.objective
            found = None
            for n in self.counts:
                floor = relaxed.duals[convexity[n]] - gap
                found = self.price(n, costs, clock, floor, self._of_size(n))
                if found is not None:
                    self._add(n, found[0])
                    break
                if clock.over():
                    return best
            attempt = self._integer(bound, clock, proven=found is None)
            better = attempt.objective is not None and attempt.objective > best.objective
            if better or (found is None and attempt.status == "optimal"):
                best = attempt
            if best.status == "optimal" or found is None or clock.over():
                return best
        return best

    def _integer(self, bound: float, clock: Clock, proven: bool = False) -> Solved:
        program = self.program
        lm, rows = self.master(integer=True)
        result = lm.solve(max(clock.left(), 0.5), clock.cancel)
        if result.status in ("infeasible", "no_solution") or result.objective is None:
            status = "no_solution" if result.status == "no_solution" else "infeasible"
            return Solved(status, None, None, None, clock.elapsed())
        values = result.values
        if any(values[c] > 0.5 for c in rows.artificial):
            return Solved("infeasible", None, None, None, clock.elapsed())
        parties: list[list[int]] = []
        for c, (_, party) in zip(rows.y, self.templates, strict=True):
            parties += [list(party) for _ in range(round(values[c]))]
        # Larger parties first, as the sizes were planned; each in a stable order.
        parties.sort(key=lambda p: (-len(p), sorted(p)))
        pools: dict[int, list[int]] = defaultdict(list)
        if program.request.roster is not None:
            waiting = [list(members) for members in rows.groups]
            for kind, who, a, c in rows.flows:
                count = round(values[c])
                if kind == "player":
                    pools[a] += [who] * count
                else:
                    pools[a] += waiting[who][:count]
                    del waiting[who][:count]
            for players in pools.values():
                players.sort()
        lineup = program.seat(parties, pools)
        objective = program.objective(lineup)
        if proven and result.status == "optimal":
            # Every template that could do better is in the master: its optimum is the best.
            bound = min(bound, max(objective, result.bound or objective))
        bound = max(bound, objective)
        optimal = bound - objective <= REL_GAP * max(1.0, abs(objective))
        return Solved(
            "optimal" if optimal else "feasible", lineup, objective, bound, clock.elapsed()
        )
