"""What several routers share: documented response headers, JSON answers and paging links."""

from __future__ import annotations

from typing import Any

from fastapi import Request, Response
from pydantic import BaseModel

from gw2wvw_api.http import Representation, content_etag, respond

_ETAG = {"description": "Validator of this representation.", "schema": {"type": "string"}}
_CACHE_CONTROL = {"description": "How caches may keep it.", "schema": {"type": "string"}}
_VARY = {"description": "Request headers the response depends on.", "schema": {"type": "string"}}

CONDITIONAL_GET: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The representation.",
        "headers": {"ETag": _ETAG, "Cache-Control": _CACHE_CONTROL, "Vary": _VARY},
    },
    304: {
        "description": "Not modified: the ETag in If-None-Match is still current.",
        "headers": {"ETag": _ETAG, "Cache-Control": _CACHE_CONTROL, "Vary": _VARY},
    },
}
"""The documented answers of a GET that honours If-None-Match."""

CREATED: dict[int | str, dict[str, Any]] = {
    201: {
        "description": "Created.",
        "headers": {
            "Location": {"description": "The new resource.", "schema": {"type": "string"}},
            "ETag": _ETAG,
        },
    }
}
"""The documented answer of a create."""

WRITE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The resource as it is now.", "headers": {"ETag": _ETAG}}
}
"""The documented answer of an update."""

NO_CONTENT: dict[int | str, dict[str, Any]] = {204: {"description": "Done."}}
"""The documented answer of a delete."""


def next_link(request: Request, cursor: str | None) -> str | None:
    """A ``Link`` header value to the next page, or None on the last page."""
    if cursor is None:
        return None
    url = request.url.include_query_params(cursor=cursor)
    return f'<{url.path}?{url.query}>; rel="next"'


def written_json(
    model: BaseModel, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """A write's answer: the JSON of ``model``, never stored by any cache."""
    return Response(
        model.model_dump_json(),
        status_code=status,
        media_type="application/json",
        headers={"Cache-Control": "no-store", **(headers or {})},
    )


def read_json(request: Request, model: BaseModel, etag: str | None = None) -> Response:
    """A read's answer: the JSON of ``model`` with ``etag`` (default: a content ETag), private,
    revalidated, 304 when the client has it."""
    body = model.model_dump_json().encode()
    return respond(request, Representation(body, etag or content_etag(body)))
