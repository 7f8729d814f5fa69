"""``/v1/fights``: Elite Insights logs uploaded or fetched from dps.report, parsed in the
background into fight reports.

``POST`` only stores the log (read to ``GW2WVW_FIGHT_MAX_BYTES``, 413 beyond it, before the
rest is read) and answers 202 with the fight's URL; the import job (the worker's, or this
process's on the embedded default) moves it from ``pending`` to ``ready`` or ``failed``. So a
file that is no log is accepted and then fails with the reason: the API never reads the log
while the request waits. Fights are not cached: their status changes in another process.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gw2wvw.events import new_client
from gw2wvw.fights.report import FightReport
from gw2wvw.fights.review import Review, review
from gw2wvw.squad import Composition, RolesTable
from gw2wvw.store import FightCreate, FightQuery, FightRead, Page
from gw2wvw.store.importing import pack
from gw2wvw.store.schemas import Visibility, WebhookUrl
from gw2wvw.text import Line
from gw2wvw_api.auth import ReaderDep, WriterDep, security
from gw2wvw_api.http import Representation, content_etag, respond, version_etag
from gw2wvw_api.permalinks import fetch_log, too_large
from gw2wvw_api.problems import ProblemError, ProblemException, problem_responses
from gw2wvw_api.routes.common import CONDITIONAL_GET, NO_CONTENT, next_link

router = APIRouter(prefix="/v1/fights", tags=["fights"])
reviews = APIRouter(prefix="/v1/compositions", tags=["fights"])
"""Plan against reality: a composition's review against one fight."""

_LOG_TYPES = frozenset(
    {"application/json", "application/gzip", "application/x-gzip", "application/zip"}
)
_PERMALINK_BODY = 4096
"""A JSON body up to this size that is an object with ``permalink`` asks for a fetch; no
Elite Insights log is that small."""


class PermalinkIn(BaseModel):
    """A dps.report log to fetch."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    permalink: WebhookUrl = Field(examples=["https://dps.report/AbCd-20251104-213811_wvw"])


class Fight(FightRead):
    """A stored fight: ``pending``, ``failed`` with the ``reason``, or ``ready`` with its
    ``report``."""

    report: FightReport | None  # type: ignore[assignment]


ACCEPTED: dict[int | str, dict[str, Any]] = {
    202: {
        "description": "Stored; its status moves from pending to ready or failed.",
        "headers": {
            "Location": {"description": "The fight.", "schema": {"type": "string"}},
        },
    }
}


def _media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def _read_upload(request: Request, limit: int) -> bytearray:
    """The request body, read as it comes; 413 as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    data = bytearray()
    async for chunk in request.stream():
        data += chunk
        if len(data) > limit:
            raise too_large(limit)
    return data  # not copied into bytes: a log may be 100 MB


def _permalink(body: bytearray) -> PermalinkIn | None:
    """The permalink request ``body`` is, if it is one (422 for a malformed one)."""
    if len(body) > _PERMALINK_BODY:
        return None
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(document, dict) or "permalink" not in document:
        return None
    try:
        return PermalinkIn.model_validate(document)
    except ValidationError as error:
        raise ProblemException(
            422,
            "validation_failed",
            "give the dps.report permalink as an http(s) URL",
            errors=[
                ProblemError(
                    path="/body" + "".join(f"/{part}" for part in e["loc"]),
                    code=e["type"],
                    message=e["msg"],
                )
                for e in error.errors()
            ],
        ) from error


