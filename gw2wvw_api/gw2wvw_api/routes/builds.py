"""``/v1/builds``: stored builds with conditional requests and a read-through cache."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from gw2wvw.store import BuildCreate, BuildPatch, BuildQuery, BuildRead, Page
from gw2wvw_api.auth import Caller, ReaderDep, WriterDep, current_caller, security
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

router = APIRouter(prefix="/v1/builds", tags=["builds"])


def _entry(build: BuildRead) -> Entry:
    return Entry(
        body=build.model_dump_json().encode(),
        etag=version_etag(build.version),
        visibility=build.visibility,
        owner=str(build.owner.id),
    )


def _written(build: BuildRead, status: int = 200) -> Response:
    headers = {"ETag": version_etag(build.version), "Cache-Control": "no-store"}
    if status == 201:
        headers["Location"] = f"/v1/builds/{build.id}"
    return Response(
        build.model_dump_json(), status_code=status, media_type="application/json", headers=headers
    )


async def _update(
    request: Request, caller: Caller, build_id: uuid.UUID, body: BuildCreate | BuildPatch
) -> Response:
    """Replace or patch a build; invalidate it and any composition the change detached."""
    services, actor = caller.services, caller.actor
    detached: list[uuid.UUID] = []
    build = await services.store.builds.update(
        actor, build_id, body, expected_version(request), detached=detached
    )
    await services.responses.changed("build", build.id)
    for composition_id in detached:
        await services.responses.changed("composition", composition_id)
    services.notify()
    return _written(build)


@router.post(
    "",
    status_code=201,
    response_model=BuildRead,
    responses={**CREATED, **problem_responses(400, 401, 422)},
    summary="Store a build (from a build object or a chat code)",
    openapi_extra=security("write"),
)
async def create_build(caller: WriterDep, body: BuildCreate) -> Response:
    """Validate and store a build; answers 201 with its Location and ETag."""
    services, actor = caller.services, caller.actor
    build = await services.store.builds.create(actor, body)
    await services.responses.changed("build", build.id)
    services.notify()
    return _written(build, 201)


@router.get(
    "/{build_id}",
    response_model=BuildRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A build",
    openapi_extra=security("read", optional=True),
)
async def get_build(request: Request, build_id: uuid.UUID) -> Response:
    """A build the caller may see (others' private builds answer 404)."""
    # The most requested route: the caller is looked up inline, not injected.
    caller = await current_caller(request)
    services, actor = caller.services, caller.actor

    async def load() -> Entry:
        return _entry(await services.store.builds.get(actor, build_id))

    entry = await services.responses.detail(
        actor, "build", build_id, load, fresh=wants_fresh(request)
    )
    return respond(request, Representation(entry.body, entry.etag))


@router.get(
    "/{build_id}/chat-code",
    response_class=Response,
    responses={
        200: {
            "description": "The build's canonical chat code.",
            "content": {"text/plain": {"schema": {"type": "string"}}},
            "headers": CONDITIONAL_GET[200]["headers"],
        },
        304: CONDITIONAL_GET[304],
        **problem_responses(400, 401, 404, 422),
    },
    summary="A build's chat code, as text",
    openapi_extra=security("read", optional=True),
)
async def get_chat_code(request: Request, caller: ReaderDep, build_id: uuid.UUID) -> Response:
    """The canonical chat code, ready to paste into the game."""
    services, actor = caller.services, caller.actor

    async def load() -> Entry:
        return _entry(await services.store.builds.get(actor, build_id))

    entry = await services.responses.detail(actor, "build", build_id, load)
    code = BuildRead.model_validate_json(entry.body).chat_code
    return respond(
        request,
        Representation(code.encode(), entry.etag, media_type="text/plain; charset=utf-8"),
    )


@router.get(
    "",
    response_model=Page[BuildRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 422)},
    summary="List builds",
    openapi_extra=security("read", optional=True),
)
async def list_builds(
    request: Request,
    caller: ReaderDep,
    query: Annotated[BuildQuery, Query()],
) -> Response:
    """Builds the caller may list: public ones and their own, filtered and paged by cursor."""
    services, actor = caller.services, caller.actor

    async def load() -> Entry:
        page = await services.store.builds.list(actor, query)
        body = page.model_dump_json().encode()
        return Entry(body, content_etag(body), link=next_link(request, page.next_cursor))

    key = list_key("build", actor, str(request.url.query))
    entry = await services.responses.listing(key, ["builds"], load, fresh=wants_fresh(request))
    headers = {"Link": entry.link} if entry.link else {}
    return respond(request, Representation(entry.body, entry.etag, headers=headers))


@router.put(
    "/{build_id}",
    response_model=BuildRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Replace a build",
    openapi_extra=security("write"),
)
async def replace_build(
    request: Request, caller: WriterDep, build_id: uuid.UUID, body: BuildCreate
) -> Response:
    """Replace a build; with ``If-Match``, only if it is still at that version."""
    return await _update(request, caller, build_id, body)


@router.patch(
    "/{build_id}",
    response_model=BuildRead,
    responses={**WRITE, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Change some fields of a build",
    openapi_extra=security("write"),
)
async def patch_build(
    request: Request, caller: WriterDep, build_id: uuid.UUID, body: BuildPatch
) -> Response:
    """Change the given fields; with ``If-Match``, only if it is still at that version."""
    return await _update(request, caller, build_id, body)


@router.delete(
    "/{build_id}",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(400, 401, 403, 404, 409, 412, 422)},
    summary="Delete a build",
    openapi_extra=security("write"),
)
async def delete_build(request: Request, caller: WriterDep, build_id: uuid.UUID) -> Response:
    """Delete a build; compositions that used it keep the archetype it played."""
    services, actor = caller.services, caller.actor
    detached = await services.store.builds.delete(actor, build_id, expected_version(request))
    await services.responses.changed("build", build_id)
    for composition_id in detached:
        await services.responses.changed("composition", composition_id)
    services.notify()
    return Response(status_code=204)
