"""A real HTTP server on 127.0.0.1 that answers like the official GW2 API v2, with scripted faults.

It serves ``/v2/build``, ``/v2/<endpoint>`` (the id list) and ``/v2/<endpoint>?ids=a,b`` (the
records: 200, 206 when some ids are unknown, 404 when all are) for the records it is given, and
records every request it sees. Tests script failures with :meth:`FakeGw2Api.add_fault` and
:meth:`FakeGw2Api.die_after`.

Given ``accounts`` (API key -> :class:`FakeAccount`), it also answers the authenticated
endpoints the account reader uses, with the ``Authorization: Bearer <key>`` header:
``/v2/tokeninfo``, ``/v2/account``, ``/v2/characters?ids=all``,
``/v2/characters/<name>/buildtabs?tabs=all`` and ``/v2/account/buildstorage?ids=all``. An unknown
key gets ``401 {"text":"Invalid access token"}``; a key without the endpoint's scope gets
``403 {"text":"requires scope <scope>"}``, as the official API answers.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote, urlsplit

Record = dict[str, Any]


@dataclass
class Fault:
    """What to do instead of a normal answer, for the next ``times`` matching requests.

    A fault matches a request when ``path`` (if set) equals its path and ``bulk`` (if set) says
    whether it carries ``ids=``. ``delay`` holds the answer back first; then the server hangs up
    (``hang_up``), answers ``status`` with ``body`` and ``headers``, or, with ``partial``, answers
    the records except the last requested id with 206.
    """

    times: int = 1
    path: str | None = None
    bulk: bool | None = None
    delay: float = 0.0
    hang_up: bool = False
    status: int | None = None
    body: str = '{"text":"injected fault"}'
    headers: Mapping[str, str] = field(default_factory=dict)
    partial: bool = False

    def matches(self, path: str, bulk: bool) -> bool:
        """Whether this fault applies to a request for ``path``."""
        return (
            self.times > 0
            and (self.path is None or self.path == path)
            and (self.bulk is None or self.bulk == bulk)
        )


@dataclass(frozen=True)
class SeenRequest:
    """One request the server received."""

    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    client_port: int

    @property
    def ids(self) -> list[str]:
        """The decoded ids of a bulk request (empty for others)."""
        raw = self.query.get("ids")
        return [unquote(i) for i in raw.split(",")] if raw else []


@dataclass
class FakeAccount:
    """What one API key may read: its ``/v2/tokeninfo``, ``/v2/account``, characters and builds.

    ``build_tabs`` maps a character name to its tabs; ``build_storage`` is the storage slots.
    """

    tokeninfo: Record
    account: Record
    characters: Sequence[Record] = ()
    build_tabs: Mapping[str, Sequence[Record]] = field(default_factory=dict)
    build_storage: Sequence[Record | None] = ()


# Each authenticated endpoint and the scope it needs (the wiki's API:2/<endpoint> pages).
_SCOPES = {
    "/v2/account": "account",
    "/v2/characters": "characters",
    "/v2/account/buildstorage": "builds",
}


class _Server(ThreadingHTTPServer):
    # server_close() would otherwise join every handler thread, including one blocked reading
    # a kept-alive connection that its client has not closed yet: stop() could wait forever.
    block_on_close = False
    api: FakeGw2Api

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Stay quiet: clients that give up on a slow answer break the pipe on purpose."""


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 keeps connections alive, so tests can see the client reuse them.
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without this, Nagle holds the body back ~40 ms.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Answer one API request, or the fault scripted for it."""
        api = self.server.api
        parts = urlsplit(self.path)
        # Split the raw query ourselves: "ids" must be split on literal commas before decoding,
        # or an id containing an encoded comma would be cut in two.
        query = dict(pair.partition("=")[::2] for pair in parts.query.split("&") if pair)
        seen = SeenRequest(
            parts.path,
            query,
            {k.lower(): v for k, v in self.headers.items()},
            self.client_address[1],
        )
        fault = api._enter(seen)
        try:
            if fault is not None and fault.delay:
                api._stopping.wait(fault.delay)
            if api._dead or (fault is not None and fault.hang_up):
                self.close_connection = True
                return
            if fault is not None and fault.status is not None:
                status, body, headers = fault.status, fault.body, dict(fault.headers)
            else:
                status, value = api._answer(seen, partial=fault is not None and fault.partial)
                body, headers = json.dumps(value), {}
        finally:
            # Leave before writing: once the client has the answer it may send the next request,
            # which must not be counted as overlapping with this one.
            api._leave()
        payload = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class FakeGw2Api:
    """The server: ``records`` maps an endpoint to its API records; ``url`` is its base URL."""

    def __init__(
        self,
        records: Mapping[str, Sequence[Record]] | None = None,
        *,
        build_id: int = 1,
        accounts: Mapping[str, FakeAccount] | None = None,
    ) -> None:
        records = records or {}
        self.accounts = dict(accounts or {})
        self.records = {e: {str(r["id"]): r for r in rs} for e, rs in records.items()}
        self.build_id = build_id
        self.requests: list[SeenRequest] = []
        self.faults: list[Fault] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._dead = False
        self._die_after: int | None = None
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.api = self
        # A short poll interval keeps stop() (which waits for the next poll) from slowing tests.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FakeGw2Api:
        """Start serving in a background thread."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket (idempotent)."""
        self._stopping.set()
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def add_fault(self, fault: Fault) -> Fault:
        """Script ``fault`` for the next matching requests (earlier faults are checked first)."""
        with self._lock:
            self.faults.append(fault)
        return fault

    def die_after(self, answered: int) -> None:
        """Answer ``answered`` more requests, then hang up on every request from then on."""
        with self._lock:
            self._die_after = len(self.requests) + answered

    def requests_to(self, path: str, *, bulk: bool | None = None) -> list[SeenRequest]:
        """The requests seen for ``path``, only bulk or only non-bulk ones if asked."""
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path == path and (bulk is None or bulk == ("ids" in r.query))
            ]

    def _enter(self, seen: SeenRequest) -> Fault | None:
        with self._lock:
            if self._die_after is not None and len(self.requests) >= self._die_after:
                self._dead = True
            self.requests.append(seen)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            for fault in self.faults:
                if fault.matches(seen.path, "ids" in seen.query):
                    fault.times -= 1
                    return fault
            return None

    def _leave(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _account_answer(self, seen: SeenRequest) -> tuple[int, Any]:
        """An authenticated endpoint's answer, errors as the official API words them."""
        key = seen.headers.get("authorization", "").removeprefix("Bearer ")
        account = self.accounts.get(key)
        if account is None:
            return 401, {"text": "Invalid access token"}
        if seen.path == "/v2/tokeninfo":
            return 200, account.tokeninfo
        parts = seen.path.split("/")
        endpoint = "/v2/characters" if seen.path.startswith("/v2/characters") else seen.path
        buildtabs = len(parts) == 5 and parts[4] == "buildtabs"
        for scope in (_SCOPES[endpoint], *(["builds"] if buildtabs else [])):
            if scope not in account.tokeninfo["permissions"]:
                return 403, {"text": f"requires scope {scope}"}
        if seen.path == "/v2/account":
            return 200, account.account
        if seen.path == "/v2/account/buildstorage":
            return 200, list(account.build_storage)
        if seen.path == "/v2/characters":
            return 200, list(account.characters)
        tabs = account.build_tabs.get(unquote(parts[3]))
        if tabs is None:
            return 404, {"text": "no such character"}
        return 200, list(tabs)

    def _answer(self, seen: SeenRequest, *, partial: bool) -> tuple[int, Any]:
        if seen.path == "/v2/build":
            return 200, {"id": self.build_id}
        if seen.path == "/v2/tokeninfo" or seen.path.startswith(("/v2/account", "/v2/characters")):
            return self._account_answer(seen)
        endpoint = seen.path.removeprefix("/v2/")
        if endpoint not in self.records:
            return 404, {"text": "not found"}
        known = self.records[endpoint]
        if "ids" not in seen.query:
            return 200, [r["id"] for r in known.values()]
        wanted = seen.ids[:-1] if partial else seen.ids
        found = [known[i] for i in wanted if i in known]
        if not found and not partial:
            return 404, {"text": "all ids provided are invalid"}
        return (200 if len(found) == len(seen.ids) else 206), found