@router.post(
    "",
    status_code=202,
    response_model=Fight,
    responses={**ACCEPTED, **problem_responses(400, 401, 413, 415, 422, 502)},
    summary="Upload a fight log, or have one fetched from dps.report",
    openapi_extra={
        **security("write"),
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "anyOf": [
                            PermalinkIn.model_json_schema(),
                            {
                                # Any JSON: what is not a log is stored and then fails with
                                # the reason, as the job finds it.
                                "description": "An Elite Insights JSON log."
                            },
                        ]
                    }
                },
                "application/gzip": {"schema": {"type": "string", "format": "binary"}},
                "application/zip": {"schema": {"type": "string", "format": "binary"}},
            },
        },
    },
)
async def upload_fight(
    request: Request,
    caller: WriterDep,
    visibility: Visibility = "private",
    name: Annotated[
        Line | None,
        Query(min_length=1, max_length=200, description="The file name, shown as the source."),
    ] = None,
) -> Response:
    """Store a log (JSON, gzip, zip or ``Content-Encoding: gzip``) or a dps.report permalink's
    log; answers 202 with its Location: parsing happens in the background."""
    services, actor = caller.services, caller.actor
    settings = services.settings
    media = _media_type(request)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if media not in _LOG_TYPES or encoding not in ("identity", "gzip"):
        raise ProblemException(
            415,
            "unsupported_media_type",
            "send the log as application/json, application/gzip or application/zip "
            '(Content-Encoding: gzip is read too), or a JSON body {"permalink": ...}',
        )
    body = await _read_upload(request, settings.fight_max_bytes)
    if not body or body.isspace():  # isspace, unlike strip, copies nothing
        raise ProblemException(422, "empty_log", "the request has no log in its body")
    permalink = _permalink(body) if media == "application/json" and encoding == "identity" else None
    source = name or "upload"
    if permalink is not None:
        async with new_client(settings.webhooks) as client:
            body = await fetch_log(client, settings, permalink.permalink)
        source = permalink.permalink
    stored = await asyncio.to_thread(pack, body)
    fight = await services.store.fights.create(
        actor, FightCreate(source=source, visibility=visibility), stored, len(body)
    )
    await services.imports.submit(fight.id)
    return Response(
        fight.model_dump_json(),
        status_code=202,
        media_type="application/json",
        headers={
            "Location": f"/v1/fights/{fight.id}",
            "Cache-Control": "no-store",
            "ETag": version_etag(fight.version),
        },
    )


@router.get(
    "/{fight_id}",
    response_model=Fight,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A fight: its status, and its report once ready",
    openapi_extra=security("read", optional=True),
)
async def get_fight(request: Request, caller: ReaderDep, fight_id: uuid.UUID) -> Response:
    """A fight the caller may see (others' private fights answer 404)."""
    fight = await caller.services.store.fights.get(caller.actor, fight_id)
    # The report is stored as the JSON of a FightReport: served as it is, not rebuilt.
    return respond(
        request, Representation(fight.model_dump_json().encode(), version_etag(fight.version))
    )


@router.get(
    "",
    response_model=Page[FightRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 422)},
    summary="List fights (without their reports)",
    openapi_extra=security("read", optional=True),
)
async def list_fights(
    request: Request, caller: ReaderDep, query: Annotated[FightQuery, Query()]
) -> Response:
    """Fights the caller may list: public ones and their own, filtered and paged by cursor."""
    page = await caller.services.store.fights.list(caller.actor, query)
    body = page.model_dump_json().encode()
    link = next_link(request, page.next_cursor)
    headers = {"Link": link} if link else {}
    return respond(request, Representation(body, content_etag(body), headers=headers))


@router.delete(
    "/{fight_id}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 403, 404, 422)},
    summary="Delete a fight",
    openapi_extra=security("write"),
)
async def delete_fight(caller: WriterDep, fight_id: uuid.UUID) -> Response:
    """Delete one of your fights, its report and its stored log."""
    await caller.services.store.fights.delete(caller.actor, fight_id)
    return Response(status_code=204)


@reviews.get(
    "/{composition_id}/reviews/{fight_id}",
    response_model=Review,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 409, 422)},
    summary="A composition against a fight: planned and measured boons per party, who was where",
    openapi_extra=security("read", optional=True),
)
async def get_review(
    request: Request, caller: ReaderDep, composition_id: uuid.UUID, fight_id: uuid.UUID
) -> Response:
    """Review a fight against a composition, both of which the caller may see; 409
    ``fight_not_ready`` while the fight is pending or if it failed."""
    store, actor = caller.services.store, caller.actor
    plan = await store.compositions.composition(actor, composition_id)
    fight = await store.fights.get(actor, fight_id)
    reviewed = await review_plan(store.roles, plan, fight)
    body = reviewed.model_dump_json().encode()
    return respond(request, Representation(body, content_etag(body)))


async def review_plan(roles: RolesTable, plan: Composition, fight: FightRead) -> Review:
    """``fight`` reviewed against ``plan`` (the API's and the fight page's review); 409
    ``fight_not_ready`` while the fight is pending or if it failed."""
    if fight.status != "ready" or fight.report is None:
        why = f": {fight.reason}" if fight.reason else ""
        raise ProblemException(
            409, "fight_not_ready", f"fight {fight.id} is {fight.status}{why}; review it once ready"
        )
    report = FightReport.model_validate(fight.report)
    # Evaluating the plan solves its predictions: off the event loop, like the parsing.
    return await asyncio.to_thread(review, plan, report, roles)
