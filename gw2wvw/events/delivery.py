"""One delivery attempt over HTTP, and the building blocks a worker chains around it.

A worker (the in-process :class:`~gw2wvw.events.dispatcher.Dispatcher`, or an arq job) runs:
:func:`relay` (outbox -> deliveries), ``store.deliveries.claim_due`` / ``claim`` (reserve),
:func:`attempt` (one signed POST), :func:`decide` + ``store.deliveries.record`` (apply the
outcome); :func:`deliver` is attempt + decide + record.
"""

from __future__ import annotations

import asyncio
import codecs
import json
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx

from gw2wvw._version import __version__
from gw2wvw.events.errors import ForbiddenTarget
from gw2wvw.events.pools import PinnedPools
from gw2wvw.events.schedule import next_attempt_at, parse_retry_after
from gw2wvw.events.signing import signature_header
from gw2wvw.events.ssrf import Resolver, check_url
from gw2wvw.settings import WebhookSettings
from gw2wvw.store import Store
from gw2wvw.store.schemas import (
    AttemptRecord,
    AttemptVerdict,
    DeliveryTask,
    DueDelivery,
    EventRead,
    Recorded,
)
from gw2wvw.store.tables import utcnow

USER_AGENT = f"gw2wvw-webhooks/{__version__}"
"""The ``User-Agent`` of every delivery."""

_ERROR_LIMIT = 500
_RNG = random.Random()


