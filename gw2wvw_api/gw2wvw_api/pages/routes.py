"""The page routes (HTML; not part of the OpenAPI document)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.responses import RedirectResponse, Response

from gw2wvw.builds.view import describe
from gw2wvw.squad import (
    FUNCTION_NAMES,
    MODES,
    Composition,
    CompositionError,
    SquadRequest,
    SquadRequestError,
    evaluate,
)
from gw2wvw.store import Actor, BuildRead, CompositionCreate, CompositionRead
from gw2wvw.store.errors import NotFound
from gw2wvw_api.caching import Entry
from gw2wvw_api.http import version_etag
from gw2wvw_api.pages import session
from gw2wvw_api.pages.board import (
    Tables,
    as_composition,
    cards_of,
    movable,
    squad_meta,
    stored_cards,
)
from gw2wvw_api.pages.roster import RosterError, parse_roster
from gw2wvw_api.problems import ProblemException
from gw2wvw_api.services import Services

router = APIRouter(include_in_schema=False)

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")

BUILD_TIME_LIMIT = 10.0
"""Seconds the squad solver may run for one page request."""

SECURITY_HEADERS = {
    # Scripts and styles from this origin only: no inline script, no CDN.
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' https: data:; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
"""The headers every page carries (pages show private data and CSRF tokens: never stored)."""


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def _actor(request: Request) -> Actor:
    return await session.session_actor(_services(request), request)


def _tables(services: Services) -> Tables:
    return Tables(services.store.roles, services.store.data)


async def render(
    request: Request, name: str, context: dict[str, Any], status: int = 200
) -> Response:
    """The page ``name`` with ``context``, the signed-in user, a CSRF token and the headers."""
    actor = context.pop("actor", None) or await _actor(request)
    response = templates.TemplateResponse(
        request,
        name,
        {
            "user": actor if actor.user_id is not None else None,
            **context,
            "csrf": session.csrf_token(request),
        },
        status_code=status,
        headers=SECURITY_HEADERS,
    )
    session.remember_csrf(request, response)
    return response


async def not_found(request: Request, what: str) -> Response:
    """The 404 page: the item does not exist or is not the visitor's to see."""
    return await render(request, "not_found.html", {"what": what}, 404)


async def _refused(request: Request) -> Response:
    return await render(
        request,
        "error.html",
        {
            "title": "Form expired",
            "message": "The form expired or came from another site. "
            "Go back, reload the page and send it again.",
        },
        403,
    )


def _redirect(url: str) -> Response:
    return RedirectResponse(url, status_code=303, headers=SECURITY_HEADERS)


@router.get("/")
async def start(request: Request) -> Response:
    """The start page."""
    return await render(request, "start.html", {})


@router.get("/signin")
async def sign_in_form(request: Request, next: str = "/") -> Response:
    """The sign-in form."""
    return await render(request, "signin.html", {"next": _local(next), "error": None})


