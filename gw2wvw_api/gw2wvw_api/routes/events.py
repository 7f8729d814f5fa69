"""``/v1/events``: raid nights, the members' sign-ups, locking, and the squad planned from them.

Events and sign-ups are read from the database on every request (no server-side cache): they
change by the minute before a raid. Their ETags are their versions, so ``If-None-Match`` gives
304 and ``If-Match`` guards writes (412 when stale) as for compositions. A member's own sign-up
is ``/signups/me``; the event's owner may also write ``/signups/{user name}``.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StrictBool

from gw2wvw.store import Page, RaidCreate, RaidPatch, RaidQuery, RaidRead, SignupIn, SignupRead
from gw2wvw.store.planning import EventPlan
from gw2wvw.text import Line
from gw2wvw_api.auth import ReaderDep, WriterDep, security
from gw2wvw_api.http import expected_version, version_etag
from gw2wvw_api.problems import problem_responses
from gw2wvw_api.routes.common import (
    CONDITIONAL_GET,
    CREATED,
    NO_CONTENT,
    WRITE,
    next_link,
    read_json,
    written_json,
)

router = APIRouter(prefix="/v1/events", tags=["events"])

Who = Annotated[
    Line,
    Field(
        min_length=2,
        max_length=64,
        description="``me``, or (the event's owner only) a member's user name.",
        examples=["me"],
    ),
]


class PlanOptions(BaseModel):
    """How to plan: keep the placed players where they are, and how long the solver may take."""

    model_config = ConfigDict(
        frozen=True,
        extra="forbid",
        json_schema_extra={"examples": [{"keep": True, "time_limit": 2}]},
    )

    keep: StrictBool = True
    """Keep everyone the saved plan places in their party and archetype (locks)."""
    time_limit: float = Field(default=10.0, gt=0, le=60, examples=[2.0])
    """Seconds the solver may take."""


def _event(event: RaidRead, status: int = 200) -> Response:
    headers = {"ETag": version_etag(event.version)}
    if status == 201:
        headers["Location"] = f"/v1/events/{event.id}"
    return written_json(event, status, headers)


def _user(who: str) -> str | None:
    return None if who.casefold() == "me" else who


@router.post(
    "",
    status_code=201,
    response_model=RaidRead,
    responses={**CREATED, **problem_responses(400, 401, 403, 422)},
    summary="Announce an event",
    openapi_extra=security("write"),
)
async def create_event(caller: WriterDep, body: RaidCreate) -> Response:
    """Announce a raid night; answers 201 with its Location and ETag (``event.created``)."""
    event = await caller.services.store.raids.create(caller.actor, body)
    caller.services.notify()
    return _event(event, 201)


@router.get(
    "",
    response_model=Page[RaidRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 422)},
    summary="List events",
    openapi_extra=security("read", optional=True),
)
async def list_events(
    request: Request, caller: ReaderDep, query: Annotated[RaidQuery, Query()]
) -> Response:
    """Public events and the caller's own, soonest first, filtered and paged by cursor."""
    page = await caller.services.store.raids.list(caller.actor, query)
    response = read_json(request, page)
    link = next_link(request, page.next_cursor)
    if link is not None:
        response.headers["Link"] = link
    return response


@router.get(
    "/{event_id}",
    response_model=RaidRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="An event",
    openapi_extra=security("read", optional=True),
)
async def get_event(request: Request, caller: ReaderDep, event_id: uuid.UUID) -> Response:
    """An event the caller may see (others' private events answer 404)."""
    event = await caller.services.store.raids.get(caller.actor, event_id)
    return read_json(request, event, version_etag(event.version))


@router.patch(
    "/{event_id}",
    response_model=RaidRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 412, 422)},
    summary="Change some fields of an event",
    openapi_extra=security("write"),
)
async def patch_event(
    request: Request, caller: WriterDep, event_id: uuid.UUID, body: RaidPatch
) -> Response:
    """Change the given fields (``event.updated``); with ``If-Match``, only at that version."""
    event = await caller.services.store.raids.update(
        caller.actor, event_id, body, expected_version(request)
    )
    caller.services.notify()
    return _event(event)


