"""Planned against measured boons of a reviewed party, as the geometry of an SVG bar chart
the fight page draws on the server (no script: the chart is in the HTML as it arrives)."""

from __future__ import annotations

from dataclasses import dataclass

from gw2wvw.fights.review import PartyReview
from gw2wvw.squad.roles import BOONS, STACKING_BOONS

WIDTH = 160
"""Units of the chart's bar area (the drawing scales to its party's column); labels sit to
its left."""
LABEL = 80
"""Units for the boon names."""
ROW = 30
"""Units a boon takes: the planned bar above the measured one."""


@dataclass(frozen=True)
class Bar:
    """One boon's row: the bars' lengths, the target's place, and the figures."""

    boon: str
    y: int
    planned: float | None
    measured: float | None
    target: float | None
    text: str
    """The figures in words, e.g. ``42% measured, 60% planned, target 50%``."""


@dataclass(frozen=True)
class Chart:
    """A party's chart: its rows and the drawing's size."""

    bars: tuple[Bar, ...]
    width: int
    height: int
    label: int


def _figure(boon: str, value: float) -> str:
    return f"{value:.1f}" if boon in STACKING_BOONS else f"{value:.0f}%"


def party_chart(party: PartyReview) -> Chart:
    """The boons of ``party`` the review has a figure for; each row scaled to its own largest
    figure (uptimes, in percent, to 100), so stacks and uptimes share a chart."""
    bars: list[Bar] = []
    for boon in BOONS:
        goal = party.goals.get(boon)
        if goal is None or (goal.planned is None and goal.measured is None):
            continue
        values = [v for v in (goal.planned, goal.measured, goal.target) if v is not None]
        full = max([*values, 0.0 if boon in STACKING_BOONS else 100.0]) or 1.0

        def length(value: float | None, full: float = full) -> float | None:
            return None if value is None else round(WIDTH * value / full, 1)

        words = [
            f"{_figure(boon, v)} {what}"
            for v, what in ((goal.measured, "measured"), (goal.planned, "planned"))
            if v is not None
        ]
        if goal.target is not None:
            words.append(f"target {_figure(boon, goal.target)}")
        bars.append(
            Bar(
                boon=boon,
                y=len(bars) * ROW,
                planned=length(goal.planned),
                measured=length(goal.measured),
                target=length(goal.target),
                text=", ".join(words),
            )
        )
    return Chart(tuple(bars), LABEL + WIDTH, max(1, len(bars)) * ROW, LABEL)
