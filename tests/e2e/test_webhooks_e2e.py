"""Webhooks end to end with real processes, while they are killed and Redis loses its data.

The issue's acceptance test. A receiver on 127.0.0.1 verifies every signature with
``standardwebhooks``, answers 500 to a fifth of first attempts and 410 on one endpoint. 500
writes (builds and compositions created, changed and deleted by concurrent clients) go through
the HTTP API while things break:

- ``workers``: the API, two ``gw2wvw worker`` processes, PostgreSQL and a private Redis; one
  worker is killed with SIGKILL twice (and started again), Redis is restarted once, empty;
- ``embedded``: the API alone on SQLite (no Redis, no worker: it delivers itself); the API
  process is killed with SIGKILL twice and started again.

Then every event of the outbox must reach every enabled endpoint subscribed to it, with a
valid signature; duplicates may happen (an attempt whose outcome died with its process is sent
again) and must carry the same ``webhook-id`` and body; the 410 endpoint is disabled and gets
nothing more; and no delivery is left pending.
"""

from __future__ import annotations

import asyncio
import hashlib
import signal
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from contextlib import suppress
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gw2wvw.store import Store, open_store
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
PASSWORD = "correct horse battery"
WRITES = 500
CLIENTS = 4
DEADLINE = 45.0
"""Seconds the deliveries may take to settle once the writes are done."""

HOOK_ENV = {
    "GW2WVW_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    "GW2WVW_WEBHOOK_RETRY_SCHEDULE": "0.2,0.5,1,2",
    "GW2WVW_WEBHOOK_TIMEOUT": "2",
    # A claim held by a killed process lapses after timeout + margin: 3 s.
    "GW2WVW_WEBHOOK_LEASE_MARGIN": "1",
    "GW2WVW_WEBHOOK_POLL_INTERVAL": "0.2",
    "GW2WVW_WORKER_RELAY_INTERVAL": "0.1",
    "GW2WVW_WORKER_SWEEP_INTERVAL": "1",
}

# Endpoint paths: alice has four, bob one.
BUILDS, SQUADS, ALL, GONE, OTHER = "/builds", "/squads", "/all", "/gone", "/other"


@dataclass
class Hit:
    """One request the receiver got."""

    path: str
    msg_id: str
    body: bytes
    status: int
    at: float


