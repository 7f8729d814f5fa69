"""What planning an event needs of the builder: the plan from stored sign-ups, and its result.

Needs the ``squad`` extra (HiGHS); :meth:`RaidRepository.plan` imports it on first use, so the
rest of the store does not.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict

from gw2wvw.squad.evaluation import Evaluation
from gw2wvw.squad.request import SquadRequestError
from gw2wvw.squad.roles import RolesTable
from gw2wvw.squad.signups import Placement, PlanChange, Signup, SignupPlan, plan_signups
from gw2wvw.store.errors import Conflict, ErrorDetail, ValidationFailed
from gw2wvw.store.schemas import CompositionRead, MemberIn, PartyIn, RaidRead, SignupRead


class EventPlan(BaseModel):
    """An event's saved plan: the event, its composition, what changed and who waits."""

    model_config = ConfigDict(frozen=True)

    event: RaidRead
    composition: CompositionRead
    changes: tuple[PlanChange, ...]
    """What the plan changed since the last one (everyone joined, the first time)."""
    waiting: dict[str, str]
    """Signed-up players who do not play, and why."""
    status: str
    """The solver's: optimal, or feasible when the time limit cut the search short."""
    evaluation: Evaluation | None


def placements(composition: CompositionRead) -> dict[str, Placement]:
    """Where each named player of a stored composition plays, by player name."""
    return {
        member.player: Placement(party=n, archetype=member.archetype)
        for n, party in enumerate(composition.parties, start=1)
        for member in party.members
        if member.player is not None and member.archetype is not None
    }


async def solve(
    roles: RolesTable,
    event: RaidRead,
    signups: Sequence[SignupRead],
    previous: dict[str, Placement],
    *,
    keep: bool,
    time_limit: float,
) -> tuple[SignupPlan, tuple[PartyIn, ...]]:
    """The plan for ``signups`` (in a worker thread) and its parties as a composition takes them.

    ValidationFailed when nobody signed up; Conflict when no squad fits the sign-ups.
    """
    if not signups:
        raise ValidationFailed(
            [ErrorDetail("/signups", "no_signups", "nobody signed up to this event yet")]
        )
    try:
        planned = await asyncio.to_thread(
            plan_signups,
            [
                Signup(player=s.player, archetypes=s.specializations, status=s.status)
                for s in signups
            ],
            mode=event.mode,
            size=event.size,
            roles=roles,
            previous=previous,
            keep=keep,
            name=event.name,
            time_limit=time_limit,
        )
    except SquadRequestError as error:
        raise Conflict(f"no squad for these sign-ups: {error}") from error
    composition = planned.plan.composition
    if composition is None:
        raise Conflict(f"no squad for these sign-ups: {planned.plan.reason}")
    parties = tuple(
        PartyIn(members=tuple(MemberIn(player=m.player, archetype=m.archetype) for m in p.members))
        for p in composition.parties
    )
    return planned, parties
