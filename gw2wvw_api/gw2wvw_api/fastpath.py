"""The fast path: the hottest requests answered before FastAPI runs.

A cached build or composition (one resource or a listing, from the response cache), a game-data
document already prepared and the liveness probe are answered here, with the headers and
semantics their routes give them: ``ETag``, ``Cache-Control``, ``Vary``, 304 for a matching
``If-None-Match``, ``HEAD``, gzip, and the visibility check of every cached resource. So is
``POST /v1/tools/decode`` with a valid JSON body and chat code, through the route's own
functions. Anything else goes on to the framework untouched: other routes, a cache miss, an item
the caller may not see (the route answers its 404), a token that is not valid (its 401), a
token without the ``read`` scope on a read (its 403), a header or a body the route must reject,
``Cache-Control: no-cache``. A body read here is handed on as it came. Any other error raised
here (the database down while a token is looked up) is answered by ``app.Api`` as a route's
error would be, before anything was sent.

Measured with wrk against a bare FastAPI app: FastAPI's routing, dependency solving and
middleware cost more per request than answering a cached build does (see benchmarks/api.py).
"""

from __future__ import annotations

import gzip
import logging
import uuid
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pydantic import ValidationError

from gw2wvw.builds.view import describe
from gw2wvw.store import Actor
from gw2wvw_api.auth import authenticate, require_scope
from gw2wvw_api.caching import Entry, list_key
from gw2wvw_api.http import VARY, fresh_wanted, matches_none
from gw2wvw_api.problems import ProblemException
from gw2wvw_api.routes.tools import DecodeRequest, decode_body

if TYPE_CHECKING:
    from starlette.types import Message, Receive, Scope, Send

    from gw2wvw_api.http import Representation
    from gw2wvw_api.routes.gamedata import Catalog
    from gw2wvw_api.services import Services

log = logging.getLogger(__name__)

GZIP_MINIMUM = 500
"""Bodies from this size are compressed when the client accepts gzip (as the app's middleware)."""

_RESOURCES = {"/v1/builds": "build", "/v1/compositions": "composition"}
_DOCUMENTS = {
    "/v1/roles": "roles",
    "/v1/gamedata": "snapshot",
    "/v1/gamedata/professions": "professions",
}
_HEALTH = b'{"status":"ok"}'
_DECODE = "/v1/tools/decode"
_BODY_LIMIT = 4096
"""The largest body the fast path reads (a decode request is a chat code of 200 characters)."""
_JSON = b"application/json"
_VARY = VARY.encode()


@dataclass(frozen=True, slots=True)
class _Request:
    """What the fast path reads of a request: its method, path, query and four headers."""

    method: str
    head: bool
    path: str
    query: bytes
    authorization: str | None
    if_none_match: str | None
    cache_control: str | None
    gzip: bool
    json: bool
    """Whether the body is declared ``application/json``."""


@dataclass(frozen=True, slots=True)
class _Answer:
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes


