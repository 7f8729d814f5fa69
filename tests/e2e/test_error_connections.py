"""Issue 13, finding 5: after a 500 the connection stays usable (it used to be closed without
``Connection: close``, so the client's next request on it failed with a reset).

A real uvicorn server (in this process, on a free port) runs the app with one route that
fails; a raw socket sends two requests on one connection and reads both answers.
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
from tests.support.live_server import free_port


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[int]:
    app: FastAPI = create_app(Settings(data_dir=tmp_path / "data"))

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


def _two_requests(port: int) -> list[tuple[int, dict[str, str], bytes]]:
    post = json.dumps(
        {"chat_code": "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"}
    )
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(b"GET /boom HTTP/1.1\r\nHost: test\r\n\r\n")
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
