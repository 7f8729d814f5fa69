"""Redis stops and comes back empty while clients keep reading and writing: no error answers.

Two API processes share a private redis-server. A steady mix of requests (cached reads by the
owner and by anonymous callers, conditional reads, listings, creates and updates) runs against
both while Redis is killed (its data gone) and started again. The cache only ever degrades the
service: every answer is 2xx or 304, ``/readyz`` says ``degraded`` while Redis is away, and no
stale copy is served afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from tests.e2e.conftest import (
    FIREBRAND,
    SCOURGE,
    Account,
    ServerFactory,
    create_build,
    postgres_env,
    sign_up,
)
from tests.support.live_server import LiveServer
from tests.support.redis_server import RedisServer

CLIENTS = 4


@dataclass
class Outcome:
    """One answer of the load, with the Redis phase it was sent in."""

    phase: str
    method: str
    path: str
    status: int
    seconds: float


@dataclass
class Load:
    """A mix of requests sent continuously until stopped."""

    servers: list[LiveServer]
    owner: Account
    builds: list[dict[str, Any]]
    phase: str = "up"
    outcomes: list[Outcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    etags: dict[str, str] = field(default_factory=dict)

    async def run(self, client: httpx.AsyncClient, worker: int) -> None:
        step = worker
        while not self.stop.is_set():
            server = self.servers[step % len(self.servers)].url
            build = self.builds[step % len(self.builds)]
            path = f"/v1/builds/{build['id']}"
            kind = step % 6
            headers: dict[str, str] = {}
            body: dict[str, Any] | None = None
            method = "GET"
            if kind in (0, 1):
                headers = self.owner.headers
            elif kind == 2 and build["visibility"] == "private":
                path = f"/v1/builds/{self.builds[0]['id']}"  # anonymous: a public one
            elif kind == 3:
                headers = {**self.owner.headers, "If-None-Match": self.etags.get(path, 'W/"v1"')}
            elif kind == 4:
                headers = self.owner.headers
                path = f"/v1/builds?owner={self.owner.name}&limit=50"
            else:
                method, headers = "PATCH", self.owner.headers
                body = {"description": f"load step {step}"}
                if step % 4 == 1:
                    method, path = "POST", "/v1/builds"
                    body = {"name": f"load {step}", "chat_code": SCOURGE}
            phase = self.phase
            started = time.monotonic()
            try:
                response = await client.request(
                    method, f"{server}{path}", headers=headers, json=body
                )
            except httpx.HTTPError as error:
                self.errors.append(f"{method} {path} in phase {phase}: {error!r}")
                step += CLIENTS
                continue
            seconds = time.monotonic() - started
            self.outcomes.append(Outcome(phase, method, path, response.status_code, seconds))
            if response.status_code >= 400:
                self.errors.append(f"{method} {path} in phase {phase}: {response.text}")
            if method == "GET" and "etag" in response.headers and "?" not in path:
                self.etags[path] = response.headers["etag"]
            step += CLIENTS


async def _readiness(client: httpx.AsyncClient, server: LiveServer, wanted: str) -> dict[str, Any]:
    """Poll ``/readyz`` until its status is ``wanted`` (10 s at most); return the last body."""
    body: dict[str, Any] = {}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        response = await client.get(f"{server.url}/readyz")
        assert response.status_code == 200, response.text
        body = response.json()
        if body["status"] == wanted:
            return body
        await asyncio.sleep(0.1)
    raise AssertionError(f"{server.name} /readyz never said {wanted!r}: {body}")


async def test_redis_stopped_and_restarted_mid_load_causes_no_error_response(
    live_server: ServerFactory, postgres_url: str, redis_server: RedisServer, tmp_path: Path
) -> None:
    env = postgres_env(postgres_url, redis_server.url, tmp_path / "data")
    a, b = live_server.several(env, names=["outage-a", "outage-b"])
    owner = sign_up(a.url, "steady")
    builds = [
        create_build(a.url, owner, FIREBRAND, name="public fb", visibility="public"),
        create_build(a.url, owner, SCOURGE, name="private scourge"),
        create_build(a.url, owner, FIREBRAND, name="watched", visibility="public"),
    ]
    watched = f"/v1/builds/{builds[2]['id']}"
    load = Load([a, b], owner, builds[:2])

    async with httpx.AsyncClient(timeout=30) as client:
        workers = [asyncio.create_task(load.run(client, n)) for n in range(CLIENTS)]
        try:
            await asyncio.sleep(1.0)
            # b holds the watched build in Redis and near; a then changes it while Redis is away.
            before = await client.get(f"{b.url}{watched}", headers=owner.headers)
            assert before.json()["name"] == "watched"

            await asyncio.to_thread(redis_server.stop)
            load.phase = "down"
            for server in (a, b):
                down = await _readiness(client, server, "degraded")
                assert down == {"status": "degraded", "database": "ok", "cache": "unavailable"}
            changed = await client.patch(
                f"{a.url}{watched}", headers=owner.headers, json={"name": "changed while down"}
            )
            assert changed.status_code == 200, changed.text
            await asyncio.sleep(2.0)

            await asyncio.to_thread(redis_server.start)  # empty: every entry and counter is gone
            load.phase = "restarting"
            for server in (a, b):
                up = await _readiness(client, server, "ok")
                assert up == {"status": "ok", "database": "ok", "cache": "ok"}
            # Nothing from before the outage is served: b's copy went with Redis and its near
            # cache was dropped when the link broke.
            for server in (b, a):
                read = await client.get(f"{server.url}{watched}", headers=owner.headers)
                assert read.json()["name"] == "changed while down"
            load.phase = "up again"
            await asyncio.sleep(2.0)

            # A write after the restart is what every process serves from then on, although
            # both hold the build in the (new) cache.
            for server in (a, b, a, b):
                warm = await client.get(f"{server.url}{watched}", headers=owner.headers)
                assert warm.json()["name"] == "changed while down"
            after = await client.patch(
                f"{b.url}{watched}", headers=owner.headers, json={"name": "changed after"}
            )
            assert after.status_code == 200, after.text
            version = after.json()["version"]
            for server in (a, b, a, b):
                for who in (owner.headers, {}):
                    read = await client.get(f"{server.url}{watched}", headers=who)
                    assert read.status_code == 200, read.text
                    assert (read.json()["name"], read.json()["version"]) == (
                        "changed after",
                        version,
                    )
                    assert read.headers["etag"] == f'W/"v{version}"'
                listing = await client.get(
                    f"{server.url}/v1/builds",
                    params={"owner": owner.name, "text": "changed"},
                    headers=owner.headers,
                )
                assert [(i["id"], i["name"]) for i in listing.json()["items"]] == [
                    (builds[2]["id"], "changed after")
                ]
        finally:
            load.stop.set()
            await asyncio.gather(*workers)

    assert not load.errors, "\n".join(load.errors[:10])
    phases = Counter(outcome.phase for outcome in load.outcomes)
    kinds = Counter((o.phase, o.method) for o in load.outcomes)
    assert phases["down"] >= 20, phases
    assert kinds[("down", "PATCH")] + kinds[("down", "POST")] >= 3, kinds
    assert kinds[("up again", "PATCH")] >= 3, kinds
    statuses = Counter(outcome.status for outcome in load.outcomes)
    assert set(statuses) <= {200, 201, 304}, statuses
    assert statuses[304] > 0, statuses
    slowest = max(outcome.seconds for outcome in load.outcomes)
    assert slowest < 5, f"a request took {slowest:.1f} s"
    for server in (a, b):
        assert server.alive()
        assert "Traceback" not in server.output(), server.output()
