"""Issue 13, finding 5: after a 500 the connection stays usable (it used to be closed without
``Connection: close``, so the client's next request on it failed with a reset).

A real uvicorn server (in this process, on a free port) runs the app with one route that
fails; a raw socket sends two requests on one connection and reads both answers. The same holds
for requests the fast path (issue 14) takes before any middleware runs.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from gw2wvw_api.app import create_app

from gw2wvw.settings import Settings
from gw2wvw.store import StoreUnavailable
from tests.support.live_server import free_port


@pytest.fixture
async def app(tmp_path: Path) -> FastAPI:
    return create_app(Settings(data_dir=tmp_path / "data"))


@pytest.fixture
async def server(app: FastAPI) -> AsyncIterator[int]:

    @app.get("/boom", include_in_schema=False)
    async def boom() -> None:
        raise RuntimeError("a bug")

    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="critical", lifespan="on")
    running = uvicorn.Server(config)
    task = asyncio.create_task(running.serve())
    while not running.started:
        await asyncio.sleep(0.05)
        assert not task.done(), "the server did not start"
    yield port
    running.should_exit = True
    await task


def _read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError(f"closed after {data!r}")
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    status = int(lines[0].split()[1])
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed in the body")
        body += chunk
    return status, headers, body


def _two_requests(
    port: int, first_request: bytes = b"GET /boom HTTP/1.1\r\nHost: test\r\n\r\n"
) -> list[tuple[int, dict[str, str], bytes]]:
    post = json.dumps(
        {"chat_code": "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"}
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(first_request)
        first = _read_response(sock)
        sock.sendall(
            b"POST /v1/tools/decode HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
            + f"Content-Length: {len(post)}\r\n\r\n{post}".encode()
        )
        return [first, _read_response(sock)]


async def test_a_500_keeps_the_connection_open_for_the_next_request(server: int) -> None:
    (status, headers, body), (after, _, decoded) = await asyncio.to_thread(_two_requests, server)
    assert status == 500
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["code"] == "internal_error"
    assert headers.get("connection", "").lower() != "close"
    # The next request on the same connection (a POST) is answered.
    assert after == 200
    assert json.loads(decoded)["profession"] == "Guardian"


_LISTING = b"GET /v1/builds HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer gw2wvw_x\r\n\r\n"
"""A listing with a token: the fast path looks the token up before it looks at the cache."""


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        # An error the routes map (the database is down): the route's 503, as without the
        # fast path.
        (StoreUnavailable("connection refused"), 503, "service_unavailable"),
        # A bug: the 500 of any other unexpected error.
        (RuntimeError("a bug on the fast path"), 500, "internal_error"),
    ],
)
async def test_an_error_on_the_fast_path_is_answered_and_keeps_the_connection(
    app: FastAPI,
    server: int,
    monkeypatch: pytest.MonkeyPatch,
    error: Exception,
    status: int,
    code: str,
) -> None:
    async def failing(token: str) -> None:
        raise error

    monkeypatch.setattr(app.state.services.tokens, "authenticate", failing)
    answers = await asyncio.to_thread(_two_requests, server, _LISTING)
    (first, headers, body), (after, _, decoded) = answers
    assert (first, json.loads(body)["code"]) == (status, code)
    assert headers["content-type"] == "application/problem+json"
    assert headers.get("connection", "").lower() != "close"
    assert after == 200
    assert json.loads(decoded)["profession"] == "Guardian"