def new_client(settings: WebhookSettings) -> httpx.AsyncClient:
    """An HTTP client fit for deliveries: no proxies from the environment, no redirects, and
    connections kept alive per checked address and host name (:class:`PinnedPools`).

    Proxies would defeat the SSRF pin (the proxy, not us, would choose where to connect).
    """
    return httpx.AsyncClient(
        trust_env=False,
        follow_redirects=False,
        timeout=settings.timeout,
        transport=PinnedPools(grace=settings.timeout + 1),
        headers={"user-agent": USER_AGENT},
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def event_body(event: EventRead) -> bytes:
    """The exact bytes sent for an event: ``{"type","timestamp","data"}``, compact JSON."""
    document = {"type": event.type, "timestamp": _iso(event.created_at), "data": event.payload}
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode()


def delivery_headers(task: DeliveryTask, timestamp: int, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers of one attempt (``webhook-id`` is the event's id)."""
    msg_id = str(task.event.id)
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(task.endpoint.secrets, msg_id, timestamp, body),
    }


@dataclass(frozen=True)
class AttemptResult:
    """How one attempt went: the verdict, what the receiver said, and how long it took."""

    verdict: AttemptVerdict
    started_at: datetime
    duration_ms: int
    response_code: int | None = None
    response_body: str | None = None
    error: str | None = None
    retry_after: timedelta | None = None
    """What the receiver's ``Retry-After`` asked for."""

    @property
    def finished_at(self) -> datetime:
        """When the attempt ended."""
        return self.started_at + timedelta(milliseconds=self.duration_ms)


def response_text(raw: bytes) -> str:
    """A response's first bytes as text for the delivery log."""
    # Not final: a character cut in two at the byte limit is dropped, not shown as garbage.
    # PostgreSQL text cannot hold NUL.
    text = codecs.getincrementaldecoder("utf-8")(errors="replace").decode(raw, final=False)
    return text.replace("\x00", "\ufffd")


def describe_error(error: BaseException) -> str:
    """A transport error in one line of the delivery log."""
    shown = str(error).strip()
    text = f"{type(error).__name__}: {shown}" if shown else type(error).__name__
    return text[:_ERROR_LIMIT]


async def read_some(response: httpx.Response, limit: int, deadline: float) -> bytes:
    """At most ``limit`` bytes of the body: a receiver cannot make us read (or wait) more."""
    data = bytearray()
    if limit <= 0:
        return b""
    try:
        async with asyncio.timeout_at(deadline):
            # Raw bytes: decoding a compressed body could expand a small read into a huge one.
            async for chunk in response.aiter_raw():
                data += chunk
                if len(data) >= limit:
                    break
    except (TimeoutError, httpx.HTTPError):
        pass  # the status line decides the verdict; a slow or broken body only cuts the log
    return bytes(data[:limit])


async def exchange(
    client: httpx.AsyncClient, request: httpx.Request, limit: int, deadline: float
) -> tuple[httpx.Response, bytes]:
    """Send ``request`` by ``deadline`` without following redirects, and read at most ``limit``
    bytes of the answer; raises ``TimeoutError`` or ``httpx.HTTPError`` when no answer came."""
    async with asyncio.timeout_at(deadline):
        response = await client.send(request, stream=True, follow_redirects=False)
    try:
        return response, await read_some(response, limit, deadline)
    finally:
        await response.aclose()


async def attempt(
    client: httpx.AsyncClient,
    task: DeliveryTask,
    settings: WebhookSettings,
    *,
    now: datetime | None = None,
    resolver: Resolver | None = None,
) -> AttemptResult:
    """POST the event of ``task`` to its endpoint once; never raises for the receiver's faults.

    The URL is checked again (its name may resolve elsewhere now) and the request goes to the
    checked address. 2xx is success, 410 is gone, anything else - a redirect too, which is
    not followed - is a failure, as are refused targets, connection errors and timeouts.
    """
    started = now or utcnow()
    clock = time.perf_counter()

    def result(
        verdict: AttemptVerdict,
        *,
        code: int | None = None,
        text: str | None = None,
        error: str | None = None,
        retry_after: timedelta | None = None,
    ) -> AttemptResult:
        elapsed = max(int((time.perf_counter() - clock) * 1000), 0)
        return AttemptResult(verdict, started, elapsed, code, text, error, retry_after)

    try:
        target = await check_url(task.endpoint.url, settings.allowed_networks, resolver=resolver)
    except ForbiddenTarget as error:
        return result("failed", error=f"{error.code}: {error.message}"[:_ERROR_LIMIT])
    body = event_body(task.event)
    headers = delivery_headers(task, int(started.timestamp()), body)
    headers["host"] = target.host_header
    headers["user-agent"] = USER_AGENT
    # Ask for an uncompressed answer: only its first bytes are read, as they come.
    headers["accept-encoding"] = "identity"
    request = client.build_request(
        "POST",
        target.pinned_url,
        content=body,
        headers=headers,
        timeout=settings.timeout,
        extensions=target.extensions,
    )
    deadline = asyncio.get_running_loop().time() + settings.timeout
    try:
        response, raw = await exchange(client, request, settings.response_body_limit, deadline)
    except (TimeoutError, httpx.TimeoutException):
        return result("failed", error=f"timed out after {settings.timeout:g} s")
    except httpx.HTTPError as error:
        return result("failed", error=describe_error(error))
    code = response.status_code
    text = response_text(raw)
    if 200 <= code < 300:
        return result("succeeded", code=code, text=text)
    if code == 410:
        return result("gone", code=code, text=text, error="HTTP 410 Gone")
    problem = f"HTTP {code}"
    if 300 <= code < 400:
        location = response.headers.get("location")
        problem += f": redirect to {location} not followed" if location else ": redirect"
    return result(
        "failed",
        code=code,
        text=text,
        error=problem[:_ERROR_LIMIT],
        retry_after=parse_retry_after(response.headers.get("retry-after"), started),
    )


def decide(
    task: DeliveryTask,
    result: AttemptResult,
    settings: WebhookSettings,
    rng: random.Random | None = None,
) -> AttemptRecord:
    """What to record for ``result``: a failure gets its retry time, or none once given up."""
    retry_at = None
    if result.verdict == "failed":
        retry_at = next_attempt_at(
            task.delivery.attempts + 1,
            result.finished_at,
            result.retry_after,
            rng or _RNG,
            settings,
        )
    return AttemptRecord(
        verdict=result.verdict,
        started_at=result.started_at,
        duration_ms=result.duration_ms,
        response_code=result.response_code,
        response_body=result.response_body,
        error=result.error,
        next_attempt_at=retry_at,
    )


async def deliver(
    store: Store,
    client: httpx.AsyncClient,
    task: DeliveryTask,
    settings: WebhookSettings,
    *,
    rng: random.Random | None = None,
    resolver: Resolver | None = None,
    now: datetime | None = None,
) -> Recorded:
    """Attempt a claimed delivery once and record the outcome (``Recorded.due``: the retry).

    A discord endpoint gets the event as Discord messages (:mod:`gw2wvw.events.discord`).
    """
    if task.endpoint.kind == "discord":
        # Imported here: the Discord attempt builds on this module's pieces.
        from gw2wvw.events import discord

        messages = await discord.event_messages(store, task.event)
        result = await discord.attempt(client, task, messages, settings, now=now, resolver=resolver)
    else:
        result = await attempt(client, task, settings, now=now, resolver=resolver)
    record = decide(task, result, settings, rng)
    return await store.deliveries.record(task, record, now=result.finished_at, settings=settings)


async def relay(
    store: Store, settings: WebhookSettings, *, rounds: int | None = None
) -> list[DueDelivery]:
    """Relay the outbox in batches until it is drained (or ``rounds`` batches); new deliveries."""
    created: list[DueDelivery] = []
    done = 0
    while rounds is None or done < rounds:
        relayed = await store.deliveries.relay_pending(settings.batch_size)
        created.extend(relayed.deliveries)
        done += 1
        if relayed.events < settings.batch_size:
            break
    return created
