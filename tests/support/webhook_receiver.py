"""A real HTTP(S) server on 127.0.0.1 that records webhook requests and answers as scripted."""

from __future__ import annotations

import asyncio
import ssl
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One scripted answer."""

    status: int = 200
    body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds before answering at all."""
    body_delay: float = 0.0
    """Seconds between the headers and the body."""


@dataclass(frozen=True)
class Received:
    """One request as the receiver saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    receiver: WebhookReceiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout tests) leaves a broken pipe behind: expected.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        receiver = self.server.receiver
        reply = receiver._next(self.path)
        receiver._record(
            Received(
                "POST",
                self.path,
                {k.lower(): v for k, v in self.headers.items()},
                body,
                time.monotonic(),
            )
        )
        if reply.delay:
            time.sleep(reply.delay)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("content-length", str(len(reply.body)))
        self.send_header("connection", "close")
        self.end_headers()
        if reply.body_delay:
            self.wfile.flush()
            time.sleep(reply.body_delay)
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class WebhookReceiver:
    """Serves POSTs on 127.0.0.1 in a thread; ``script`` sets the answers per path."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, deque[Reply]] = {}
        self.requests: list[Received] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.receiver = self
        if tls is not None:
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self.port = int(self._server.server_address[1])
        self.scheme = "https" if tls is not None else "http"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        """The URL of ``path`` on this receiver."""
        return f"{self.scheme}://{host}:{self.port}{path}"

    def script(self, path: str, replies: Iterable[Reply]) -> None:
        """Answer the next requests to ``path`` with ``replies``, then with 200."""
        with self._lock:
            self._scripts.setdefault(path, deque()).extend(replies)

    def received(self, path: str | None = None) -> list[Received]:
        """The requests so far (to ``path``)."""
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def _next(self, path: str) -> Reply:
        with self._lock:
            queue = self._scripts.get(path)
            return queue.popleft() if queue else Reply()

    def _record(self, request: Received) -> None:
        with self._lock:
            self.requests.append(request)

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


async def eventually(check: Callable[[], Any], within: float = 10.0) -> Any:
    """Await until ``check()`` (sync or async) is truthy; returns its value or fails."""
    deadline = time.monotonic() + within
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {within} s")
        await asyncio.sleep(0.02)


def self_signed(directory: Path, name: str) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    """A server TLS context with a certificate for ``name``, and a client one trusting it."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            f"/CN={name}",
            "-addext",
            f"subjectAltName=DNS:{name}",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))
    return server, client