@router.delete(
    "/{event_id}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 403, 404, 412, 422)},
    summary="Delete an event",
    openapi_extra=security("write"),
)
async def delete_event(request: Request, caller: WriterDep, event_id: uuid.UUID) -> Response:
    """Delete an event and its sign-ups (its plan stays a composition); ``event.deleted``."""
    await caller.services.store.raids.delete(caller.actor, event_id, expected_version(request))
    caller.services.notify()
    return Response(status_code=204)


@router.post(
    "/{event_id}/lock",
    response_model=RaidRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 412, 422)},
    summary="Lock an event's sign-ups",
    openapi_extra=security("write"),
)
async def lock_event(request: Request, caller: WriterDep, event_id: uuid.UUID) -> Response:
    """Stop members changing their sign-ups (``event.locked``); the owner still may."""
    event = await caller.services.store.raids.set_locked(
        caller.actor, event_id, True, expected_version(request)
    )
    caller.services.notify()
    return _event(event)


@router.post(
    "/{event_id}/unlock",
    response_model=RaidRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 412, 422)},
    summary="Unlock an event's sign-ups",
    openapi_extra=security("write"),
)
async def unlock_event(request: Request, caller: WriterDep, event_id: uuid.UUID) -> Response:
    """Let members change their sign-ups again (``event.unlocked``)."""
    event = await caller.services.store.raids.set_locked(
        caller.actor, event_id, False, expected_version(request)
    )
    caller.services.notify()
    return _event(event)


@router.get(
    "/{event_id}/signups",
    response_model=Page[SignupRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="An event's sign-ups",
    openapi_extra=security("read", optional=True),
)
async def list_signups(request: Request, caller: ReaderDep, event_id: uuid.UUID) -> Response:
    """Everyone signed up to an event the caller may see, in the order they signed up."""
    signups = await caller.services.store.raids.signups(caller.actor, event_id)
    return read_json(request, Page[SignupRead](items=tuple(signups), next_cursor=None))


@router.put(
    "/{event_id}/signups/{who}",
    response_model=SignupRead,
    responses={**WRITE, **CREATED, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Sign up, or change a sign-up",
    openapi_extra=security("write"),
)
async def put_signup(
    request: Request, caller: WriterDep, event_id: uuid.UUID, who: Who, body: SignupIn
) -> Response:
    """Sign up with what you can play (``signup.changed``): 201 the first time, 200 after.

    ``specializations`` are specialization names or archetype ids, most preferred first.
    Once the event is locked, 409 ``event_locked`` for anyone but its owner.
    """
    signup = await caller.services.store.raids.sign_up(
        caller.actor,
        event_id,
        body,
        user=_user(who),
        expected_version=expected_version(request),
    )
    caller.services.notify()
    status = 201 if signup.version == 1 else 200
    return written_json(signup, status, {"ETag": version_etag(signup.version)})


@router.delete(
    "/{event_id}/signups/{who}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Withdraw a sign-up",
    openapi_extra=security("write"),
)
async def delete_signup(caller: WriterDep, event_id: uuid.UUID, who: Who) -> Response:
    """Take a sign-up back (``signup.changed``); 409 ``event_locked`` once locked."""
    await caller.services.store.raids.withdraw(caller.actor, event_id, user=_user(who))
    caller.services.notify()
    return Response(status_code=204)


@router.post(
    "/{event_id}/plan",
    response_model=EventPlan,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 409, 422)},
    summary="Build the squad from the sign-ups",
    openapi_extra=security("write"),
)
async def plan_event(caller: WriterDep, event_id: uuid.UUID, body: PlanOptions) -> Response:
    """Build the squad from the sign-ups and save it as the event's composition.

    With ``keep`` (the default) everyone the saved plan places stays where they are; the
    answer lists what changed and why (``event.planned``). 422 when nobody signed up, 409
    when no squad fits the sign-ups.
    """
    services = caller.services
    planned = await services.store.raids.plan(
        caller.actor, event_id, keep=body.keep, time_limit=body.time_limit
    )
    await services.responses.changed("composition", planned.composition.id)
    services.notify()
    return written_json(planned, 200, {"ETag": version_etag(planned.event.version)})