def _read(scope: Scope) -> _Request | None:
    method = scope["method"]
    if method != "GET" and method != "HEAD" and method != "POST":
        return None
    authorization = if_none_match = cache_control = None
    accept = content_type = b""
    # The first of repeated headers counts, as in Starlette's ``Headers.get``.
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = authorization if authorization is not None else value.decode("latin-1")
        elif name == b"if-none-match":
            if_none_match = if_none_match if if_none_match is not None else value.decode("latin-1")
        elif name == b"cache-control":
            cache_control = cache_control if cache_control is not None else value.decode("latin-1")
        elif name == b"accept-encoding" and not accept:
            accept = value
        elif name == b"content-type" and not content_type:
            content_type = value
    return _Request(
        method=method,
        head=method == "HEAD",
        path=scope["path"],
        query=scope["query_string"],
        authorization=authorization,
        if_none_match=if_none_match,
        cache_control=cache_control,
        gzip=b"gzip" in accept,
        json=content_type.strip().lower() == _JSON,
    )


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body (None past ``_BODY_LIMIT`` or on a disconnect) and the messages read."""
    messages: list[Message] = []
    size = 0
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages
        size += len(message.get("body", b""))
        if size > _BODY_LIMIT:
            return None, messages
        if not message.get("more_body", False):
            return b"".join(m.get("body", b"") for m in messages), messages


def _replaying(messages: list[Message], receive: Receive) -> Receive:
    """A ``receive`` that hands the framework the messages read already, then the rest."""
    pending = list(messages)

    async def replay() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replay


class FastPath:
    """Answers what it can of ``services``' cached responses; says False for the rest."""

    def __init__(self, compressed_entries: int = 256) -> None:
        self._compressed: OrderedDict[bytes, bytes] = OrderedDict()
        self._compressed_entries = compressed_entries

    async def answer(
        self, scope: Scope, receive: Receive, send: Send, services: Services, state: object
    ) -> Receive | None:
        """Answer the request of ``scope`` if it is one of the fast ones (None), or hand it on:
        the ``receive`` the framework must read the request's body from."""
        request = _read(scope)
        if request is None:
            return receive
        if request.method == "POST":
            if request.path != _DECODE:
                return receive
            body, messages = await _read_body(receive)
            receive = _replaying(messages, receive)
            if body is None or not request.json:
                return receive
            try:
                answer = await self._decode(request, services, body)
            except ProblemException:
                return receive
        else:
            try:
                answer = await self._answer(request, services, state)
            except ProblemException:
                # The route answers it, with the problem it raises there.
                return receive
        if answer is None:
            return receive
        start = {"type": "http.response.start", "status": answer.status, "headers": answer.headers}
        await send(start)
        await send({"type": "http.response.body", "body": answer.body})
        return None

    async def _decode(self, request: _Request, services: Services, body: bytes) -> _Answer | None:
        """``POST /v1/tools/decode`` as the route answers it, when the request is valid."""
        await self._actor(request, services)
        try:
            parsed = DecodeRequest.model_validate_json(body)
        except ValidationError:
            return None
        data = services.store.data
        answer = describe(decode_body(parsed.chat_code, data), data).model_dump_json().encode()
        return self._ok(request, answer, [(b"content-type", _JSON)])

    async def _answer(self, request: _Request, services: Services, state: object) -> _Answer | None:
        path = request.path
        if path == "/healthz":
            return self._ok(request, _HEALTH, [(b"content-type", _JSON)])
        if request.cache_control is not None and fresh_wanted(request.cache_control):
            return None
        kind = _RESOURCES.get(path)
        if kind is not None:
            return await self._listing(request, services, kind)
        prefix, _, ident = path.rpartition("/")
        kind = _RESOURCES.get(prefix)
        if kind is not None:
            return await self._detail(request, services, kind, ident)
        name = _DOCUMENTS.get(path)
        if name is not None and not request.query:
            return self._document(request, services, state, name)
        return None

    async def _detail(
        self, request: _Request, services: Services, kind: str, text: str
    ) -> _Answer | None:
        if request.query or len(text) != 36:
            return None
        try:
            ident = uuid.UUID(text)
        except ValueError:
            return None
        key = f"{kind}:{ident}"
        entry = await services.responses.cached(key, [key])
        if entry is None:
            return None
        actor = await self._reader(request, services)
        if not entry.visible_to(actor):
            return None
        return self._represent(request, entry, [])

    async def _listing(self, request: _Request, services: Services, kind: str) -> _Answer | None:
        try:
            query = request.query.decode()
        except UnicodeDecodeError:
            return None
        if "#" in query:
            return None
        actor = await self._reader(request, services)
        entry = await services.responses.cached(list_key(kind, actor, query), [f"{kind}s"])
        if entry is None:
            return None
        extra = [(b"link", entry.link.encode("latin-1"))] if entry.link else []
        return self._represent(request, entry, extra)

    def _document(
        self, request: _Request, services: Services, state: object, name: str
    ) -> _Answer | None:
        catalog: Catalog | None = getattr(state, "gamedata_catalog", None)
        store = services.store
        if catalog is None or catalog.data is not store.data or catalog.roles is not store.roles:
            return None
        document = catalog.prepared(name)
        if document is None:
            return None
        return self._conditional(request, document.body, _headers_of(document), document.etag)

    @staticmethod
    async def _actor(request: _Request, services: Services) -> Actor:
        return await authenticate(services, request.authorization)

    @classmethod
    async def _reader(cls, request: _Request, services: Services) -> Actor:
        """The caller of a read, as ``auth.current_caller`` admits it: anonymous, or a token
        with the ``read`` scope (a token without it raises the route's 403, handed on)."""
        return require_scope(await cls._actor(request, services), "read")

    def _represent(
        self, request: _Request, entry: Entry, extra: list[tuple[bytes, bytes]]
    ) -> _Answer:
        headers = [
            (b"etag", entry.etag.encode("latin-1")),
            (b"cache-control", b"private, no-cache"),
            (b"vary", _VARY),
            *extra,
        ]
        return self._conditional(request, entry.body, headers, entry.etag)

    def _conditional(
        self, request: _Request, body: bytes, headers: list[tuple[bytes, bytes]], etag: str
    ) -> _Answer:
        if matches_none(request.if_none_match, etag):
            return _Answer(304, headers, b"")
        return self._ok(request, body, [*headers, (b"content-type", _JSON)])

    def _ok(self, request: _Request, body: bytes, headers: list[tuple[bytes, bytes]]) -> _Answer:
        if len(body) >= GZIP_MINIMUM:
            if not any(name == b"vary" for name, _ in headers):
                # What the compression middleware adds to every body it could compress.
                headers = [*headers, (b"vary", b"Accept-Encoding")]
            if request.gzip:
                body = self._gzip(body)
                headers = [*headers, (b"content-encoding", b"gzip")]
        headers.append((b"content-length", str(len(body)).encode()))
        return _Answer(200, headers, b"" if request.head else body)

    def _gzip(self, body: bytes) -> bytes:
        """``body`` compressed; the latest bodies' compressed forms are kept for their next use."""
        found = self._compressed.get(body)
        if found is not None:
            self._compressed.move_to_end(body)
            return found
        found = self._compressed[body] = gzip.compress(body, compresslevel=9, mtime=0)
        while len(self._compressed) > self._compressed_entries:
            self._compressed.popitem(last=False)
        return found


def _headers_of(representation: Representation) -> list[tuple[bytes, bytes]]:
    return [
        (name.lower().encode("latin-1"), value.encode("latin-1"))
        for name, value in representation.headers_for().items()
    ]
