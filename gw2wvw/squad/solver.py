"""A small linear-model layer over HiGHS: named columns, sparse rows, one solve.

It hides the array plumbing of ``highspy`` so the squad builder reads as a model, and keeps
HiGHS quiet: the solver writes a licence banner to the process's standard output the first time
one is created, before any option can silence it, and that would corrupt ``--json`` output.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

from gw2wvw._extras import requires

with requires("squad", "gw2wvw.squad's solver"):
    import highspy
    import numpy as np

Status = Literal["optimal", "feasible", "infeasible", "no_solution"]
"""optimal: proven; feasible: a solution without proof (time limit); infeasible: none exists;
no_solution: the time limit came before any solution."""

REL_GAP = 1e-4
"""The relative gap at which a plan counts as proven optimal: 0.01 points of a score of 100."""

_banner_lock = threading.Lock()
_banner_shown = False


def _new_highs() -> highspy.Highs:
    global _banner_shown
    with _banner_lock:
        if _banner_shown:
            return highspy.Highs()  # type: ignore[no-untyped-call]
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as devnull:
                os.dup2(devnull.fileno(), 1)
                solver = highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_shown = True
        return solver


@dataclass
class Result:
    """What a solve produced: status, values by column, objective, bound and gap."""

    status: Status
    values: list[float]
    objective: float | None
    bound: float | None
    gap: float | None
    seconds: float
    duals: list[float] = field(default_factory=list)
    """Row duals of a linear program (empty for a mixed-integer one)."""


@dataclass
class LinearModel:
    """A maximisation model built column by column and row by row."""

    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)
    cost: list[float] = field(default_factory=list)
    integer: list[bool] = field(default_factory=list)
    rows: list[tuple[float, float, dict[int, float]]] = field(default_factory=list)
    constant: float = 0.0
    """Added to the objective (the solver only sees the columns' costs)."""

    def column(self, lower: float, upper: float, cost: float = 0.0, integer: bool = False) -> int:
        """Add a variable; returns its index."""
        self.lower.append(lower)
        self.upper.append(upper)
        self.cost.append(cost)
        self.integer.append(integer)
        return len(self.lower) - 1

    def row(
        self,
        terms: Mapping[int, float] | Iterable[tuple[int, float]],
        lower: float = -np.inf,
        upper: float = np.inf,
    ) -> None:
        """Add ``lower <= sum(coefficient * column) <= upper``."""
        merged: dict[int, float] = {}
        for col, coef in terms.items() if isinstance(terms, Mapping) else terms:
            merged[col] = merged.get(col, 0.0) + coef
        self.rows.append((lower, upper, {c: v for c, v in merged.items() if v != 0}))

    def solve(
        self,
        time_limit: float,
        cancel: threading.Event | None = None,
        *,
        relax: bool = False,
        gap: float = REL_GAP,
        first: bool = False,
    ) -> Result:
        """Maximise the cost under the rows, deterministically, within ``time_limit`` seconds.

        Setting ``cancel`` from another thread stops the search as the time limit would.
        ``relax`` drops integrality (the result then carries row duals); ``gap`` is the relative
        gap at which a mixed-integer solution counts as optimal; ``first`` stops at the first
        solution found (for a program whose rows already say what is good enough).
        """
        highs = _new_highs()
        if cancel is not None:

            def interrupt(event: highspy.HighsCallbackEvent) -> None:
                if cancel.is_set():
                    event.interrupt()

            highs.cbMipInterrupt += interrupt
            highs.cbSimplexInterrupt += interrupt
        for name, value in (
            ("output_flag", False),
            ("time_limit", max(float(time_limit), 1e-3)),
            ("mip_rel_gap", gap),
            ("mip_abs_gap", 1e-7),
            ("random_seed", 0),
            ("threads", 1),
        ):
            highs.setOptionValue(name, value)
        if first:
            highs.setOptionValue("mip_max_improving_sols", 1)
        n = len(self.lower)
        highs.addVars(n, np.array(self.lower), np.array(self.upper))
        highs.changeColsCost(n, np.arange(n, dtype=np.int32), np.array(self.cost))
        integer = any(self.integer) and not relax
        if integer:
            kinds = [
                highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                for i in self.integer
            ]
            highs.changeColsIntegrality(n, np.arange(n, dtype=np.int32), np.array(kinds))
        starts: list[int] = []
        indices: list[int] = []
        values: list[float] = []
        for _, _, terms in self.rows:
            starts.append(len(indices))
            indices.extend(terms.keys())
            values.extend(terms.values())
        highs.addRows(
            len(self.rows),
            np.array([r[0] for r in self.rows]),
            np.array([r[1] for r in self.rows]),
            len(indices),
            np.array(starts, dtype=np.int32),
            np.array(indices, dtype=np.int32),
            np.array(values, dtype=np.float64),
        )
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        highs.run()
        status = highs.getModelStatus()
        info = highs.getInfo()
        seconds = highs.getRunTime()
        if status == highspy.HighsModelStatus.kInfeasible:
            return Result("infeasible", [], None, None, None, seconds)
        has_solution = info.primal_solution_status == 2  # kSolutionStatusFeasible
        if not has_solution:
            return Result("no_solution", [], None, None, None, seconds)
        optimal = status == highspy.HighsModelStatus.kOptimal or (
            first and status == highspy.HighsModelStatus.kSolutionLimit
        )
        solution = highs.getSolution()
        values = [float(v) for v in solution.col_value]
        objective = float(info.objective_function_value) + self.constant
        bound = (float(info.mip_dual_bound) + self.constant) if integer else objective
        return Result(
            "optimal" if optimal else "feasible",
            values,
            objective,
            bound,
            0.0 if optimal else float(info.mip_gap),
            seconds,
            [] if integer else [float(d) for d in solution.row_dual],
        )
