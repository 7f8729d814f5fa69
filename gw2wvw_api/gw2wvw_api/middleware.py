"""ASGI middleware of the API."""

from __future__ import annotations

import logging

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gw2wvw_api.problems import problem_response

log = logging.getLogger("gw2wvw_api.problems")


class OneVary:
    """Merge repeated ``Vary`` values: routes name what they vary on and compression adds
    ``Accept-Encoding`` again; one clean header is what caches expect."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through; tidy ``Vary`` on the way out."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def tidy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                values = headers.getlist("vary")
                if len(values) > 1 or (values and "," in values[0]):
                    seen: dict[str, str] = {}
                    for value in values:
                        for token in value.split(","):
                            name = token.strip()
                            if name:
                                seen.setdefault(name.lower(), name)
                    del headers["vary"]
                    headers["Vary"] = ", ".join(seen.values())
            await send(message)

        await self.app(scope, receive, tidy)


class HeadAsGet:
    """Answer ``HEAD`` as ``GET`` without the body (RFC 9110 asks every ``GET`` resource to take
    ``HEAD``; FastAPI routes only the methods they declare)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Route a ``HEAD`` as ``GET``; send its headers (``Content-Length`` included) only."""
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        # A copy: the server still knows the request was a HEAD and writes no body.
        await self.app({**scope, "method": "GET"}, receive, headers_only)


class Unexpected:
    """Answer an unhandled error with a 500 problem and keep the connection usable.

    Starlette's outermost middleware answers such an error and then raises it again, for the
    server to log; uvicorn then closes the connection without a ``Connection: close``, and a
    client's next request on it (maybe a POST) fails with a reset. Here the error is logged
    and answered, and goes no further. Only when part of a response was already sent is it
    raised: then closing the connection is the one way to end the response.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request through; answer 500 if it fails before the response starts."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            if started:
                _log(scope, error)
                raise
            await unexpected(scope, error)(scope, receive, send)


def _log(scope: Scope, error: Exception) -> None:
    log.error("unhandled error on %s %s", scope["method"], scope["path"], exc_info=error)


def unexpected(scope: Scope, error: Exception) -> Response:
    """The 500 problem answering ``error``, which nothing handled (logged with its traceback)."""
    _log(scope, error)
    return problem_response(Request(scope), 500, "internal_error", "an unexpected error occurred")
