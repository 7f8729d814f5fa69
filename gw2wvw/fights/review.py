"""Plan against reality: a composition set beside a fight's report, party by party.

Players are matched to plan members by account, then by character name (case-insensitive); an
EI group is matched to the plan party it shares most matched members with (ties go to the lower
numbers). For every matched party the review gives, per boon and for cleanses, the plan's
predicted value (:func:`gw2wvw.squad.evaluation.evaluate` with the figures given), the measured
one and the gap (measured minus planned), with the mode's target; who played another
specialization than planned, who was missing, who was there unplanned (or in another party than
planned); and the functions the party lacked in the fight (no healer, no stability anchor), as
the mode's structure wants them. Without a plan, :func:`review_fight` gives the same per-party
review against the mode's targets alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from gw2wvw.errors import Gw2WvwError
from gw2wvw.fights.report import FightReport, PartyReport, PlayerReport
from gw2wvw.squad.composition import PARTY_SIZE, Composition, Member, Party
from gw2wvw.squad.evaluation import Evaluation, evaluate, evaluate_archetypes
from gw2wvw.squad.figures import Figures, load_figures
from gw2wvw.squad.roles import BOONS, Archetype, RolesTable, load_roles
from gw2wvw.squad.targets import (
    STRUCTURES,
    UNITS,
    Mode,
    PartyGoal,
    Targets,
    targets_for,
)

Goal = PartyGoal
"""What a party review compares: every boon, and condition cleanses per minute."""

GOALS: tuple[Goal, ...] = (*BOONS, "cleanses")
"""Every goal, boons first."""


class ReviewError(Gw2WvwError, ValueError):
    """A fight cannot be turned into a composition (no member has a known archetype)."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class GoalReview(_Model):
    """One goal of one party: planned, measured, their gap, and the mode's target."""

    planned: float | None
    """The plan's prediction (None without a plan, or for a group no plan party matched)."""
    measured: float | None
    """What the fight measured (None when the log cannot tell it)."""
    gap: float | None
    """measured - planned."""
    target: float | None
    unit: str


class Change(_Model):
    """A player who played another specialization (or archetype) than the plan's."""

    player: str
    planned: str
    """The plan's archetype id."""
    specialization: str
    """What the player played, as EI names it."""
    archetype: str | None


class PartyReview(_Model):
    """A plan party and the EI group matched to it (either may be absent)."""

    party: int | None
    """The plan party (1-based), or None for a group no plan party matched."""
    group: int | None
    """The EI group, or None for a plan party no group matched."""
    shared: int
    """Plan members of the party found in the group."""
    goals: dict[Goal, GoalReview]
    changed: tuple[Change, ...]
    missing: tuple[str, ...]
    """Plan members of the party not in the fight at all."""
    moved: tuple[str, ...]
    """Plan members of the party who fought in another group."""
    unplanned: tuple[str, ...]
    """Members of the group the plan does not have in this party."""
    lacked: tuple[str, ...]
    """What the mode's structure wants and the group lacked in the fight, in a commander's
    words (empty for a group without members or a plan party no group matched)."""


class Review(_Model):
    """A fight reviewed against a plan (or the mode's targets alone)."""

    source: str
    mode: str
    plan: str | None
    """The composition's name (None for :func:`review_fight`)."""
    matched: int
    """Plan members found in the fight."""
    planned: int
    """Members of the plan."""
    parties: tuple[PartyReview, ...]
    findings: tuple[str, ...]
    """The largest shortfalls and every lacked function, in plain words."""


def _measured(party: PartyReport) -> dict[Goal, float | None]:
    measured: dict[Goal, float | None] = {
        b: (party.uptime[b] if party.uptime else None) for b in BOONS
    }
    told = [m for m in party.members if "cleanses" in m.stats and m.active_s > 0]
    measured["cleanses"] = (
        sum(m.stats["cleanses"] / (m.active_s / 60) for m in told) if told else None
    )
    return measured


def _planned(evaluation: Evaluation, index: int) -> dict[Goal, float]:
    party = evaluation.parties[index]
    planned: dict[Goal, float] = {b: party.boons[b].predicted for b in BOONS}
    planned["cleanses"] = party.metrics["cleanses"].total
    return planned