@dataclass
class Receiver:
    """Verifies signatures; 500 to a fifth of first attempts, 410 on ``/gone``, else 204."""

    secrets: dict[str, str] = field(default_factory=dict)
    hits: list[Hit] = field(default_factory=list)
    bad: list[str] = field(default_factory=list)
    aborted: int = 0
    _seen: set[tuple[str, str]] = field(default_factory=set)

    def answer(self, path: str, headers: dict[str, str], body: bytes) -> int:
        msg_id = headers.get("webhook-id", "")
        try:
            Webhook(self.secrets[path]).verify(body, headers)
        except (KeyError, WebhookVerificationError) as error:
            self.bad.append(f"{path} {msg_id}: {error!r}")
            return 400
        first = (path, msg_id) not in self._seen
        self._seen.add((path, msg_id))
        if path == GONE:
            status = 410
        elif first and hashlib.sha256(f"{path}{msg_id}".encode()).digest()[0] % 5 == 0:
            status = 500
        else:
            status = 204
        self.hits.append(Hit(path, msg_id, body, status, time.monotonic()))
        return status

    def delivered(self) -> set[tuple[str, str]]:
        """(event id, path) pairs answered with success."""
        return {(h.msg_id, h.path) for h in self.hits if h.status == 204}


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, int]]:
    """The receiver on 127.0.0.1, served by this test's event loop.

    No thread per request (as ``ThreadingHTTPServer`` would start): thousands of short-lived
    threads, each traced by coverage's greenlet support, leave the process a backlog of
    greenlet thread states to destroy that stalls later tests for many minutes.
    """
    state = Receiver()

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
            path = head[0].split(" ")[1]
            headers = {}
            for line in head[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
        except (asyncio.IncompleteReadError, ConnectionError):
            # The sender died mid-request (SIGKILL): no delivery, nobody to answer.
            state.aborted += 1
            writer.close()
            return
        status = state.answer(path, headers, body)
        phrase = HTTPStatus(status).phrase
        writer.write(
            f"HTTP/1.1 {status} {phrase}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".encode()
        )
        with suppress(ConnectionError):
            await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield state, int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        await server.wait_closed()


def gw2wvw_command() -> list[str]:
    """The ``gw2wvw`` console script of this environment."""
    script = Path(sys.executable).with_name("gw2wvw")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from gw2wvw.cli import main; main()"]


def kill(process: LiveServer) -> None:
    """SIGKILL: no shutdown, no cleanup, whatever it was doing."""
    assert process.process is not None
    process.process.kill()
    process.process.wait(10)
    process.process = None


def terminate(process: LiveServer) -> int | None:
    """SIGTERM, then the exit code (None if it did not exit within 15 s)."""
    assert process.process is not None
    process.process.terminate()
    try:
        return process.process.wait(15)
    except subprocess.TimeoutExpired:
        return None


@dataclass
class Writer:
    """Concurrent clients writing through the API until ``WRITES`` writes have succeeded."""

    api: LiveServer
    done: int = 0
    failed_requests: int = 0
    milestones: dict[int, asyncio.Event] = field(default_factory=dict)

    def reached(self, count: int) -> asyncio.Event:
        """An event set once ``count`` writes have succeeded."""
        return self.milestones.setdefault(count, asyncio.Event())

    async def request(
        self, client: httpx.AsyncClient, method: str, path: str, **kwargs: Any
    ) -> httpx.Response | None:
        """Send until the API answers (it may be restarting); None once enough were written."""
        while self.done < WRITES:
            try:
                response = await client.request(method, self.api.url + path, **kwargs)
            except httpx.TransportError:
                response = None
            if response is not None and response.status_code < 500:
                if response.is_success:
                    self.done += 1
                    for count, reached in self.milestones.items():
                        if self.done >= count:
                            reached.set()
                return response
            self.failed_requests += 1
            await asyncio.sleep(0.1)
        return None

    async def client(self, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        squad = {"name": "s", "parties": [{"members": [{"archetype": "firebrand-stab"}]}]}
        async with httpx.AsyncClient(headers=headers, timeout=30) as client:
            while self.done < WRITES:
                build = await self.request(
                    client, "POST", "/v1/builds", json={"name": "fb", "chat_code": FIREBRAND}
                )
                made = await self.request(client, "POST", "/v1/compositions", json=squad)
                for response, kind in ((build, "builds"), (made, "compositions")):
                    if response is None or response.status_code != 201:
                        continue
                    where = f"/v1/{kind}/{response.json()['id']}"
                    await self.request(client, "PATCH", where, json={"name": "renamed"})
                    if kind == "compositions":
                        await self.request(client, "DELETE", where)
                if build is not None and build.status_code == 201:
                    await self.request(client, "DELETE", f"/v1/builds/{build.json()['id']}")


async def sign_up(client: httpx.AsyncClient, name: str) -> str:
    response = await client.post("/v1/users", json={"name": name, "password": PASSWORD})
    assert response.status_code == 201, response.text
    token: str = response.json()["token"]["token"]
    return token


async def register(client: httpx.AsyncClient, token: str, url: str, *types: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/webhooks",
        headers={"Authorization": f"Bearer {token}"},
        json={"url": url, "event_types": list(types)},
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def outbox(store: Store) -> list[Any]:
    async with store.transaction(write=False) as tx:
        return list(await tx.session.execute(text("SELECT id, type, owner_id FROM outbox")))


async def pending_deliveries(store: Store) -> int:
    async with store.transaction(write=False) as tx:
        count = await tx.session.scalar(
            text(
                "SELECT count(*) FROM webhook_deliveries d JOIN webhook_endpoints e"
                " ON e.id = d.endpoint_id WHERE e.enabled AND d.status <> 'succeeded'"
            )
        )
    return int(count or 0)


def uuid_text(value: Any) -> str:
    """An id as the ``webhook-id`` header shows it (SQLite hands back hex without dashes)."""
    return str(uuid.UUID(str(value)))


async def scenario(
    api: LiveServer,
    database_url: str,
    receiver: Receiver,
    port: int,
    disruptions: list[tuple[int, Any]],
) -> dict[str, float]:
    """Register, write while ``disruptions`` (at write counts) happen, then check everything."""
    hook = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=api.url, timeout=30) as client:
        alice, bob = await sign_up(client, "alice"), await sign_up(client, "bob")
        subscriptions = {
            BUILDS: (alice, ("build.*",)),
            SQUADS: (alice, ("composition.*",)),
            ALL: (alice, ("*",)),
            GONE: (alice, ("*",)),
            OTHER: (bob, ("*",)),
        }
        endpoints = {}
        for path, (token, types) in subscriptions.items():
            endpoint = await register(client, token, hook + path, *types)
            receiver.secrets[path] = endpoint["secret"]
            endpoints[path] = endpoint

    writer = Writer(api)
    for at, _ in disruptions:
        writer.reached(at)
    started = time.monotonic()

    async def disrupt() -> None:
        for at, action in disruptions:
            await writer.reached(at).wait()
            await asyncio.to_thread(action)

    tokens = [alice] * (CLIENTS - 1) + [bob]
    await asyncio.gather(disrupt(), *(writer.client(token) for token in tokens))
    wrote = time.monotonic()
    assert writer.done >= WRITES

    # The store is opened once: opening one per poll would reload the game data each time.
    async with open_store(database_url) as store:
        # Every event of the outbox, for every enabled endpoint it matches.
        events = await outbox(store)
        async with httpx.AsyncClient(
            base_url=api.url, headers={"Authorization": f"Bearer {alice}"}, timeout=30
        ) as client:
            alice_id = (await client.get("/v1/me")).json()["id"]
            gone = (await client.get(f"/v1/webhooks/{endpoints[GONE]['id']}")).json()
        expected: set[tuple[str, str]] = set()
        types: dict[str, str] = {}
        for event_id, event_type, owner_id in events:
            ident = uuid_text(event_id)
            types[ident] = event_type
            if uuid_text(owner_id) == alice_id:
                expected.add((ident, ALL))
                expected.add((ident, BUILDS if event_type.startswith("build.") else SQUADS))
            else:
                expected.add((ident, OTHER))
        assert len(events) >= WRITES

        deadline = time.monotonic() + DEADLINE
        while not expected <= receiver.delivered() or await pending_deliveries(store):
            if time.monotonic() > deadline:
                missing = sorted(expected - receiver.delivered())
                raise AssertionError(
                    f"{len(missing)} of {len(expected)} deliveries missing, e.g. {missing[:5]};"
                    f" {await pending_deliveries(store)} not succeeded\n{api.output()}"
                )
            await asyncio.sleep(0.2)
        settled = time.monotonic()

    assert receiver.bad == []  # every signature verified
    by_pair: dict[tuple[str, str], list[Hit]] = defaultdict(list)
    for hit in receiver.hits:
        by_pair[(hit.msg_id, hit.path)].append(hit)
    for (msg_id, path), hits in by_pair.items():
        assert msg_id in types, f"{path} got an event the outbox never had: {msg_id}"
        # Duplicates carry the same webhook-id, hence the same event, and the same body.
        assert len({hit.body for hit in hits}) == 1
        if path != GONE:
            assert (msg_id, path) in expected, (msg_id, path, types[msg_id])
    # The 500s happened, and their retries made it.
    retried = [hits for hits in by_pair.values() if hits[0].status == 500]
    assert len(retried) >= len(expected) // 10
    assert all(any(h.status == 204 for h in hits) for hits in retried)

    # The 410 endpoint: disabled with a reason at its first answers, nothing after.
    assert gone["enabled"] is False
    assert "410" in gone["disabled_reason"]
    gone_hits = [hit for hit in receiver.hits if hit.path == GONE]
    assert 1 <= len(gone_hits) <= 40
    assert gone_hits[-1].at - gone_hits[0].at < 2.0
    assert len(by_pair) - len([p for p in by_pair if p[1] == GONE]) == len(expected)
    return {
        "writes_s": wrote - started,
        "settle_s": settled - wrote,
        "events": len(events),
        "deliveries": len(expected),
        "duplicates": sum(
            len([h for h in hits if h.status == 204]) - 1
            for hits in by_pair.values()
            if hits[0].path != GONE
        ),
        "failed_requests": writer.failed_requests,
        "aborted_deliveries": receiver.aborted,
    }


def report(name: str, figures: dict[str, float]) -> None:
    shown = ", ".join(
        f"{k}={v:.1f}" if isinstance(v, float) else f"{k}={v}" for k, v in figures.items()
    )
    print(f"\n{name}: {shown}")


@pytest.fixture
def database() -> Iterator[str]:
    """A PostgreSQL database of this test's own."""
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


async def test_workers_deliver_everything_through_kills_and_a_redis_restart(
    receiver: tuple[Receiver, int], database: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    state, port = receiver
    redis = redis_server
    env = {
        **HOOK_ENV,
        "GW2WVW_DATABASE_URL": database,
        "GW2WVW_REDIS_URL": redis.url,
        "GW2WVW_DATA_DIR": str(tmp_path / "data"),
    }
    command = [*gw2wvw_command(), "worker", "--log-level", "info"]
    api = LiveServer(env, name="api")
    workers = [LiveServer(env, command=command, name=f"worker-{n}") for n in (1, 2)]
    try:
        for worker in workers:
            worker.launch()
        api.start()

        def kill_worker() -> None:
            kill(workers[0])
            workers[0].launch()

        def restart_redis() -> None:
            redis.stop()
            time.sleep(0.3)
            redis.start()

        figures = await scenario(
            api,
            database,
            state,
            port,
            [(100, kill_worker), (250, restart_redis), (400, kill_worker)],
        )
        for worker in workers:
            assert worker.alive(), worker.output()[-6000:]
        report("workers", figures)
        # SIGTERM: a worker finishes what it holds and exits cleanly.
        assert terminate(workers[1]) == 0, workers[1].output()[-6000:]
    finally:
        api.close()
        for worker in workers:
            worker.close()


async def test_the_embedded_api_delivers_everything_through_kills(
    receiver: tuple[Receiver, int], tmp_path: Path
) -> None:
    state, port = receiver
    data = tmp_path / "data"
    env = {**HOOK_ENV, "GW2WVW_DATA_DIR": str(data)}
    api = LiveServer(env, name="api-embedded")
    try:
        api.start()

        def restart_api() -> None:
            kill(api)
            api.start()

        figures = await scenario(
            api,
            f"sqlite+aiosqlite:///{data / 'gw2wvw.db'}",
            state,
            port,
            [(150, restart_api), (350, restart_api)],
        )
        report("embedded", figures)
        # SIGTERM: uvicorn shuts down, the dispatcher stops, and within the 15 s the process
        # exits; uvicorn then raises the signal it caught again, so the code is -SIGTERM.
        assert terminate(api) in (0, -signal.SIGTERM), api.output()[-6000:]
    finally:
        api.close()
