"""Plan against reality: matching players and parties, gaps, changes, what a party lacked."""

from __future__ import annotations

import pytest

from gw2wvw.fights import Log
from gw2wvw.fights.report import FightReport, report
from gw2wvw.fights.review import GOALS, ReviewError, composition_of, review, review_fight
from gw2wvw.squad import Composition, evaluate, load_figures, load_roles
from gw2wvw.squad.roles import BOONS


@pytest.fixture(scope="module")
def fight(ebg: Log) -> FightReport:
    return report(ebg, source="ebg.json")


@pytest.fixture(scope="module")
def plan(fight: FightReport) -> Composition:
    return composition_of(fight)


def _edit(plan: Composition, edit: dict[str, object]) -> Composition:
    """The plan with members replaced by (party, member) -> new member document (or None)."""
    document = plan.model_dump(mode="json", exclude_none=True)
    for key, member in edit.items():
        p, m = (int(x) for x in key.split("/"))
        document["parties"][p]["members"][m] = member
    for party in document["parties"]:
        party["members"] = [m for m in party["members"] if m is not None]
    return Composition.model_validate(document)


def test_the_fights_own_parties_are_a_composition(fight: FightReport, plan: Composition) -> None:
    assert plan.name == "Eternal Battlegrounds, 2025-11-04 16:38"
    assert [len(p.members) for p in plan.parties] == [5, 5, 4, 5]
    first = plan.parties[0].members
    assert [(m.player, m.archetype) for m in first[2:4]] == [
        ("Anon2.1074", "specter-support"),
        ("Anon3.1111", "firebrand-stab"),
    ]
    assert [m.player for p in plan.parties for m in p.members if m.commander] == ["Anon8.1296"]


def test_a_fight_reviewed_against_its_own_parties_matches_everyone(
    fight: FightReport, plan: Composition
) -> None:
    reviewed = review(plan, fight)
    assert (reviewed.matched, reviewed.planned) == (19, 19)
    assert reviewed.plan == plan.name
    assert reviewed.mode == "zerg"
    assert [(p.party, p.group, p.shared) for p in reviewed.parties] == [
        (1, 2, 5),
        (2, 3, 5),
        (3, 4, 4),
        (4, 5, 5),
    ]
    predicted = evaluate(plan, load_roles(), figures=load_figures())
    for party, evaluated in zip(reviewed.parties, predicted.parties, strict=True):
        assert party.changed == ()
        assert party.missing == party.moved == party.unplanned == ()
        measured = fight.party(party.group or 0)
        assert measured is not None
        for boon in BOONS:
            row = party.goals[boon]
            assert row.planned == evaluated.boons[boon].predicted
            assert row.measured == pytest.approx(measured.uptime[boon], abs=1e-3)
            assert row.measured is not None
            assert row.planned is not None
            assert row.gap == pytest.approx(row.measured - row.planned, abs=1e-9)
        cleanses = sum(m.stats["cleanses"] / (m.active_s / 60) for m in measured.members)
        assert party.goals["cleanses"].measured == pytest.approx(cleanses, abs=1e-3)
        assert set(party.goals) == set(GOALS)
    assert party.goals["stability"].target == 1.5
    assert party.goals["stability"].unit == "stacks"
    # Groups 4 and 5 had no healer (their Luminaries and Paragons are stability and boons).
    assert [p.lacked for p in reviewed.parties] == [(), (), ("healer",), ("healer",)]
    assert "party 3 (group 4): no healer in the fight" in reviewed.findings


def test_changes_absences_moves_and_extras_are_named(fight: FightReport, plan: Composition) -> None:
    edited = _edit(
        plan,
        {
            # Matched by character name when the plan has no account.
            "0/0": {"player": "Player 0", "archetype": "spellbreaker-strip"},
            # Planned as a healer Firebrand, played the stability variant.
            "0/3": {"player": "Anon3.1111", "archetype": "firebrand-heal"},
            # Planned in party 1, fought in group 3 (whose Anon7 the plan leaves out).
            "0/4": {"player": "Anon9.1333", "archetype": "amalgam-damage"},
            "1/4": {"player": "Nobody.1234", "archetype": "amalgam-damage"},
            "1/2": None,
        },
    )
    reviewed = review(edited, fight)
    first, second = reviewed.parties[0], reviewed.parties[1]
    assert (first.group, first.shared) == (2, 4)
    assert [(c.player, c.planned, c.specialization, c.archetype) for c in first.changed] == [
        ("Anon3.1111", "firebrand-heal", "Firebrand", "firebrand-stab")
    ]
    assert first.moved == ("Anon9.1333",)
    assert first.unplanned == ("Anon4.1148",)
    assert second.group == 3
    assert second.missing == ("Nobody.1234",)
    assert set(second.unplanned) == {"Anon7.1259", "Anon9.1333"}
    assert reviewed.matched == 17


def test_a_group_no_plan_party_matches_is_reviewed_alone(
    fight: FightReport, plan: Composition
) -> None:
    edited = Composition(name="two", parties=(*plan.parties[:2], plan.parties[3]))
    reviewed = review(edited, fight)
    assert [(p.party, p.group) for p in reviewed.parties] == [(1, 2), (2, 3), (3, 5), (None, 4)]
    alone = reviewed.parties[-1]
    assert alone.unplanned == ("Anon10.1370", "Anon11.1407", "Anon12.1444", "Anon13.1481")
    assert alone.goals["quickness"].planned is None
    assert alone.goals["quickness"].gap is None
    assert alone.lacked == ("healer",)


def test_a_plan_party_no_group_matches_has_only_its_plan(
    fight: FightReport, plan: Composition
) -> None:
    strangers = {"members": [{"player": "Ghost.1", "archetype": "firebrand-heal"}]}
    document = plan.model_dump(mode="json", exclude_none=True)
    document["parties"].append(strangers)
    reviewed = review(Composition.model_validate(document), fight, mode="guild_raid")
    ghost = reviewed.parties[4]
    assert (ghost.party, ghost.group, ghost.missing) == (5, None, ("Ghost.1",))
    assert ghost.goals["stability"].measured is None
    assert ghost.goals["stability"].planned is not None
    assert ghost.lacked == ()
    assert "party 5: no group of the fight matched it" in reviewed.findings
    assert reviewed.mode == "guild_raid"


def test_without_a_plan_each_party_meets_the_modes_targets(fight: FightReport) -> None:
    alone = review_fight(fight, "zerg")
    assert alone.plan is None
    assert [(p.party, p.group) for p in alone.parties] == [
        (None, 2),
        (None, 3),
        (None, 4),
        (None, 5),
    ]
    quickness = alone.parties[1].goals["quickness"]
    assert quickness.planned is None
    assert quickness.target == 25
    assert quickness.measured == pytest.approx(fight.parties[1].uptime["quickness"], abs=1e-3)
    assert "group 3: quickness 12.99 % uptime of 25 wanted" in alone.findings
    assert "group 4: no healer in the fight" in alone.findings


def test_a_fight_with_no_known_archetype_has_no_composition(fight: FightReport) -> None:
    document = fight.model_dump(mode="json")
    for party in document["parties"]:
        for member in party["members"]:
            member["archetype"] = None
    unknown = FightReport.model_validate(document | {"start": None})
    with pytest.raises(ReviewError, match="no squad member has a known archetype"):
        composition_of(unknown)
    assert review_fight(unknown).parties[0].lacked == ()
