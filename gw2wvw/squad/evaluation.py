"""`evaluate`: each party's predicted boon uptime, its functions, the squad's output, the
structure rules it breaks, findings in a commander's words and a score that means something.

Prediction (Elite Insights' units; see :mod:`gw2wvw.squad.figures`): a party of ``n`` gets, of
each boon, ``sum over its members of ((n - 1) * party + self) / n`` (the mean over the party of
what each member gives the others and itself), plus, in a squad of two or more parties, what the
figures measured a party gets from the squad's other parties, plus what they say allies outside
the squad give; capped at 100 % (25
stacks for might and stability). Cleanses, strips, healing and damage add up per member.

Score: every goal earns its share of 100 (its weight over all weights) times what it achieves
(:func:`gw2wvw.squad.targets.value`, diminishing returns up to the target, nothing beyond); a
party goal is achieved per party, each party counting by its members over the squad's slots, so
empty slots earn nothing. Broken structure rules cost their price
(:data:`gw2wvw.squad.targets.PRICES`). The score reaches 100 only when every party meets every
target, every slot is filled and no rule is broken. The builder maximises exactly this score.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gw2wvw.squad.composition import MAX_PARTIES, Composition
from gw2wvw.squad.figures import Figures, load_figures
from gw2wvw.squad.roles import (
    BOONS,
    FUNCTION_NAMES,
    FUNCTIONS,
    STACKING_BOONS,
    Archetype,
    Boon,
    Function,
    RolesTable,
    load_roles,
)
from gw2wvw.squad.targets import (
    PRICES,
    STRUCTURES,
    UNITS,
    Mode,
    Rule,
    Structure,
    Targets,
    targets_for,
    value,
)

Severity = Literal["critical", "warning", "info"]
"""critical: a party lacks a healer or an anchor; warning: something is short or broken; info:
worth knowing."""

SQUAD_METRICS: tuple[Literal["strips", "cleanses", "healing", "damage"], ...] = (
    "strips",
    "cleanses",
    "healing",
    "damage",
)
"""The per-member outputs summed for parties and the squad."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Contribution(_Model):
    """What one squad member adds to its party's boon or metric."""

    party: int
    """The member's party (1-based)."""
    member: int
    """The member's 1-based position in its party."""
    player: str | None
    archetype: str
    amount: float


class BoonUptime(_Model):
    """A party's predicted uptime (percent) or average stacks of one boon."""

    predicted: float
    unit: str
    target: float | None
    """The mode's target (None when the boon has none)."""
    achieved: float | None
    """0-1, how much of the target the prediction earns (None without a target)."""
    from_party: float
    from_squad: float
    """From the squad's other parties (the figures' measured share, in a squad of two or more
    parties)."""
    from_allies: float
    """From allies outside the squad (0 unless the figures were calibrated on a fight)."""
    contributions: tuple[Contribution, ...]


class MetricTotal(_Model):
    """A party's total of a per-member output, with its target where it has one."""

    total: float
    target: float | None = None
    achieved: float | None = None
    contributions: tuple[Contribution, ...] = ()


class PartyEvaluation(_Model):
    """One party: its functions, predicted boons, outputs and the rules it breaks."""

    number: int
    """1-based party number."""
    members: int
    functions: dict[Function, tuple[int, ...]]
    """Function -> the members (1-based) who can fill it."""
    missing: tuple[str, ...]
    """What the mode's structure wants and the party lacks, in a commander's words."""
    broken: tuple[Rule, ...]
    boons: dict[Boon, BoonUptime]
    metrics: dict[str, MetricTotal]
    """cleanses (targeted per party), strips, healing, damage."""
    achieved: float
    """0-1: the weighted achievement of the party's goals."""


class SquadTotal(_Model):
    """A squad-wide output: total, target (per slot times slots) and achievement."""

    total: float
    target: float | None
    achieved: float | None
    unit: str


