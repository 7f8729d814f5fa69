"""`evaluate`: boon and capability coverage per party, squad totals, findings and a score.

The score is ``sum(points)`` over its parts. A party part earns its share of 100 (its weight over
all weights) times the average over parties of ``min(1, amount / minimum)``; a squad part earns its
share times ``min(1, total / (per_member * members))``. The builder maximises exactly this sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gw2wvw.squad.composition import MAX_PARTIES, PARTY_SIZE, Composition
from gw2wvw.squad.roles import (
    PARTY_CAPABILITIES,
    STACKING_BOONS,
    Archetype,
    RolesTable,
    load_roles,
)
from gw2wvw.squad.targets import Targets, targets_for

Severity = Literal["critical", "warning", "info"]
"""critical: a core requirement is missing; warning: something is short; info: worth knowing."""

SUPPORT_ROLES = frozenset({"stab-support", "healer", "boon-support"})
"""Roles whose party boons are the reason they are in the party."""

# Boons one support usually carries for the whole party: a second provider adds nothing.
_EXCLUSIVE_BOONS = ("quickness", "alacrity")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Provider(_Model):
    """A party member that contributes to a requirement, and how much."""

    member: int
    """1-based position in the party."""
    player: str | None
    archetype: str
    amount: float


class Coverage(_Model):
    """How one party fares on one requirement."""

    covered: bool
    amount: float
    """Stacks, summed 0-3 ratings, or number of providers."""
    minimum: float
    achieved: float
    """min(1, amount / minimum)."""
    providers: tuple[Provider, ...]


class PartyEvaluation(_Model):
    """One party: its size and its coverage of every targeted requirement."""

    number: int
    """1-based party number."""
    members: int
    coverage: dict[str, bool]
    """Requirement name -> whether the party meets its minimum."""
    details: dict[str, Coverage]


class SquadTotal(_Model):
    """A squad-wide capability: summed ratings against the target."""

    total: float
    target: float
    achieved: float


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


class Finding(_Model):
    """Something a commander should know, in plain words."""

    severity: Severity
    code: str
    party: int | None
    message: str


class Evaluation(_Model):
    """The full evaluation of a composition."""

    score: float
    parts: tuple[ScorePart, ...]
    parties: tuple[PartyEvaluation, ...]
    squad: dict[str, SquadTotal]
    findings: tuple[Finding, ...]


def party_amount(archetype: Archetype, requirement: str) -> float:
    """What one member playing ``archetype`` adds to a party requirement."""
    if requirement in PARTY_CAPABILITIES:
        return float(archetype.capability(requirement))
    return archetype.stacks(requirement)  # type: ignore[arg-type]


def squad_amount(archetype: Archetype, capability: str) -> float:
    """What one member playing ``archetype`` adds to a squad capability."""
    return float(archetype.capability(capability))  # type: ignore[arg-type]


def _fraction(amount: float, wanted: float) -> float:
    """min(1, amount / wanted), exactly 1 when float noise alone keeps it below."""
    ratio = amount / wanted
    return 1.0 if ratio >= 1 - 1e-9 else ratio


def _word(n: int) -> str:
    words = ("no", "one", "two", "three", "four", "five")
    return words[n] if n < len(words) else str(n)


def _count(n: float) -> str:
    return f"{n:g}"


_NAMES = {"healing": "healer", "cleanse": "condition cleansing", "barrier": "barrier"}
_UNITS = {"might": "stacks of might", "stability": "stacks of stability"}


def _missing_message(number: int, requirement: str) -> str:
    if requirement == "healing":
        return f"party {number} has no healer"
    if requirement in _NAMES:
        return f"party {number} has no {_NAMES[requirement]}"
    return f"party {number} has no {requirement}"


def _short_message(number: int, requirement: str, cover: Coverage) -> str:
    if requirement in _UNITS:
        what = _UNITS[requirement]
        return f"party {number} has {_count(cover.amount)} {what} of {_count(cover.minimum)} wanted"
    return (
        f"party {number} has {requirement} rated {_count(cover.amount)} of "
        f"{_count(cover.minimum)} wanted"
    )


def evaluate_archetypes(
    parties: Sequence[Sequence[Archetype]],
    targets: Targets,
    players: Sequence[Sequence[str | None]] | None = None,
) -> Evaluation:
    """Evaluate parties given as archetypes (``players`` names them, when known)."""
    total_weight = targets.total_weight()
    size = sum(len(p) for p in parties)
    party_evaluations: list[PartyEvaluation] = []
    findings: list[Finding] = []
    party_achieved: dict[str, float] = dict.fromkeys(targets.party, 0.0)
    for index, members in enumerate(parties):
        number = index + 1
        names = players[index] if players is not None else [None] * len(members)
        details: dict[str, Coverage] = {}
        for requirement, target in targets.party.items():
            providers = tuple(
                Provider(member=m + 1, player=names[m], archetype=a.id, amount=amount)
                for m, a in enumerate(members)
                if (amount := party_amount(a, requirement)) > 0
            )
            amount = sum(p.amount for p in providers)
            achieved = _fraction(amount, target.minimum)
            details[requirement] = Coverage(
                covered=achieved >= 1,
                amount=amount,
                minimum=target.minimum,
                achieved=achieved,
                providers=providers,
            )
            party_achieved[requirement] += achieved
            share = 100 * target.weight / total_weight
            if target.weight == 0 or achieved >= 1:
                continue
            if amount == 0:
                critical = requirement in targets.required or share >= 5
                findings.append(
                    Finding(
                        severity="critical" if critical else "warning",
                        code=f"missing_{requirement}",
                        party=number,
                        message=_missing_message(number, requirement),
                    )
                )
            else:
                findings.append(
                    Finding(
                        severity="warning",
                        code=f"short_{requirement}",
                        party=number,
                        message=_short_message(number, requirement, details[requirement]),
                    )
                )
        for boon in _EXCLUSIVE_BOONS:
            cover = details.get(boon)
            supports = [
                p
                for p in (cover.providers if cover else ())
                if next(a for a in members if a.id == p.archetype).role in SUPPORT_ROLES
            ]
            if boon not in STACKING_BOONS and len(supports) >= 2:
                spare = len(supports) - 1
                findings.append(
                    Finding(
                        severity="info",
                        code=f"wasted_{boon}",
                        party=number,
                        message=f"party {number} has {_word(len(supports))} {boon} providers; "
                        f"{_word(spare)} {'is' if spare == 1 else 'are'} wasted",
                    )
                )
        if len(members) < PARTY_SIZE:
            free = PARTY_SIZE - len(members)
            findings.append(
                Finding(
                    severity="info",
                    code="free_slots",
                    party=number,
                    message=f"party {number} has {len(members)} members; "
                    f"{free} slot{'s are' if free > 1 else ' is'} free",
                )
            )
        party_evaluations.append(
            PartyEvaluation(
                number=number,
                members=len(members),
                coverage={r: c.covered for r, c in details.items()},
                details=details,
            )
        )

    parts: list[ScorePart] = []
    for requirement, target in targets.party.items():
        share = 100 * target.weight / total_weight
        achieved = party_achieved[requirement] / len(parties) if parties else 0.0
        covered = sum(pe.coverage[requirement] for pe in party_evaluations)
        parts.append(
            ScorePart(
                name=f"party {requirement}",
                scope="party",
                weight=target.weight,
                share=share,
                achieved=achieved,
                points=share * achieved,
                explanation=f"{covered} of {len(parties)} parties meet {_count(target.minimum)}",
            )
        )
    squad: dict[str, SquadTotal] = {}
    for capability, squad_target in targets.squad.items():
        total = float(sum(squad_amount(a, capability) for p in parties for a in p))
        wanted = squad_target.per_member * size
        achieved = _fraction(total, wanted)
        squad[capability] = SquadTotal(total=total, target=wanted, achieved=achieved)
        share = 100 * squad_target.weight / total_weight
        parts.append(
            ScorePart(
                name=f"squad {capability}",
                scope="squad",
                weight=squad_target.weight,
                share=share,
                achieved=achieved,
                points=share * achieved,
                explanation=f"{_count(total)} of {_count(round(wanted, 2))} wanted",
            )
        )
        if squad_target.weight > 0 and achieved < 1:
            findings.append(
                Finding(
                    severity="warning",
                    code=f"short_{capability}",
                    party=None,
                    message=f"the squad has {_count(total)} {capability} of "
                    f"{_count(round(wanted, 2))} wanted ({achieved:.0%})",
                )
            )
    order = {"critical": 0, "warning": 1, "info": 2}
    findings.sort(key=lambda f: (order[f.severity], f.party or MAX_PARTIES + 1))
    return Evaluation(
        score=round(sum(p.points for p in parts), 6),
        parts=tuple(parts),
        parties=tuple(party_evaluations),
        squad=squad,
        findings=tuple(findings),
    )


def evaluate(
    composition: Composition,
    roles: RolesTable | None = None,
    targets: Targets | None = None,
) -> Evaluation:
    """Evaluate ``composition`` against ``targets`` (default: its own, else its mode's).

    Raises :class:`~gw2wvw.squad.composition.CompositionError` when a member's archetype is not
    in ``roles`` (default: the bundled table).
    """
    table = roles if roles is not None else load_roles()
    chosen = (
        targets
        or composition.targets
        or targets_for(None if composition.mode == "custom" else composition.mode)
    )
    parties = composition.resolve(table)
    players = [[m.player for m in p.members] for p in composition.parties]
    return evaluate_archetypes(parties, chosen, players)
