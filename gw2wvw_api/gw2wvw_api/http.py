"""HTTP caching semantics: ETags, conditional requests, Cache-Control and Vary.

Resource ETags are weak and derived from the stored version (``W/"v3"``), list and game-data
ETags from a hash of the body. Weak validators stay correct when the body is compressed.
``If-Match`` on writes names the version the client read; it is compared with the stored
version inside the store's compare-and-set, so a concurrent write cannot slip between.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from fastapi import Request, Response

from gw2wvw_api.problems import ProblemException

PRIVATE = "private, no-cache"
"""Cache-Control of anything a user owns: caches may store it but must revalidate."""

VARY = "Authorization, Accept-Encoding"
"""The request headers every representation depends on."""

_TAG = re.compile(r'\s*(W/)?"([^"]*)"\s*')
_VERSION = re.compile(r"^v(\d{1,9})$")


def public(max_age: int) -> str:
    """Cache-Control of data anyone may cache for ``max_age`` seconds."""
    return f"public, max-age={max_age}"


def version_etag(version: int) -> str:
    """The weak ETag of a stored resource at ``version``."""
    return f'W/"v{version}"'


def content_etag(body: bytes) -> str:
    """A weak ETag from the bytes of a representation."""
    return f'W/"{hashlib.blake2b(body, digest_size=12).hexdigest()}"'


def _tags(header: str) -> list[str] | None:
    """The opaque tags of an If-None-Match / If-Match value; None for ``*``."""
    if header.strip() == "*":
        return None
    tags = []
    for part in header.split(","):
        match = _TAG.fullmatch(part)
        if match is None:
            raise ProblemException(400, "bad_precondition", f"not a list of ETags: {header!r}")
        tags.append(match.group(2))
    return tags


def _opaque(etag: str) -> str:
    match = _TAG.fullmatch(etag)
    assert match is not None
    return match.group(2)


def fresh_wanted(cache_control: str) -> bool:
    """Whether a ``Cache-Control`` request header asks not to be answered from storage."""
    directives = cache_control.lower()
    return "no-cache" in directives or "max-age=0" in directives


def wants_fresh(request: Request) -> bool:
    """Whether the request asks caches not to answer from storage (``no-cache``)."""
    return fresh_wanted(request.headers.get("cache-control", ""))


def matches_none(if_none_match: str | None, etag: str) -> bool:
    """Whether an ``If-None-Match`` value matches ``etag`` (weak comparison, as RFC 9110 says);
    raises a 400 problem for a value that is not a list of ETags."""
    if if_none_match is None:
        return False
    tags = _tags(if_none_match)
    return tags is None or _opaque(etag) in tags


def not_modified(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` matches ``etag`` (weak comparison, as RFC 9110 says)."""
    return matches_none(request.headers.get("if-none-match"), etag)


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names (None when absent or ``*``).

    A tag that is not one of our version tags can never match: 412, with nothing changed.
    """
    header = request.headers.get("if-match")
    if header is None:
        return None
    tags = _tags(header)
    if tags is None:
        return None
    versions = [int(m.group(1)) for tag in tags if (m := _VERSION.match(tag))]
    if len(versions) != 1 or len(tags) != 1:
        raise ProblemException(
            412, "precondition_failed", 'If-Match must name the one version you read, e.g. W/"v3"'
        )
    return versions[0]


@dataclass
class Representation:
    """A response body with its validators and caching headers."""

    body: bytes
    etag: str
    cache_control: str = PRIVATE
    media_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def headers_for(self) -> dict[str, str]:
        """The headers a 200 and a 304 of this representation both carry."""
        return {
            "ETag": self.etag,
            "Cache-Control": self.cache_control,
            "Vary": VARY,
            **self.headers,
        }


def respond(request: Request, representation: Representation, status: int = 200) -> Response:
    """200 with the body, or 304 when the client already holds this representation."""
    headers = representation.headers_for()
    if status == 200 and not_modified(request, representation.etag):
        return Response(status_code=304, headers=headers)
    return Response(
        representation.body,
        status_code=status,
        media_type=representation.media_type,
        headers=headers,
    )