class ScorePart(_Model):
    """One explained part of the score."""

    name: str
    scope: Literal["party", "squad"]
    weight: float
    share: float
    """The points this part is worth (its weight's share of 100)."""
    achieved: float
    points: float
    explanation: str


class Penalty(_Model):
    """Points lost to a broken structure rule."""

    rule: Rule
    party: int | None
    points: float
    message: str


class Finding(_Model):
    """Something a commander should know, in plain words."""

    severity: Severity
    code: str
    party: int | None
    message: str


class Evaluation(_Model):
    """The full evaluation of a composition."""

    score: float
    mode: str
    slots: int
    """The squad's slots (members, plus the empty slots of a plan for a larger squad)."""
    members: int
    parts: tuple[ScorePart, ...]
    penalties: tuple[Penalty, ...]
    parties: tuple[PartyEvaluation, ...]
    squad: dict[str, SquadTotal]
    findings: tuple[Finding, ...]


def member_share(figures: Figures, archetype: str, boon: Boon, size: int) -> float:
    """What one member adds to the mean uptime of its own party of ``size``."""
    boon_figures = figures.of(archetype).boon(boon)
    return ((size - 1) * boon_figures.party.value + boon_figures.self_.value) / size


def cap(boon: Boon) -> float:
    """The most a party can have of ``boon``: 25 stacks, or 100 %."""
    return 25.0 if boon in STACKING_BOONS else 100.0


def share_caps(structure: Structure, slots: int) -> tuple[int, int]:
    """The most slots one archetype and one specialization take in a squad of ``slots``."""
    archetype = max(2, math.ceil(slots * structure.archetype_share - 1e-9))
    specialization = max(2, math.floor(slots * structure.specialization_share + 1e-9))
    return archetype, specialization


@dataclass(frozen=True)
class PartyRules:
    """Which structure rules a party breaks, and how many times each counts."""

    counts: Mapping[Rule, int]
    healers: int
    anchors: int


def party_rules(members: Sequence[Archetype], structure: Structure) -> PartyRules:
    """The rules a party of ``members`` breaks under ``structure``."""
    n = len(members)
    healers = [i for i, a in enumerate(members) if a.fills("healer")]
    anchors = [i for i, a in enumerate(members) if a.fills("stability")]
    either = set(healers) | set(anchors)
    counts: dict[Rule, int] = {}
    if n < structure.min_party:
        return PartyRules(counts, len(healers), len(anchors))
    if structure.healer and not healers:
        counts["healer"] = 1
    if structure.stability:
        distinct = structure.healer and healers and len(either) < 2
        if not anchors or distinct:
            counts["stability"] = 1
    if structure.support and not either:
        counts["support"] = 1
    supports = sum(a.support for a in members)
    if supports > structure.max_supports:
        counts["supports"] = supports - structure.max_supports
    wanted = max(0, structure.min_offense - (structure.group_size - n))
    offense = sum(a.offensive for a in members)
    if offense < wanted:
        counts["offense"] = wanted - offense
    seen = Counter(a.id for a in members)
    duplicates = sum(
        k - 1
        for ident, k in seen.items()
        if k > 1
        and (
            structure.distinct_archetypes
            or (structure.distinct_supports and _support(members, ident))
        )
    )
    if duplicates:
        counts["duplicate"] = duplicates
    return PartyRules(counts, len(healers), len(anchors))


def _support(members: Sequence[Archetype], ident: str) -> bool:
    return next(a for a in members if a.id == ident).support


def _fmt(amount: float) -> str:
    return f"{amount:.1f}" if amount < 10 else f"{amount:.0f}"


def _amount(boon: str, amount: float) -> str:
    if boon in STACKING_BOONS:
        return f"{_fmt(amount)} stacks"
    if boon == "cleanses":
        return f"{_fmt(amount)} cleanses a minute"
    return f"{_fmt(amount)} %"