def _goals(
    targets: Targets,
    planned: Mapping[Goal, float] | None,
    measured: Mapping[Goal, float | None] | None,
) -> dict[Goal, GoalReview]:
    goals: dict[Goal, GoalReview] = {}
    for goal in GOALS:
        plan = planned[goal] if planned is not None else None
        fact = measured[goal] if measured is not None else None
        # The gap is of the numbers shown, so that it reads as their difference.
        shown = round(fact, 3) if fact is not None else None
        wanted = targets.party.get(goal)
        goals[goal] = GoalReview(
            planned=plan,
            measured=shown,
            gap=round(shown - plan, 3) if shown is not None and plan is not None else None,
            target=wanted.target if wanted is not None else None,
            unit=UNITS[goal],
        )
    return goals


def _lacked(
    party: PartyReport, roles: RolesTable, targets: Targets, figures: Figures, mode: Mode
) -> tuple[str, ...]:
    """What the structure wants that the group's archetypes in the fight did not fill."""
    members = [roles[a] for m in party.members if (a := m.archetype) is not None and a in roles]
    if not members:
        return ()
    fought = evaluate_archetypes(
        [members], targets, figures=figures, structure=STRUCTURES[mode], mode=mode
    )
    return fought.parties[0].missing


def _matches(
    composition: Composition, players: Sequence[PlayerReport]
) -> dict[tuple[int, int], PlayerReport]:
    """(plan party, member) index -> the fight's player: by account, then by name."""
    by_account = {p.account.casefold(): p for p in players if p.account}
    by_name = {p.name.casefold(): p for p in players}
    found: dict[tuple[int, int], PlayerReport] = {}
    taken: set[int] = set()
    for rule in (by_account, by_name):
        for p, party in enumerate(composition.parties):
            for m, member in enumerate(party.members):
                if member.player is None or (p, m) in found:
                    continue
                player = rule.get(member.player.casefold())
                if player is not None and id(player) not in taken:
                    found[(p, m)] = player
                    taken.add(id(player))
    return found


def _pair(
    composition: Composition,
    report: FightReport,
    found: Mapping[tuple[int, int], PlayerReport],
) -> dict[int, int]:
    """Plan party index -> EI group, by most shared matched members."""
    shared: dict[tuple[int, int], int] = {}
    for (p, _), player in found.items():
        shared[(p, player.group)] = shared.get((p, player.group), 0) + 1
    groups = {party.group for party in report.parties}
    pairs: dict[int, int] = {}
    for (p, group), _ in sorted(shared.items(), key=lambda kv: (-kv[1], kv[0])):
        if p not in pairs and group in groups and group not in pairs.values():
            pairs[p] = group
    return pairs


def _mode(composition: Composition, mode: Mode | None) -> Mode:
    if mode is not None:
        return mode
    return "zerg" if composition.mode == "custom" else composition.mode


def review(
    composition: Composition,
    report: FightReport,
    roles: RolesTable | None = None,
    figures: Figures | None = None,
    *,
    mode: Mode | None = None,
) -> Review:
    """Review ``report`` against ``composition`` (see the module docstring).

    ``mode`` (default: the composition's; zerg for custom targets) chooses the structure whose
    functions a party must have; targets are the composition's own, else the mode's. Raises
    :class:`~gw2wvw.squad.composition.CompositionError` for a plan the roles table cannot
    resolve.
    """
    roles = roles if roles is not None else load_roles()
    figures = figures if figures is not None else load_figures()
    chosen = _mode(composition, mode)
    targets = composition.targets or targets_for(chosen)
    evaluation = evaluate(composition, roles, targets, figures)
    plan = composition.resolve(roles)
    found = _matches(composition, report.players())
    pairs = _pair(composition, report, found)
    planned_here = {id(found[k]) for k in found}
    reviews: list[PartyReview] = []
    for p, party in enumerate(composition.parties):
        group = pairs.get(p)
        fought = report.party(group) if group is not None else None
        changed: list[Change] = []
        missing: list[str] = []
        moved: list[str] = []
        in_party: set[int] = set()
        for m, member in enumerate(party.members):
            name = member.player or f"member {m + 1}"
            player = found.get((p, m))
            if player is None:
                missing.append(name)
                continue
            if player.group != group:
                moved.append(name)
            else:
                in_party.add(id(player))
            if _changed(plan[p][m], player):
                changed.append(
                    Change(
                        player=name,
                        planned=plan[p][m].id,
                        specialization=player.specialization,
                        archetype=player.archetype,
                    )
                )
        unplanned = (
            tuple(m.account or m.name for m in fought.members if id(m) not in in_party)
            if fought is not None
            else ()
        )
        reviews.append(
            PartyReview(
                party=p + 1,
                group=group,
                shared=len(in_party),
                goals=_goals(
                    targets,
                    _planned(evaluation, p),
                    _measured(fought) if fought is not None else None,
                ),
                changed=tuple(changed),
                missing=tuple(missing),
                moved=tuple(moved),
                unplanned=unplanned,
                lacked=_lacked(fought, roles, targets, figures, chosen)
                if fought is not None
                else (),
            )
        )
    for fought in report.parties:
        if fought.group not in pairs.values():
            reviews.append(_unmatched(fought, roles, targets, figures, chosen, planned_here))
    return Review(
        source=report.source,
        mode=chosen,
        plan=composition.name,
        matched=len(found),
        planned=composition.size,
        parties=tuple(reviews),
        findings=_findings(reviews),
    )


