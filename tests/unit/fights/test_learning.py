"""Figures that learn: calibrated on a fight, the model tells that fight's parties apart.

The figures are what ``gw2wvw fight calibrate LOG`` writes: the fight folded into the bundled
table by its rule. The baseline is what a model that cannot tell parties apart would say: the
fight's per-boon squad average. The Alpine fight has a single party, where the squad average is
the party's uptime itself; there the comparison is made per member (each member's predicted
uptime: what it gives itself plus what its party's other members give it).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from gw2wvw.fights import read_log
from gw2wvw.fights.calibrate import calibrate, label
from gw2wvw.fights.report import FightReport, PartyReport, PlayerReport, report
from gw2wvw.fights.review import composition_of
from gw2wvw.squad import Figures, evaluate, load_figures, load_roles
from gw2wvw.squad.evaluation import cap
from gw2wvw.squad.roles import BOONS, Boon
from tests.unit.fights.conftest import ALPINE, EBG


def _learned(path: Path) -> tuple[FightReport, Figures]:
    log = read_log(path)
    roles = load_roles()
    figures = calibrate([(label(str(path), log), log)], roles, base=load_figures())
    return report(log, roles=roles), figures


def _mae(predicted: Sequence[float], measured: Sequence[float]) -> float:
    return sum(abs(p - m) for p, m in zip(predicted, measured, strict=True)) / len(measured)


def _better(predicted: dict[Boon, list[float]], measured: dict[Boon, list[float]]) -> list[Boon]:
    """The boons (among those the fight had) the prediction gets closer than the average."""
    won = []
    for boon in measured:
        average = sum(measured[boon]) / len(measured[boon])
        flat = [average] * len(measured[boon])
        if _mae(predicted[boon], measured[boon]) < _mae(flat, measured[boon]):
            won.append(boon)
    return won


def _had(values: dict[Boon, list[float]]) -> dict[Boon, list[float]]:
    return {b: v for b, v in values.items() if max(v) > 0}


def test_calibrated_figures_tell_the_ebg_fights_parties_apart() -> None:
    fight, figures = _learned(EBG)
    assert len(fight.parties) == 4
    evaluation = evaluate(composition_of(fight), load_roles(), figures=figures)
    measured = _had({b: [p.uptime[b] for p in fight.parties] for b in BOONS})
    predicted = {b: [p.boons[b].predicted for p in evaluation.parties] for b in BOONS}
    won = _better(predicted, measured)
    assert len(won) > len(measured) / 2, won
    assert len(measured) == 12  # every boon but superspeed


def _member_prediction(
    figures: Figures, party: PartyReport, member: PlayerReport, boon: Boon, parties: int
) -> float:
    assert member.archetype is not None
    own = figures.of(member.archetype).boon(boon).self_.value
    mates = sum(
        figures.of(m.archetype).boon(boon).party.value
        for m in party.members
        if m is not member and m.archetype is not None
    )
    outside = figures.from_other_parties(boon, parties) + figures.from_allies(boon)
    return min(cap(boon), own + mates + outside)


@pytest.mark.parametrize("path", [EBG, ALPINE], ids=["ebg", "alpine"])
def test_calibrated_figures_tell_the_members_apart(path: Path) -> None:
    fight, figures = _learned(path)
    members = [(p, m) for p in fight.parties for m in p.members if m.archetype is not None]
    measured = _had({b: [m.uptime[b] for _, m in members] for b in BOONS})
    predicted = {
        b: [_member_prediction(figures, p, m, b, len(fight.parties)) for p, m in members]
        for b in BOONS
    }
    won = _better(predicted, measured)
    assert len(won) > len(measured) / 2, won


def test_the_member_predictions_average_to_the_party_prediction() -> None:
    # The member-level check tests the same model: a party's prediction is its members' mean.
    fight, figures = _learned(EBG)
    evaluation = evaluate(composition_of(fight), load_roles(), figures=figures)
    for party, evaluated in zip(fight.parties, evaluation.parties, strict=True):
        for boon in ("quickness", "stability", "protection"):
            mean = sum(_member_prediction(figures, party, m, boon, 4) for m in party.members) / len(
                party.members
            )
            assert evaluated.boons[boon].predicted == pytest.approx(mean, abs=2e-3)