def _short(goal: str, amount: float, target: float) -> str:
    """ "stability 0.4 stacks of 1.5 wanted", with more decimals when rounding hides the gap."""
    shown, wanted = _fmt(amount), _fmt(target)
    if shown == wanted:
        shown, wanted = f"{amount:.2f}", f"{target:.2f}"
    if goal in STACKING_BOONS:
        return f"{goal} {shown} stacks of {wanted} wanted"
    if goal == "cleanses":
        return f"{shown} cleanses a minute of {wanted} wanted"
    return f"{goal} {shown} % of {wanted} % wanted"


_WORDS = ("no", "one", "two", "three", "four", "five")


def _rule_message(rule: Rule, number: int, count: int, structure: Structure, healer: bool) -> str:
    where = f"party {number}"
    if rule == "healer":
        return f"{where}: no healer"
    if rule == "stability":
        if healer:
            return f"{where}: no stability anchor besides its healer"
        return f"{where}: no stability anchor"
    if rule == "support":
        return f"{where}: no healer or stability anchor"
    if rule == "supports":
        most = structure.max_supports
        return f"{where}: {_WORDS[min(5, most + count)]} supports (at most {most})"
    if rule == "offense":
        return f"{where}: {count} damage or strip member{'s' if count > 1 else ''} short"
    return f"{where}: an archetype twice" if count == 1 else f"{where}: {count} archetypes repeated"


