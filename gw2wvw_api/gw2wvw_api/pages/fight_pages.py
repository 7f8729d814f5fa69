"""``/fights/{id}``: a stored fight's review, against the mode's targets or, with
``?plan=<composition id>``, against a plan (the same review as
``GET /v1/compositions/{id}/reviews/{fight_id}``)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, cast

from fastapi import APIRouter, Request
from starlette.responses import Response

from gw2wvw.fights.report import FightReport, PlayerReport
from gw2wvw.fights.review import Review, review_fight
from gw2wvw.squad import MODES, Composition
from gw2wvw.squad.targets import Mode
from gw2wvw.store import Actor, FightRead
from gw2wvw.store.errors import NotFound
from gw2wvw_api.pages.charts import party_chart
from gw2wvw_api.pages.routes import _actor, _services, not_found, render
from gw2wvw_api.routes.fights import review_plan
from gw2wvw_api.services import Services

router = APIRouter(include_in_schema=False)


def _members(report: FightReport, group: int | None) -> tuple[PlayerReport, ...]:
    party = report.party(group) if group is not None else None
    return party.members if party is not None else ()


async def _plan(
    services: Services, actor: Actor, plan: str
) -> tuple[uuid.UUID, Composition] | None:
    """The plan ``?plan=`` names, if the visitor may see it."""
    try:
        ident = uuid.UUID(plan)
        return ident, await services.store.compositions.composition(actor, ident)
    except (ValueError, NotFound):
        return None


async def _review(
    services: Services, fight: FightRead, report: FightReport, plan: Composition | None, mode: str
) -> Review:
    if plan is not None:
        return await review_plan(services.store.roles, plan, fight)
    # As the API's review: the evaluation behind it runs off the event loop.
    return await asyncio.to_thread(review_fight, report, cast(Mode, mode), services.store.roles)


@router.get("/fights/{fight_id}")
async def fight_page(
    request: Request, fight_id: str, plan: str = "", mode: str = "zerg"
) -> Response:
    """A fight's review: per party the boons planned and measured, who played what, who was
    missing or unplanned and the functions lacking; a pending or failed fight's status."""
    services = _services(request)
    actor = await _actor(request)
    try:
        fight = await services.store.fights.get(actor, uuid.UUID(fight_id))
    except (ValueError, NotFound):
        return await not_found(request, "fight")
    context: dict[str, Any] = {"actor": actor, "fight": fight, "modes": MODES, "mode": mode}
    if fight.status != "ready" or fight.report is None:
        return await render(request, "fight.html", {**context, "review": None})
    if mode not in MODES:
        message = f"mode {mode!r} is not one of {', '.join(MODES)}"
        return await render(
            request, "error.html", {"title": "No such mode", "message": message}, 422
        )
    chosen = await _plan(services, actor, plan) if plan else None
    if plan and chosen is None:
        return await not_found(request, "squad")
    report = FightReport.model_validate(fight.report)
    reviewed = await _review(services, fight, report, chosen[1] if chosen else None, mode)
    parties = [
        {
            "review": party,
            "chart": party_chart(party),
            "members": _members(report, party.group),
        }
        for party in reviewed.parties
    ]
    return await render(
        request,
        "fight.html",
        {
            **context,
            "review": reviewed,
            "report": report,
            "parties": parties,
            "plan_id": chosen[0] if chosen else None,
            "roles": services.store.roles,
        },
    )
