"""``/events/{id}``: a raid night with its sign-ups and its plan, and the signed-in member's
sign-up form (posted with the session's CSRF token, refused once the event is locked)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, get_args
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from pydantic import ValidationError
from starlette.responses import Response

from gw2wvw.squad import FUNCTION_NAMES
from gw2wvw.store import Actor, RaidRead
from gw2wvw.store.errors import NotFound, ValidationFailed
from gw2wvw.store.raids import EventLocked
from gw2wvw.store.schemas import SignupIn, SignupStatus
from gw2wvw_api.pages import session
from gw2wvw_api.pages.board import stored_cards
from gw2wvw_api.pages.routes import (
    _actor,
    _redirect,
    _refused,
    _services,
    _tables,
    not_found,
    render,
)
from gw2wvw_api.services import Services

router = APIRouter(include_in_schema=False)

STATUSES: tuple[SignupStatus, ...] = get_args(SignupStatus)
"""The sign-up statuses the form offers."""


async def _board(services: Services, actor: Actor, event: RaidRead) -> dict[str, Any] | None:
    """The event's plan on the (fixed) board, if it has one the visitor may see."""
    if event.composition_id is None:
        return None
    compositions = services.store.compositions
    try:
        stored = await compositions.get(actor, event.composition_id)
        evaluation = await compositions.evaluate(actor, event.composition_id)
    except NotFound:
        return None
    return {
        "parties": stored_cards(stored, _tables(services)),
        "evaluation": evaluation,
        "function_names": FUNCTION_NAMES,
        "meta": "{}",
        "movable": False,
        "id": stored.id,
        "name": stored.name,
    }


async def _event_page(
    request: Request,
    actor: Actor,
    event: RaidRead,
    *,
    errors: tuple[str, ...] = (),
    form: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    services = _services(request)
    signups = await services.store.raids.signups(actor, event.id)
    mine = next((s for s in signups if s.user.id == actor.user_id), None)
    if form is None:
        form = {
            "player": mine.player if mine else "",
            # Archetype ids: the names carry the role in brackets, which do not read back.
            "specializations": ", ".join(mine.specializations) if mine else "",
            "status": mine.status if mine else "coming",
            "note": mine.note if mine else "",
        }
    return await render(
        request,
        "event.html",
        {
            "actor": actor,
            "event": event,
            "signups": signups,
            "mine": mine,
            "roles": services.store.roles,
            "board": await _board(services, actor, event),
            "statuses": STATUSES,
            "form": form,
            "errors": errors,
            "may_sign_up": not event.locked or event.owner.id == actor.user_id,
        },
        status,
    )


@router.get("/events/{event_id}")
async def event_page(request: Request, event_id: str) -> Response:
    """An event: its start in its time zone, who signed up with what, the plan, and the form."""
    services = _services(request)
    actor = await _actor(request)
    try:
        event = await services.store.raids.get(actor, uuid.UUID(event_id))
    except (ValueError, NotFound):
        return await not_found(request, "event")
    return await _event_page(request, actor, event)


@router.post("/events/{event_id}/signup")
async def sign_up(
    request: Request,
    event_id: str,
    csrf: Annotated[str, Form(max_length=100)] = "",
    player: Annotated[str, Form(max_length=200)] = "",
    specializations: Annotated[str, Form(max_length=2000)] = "",
    status: Annotated[str, Form(max_length=20)] = "coming",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Sign the member up (or change their sign-up), then back to the event."""
    if not session.csrf_valid(request, csrf):
        return await _refused(request)
    services = _services(request)
    actor = await _actor(request)
    if actor.user_id is None:
        return _redirect("/signin?next=" + quote(f"/events/{event_id}"))
    try:
        event = await services.store.raids.get(actor, uuid.UUID(event_id))
    except (ValueError, NotFound):
        return await not_found(request, "event")
    form = {"player": player, "specializations": specializations, "status": status, "note": note}
    wanted = [s.strip() for s in specializations.replace("\n", ",").split(",") if s.strip()]
    try:
        signup = SignupIn.model_validate(
            {
                "player": player.strip() or None,
                "specializations": wanted,
                "status": status,
                "note": note,
            }
        )
        await services.store.raids.sign_up(actor, event.id, signup)
    except ValidationError as error:
        messages = tuple(_message(e) for e in error.errors())
        return await _event_page(request, actor, event, errors=messages, form=form, status=422)
    except ValidationFailed as error:
        messages = tuple(e.message for e in error.errors)
        return await _event_page(request, actor, event, errors=messages, form=form, status=422)
    except EventLocked:
        message = (
            f"{event.name} is locked: sign-ups cannot change. Ask {event.owner.name} to change "
            "yours or to unlock the event."
        )
        return await _event_page(request, actor, event, errors=(message,), form=form, status=409)
    services.notify()
    return _redirect(f"/events/{event.id}")


def _message(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "form"
    if where == "specializations" and error["type"] == "too_short":
        return "name at least one specialization you can play"
    return f"{where}: {error['msg']}"
