"""HTTP API: a real uvicorn server (one worker) on PostgreSQL and Redis, loaded over loopback.

Every figure is a ratio to ``GET /healthz`` of the same app, measured in the same run: a bare
JSON answer through the same middleware, so the ratio is the cost of the route's own work.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time

import httpx
import redis

from gw2wvw.store import Actor, BuildCreate, TokenCreate, UserCreate, open_store
from tests.support.databases import create_postgres_database, drop_postgres_database

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
REDIS_URL = os.environ.get("GW2WVW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
SECONDS = 5.0
CONNECTIONS = 16


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _seed(url: str) -> tuple[str, str]:
    """A user with a token and 200 public builds; returns (token, one build id)."""
    async with open_store(url) as store:
        user = await store.users.create(UserCreate(name="bench"))
        actor = Actor(user_id=user.id, name=user.name)
        token = (await store.tokens.create(actor, TokenCreate())).token
        first = None
        for n in range(200):
            build = await store.builds.create(
                actor,
                BuildCreate(
                    name=f"build {n}",
                    chat_code=FIREBRAND if n % 2 else SCOURGE,
                    visibility="public",
                    tags=("zerg",) if n % 3 == 0 else (),
                ),
            )
            first = first or build
        assert first is not None
        return token, str(first.id)


def _load(url: str, *extra: str) -> dict[str, object]:
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.loadgen",
            url,
            "-c",
            str(CONNECTIONS),
            "-t",
            str(SECONDS),
            *extra,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(out.stdout)
    return result


def main() -> None:
    """Start the server, load each scenario, print rates, latencies and ratios."""
    database = create_postgres_database()
    redis.Redis.from_url(REDIS_URL).flushdb()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "GW2WVW_DATABASE_URL": database,
        "GW2WVW_REDIS_URL": REDIS_URL,
    }
    server = None
    try:
        token, build_id = asyncio.run(_seed(database))
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "gw2wvw_api.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        etag = httpx.get(f"{base}/v1/builds/{build_id}").headers["etag"]
        auth = f"Authorization: Bearer {token}"
        body = json.dumps({"name": "new", "chat_code": FIREBRAND})
        scenarios = [
            ("GET /healthz (baseline)", f"{base}/healthz", []),
            ("GET build, cached", f"{base}/v1/builds/{build_id}", []),
            ("GET build, 304", f"{base}/v1/builds/{build_id}", ["-H", f"If-None-Match: {etag}"]),
            ("GET build, token, cached", f"{base}/v1/builds/{build_id}", ["-H", auth]),
            (
                "GET build, uncached (PG)",
                f"{base}/v1/builds/{build_id}",
                ["-H", "Cache-Control: no-cache"],
            ),
            (
                "GET list with filters",
                f"{base}/v1/builds?profession=Guardian&tag=zerg&sort=name&limit=20",
                [],
            ),
            (
                "GET list, uncached (PG)",
                f"{base}/v1/builds?profession=Guardian&tag=zerg&sort=name&limit=20",
                ["-H", "Cache-Control: no-cache"],
            ),
            ("POST build (chat code)", f"{base}/v1/builds", ["-X", "POST", "-H", auth, "-d", body]),
        ]
        baseline = None
        print(f"{'scenario':<28}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}  statuses")
        for label, url, extra in scenarios:
            result = _load(url, *extra)
            rps = float(result["rps"])  # type: ignore[arg-type]
            baseline = baseline or rps
            print(
                f"{label:<28}{rps:>9,.0f}{result['p50_ms']:>9.2f}{result['p99_ms']:>9.2f}"
                f"{rps / baseline:>8.2f}  {result['statuses']}"
            )
        print("aims: cached GET >= 0.5 of the baseline, 304 >= 0.6")
    finally:
        if server is not None:
            server.terminate()
            server.wait(10)
        drop_postgres_database(database)
