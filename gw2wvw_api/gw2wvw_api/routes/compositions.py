"""``/v1/compositions``: stored squads, their evaluation, conditional requests and a cache.

A composition's representation names its members' builds by id only, so writing a build never
changes it and the cached details and listings stay true. Its evaluation does depend on those
builds' content: it is computed on every request (never cached on the server) and its ETag is a
hash of its content, so it changes with the composition and with any build it uses.
"""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from gw2wvw.squad import Evaluation, PostFormat, render_post
from gw2wvw.store import (
    CompositionCreate,
    CompositionPatch,
    CompositionQuery,
    CompositionRead,
    Page,
)
from gw2wvw_api.auth import ReaderDep, WriterDep, security
from gw2wvw_api.caching import Entry, list_key
from gw2wvw_api.http import (
    Representation,
    content_etag,
    expected_version,
    respond,
    version_etag,
    wants_fresh,
)
from gw2wvw_api.problems import problem_responses
from gw2wvw_api.routes.common import (
    CONDITIONAL_GET,
    CREATED,
    NO_CONTENT,
    WRITE,
    next_link,
)

router = APIRouter(prefix="/v1/compositions", tags=["compositions"])


def _entry(composition: CompositionRead) -> Entry:
    return Entry(
        body=composition.model_dump_json().encode(),
        etag=version_etag(composition.version),
        visibility=composition.visibility,
        owner=str(composition.owner.id),
    )


def _written(composition: CompositionRead, status: int = 200) -> Response:
    headers = {"ETag": version_etag(composition.version), "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/v1/compositions/{composition.id}"
    return Response(
        composition.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers=headers,
    )


@router.post(
    "",
    status_code=201,
    response_model=CompositionRead,
    responses={**CREATED, **problem_responses(400, 401, 422)},
    summary="Store a composition",
    openapi_extra=security("write"),
)
async def create_composition(caller: WriterDep, body: CompositionCreate) -> Response:
    """Validate and store a composition; answers 201 with its Location and ETag.

    Members name archetypes, or stored builds the caller may see with the role they play.
    """
    services, actor = caller.services, caller.actor
    composition = await services.store.compositions.create(actor, body)
    await services.responses.changed("composition", composition.id)
    services.notify()
    return _written(composition, 201)


@router.get(
    "/{composition_id}",
    response_model=CompositionRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A composition",
    openapi_extra=security("read", optional=True),
)
async def get_composition(
    request: Request, caller: ReaderDep, composition_id: uuid.UUID
) -> Response:
    """A composition the caller may see (others' private compositions answer 404)."""
    services, actor = caller.services, caller.actor

    async def load() -> Entry:
        return _entry(await services.store.compositions.get(actor, composition_id))

    entry = await services.responses.detail(
        actor, "composition", composition_id, load, fresh=wants_fresh(request)
    )
    return respond(request, Representation(entry.body, entry.etag))


@router.get(
    "/{composition_id}/evaluation",
    response_model=Evaluation,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A composition's boon coverage, findings and score",
    openapi_extra=security("read", optional=True),
)
async def get_evaluation(
    request: Request, caller: ReaderDep, composition_id: uuid.UUID
) -> Response:
    """Evaluate a composition the caller may see against its targets (or its mode's).

    Members with builds count as the archetype their build plays; no build's content is shown.
    """
    services, actor = caller.services, caller.actor
    evaluation = await services.store.compositions.evaluate(actor, composition_id)
    body = evaluation.model_dump_json().encode()
    return respond(request, Representation(body, content_etag(body)))


_POST_TYPES = {
    "discord": "application/json",
    "markdown": "text/markdown; charset=utf-8",
    "text": "text/plain; charset=utf-8",
}

_POST_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        **CONDITIONAL_GET[200],
        "description": "The post: Discord webhook payloads (JSON), or Markdown or plain text.",
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "text/markdown": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
    },
}


@router.get(
    "/{composition_id}/post",
    response_class=Response,
    responses={**CONDITIONAL_GET, **_POST_ANSWERS, **problem_responses(400, 401, 404, 422)},
    summary="A composition as a post for Discord, in Markdown or as text",
    openapi_extra=security("read", optional=True),
)
async def get_post(
    request: Request,
    caller: ReaderDep,
    composition_id: uuid.UUID,
    format: Annotated[
        PostFormat,
        Query(description="discord: a list of webhook message payloads within Discord's limits."),
    ] = "discord",
) -> Response:
    """A composition the caller may see, with its evaluation, written as a post.

    Members, their specializations, archetypes and chat codes (in code spans) per party, the
    functions present and missing, key boons against their targets, and the findings.
    """
    services, actor = caller.services, caller.actor
    post = await services.store.compositions.post(actor, composition_id)
    rendered = render_post(post, format)
    body = (
        rendered.encode()
        if isinstance(rendered, str)
        else json.dumps(rendered, ensure_ascii=False).encode()
    )
    return respond(
        request, Representation(body, content_etag(body), media_type=_POST_TYPES[format])
    )


@router.get(
    "",
    response_model=Page[CompositionRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 422)},
    summary="List compositions",
    openapi_extra=security("read", optional=True),
)
async def list_compositions(
    request: Request,
    caller: ReaderDep,
    query: Annotated[CompositionQuery, Query()],
) -> Response:
    """Compositions the caller may list: public ones and their own, filtered and paged by cursor."""
    services, actor = caller.services, caller.actor

    async def load() -> Entry:
        page = await services.store.compositions.list(actor, query)
        body = page.model_dump_json().encode()
        return Entry(body, content_etag(body), link=next_link(request, page.next_cursor))

    key = list_key("composition", actor, str(request.url.query))
    entry = await services.responses.listing(
        key, ["compositions"], load, fresh=wants_fresh(request)
    )
    headers = {"Link": entry.link} if entry.link else {}
    return respond(request, Representation(entry.body, entry.etag, headers=headers))


@router.put(
    "/{composition_id}",
    response_model=CompositionRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Replace a composition",
    openapi_extra=security("write"),
)
async def replace_composition(
    request: Request, caller: WriterDep, composition_id: uuid.UUID, body: CompositionCreate
) -> Response:
    """Replace a composition; with ``If-Match``, only if it is still at that version."""
    services, actor = caller.services, caller.actor
    composition = await services.store.compositions.update(
        actor, composition_id, body, expected_version(request)
    )
    await services.responses.changed("composition", composition.id)
    services.notify()
    return _written(composition)


@router.patch(
    "/{composition_id}",
    response_model=CompositionRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Change some fields of a composition",
    openapi_extra=security("write"),
)
async def patch_composition(
    request: Request, caller: WriterDep, composition_id: uuid.UUID, body: CompositionPatch
) -> Response:
    """Change the given fields; with ``If-Match``, only if it is still at that version."""
    services, actor = caller.services, caller.actor
    composition = await services.store.compositions.update(
        actor, composition_id, body, expected_version(request)
    )
    await services.responses.changed("composition", composition.id)
    services.notify()
    return _written(composition)


@router.delete(
    "/{composition_id}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 403, 404, 412, 422)},
    summary="Delete a composition",
    openapi_extra=security("write"),
)
async def delete_composition(
    request: Request, caller: WriterDep, composition_id: uuid.UUID
) -> Response:
    """Delete a composition; with ``If-Match``, only if it is still at that version."""
    services, actor = caller.services, caller.actor
    await services.store.compositions.delete(actor, composition_id, expected_version(request))
    await services.responses.changed("composition", composition_id)
    services.notify()
    return Response(status_code=204)