def _local(target: str) -> str:
    """``target`` if it is a path on this site, else ``/`` (no open redirect)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


@router.post("/signin")
async def sign_in(
    request: Request,
    name: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    csrf: Annotated[str, Form(max_length=100)] = "",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    """Check the name and password (throttled as the API's sign-ins) and start a session."""
    if not session.csrf_valid(request, csrf):
        return await _refused(request)
    services = _services(request)
    address = request.client.host if request.client else "unknown"
    context = {"next": _local(next), "name": name}
    try:
        async with services.throttle.sign_in(name, address):
            actor = await services.store.users.authenticate(name, password)
            if actor is None:
                raise ProblemException(401, "invalid_credentials", "wrong user name or password")
    except ProblemException as problem:
        response = await render(
            request, "signin.html", {**context, "error": problem.detail}, problem.status
        )
        response.headers.update(problem.headers or {})
        return response
    response = _redirect(_local(next))
    await session.start_session(services, actor, request, response)
    return response


@router.post("/signout")
async def sign_out(request: Request, csrf: Annotated[str, Form(max_length=100)] = "") -> Response:
    """End the session (its token is revoked)."""
    if not session.csrf_valid(request, csrf):
        return await _refused(request)
    response = _redirect("/")
    await session.end_session(_services(request), await _actor(request), request, response)
    return response


@router.get("/squads/new")
async def new_squad(request: Request) -> Response:
    """The squad builder's form: a size and mode, or a pasted roster."""
    return await render(request, "new.html", _new_context())


def _new_context(**values: Any) -> dict[str, Any]:
    return {
        "modes": MODES,
        "size": 25,
        "mode": "zerg",
        "roster": "",
        "errors": [],
        "plan": None,
        **values,
    }


@router.post("/squads/new")
async def build_new_squad(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    mode: Annotated[str, Form(max_length=20)] = "zerg",
    size: Annotated[str, Form(max_length=5)] = "",
    roster: Annotated[str, Form(max_length=50_000)] = "",
) -> Response:
    """Build the best squad for the form's size or roster and show the plan on a board."""
    if not session.csrf_valid(request, csrf):
        return await _refused(request)
    from gw2wvw.squad import build_squad_async  # the squad extra (HiGHS), loaded on first use

    services = _services(request)
    values = {"mode": mode, "size": size, "roster": roster}
    try:
        players = parse_roster(roster, services.store.roles) if roster.strip() else None
        squad = SquadRequest(
            size=None if players else int(size or 0),
            roster=players,
            mode=mode,
            time_limit=BUILD_TIME_LIMIT,
        )
        plan = await build_squad_async(squad, services.store.roles)
    except RosterError as error:
        return await render(request, "new.html", _new_context(**values, errors=error.errors), 422)
    except (ValueError, ValidationError, SquadRequestError) as error:
        message = _first_error(error)
        return await render(request, "new.html", _new_context(**values, errors=[message]), 422)
    if plan.composition is None or plan.evaluation is None:
        reason = plan.reason or "no squad meets the targets"
        return await render(request, "new.html", _new_context(**values, errors=[reason]), 422)
    composition = plan.composition.model_copy(update={"name": f"{mode} squad"})
    return await render(
        request,
        "new.html",
        _new_context(
            **values,
            plan=plan,
            board=_board(services, composition, plan.evaluation),
        ),
    )


def _first_error(error: Exception) -> str:
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "form"
        return f"{where}: {first['msg']}"
    if isinstance(error, SquadRequestError):
        return str(error)
    return "give a squad size (a whole number) or a roster"


def _board(services: Services, composition: Composition, evaluation: Any) -> dict[str, Any]:
    """What the board template needs for ``composition`` and its evaluation."""
    return {
        "parties": cards_of(composition, _tables(services)),
        "evaluation": evaluation,
        "function_names": FUNCTION_NAMES,
        "meta": squad_meta(composition),
        "movable": True,
    }


@router.post("/squads/evaluation")
async def evaluation_fragment(request: Request) -> Response:
    """The board re-rendered for a composition the board's script sends (after a move)."""
    if not session.csrf_valid(request, request.headers.get("x-csrf-token")):
        return Response("refused: reload the page", 403, headers=SECURITY_HEADERS)
    services = _services(request)
    try:
        composition = Composition.model_validate_json(await request.body())
        evaluation = evaluate(composition, services.store.roles)
    except (ValidationError, CompositionError) as error:
        return Response(f"not a composition: {error}"[:500], 422, headers=SECURITY_HEADERS)
    return templates.TemplateResponse(
        request,
        "_board.html",
        {"board": _board(services, composition, evaluation)},
        headers=SECURITY_HEADERS,
    )


@router.post("/squads")
async def save_squad(
    request: Request,
    csrf: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=100)] = "squad",
    visibility: Annotated[str, Form(max_length=20)] = "unlisted",
    composition: Annotated[str, Form(max_length=100_000)] = "",
) -> Response:
    """Store the board's composition for the signed-in user; on to its page."""
    if not session.csrf_valid(request, csrf):
        return await _refused(request)
    services = _services(request)
    actor = await _actor(request)
    if actor.user_id is None:
        return _redirect("/signin?next=" + quote("/squads/new"))
    try:
        board = json.loads(composition)
        new = CompositionCreate.model_validate({**board, "name": name, "visibility": visibility})
        stored = await services.store.compositions.create(actor, new)
    except (ValueError, TypeError) as error:  # not JSON, not an object, or not a squad
        message = (
            _first_error(error)
            if isinstance(error, ValidationError)
            else "the board could not be read; build the squad again"
        )
        return await render(request, "error.html", {"title": "Not saved", "message": message}, 422)
    await services.responses.changed("composition", stored.id)
    services.notify()
    return _redirect(f"/squads/{stored.id}")


async def _cached_composition(
    services: Services, actor: Actor, ident: uuid.UUID
) -> CompositionRead:
    async def load() -> Entry:
        found = await services.store.compositions.get(actor, ident)
        return Entry(
            found.model_dump_json().encode(),
            version_etag(found.version),
            visibility=found.visibility,
            owner=str(found.owner.id),
        )

    entry = await services.responses.detail(actor, "composition", ident, load)
    return CompositionRead.model_validate_json(entry.body)


@router.get("/squads/{composition_id}")
async def squad_board(request: Request, composition_id: str) -> Response:
    """A stored composition's board (others' private ones are a 404 page)."""
    services = _services(request)
    actor = await _actor(request)
    try:
        ident = uuid.UUID(composition_id)
        stored = await _cached_composition(services, actor, ident)
        evaluation = await services.store.compositions.evaluate(actor, ident)
    except (ValueError, NotFound):
        return await not_found(request, "squad")
    if movable(stored):
        board = _board(services, as_composition(stored), evaluation)
    else:
        board = {
            "parties": stored_cards(stored, _tables(services)),
            "evaluation": evaluation,
            "function_names": FUNCTION_NAMES,
            "meta": "{}",
            "movable": False,
        }
    return await render(
        request,
        "squad.html",
        {
            "actor": actor,
            "squad": stored,
            "board": board,
            "link": str(request.url_for("squad_board", composition_id=str(ident))),
        },
    )


@router.get("/builds/{build_id}")
async def build_page(request: Request, build_id: str) -> Response:
    """A stored build with its specializations, traits and skills by name."""
    services = _services(request)
    actor = await _actor(request)
    try:
        ident = uuid.UUID(build_id)

        async def load() -> Entry:
            found = await services.store.builds.get(actor, ident)
            return Entry(
                found.model_dump_json().encode(),
                version_etag(found.version),
                visibility=found.visibility,
                owner=str(found.owner.id),
            )

        entry = await services.responses.detail(actor, "build", ident, load)
    except (ValueError, NotFound):
        return await not_found(request, "build")
    stored = BuildRead.model_validate_json(entry.body)
    view = describe(stored.build, services.store.data)
    return await render(request, "build.html", {"actor": actor, "build": stored, "view": view})