def evaluate_archetypes(
    parties: Sequence[Sequence[Archetype]],
    targets: Targets,
    *,
    figures: Figures | None = None,
    structure: Structure | None = None,
    mode: str = "zerg",
    players: Sequence[Sequence[str | None]] | None = None,
    slots: int | None = None,
) -> Evaluation:
    """Evaluate parties given as archetypes (``players`` names them, when known).

    ``slots`` is the squad's size when it is larger than its members (a plan for 25 that found
    22 players); empty slots earn nothing.
    """
    figures = figures or load_figures()
    structure = structure or STRUCTURES["zerg"]
    members = sum(len(p) for p in parties)
    slots = max(slots or members, members, 1)
    total_weight = targets.total_weight()
    names = players or [[None] * len(p) for p in parties]
    findings: list[Finding] = []
    penalties: list[Penalty] = []
    evaluations: list[PartyEvaluation] = []
    earned = lost = 0.0
    goal_sums: dict[str, float] = dict.fromkeys(targets.party, 0.0)
    for index, party in enumerate(parties):
        number = index + 1
        n = len(party)
        boons: dict[Boon, BoonUptime] = {}
        # The score uses unrounded amounts; the models round only what they show.
        exact: dict[str, float] = {}
        for boon in BOONS:
            own = [
                Contribution(
                    party=number,
                    member=m + 1,
                    player=names[index][m],
                    archetype=a.id,
                    amount=round(member_share(figures, a.id, boon, n), 3),
                )
                for m, a in enumerate(party)
            ]
            from_party = sum(member_share(figures, a.id, boon, n) for a in party)
            from_squad = figures.from_other_parties(boon, len(parties))
            allies = figures.from_allies(boon)
            predicted = min(cap(boon), from_party + from_squad + allies)
            exact[boon] = predicted
            goal = targets.party.get(boon)
            achieved = value(predicted, goal.target) if goal is not None else None
            boons[boon] = BoonUptime(
                predicted=round(predicted, 3),
                unit=UNITS[boon],
                target=goal.target if goal is not None else None,
                achieved=round(achieved, 4) if achieved is not None else None,
                from_party=round(from_party, 3),
                from_squad=round(from_squad, 3),
                from_allies=round(allies, 3),
                contributions=tuple(c for c in own if c.amount > 0),
            )
        metrics: dict[str, MetricTotal] = {}
        for metric in SQUAD_METRICS:
            given = tuple(
                Contribution(
                    party=number,
                    member=m + 1,
                    player=names[index][m],
                    archetype=a.id,
                    amount=round(figures.of(a.id).metric(metric), 3),
                )
                for m, a in enumerate(party)
            )
            total = sum(figures.of(a.id).metric(metric) for a in party)
            goal = targets.party.get(metric) if metric == "cleanses" else None
            exact[metric] = total
            metrics[metric] = MetricTotal(
                total=round(total, 3),
                target=goal.target if goal is not None else None,
                achieved=round(value(total, goal.target), 4) if goal is not None else None,
                contributions=tuple(c for c in given if c.amount > 0),
            )
        weighted = 0.0
        for goal_name, goal in targets.party.items():
            amount = exact[goal_name]
            achieved = value(amount, goal.target)
            goal_sums[goal_name] += achieved * n / slots
            weighted += goal.weight * achieved
            if goal.weight > 0 and achieved < 1:
                severity: Severity = "warning" if achieved < 0.8 else "info"
                findings.append(
                    Finding(
                        severity=severity,
                        code=f"short_{goal_name}",
                        party=number,
                        message=f"party {number}: {_short(goal_name, amount, goal.target)}",
                    )
                )
        party_weight = sum(t.weight for t in targets.party.values())
        rules = party_rules(party, structure)
        for rule, count in rules.counts.items():
            message = _rule_message(rule, number, count, structure, rules.healers > 0)
            points = 100 * PRICES[rule] * count * n / slots
            lost += points
            penalties.append(
                Penalty(rule=rule, party=number, points=round(points, 4), message=message)
            )
            critical = rule in ("healer", "stability", "support")
            findings.append(
                Finding(
                    severity="critical" if critical else "warning",
                    code=f"rule_{rule}",
                    party=number,
                    message=message,
                )
            )
        functions = {
            f: tuple(m + 1 for m, a in enumerate(party) if a.fills(f))
            for f in FUNCTIONS
            if any(a.fills(f) for a in party)
        }
        wanted_functions: tuple[tuple[Function, bool], ...] = (
            ("healer", structure.healer),
            ("stability", structure.stability),
        )
        missing = tuple(
            FUNCTION_NAMES[f] for f, wanted in wanted_functions if wanted and f not in functions
        )
        evaluations.append(
            PartyEvaluation(
                number=number,
                members=n,
                functions=functions,
                missing=missing,
                broken=tuple(rules.counts),
                boons=boons,
                metrics=metrics,
                achieved=round(weighted / party_weight, 4) if party_weight else 1.0,
            )
        )
    shares = _share_penalties(parties, structure, slots, findings)
    lost += sum(100 * PRICES[p.penalty.rule] * p.excess / slots for p in shares)
    penalties += [p.penalty for p in shares]
    parts: list[ScorePart] = []
    for goal_name, goal in targets.party.items():
        share = 100 * goal.weight / total_weight
        achieved = goal_sums[goal_name]
        earned += share * achieved
        met = sum(
            1
            for pe in evaluations
            if (
                pe.metrics["cleanses"].achieved
                if goal_name == "cleanses"
                else pe.boons[goal_name].achieved
            )
            == 1
        )
        parts.append(
            ScorePart(
                name=f"party {goal_name}",
                scope="party",
                weight=goal.weight,
                share=round(share, 4),
                achieved=round(achieved, 4),
                points=round(share * achieved, 4),
                explanation=f"{met} of {len(parties)} parties reach "
                f"{_amount(goal_name, goal.target)}",
            )
        )
    squad: dict[str, SquadTotal] = {}
    for metric in SQUAD_METRICS:
        total = sum(figures.of(a.id).metric(metric) for p in parties for a in p)
        squad_goal = targets.squad.get(metric)
        unit = UNITS[f"squad {metric}"]
        if squad_goal is None:
            squad[metric] = SquadTotal(total=round(total, 3), target=None, achieved=None, unit=unit)
            continue
        wanted = squad_goal.per_member * slots
        achieved = value(total, wanted)
        earned += 100 * squad_goal.weight / total_weight * achieved
        squad[metric] = SquadTotal(
            total=round(total, 3), target=round(wanted, 3), achieved=round(achieved, 4), unit=unit
        )
        share = 100 * squad_goal.weight / total_weight
        parts.append(
            ScorePart(
                name=f"squad {metric}",
                scope="squad",
                weight=squad_goal.weight,
                share=round(share, 4),
                achieved=round(achieved, 4),
                points=round(share * achieved, 4),
                explanation=f"{_fmt(total)} of {_fmt(wanted)} {unit} wanted",
            )
        )
        if squad_goal.weight > 0 and achieved < 1:
            findings.append(
                Finding(
                    severity="warning" if achieved < 0.8 else "info",
                    code=f"short_{metric}",
                    party=None,
                    message=f"squad: {_fmt(total)} {unit} of {_fmt(wanted)} wanted",
                )
            )
    if members < slots:
        free = slots - members
        findings.append(
            Finding(
                severity="warning",
                code="unfilled_slots",
                party=None,
                message=f"squad: {free} of {slots} slots unfilled",
            )
        )
    order = {"critical": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.severity], f.party or MAX_PARTIES + 1))
    score = earned - lost
    return Evaluation(
        score=round(max(0.0, score), 4),
        mode=mode,
        slots=slots,
        members=members,
        parts=tuple(parts),
        penalties=tuple(penalties),
        parties=tuple(evaluations),
        squad=squad,
        findings=tuple(findings),
    )


