"""Discord deliveries: an event as Discord webhook messages, sent in order, honouring 429s.

A composition event (``composition.created`` / ``composition.updated``) becomes the
composition's post (:func:`gw2wvw.squad.post.discord_messages`) as its owner sees it when the
attempt runs; every other event (a deleted composition, an imported fight, builds, tests) is one
short message. Nothing is signed: Discord authenticates the sender by the token in the URL.

A post of several messages goes out message by message in one attempt. A 429 names how long to
wait (``retry_after`` in the JSON body, ``Retry-After``, ``X-RateLimit-Reset-After``): a wait
of at most ``discord_wait_cap`` seconds is slept through and the same message sent again;
a longer one ends the attempt, and the retry is scheduled no sooner than Discord asked. A spent
bucket (``X-RateLimit-Remaining: 0``) is waited out the same way before the next message. An
attempt that ends part way records ``(messages 1-K of N delivered)`` in the delivery's error,
and the next attempt of that delivery starts at message K + 1, so delivered messages are not
sent twice. (A manual redelivery starts again at the first message.) Discord's 404 (unknown
webhook: deleted in Discord) counts as gone, like a 410.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx

from gw2wvw.events.delivery import (
    USER_AGENT,
    AttemptResult,
    describe_error,
    exchange,
    response_text,
)
from gw2wvw.events.errors import ForbiddenTarget
from gw2wvw.events.ssrf import Resolver, check_url
from gw2wvw.settings import WebhookSettings
from gw2wvw.squad.post import DISCORD_LIMITS, discord_messages, escape_markdown, shorten
from gw2wvw.store import Actor, NotFound, Store
from gw2wvw.store.schemas import AttemptVerdict, DeliveryTask, EventRead
from gw2wvw.store.tables import utcnow

_PROGRESS = re.compile(r"\(messages 1-(\d+) of (\d+) delivered\)")
_POSTED = ("composition.created", "composition.updated")
_ERROR_LIMIT = 500
_MOST_429 = 5
"""429 answers slept through in one attempt, however short their waits."""


def _subject(payload: dict[str, Any]) -> str:
    """What an event's payload names: a fight by its map, length and start; else its name."""
    if "duration_s" in payload and "map" in payload:
        parts = [str(payload["map"] or "a fight")]
        if isinstance(payload["duration_s"], int | float):
            parts.append(f"{payload['duration_s']:.0f} s")
        if payload.get("started_at"):
            parts.append(f"started {payload['started_at']}")
        return ", ".join(parts)
    return str(payload.get("name") or payload.get("message") or payload.get("id") or "")


def short_message(event: EventRead) -> dict[str, Any]:
    """One message telling what happened: the event type and what it names."""
    subject = _subject(event.payload)
    text = f"`{event.type}`" + (f": {escape_markdown(subject)}" if subject else "")
    return {"content": shorten(text, DISCORD_LIMITS.content), "allowed_mentions": {"parse": []}}


async def event_messages(store: Store, event: EventRead) -> list[dict[str, Any]]:
    """The Discord messages of ``event``, in the order they are sent."""
    if event.type in _POSTED and event.owner_id is not None:
        try:
            ident = uuid.UUID(str(event.payload["id"]))
            post = await store.compositions.post(Actor(user_id=event.owner_id), ident)
        except (KeyError, ValueError, NotFound):
            pass  # deleted since (or not a composition's payload): say what happened instead
        else:
            return discord_messages(post)
    return [short_message(event)]


def delivered_before(task: DeliveryTask, total: int) -> int:
    """How many messages earlier attempts of this delivery run delivered (0: start over)."""
    found = _PROGRESS.search(task.delivery.error or "")
    if task.delivery.attempts == 0 or found is None or int(found[2]) != total:
        return 0
    return min(int(found[1]), total)


