"""A real HTTP server on 127.0.0.1 that answers like dps.report's ``/getJson?permalink=...``.

It serves the logs it is given, by permalink: the bytes as they are, with the headers given
(``Content-Encoding: gzip`` for a compressed one); for others the ``fallback`` log if it has one,
else 404 with dps.report's error JSON.
It records the permalinks it was asked for.
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FakeDpsReport:
    """The stand-in server; use it in ``with`` (it listens until the block ends)."""

    def __init__(self, fallback: bytes | None = None) -> None:
        self.logs: dict[str, tuple[bytes, dict[str, str]]] = {}
        # A fuzzer sends permalinks nobody registered: each gets this instead of a 404.
        self.fallback = None if fallback is None else (fallback, {})
        self.asked: list[str] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                permalink = parse_qs(parts.query).get("permalink", [""])[0]
                owner.asked.append(permalink)
                found = (
                    owner.logs.get(permalink, owner.fallback) if parts.path == "/getJson" else None
                )
                body, headers = found or (b'{"error":"Permalink not found"}', {})
                self.send_response(200 if found else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                """Quiet: the tests assert on :attr:`FakeDpsReport.asked` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        """The base URL to set as ``GW2WVW_DPS_REPORT_URL``."""
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def add(self, permalink: str, body: bytes, **headers: str) -> None:
        """Serve ``body`` for ``permalink`` (headers as keyword arguments, ``_`` for ``-``)."""
        self.logs[permalink] = (body, {k.replace("_", "-"): v for k, v in headers.items()})

    def __enter__(self) -> FakeDpsReport:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
