"""The HiGHS layer: exact, time-limited, infeasible, relaxed and cancelled solves, and a silent
solver."""

from __future__ import annotations

import random
import subprocess
import sys
import threading
import time

import pytest

from gw2wvw.squad.solver import LinearModel


def test_a_small_integer_program_is_solved_exactly() -> None:
    lm = LinearModel()
    x = lm.column(0, 4, cost=2, integer=True)
    y = lm.column(0, 4, cost=1)
    lm.row({x: 1, y: 1}, upper=5.5)
    result = lm.solve(5)
    assert result.status == "optimal"
    assert result.values[x] == pytest.approx(4)
    assert result.values[y] == pytest.approx(1.5)
    assert result.objective == pytest.approx(9.5)
    assert result.gap == 0


def test_the_constant_is_added_to_objective_and_bound() -> None:
    lm = LinearModel()
    x = lm.column(0, 3, cost=1, integer=True)
    lm.constant = -10.0
    lm.row({x: 2}, upper=5)
    result = lm.solve(5)
    assert result.values[x] == pytest.approx(2)
    assert result.objective == pytest.approx(-8)
    assert result.bound == pytest.approx(-8)


def test_repeated_terms_are_merged() -> None:
    lm = LinearModel()
    x = lm.column(0, 10, cost=1)
    lm.row([(x, 1.0), (x, 1.0)], upper=8)
    assert lm.rows[0][2] == {x: 2.0}
    assert lm.solve(5).objective == pytest.approx(4)


def test_an_infeasible_program_says_so() -> None:
    lm = LinearModel()
    x = lm.column(0, 1, integer=True)
    lm.row({x: 1}, lower=2)
    result = lm.solve(5)
    assert result.status == "infeasible"
    assert result.values == []


def test_a_relaxation_gives_row_duals() -> None:
    # max 3x + 2y, x + y <= 4, x + 3y <= 9, 0 <= x <= 3: optimum x=3, y=1; only the first row
    # binds with a dual of 2 (the price of one more unit of it), the second has none.
    lm = LinearModel()
    x = lm.column(0, 3, cost=3, integer=True)
    y = lm.column(0, 10, cost=2, integer=True)
    lm.row({x: 1, y: 1}, upper=4)
    lm.row({x: 1, y: 3}, upper=9)
    result = lm.solve(5, relax=True)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(11)
    assert result.duals == pytest.approx([2.0, 0.0], abs=1e-9)
    assert lm.solve(5).duals == []


def hard_knapsack() -> LinearModel:
    """A multi-dimensional knapsack: solutions come at once, the proof takes long."""
    rng = random.Random(3)
    lm = LinearModel()
    cols = [lm.column(0, 1, cost=rng.randint(50, 100), integer=True) for _ in range(120)]
    for _ in range(8):
        weights = [rng.randint(20, 60) for _ in cols]
        lm.row(zip(cols, weights, strict=True), upper=sum(weights) // 3)
    return lm


def test_a_time_limit_returns_the_best_solution_with_its_gap() -> None:
    result = hard_knapsack().solve(0.3)
    assert result.status == "feasible"
    assert result.objective is not None
    assert result.bound is not None
    assert result.bound >= result.objective
    assert result.gap == pytest.approx(
        (result.bound - result.objective) / result.objective, rel=1e-3
    )
    assert result.gap > 0


def test_a_time_limit_before_any_solution() -> None:
    result = hard_knapsack().solve(1e-9)
    assert result.status == "no_solution"
    assert result.objective is None


def test_setting_cancel_stops_a_long_solve() -> None:
    cancel = threading.Event()
    timer = threading.Timer(0.3, cancel.set)
    started = time.perf_counter()
    timer.start()
    try:
        result = hard_knapsack().solve(60, cancel)
    finally:
        timer.cancel()
    assert time.perf_counter() - started < 5
    assert result.status in ("feasible", "no_solution")


def test_ties_are_broken_the_same_way_every_time() -> None:
    # Two items of one weight and value: either makes the optimum; the solver picks the same.
    def model() -> LinearModel:
        lm = LinearModel()
        cols = [lm.column(0, 1, cost=c, integer=True) for c in (5, 4, 3, 3)]
        lm.row(zip(cols, (4, 3, 2, 2), strict=True), upper=5)
        return lm

    first = model().solve(5)
    assert first.objective == pytest.approx(7)
    assert all(model().solve(5).values == first.values for _ in range(5))


def test_the_solver_prints_nothing_on_standard_output() -> None:
    script = (
        "from gw2wvw.squad.solver import LinearModel\n"
        "lm = LinearModel(); x = lm.column(0, 1, cost=1, integer=True); lm.solve(1)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert out.stdout == ""