def rate_limit_wait(response: httpx.Response, body: bytes) -> float | None:
    """Seconds a 429 (or a spent bucket) asks to wait, from the body or the headers."""
    try:
        document = json.loads(body)
        wait = document.get("retry_after") if isinstance(document, dict) else None
        if isinstance(wait, int | float) and not isinstance(wait, bool) and wait >= 0:
            return float(wait)
    except ValueError:
        pass
    for header in ("retry-after", "x-ratelimit-reset-after"):
        try:
            return max(float(response.headers[header]), 0.0)
        except (KeyError, ValueError):
            continue
    return None


def _spent_bucket(response: httpx.Response) -> float | None:
    if response.headers.get("x-ratelimit-remaining") != "0":
        return None
    try:
        return max(float(response.headers["x-ratelimit-reset-after"]), 0.0)
    except (KeyError, ValueError):
        return None


async def attempt(
    client: httpx.AsyncClient,
    task: DeliveryTask,
    messages: list[dict[str, Any]],
    settings: WebhookSettings,
    *,
    now: datetime | None = None,
    resolver: Resolver | None = None,
) -> AttemptResult:
    """Send ``messages`` (from the first one not yet delivered) to a Discord endpoint, in order.

    Never raises for Discord's faults: the result's verdict and error say what happened.
    """
    started = now or utcnow()
    clock = time.perf_counter()
    total = len(messages)
    delivered = first = delivered_before(task, total)

    def result(
        verdict: AttemptVerdict,
        *,
        code: int | None = None,
        text: str | None = None,
        error: str | None = None,
        retry_after: timedelta | None = None,
    ) -> AttemptResult:
        elapsed = max(int((time.perf_counter() - clock) * 1000), 0)
        if error is not None and verdict == "failed" and delivered:
            error = f"{error[: _ERROR_LIMIT - 60]} (messages 1-{delivered} of {total} delivered)"
        return AttemptResult(verdict, started, elapsed, code, text, error, retry_after)

    try:
        target = await check_url(task.endpoint.url, settings.allowed_networks, resolver=resolver)
    except ForbiddenTarget as error:
        return result("failed", error=f"{error.code}: {error.message}"[:_ERROR_LIMIT])
    loop = asyncio.get_running_loop()
    # Every message and every wait fits in one attempt, so the claim outlives it.
    deadline = loop.time() + settings.timeout + settings.discord_wait_cap
    waited = 0.0
    limited = 0
    code: int | None = None
    text = ""
    index = first
    while index < total:
        body = json.dumps(messages[index], separators=(",", ":"), ensure_ascii=False).encode()
        request = client.build_request(
            "POST",
            target.pinned_url,
            content=body,
            headers={
                "host": target.host_header,
                "user-agent": USER_AGENT,
                "content-type": "application/json",
                "accept-encoding": "identity",
            },
            timeout=settings.timeout,
            extensions=target.extensions,
        )
        try:
            response, raw = await exchange(client, request, settings.response_body_limit, deadline)
        except (TimeoutError, httpx.TimeoutException):
            return result("failed", error=f"timed out at message {index + 1} of {total}")
        except httpx.HTTPError as error:
            return result("failed", error=describe_error(error))
        code, text = response.status_code, response_text(raw)
        wait: float | None
        if 200 <= code < 300:
            delivered = index = index + 1
            wait = _spent_bucket(response) if index < total else None
        elif code == 429:
            wait = rate_limit_wait(response, raw)
            limited += 1
            if wait is None or waited + wait > settings.discord_wait_cap or limited > _MOST_429:
                later = timedelta(seconds=wait) if wait is not None else None
                where = f"HTTP 429 at message {index + 1} of {total}"
                return result("failed", code=code, text=text, error=where, retry_after=later)
        elif code in (404, 410):
            return result("gone", code=code, text=text, error=f"HTTP {code}: webhook is gone")
        else:
            where = f"HTTP {code} at message {index + 1} of {total}"
            return result("failed", code=code, text=text, error=where)
        if wait:
            wait = min(wait, max(settings.discord_wait_cap - waited, 0.0))
            waited += wait
            await asyncio.sleep(wait)
    shown = f"{total - first} of {total} messages delivered"
    return result("succeeded", code=code, text=(text or shown)[: settings.response_body_limit])