def _changed(planned: Archetype, player: PlayerReport) -> bool:
    """Whether ``player`` played another archetype (or a specialization the roles table lacks)
    than planned: another specialization, or its other variant (healer for stability)."""
    return player.archetype != planned.id


def _unmatched(
    fought: PartyReport,
    roles: RolesTable,
    targets: Targets,
    figures: Figures,
    mode: Mode,
    planned: set[int],
) -> PartyReview:
    """A group no plan party matched: measured against the targets, its members unplanned
    (those the plan has elsewhere are listed by the party they belong to, as moved)."""
    return PartyReview(
        party=None,
        group=fought.group,
        shared=0,
        goals=_goals(targets, None, _measured(fought)),
        changed=(),
        missing=(),
        moved=(),
        unplanned=tuple(m.account or m.name for m in fought.members if id(m) not in planned),
        lacked=_lacked(fought, roles, targets, figures, mode),
    )


def _where(party: PartyReview) -> str:
    if party.party is not None and party.group is not None:
        return f"party {party.party} (group {party.group})"
    if party.party is not None:
        return f"party {party.party}"
    return f"group {party.group}"


def _findings(parties: Sequence[PartyReview]) -> tuple[str, ...]:
    """Every lacked function, then goals measured below both plan and target."""
    found: list[str] = []
    for party in parties:
        where = _where(party)
        found += [f"{where}: no {what} in the fight" for what in party.lacked]
        if party.group is None:
            found.append(f"{where}: no group of the fight matched it")
    for party in parties:
        where = _where(party)
        for goal, row in party.goals.items():
            if row.measured is None or row.target is None or row.measured >= row.target:
                continue
            if row.planned is not None and row.measured >= row.planned:
                continue
            versus = f", {row.planned:g} planned" if row.planned is not None else ""
            found.append(
                f"{where}: {goal} {row.measured:g} {row.unit} of {row.target:g} wanted{versus}"
            )
    return tuple(found)


def review_fight(
    report: FightReport,
    mode: Mode = "zerg",
    roles: RolesTable | None = None,
    figures: Figures | None = None,
) -> Review:
    """Review a fight without a plan: every party measured against ``mode``'s targets."""
    roles = roles if roles is not None else load_roles()
    figures = figures if figures is not None else load_figures()
    targets = targets_for(mode)
    parties = tuple(
        _unmatched(fought, roles, targets, figures, mode, set()) for fought in report.parties
    )
    return Review(
        source=report.source,
        mode=mode,
        plan=None,
        matched=0,
        planned=0,
        parties=parties,
        findings=_findings(parties),
    )


def composition_of(
    report: FightReport, *, mode: Mode = "zerg", name: str | None = None
) -> Composition:
    """The composition of the fight's own parties, each member by account and archetype.

    A member without an account goes by its character's name; members whose specialization the
    roles table lacks are left out, and a group of more than five is split into parties of five.
    """
    parties: list[Party] = []
    for fought in report.parties:
        members = [
            Member(player=m.account or m.name, archetype=m.archetype, commander=m.commander)
            for m in fought.members
            if m.archetype is not None
        ]
        parties += [
            Party(members=tuple(members[i : i + PARTY_SIZE]))
            for i in range(0, len(members), PARTY_SIZE)
        ]
    if not parties:
        raise ReviewError(f"{report.source or 'the fight'}: no squad member has a known archetype")
    when = f", {report.start:%Y-%m-%d %H:%M}" if report.start is not None else ""
    title = name or f"{report.map}{when}"
    return Composition(name=title[:100], mode=mode, parties=tuple(parties))


__all__ = [
    "GOALS",
    "Change",
    "Goal",
    "GoalReview",
    "PartyReview",
    "Review",
    "ReviewError",
    "composition_of",
    "review",
    "review_fight",
]
