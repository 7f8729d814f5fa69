"""Planning from sign-ups: who plays in what order, preferences from the order given, and
re-plans that keep placed players in place and move no more than the change needs."""

from __future__ import annotations

import pytest

from gw2wvw.squad import load_roles
from gw2wvw.squad.builder import SquadPlan
from gw2wvw.squad.signups import (
    Placement,
    Signup,
    SignupPlan,
    SignupStatus,
    placements_of,
    plan_changes,
    plan_signups,
    roster_request,
)

ROLES = load_roles()

# What 30 members of a guild bring to a zerg night: a healer and a stability anchor for each
# of six parties (some can play either), strips and damage for the rest.
HEALERS = [("Druid", "scrapper-heal-superspeed"), ("tempest-heal",), ("firebrand-heal", "Druid")]
ANCHORS = [("firebrand-stab",), ("firebrand-stab", "Scourge"), ("luminary-stab", "Firebrand")]
OTHERS = [
    ("Scourge", "reaper-damage"),
    ("spellbreaker-strip", "Berserker"),
    ("Weaver",),
    ("Virtuoso", "chronomancer-strip"),
    ("herald-boon", "vindicator-support"),
    ("Harbinger",),
]


def member(n: int, status: SignupStatus = "coming") -> Signup:
    """The ``n``-th member: two healers, two anchors, then others, repeating."""
    kinds = [HEALERS, ANCHORS, OTHERS, OTHERS, OTHERS]
    kind = kinds[n % 5]
    return Signup(player=f"P{n:02d}", archetypes=kind[(n // 5) % len(kind)], status=status)


THIRTY = [member(n) for n in range(30)]


def structure_findings(plan: SquadPlan) -> list[str]:
    """The critical findings of a plan's evaluation (no healer, no anchor)."""
    evaluation = plan.evaluation
    assert evaluation is not None
    return [f.message for f in evaluation.findings if f.severity == "critical"]


@pytest.fixture(scope="module")
def first() -> SignupPlan:
    """The plan for the thirty sign-ups."""
    return plan_signups(THIRTY, mode="zerg", size=50, roles=ROLES, time_limit=30)


def test_thirty_sign_ups_make_six_parties_that_keep_the_structure_rules(first: SignupPlan) -> None:
    planned = first
    plan = planned.plan
    assert plan.status in ("optimal", "feasible")
    assert [len(p) for p in plan.parties] == [5] * 6
    assert structure_findings(plan) == []
    assert {c.kind for c in planned.changes} == {"joined"}
    assert len(planned.changes) == 30
    assert planned.waiting == {}


def test_a_drop_out_and_a_late_joiner_move_only_themselves(first: SignupPlan) -> None:
    before = placements_of(first.plan)
    dropped = next(p for p, where in before.items() if where.party == 2)
    remaining = [s for s in THIRTY if s.player != dropped]
    after_drop = plan_signups(remaining, mode="zerg", size=50, roles=ROLES, previous=before)
    kinds = sorted((c.kind, c.reason) for c in after_drop.changes)
    # 29 players make parties of 5,5,5,5,5,4: party 6 gives one player to party 2, no more.
    assert after_drop.moved_players <= 2
    assert ("left", "withdrew") in kinds
    middle = placements_of(after_drop.plan)
    late = Signup(player="Late", archetypes=("Druid", "Firebrand"), status="late")
    after_join = plan_signups(
        [*remaining, late], mode="zerg", size=50, roles=ROLES, previous=middle
    )
    assert [(c.player, c.kind) for c in after_join.changes] == [("Late", "joined")]
    assert after_join.changes[0].reason == "signed up as late; a slot was free"
    assert structure_findings(after_join.plan) == []
    final = placements_of(after_join.plan)
    kept = [p for p in middle if final[p] == middle[p]]
    assert len(kept) == len(middle)


def test_coming_players_take_the_slots_before_late_backup_and_maybe() -> None:
    signups = [
        member(0, "maybe"),
        member(1, "backup"),
        member(2, "late"),
        *[member(n) for n in range(3, 8)],
    ]
    request, waiting, freed = roster_request(signups, mode="guild_raid", size=7, roles=ROLES)
    assert request.roster is not None
    names = [p.name for p in request.roster]
    assert names == ["P03", "P04", "P05", "P06", "P07", "P02", "P01"]
    assert waiting == {"P00": "all 7 slots are taken"}
    assert freed == set()
    roaming, waiting, _ = roster_request(signups, mode="roaming", size=50, roles=ROLES)
    assert roaming.size == 5  # the mode's most
    assert set(waiting) == {"P00", "P01", "P02"}


def test_preferences_fall_with_the_order_given() -> None:
    request, _, _ = roster_request(
        [Signup(player="Ann", archetypes=("Druid", "tempest-heal", "Firebrand"))],
        mode="zerg",
        size=5,
        roles=ROLES,
    )
    assert request.roster is not None
    weights = request.roster[0].preferences
    assert list(weights.values()) == [1.0, pytest.approx(2 / 3), pytest.approx(1 / 3)]
    assert next(iter(weights)) == "druid-heal"


def test_a_kept_player_who_drops_an_archetype_keeps_only_the_party() -> None:
    before = {"Ann": Placement(party=1, archetype="firebrand-stab")}
    request, _, _ = roster_request(
        [Signup(player="Ann", archetypes=("Scourge",))],
        mode="zerg",
        size=5,
        roles=ROLES,
        previous=before,
    )
    assert [(lock.player, lock.archetype, lock.party) for lock in request.locks] == [
        ("Ann", None, 1)
    ]


def test_without_keep_nobody_is_locked_and_changes_say_so(first: SignupPlan) -> None:
    before = placements_of(first.plan)
    request, _, _ = roster_request(THIRTY, mode="zerg", size=50, previous=before, keep=False)
    assert request.locks == ()
    moved = {"P00": Placement(party=6, archetype=before["P00"].archetype)}
    [change] = plan_changes({"P00": before["P00"]}, moved, THIRTY, keep=False)
    assert (change.kind, change.reason) == ("moved", "re-planned without keeping placements")


def test_changes_name_why_a_player_left_or_changed() -> None:
    old = {
        "A": Placement(party=1, archetype="firebrand-stab"),
        "B": Placement(party=1, archetype="druid-heal"),
        "C": Placement(party=2, archetype="scourge-strip"),
    }
    new = {"A": Placement(party=1, archetype="scourge-strip")}
    signups = [
        Signup(player="A", archetypes=("scourge-strip",)),
        Signup(player="B", archetypes=("druid-heal",), status="maybe"),
        Signup(player="C", archetypes=("scourge-strip",), status="backup"),
    ]
    changes = plan_changes(old, new, signups, waiting={"C": "all 1 slots are taken"})
    assert [(c.player, c.kind, c.reason) for c in changes] == [
        ("A", "changed", "no longer signed up for firebrand-stab"),
        ("B", "left", "signed up as maybe now"),
        ("C", "left", "signed up as backup; all 1 slots are taken"),
    ]


def test_nobody_signed_up_is_an_error() -> None:
    with pytest.raises(ValueError, match="nobody signed up"):
        plan_signups([], mode="zerg", size=50)