@dataclass(frozen=True)
class _Excess:
    penalty: Penalty
    excess: int


def _share_penalties(
    parties: Sequence[Sequence[Archetype]],
    structure: Structure,
    slots: int,
    findings: list[Finding],
) -> list[_Excess]:
    """Penalties (and findings) for archetypes and specializations above their share."""
    archetype_cap, spec_cap = share_caps(structure, slots)
    everyone = [a for p in parties for a in p]
    counts: list[tuple[Rule, str, int, int]] = []
    for ident, k in sorted(Counter(a.id for a in everyone).items()):
        if k > archetype_cap:
            counts.append(("archetype_share", ident, k, archetype_cap))
    by_spec = Counter((a.profession, a.specialization) for a in everyone)
    for (profession, spec), k in sorted(by_spec.items()):
        if k > spec_cap:
            example = next(
                a for a in everyone if a.specialization == spec and a.profession == profession
            )
            counts.append(("specialization_share", example.name.split(" (")[0], k, spec_cap))
    penalties = []
    for rule, what, k, most in counts:
        message = f"squad: {k} {what} in {slots} slots (at most {most})"
        points = 100 * PRICES[rule] * (k - most) / slots
        penalty = Penalty(rule=rule, party=None, points=round(points, 4), message=message)
        penalties.append(_Excess(penalty, k - most))
        findings.append(
            Finding(severity="warning", code=f"rule_{rule}", party=None, message=message)
        )
    return penalties


def evaluate(
    composition: Composition,
    roles: RolesTable | None = None,
    targets: Targets | None = None,
    figures: Figures | None = None,
) -> Evaluation:
    """Evaluate ``composition`` against ``targets`` (default: its own, else its mode's).

    Members may name archetypes by id or by specialization (``"Firebrand"``). Raises
    :class:`~gw2wvw.squad.composition.CompositionError` for names the roles table (default: the
    bundled one) does not know.
    """
    table = roles if roles is not None else load_roles()
    mode: Mode | None = None if composition.mode == "custom" else composition.mode
    chosen = targets or composition.targets or targets_for(mode)
    parties = composition.resolve(table)
    players = [[m.player for m in p.members] for p in composition.parties]
    return evaluate_archetypes(
        parties,
        chosen,
        figures=figures,
        structure=STRUCTURES[mode or "zerg"],
        mode=composition.mode,
        players=players,
    )
