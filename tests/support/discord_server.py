"""A stand-in for Discord's webhook endpoint: a real HTTP server on 127.0.0.1 that checks every
message limit the way Discord documents it, answers 400 like Discord for a violation, and 429
with ``retry_after`` when told to.

Its limits are written out here from Discord's documentation, not imported from the renderer,
so a test that passes here checks the renderer against Discord's rules, not against itself.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONTENT = 2000
EMBEDS = 10
FIELDS = 25
TITLE = 256
DESCRIPTION = 4096
FIELD_NAME = 256
FIELD_VALUE = 1024
FOOTER = 2048
AUTHOR = 256
TOTAL = 6000


def violations(payload: Any) -> list[str]:
    """Every Discord limit ``payload`` (an execute-webhook body) breaks; empty when it is valid."""
    if not isinstance(payload, dict):
        return ["the body is not a JSON object"]
    problems: list[str] = []
    content = payload.get("content") or ""
    embeds = payload.get("embeds") or []
    if not isinstance(content, str) or not isinstance(embeds, list):
        return ["content must be a string and embeds a list"]
    if not content and not embeds:
        problems.append("Cannot send an empty message")
    if len(content) > CONTENT:
        problems.append(f"content: {len(content)} > {CONTENT}")
    if len(embeds) > EMBEDS:
        problems.append(f"embeds: {len(embeds)} > {EMBEDS}")
    total = 0
    for i, embed in enumerate(embeds):
        where = f"embeds[{i}]"
        texts = {
            "title": (embed.get("title", ""), TITLE),
            "description": (embed.get("description", ""), DESCRIPTION),
            "footer.text": ((embed.get("footer") or {}).get("text", ""), FOOTER),
            "author.name": ((embed.get("author") or {}).get("name", ""), AUTHOR),
        }
        fields = embed.get("fields") or []
        if len(fields) > FIELDS:
            problems.append(f"{where}.fields: {len(fields)} > {FIELDS}")
        for j, field in enumerate(fields):
            texts[f"fields[{j}].name"] = (field.get("name", ""), FIELD_NAME)
            texts[f"fields[{j}].value"] = (field.get("value", ""), FIELD_VALUE)
            for part in ("name", "value"):
                if not str(field.get(part, "")).strip():
                    problems.append(f"{where}.fields[{j}].{part}: required")
        for name, (text, limit) in texts.items():
            if len(text) > limit:
                problems.append(f"{where}.{name}: {len(text)} > {limit}")
            total += len(text)
    if total > TOTAL:
        problems.append(f"embeds: {total} characters in all > {TOTAL}")
    return problems


@dataclass(frozen=True)
class RateLimit:
    """One scripted 429: ``retry_after`` seconds in the JSON body and the headers."""

    retry_after: float = 0.2
    scope: str = "user"


@dataclass(frozen=True)
class Accepted:
    """One message the stand-in accepted."""

    path: str
    payload: dict[str, Any]
    headers: dict[str, str]
    at: float


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    discord: DiscordStandIn


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if body is not None:
            self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.send_header("connection", "close")
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        stand_in = self.server.discord
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        headers = {k.lower(): v for k, v in self.headers.items()}
        stand_in._count(self.path, headers)
        path = self.path.split("?", 1)[0]
        if not path.startswith("/api/webhooks/") or len(path.split("/")) != 5:
            self._answer(404, {"code": 10015, "message": "Unknown Webhook"})
            return
        scripted = stand_in._next_answer()
        if scripted is not None:
            self._answer(scripted, {"code": 0, "message": f"scripted {scripted}"})
            return
        limited = stand_in._next_limit()
        if limited is not None:
            self._answer(
                429,
                {
                    "message": "You are being rate limited.",
                    "retry_after": limited.retry_after,
                    "global": limited.scope == "global",
                },
                {
                    "retry-after": str(max(1, round(limited.retry_after))),
                    "x-ratelimit-limit": "5",
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset-after": str(limited.retry_after),
                    "x-ratelimit-scope": limited.scope,
                },
            )
            return
        if not headers.get("content-type", "").startswith("application/json"):
            self._answer(400, {"code": 50109, "message": "The request body contains invalid JSON."})
            return
        try:
            payload = json.loads(body)
        except ValueError:
            self._answer(400, {"code": 50109, "message": "The request body contains invalid JSON."})
            return
        problems = violations(payload)
        if problems:
            stand_in._reject(problems)
            self._answer(400, {"code": 50035, "message": "Invalid Form Body", "errors": problems})
            return
        stand_in._accept(Accepted(path, payload, headers, time.monotonic()))
        limits = {"x-ratelimit-limit": "5", "x-ratelimit-remaining": "4"}
        if stand_in.spent_bucket:
            limits.update({"x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "0.05"})
        if "wait=true" in self.path:
            self._answer(200, {"id": str(len(stand_in.accepted())), **payload}, limits)
        else:
            self._answer(204, None, limits)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class DiscordStandIn:
    """Serves Discord's execute-webhook route on 127.0.0.1 in a thread.

    ``base`` is what ``GW2WVW_DISCORD_API_BASE`` points at; ``rate_limit`` scripts 429 answers
    for the next requests; ``accepted`` and ``rejected`` tell what it saw.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._limits: deque[RateLimit] = deque()
        self._after = 0
        self._answers: deque[int] = deque()
        self.spent_bucket = False
        """When set, every success says the bucket is spent for 0.05 s."""
        self._accepted: list[Accepted] = []
        self._rejected: list[list[str]] = []
        self.requests = 0
        self.request_headers: list[dict[str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.discord = self
        self.port = int(self._server.server_address[1])
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    def webhook_url(self, ident: str = "123456789012345678", token: str = "tok-en_1") -> str:
        """A Discord webhook URL of this stand-in (the path Discord uses)."""
        return f"{self.base}/api/webhooks/{ident}/{token}"

    def rate_limit(self, limits: Iterable[RateLimit], after: int = 0) -> None:
        """Answer requests with these 429s once ``after`` more have been served, then normally."""
        with self._lock:
            self._limits.extend(limits)
            self._after = after

    def answer(self, statuses: Iterable[int]) -> None:
        """Answer the next requests with these statuses (before any check), then normally."""
        with self._lock:
            self._answers.extend(statuses)

    def _next_answer(self) -> int | None:
        with self._lock:
            return self._answers.popleft() if self._answers else None

    def accepted(self) -> list[Accepted]:
        """The messages accepted so far, in order."""
        with self._lock:
            return list(self._accepted)

    def rejected(self) -> list[list[str]]:
        """The violations of every message answered 400."""
        with self._lock:
            return list(self._rejected)

    def _next_limit(self) -> RateLimit | None:
        with self._lock:
            if self._after > 0:
                self._after -= 1
                return None
            return self._limits.popleft() if self._limits else None

    def _count(self, path: str, headers: dict[str, str]) -> None:
        with self._lock:
            self.requests += 1
            self.request_headers.append(headers)

    def _accept(self, accepted: Accepted) -> None:
        with self._lock:
            self._accepted.append(accepted)

    def _reject(self, problems: list[str]) -> None:
        with self._lock:
            self._rejected.append(problems)

    def __enter__(self) -> DiscordStandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
