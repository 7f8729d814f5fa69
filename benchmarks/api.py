"""HTTP API: one uvicorn worker on PostgreSQL and Redis against a bare FastAPI app, loaded by wrk.

The baseline is ``benchmarks.bare``: FastAPI answering a small JSON object, served by the same
uvicorn with the same options, measured in the same run. Every scenario is loaded for five
seconds by ``wrk -t1 -c32``; three rounds run interleaved (each round loads the baseline and
every scenario once), and each figure is the median over the rounds of the scenario's rate
divided by the baseline's rate in its round. A ratio is what the product costs against the least
a FastAPI route can cost on this machine.

``GW2WVW_BENCH_EMBEDDED=1`` measures the embedded default instead (SQLite, in-process cache).
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import redis

from benchmarks import _wrk
from gw2wvw.store import Actor, BuildCreate, TokenCreate, UserCreate, open_store
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.live_server import LiveServer

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
REDIS_URL = os.environ.get("GW2WVW_BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")
ROUNDS = 3

AIMS = {
    "product GET /healthz": 0.9,
    "GET public build, anonymous, cached": 0.8,
    "the same, If-None-Match (304)": 0.9,
    "GET private build, bearer token": 0.6,
    "GET /v1/builds?limit=20, anonymous": 0.6,
    "GET /v1/roles": 0.8,
    "POST /v1/tools/decode": 0.6,
    "POST /v1/builds, bearer token": 0.15,
}


async def _seed(url: str) -> tuple[str, str, str]:
    """A user with a token, 200 public builds and a private one: (token, public, private)."""
    async with open_store(url, migrate=True) as store:
        user = await store.users.create(UserCreate(name="bench"))
        actor = Actor(user_id=user.id, name=user.name)
        token = (await store.tokens.create(actor, TokenCreate())).token
        public = None
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
            public = public or build
        private = await store.builds.create(actor, BuildCreate(name="mine", chat_code=FIREBRAND))
        assert public is not None
        return token, str(public.id), str(private.id)


def _wait(url: str, within: float = 90.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {within:g} s")


def _etag(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as response:
        return str(response.headers["ETag"])


def main() -> None:
    """Start both servers, load every scenario in interleaved rounds, print the ratios."""
    _wrk.require_wrk()
    embedded = os.environ.get("GW2WVW_BENCH_EMBEDDED") == "1"
    scratch = Path(tempfile.mkdtemp(prefix="gw2wvw-bench-api-"))
    if embedded:
        database = f"sqlite+aiosqlite:///{scratch / 'gw2wvw.db'}"
        env = {"GW2WVW_DATA_DIR": str(scratch), "GW2WVW_DATABASE_URL": database}
    else:
        database = create_postgres_database()
        redis.Redis.from_url(REDIS_URL).flushdb()
        env = {"GW2WVW_DATABASE_URL": database, "GW2WVW_REDIS_URL": REDIS_URL}
    # The pools sized for the load: wrk keeps 32 requests in flight.
    env["GW2WVW_DATABASE_POOL_SIZE"] = str(_wrk.CONNECTIONS)
    env["GW2WVW_DATA_DIR"] = str(scratch)
    product = LiveServer(env, name="bench-api")
    bare = LiveServer(
        {},
        command=[
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.bare:app",
            "--host",
            "127.0.0.1",
            "--port",
            "{port}",
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
        ],
        name="bench-bare",
    )
    try:
        token, public, private = asyncio.run(_seed(database))
        product.start()
        bare.launch()
        _wait(f"{bare.url}/")
        base = product.url
        auth = {"Authorization": f"Bearer {token}"}
        build = f"{base}/v1/builds/{public}"
        decode = json.dumps({"chat_code": FIREBRAND})
        create = json.dumps({"name": "new", "chat_code": FIREBRAND})
        scenarios: list[tuple[str, str, dict[str, object]]] = [
            ("bare FastAPI (baseline)", f"{bare.url}/", {}),
            ("product GET /healthz", f"{base}/healthz", {}),
            ("GET public build, anonymous, cached", build, {}),
            (
                "the same, If-None-Match (304)",
                build,
                {"headers": {"If-None-Match": _etag(build)}},
            ),
            ("GET private build, bearer token", f"{base}/v1/builds/{private}", {"headers": auth}),
            ("GET /v1/builds?limit=20, anonymous", f"{base}/v1/builds?limit=20", {}),
            ("GET /v1/roles", f"{base}/v1/roles", {}),
            (
                "POST /v1/tools/decode",
                f"{base}/v1/tools/decode",
                {"method": "POST", "body": decode, "headers": {"Content-Type": "application/json"}},
            ),
            (
                "POST /v1/builds, bearer token",
                f"{base}/v1/builds",
                {
                    "method": "POST",
                    "body": create,
                    "headers": {**auth, "Content-Type": "application/json"},
                },
            ),
        ]
        loads: dict[str, list[_wrk.Load]] = {label: [] for label, _, _ in scenarios}
        for _ in range(ROUNDS):
            for label, url, options in scenarios:
                loads[label].append(_wrk.run(url, **options))  # type: ignore[arg-type]
        if not product.alive():
            raise RuntimeError(product.output())
        mode = "embedded (SQLite, in-process cache)" if embedded else "PostgreSQL and Redis"
        print(
            f"one uvicorn worker, {mode}; wrk -t{_wrk.THREADS} -c{_wrk.CONNECTIONS}"
            f" -d{_wrk.SECONDS}s; medians of {ROUNDS} interleaved rounds"
        )
        print(f"{'scenario':<38}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}{'aim':>6}  bad")
        baseline = loads["bare FastAPI (baseline)"]
        for label, _, _ in scenarios:
            runs = loads[label]
            ratio = statistics.median(r.rps / b.rps for r, b in zip(runs, baseline, strict=True))
            aim = AIMS.get(label)
            mark = "" if aim is None else f"{aim:>6.2f}" + (" " if ratio >= aim else "!")
            bad = sum(r.non_2xx_3xx + r.errors for r in runs)
            print(
                f"{label:<38}{statistics.median(r.rps for r in runs):>9,.0f}"
                f"{statistics.median(r.p50_ms for r in runs):>9.2f}"
                f"{statistics.median(r.p99_ms for r in runs):>9.2f}"
                f"{ratio:>8.2f}{mark:<7} {bad}"
            )
        print("'!' marks a ratio under its aim; 'bad' counts non-2xx/3xx answers and socket errors")
    finally:
        product.close()
        bare.close()
        if not embedded:
            drop_postgres_database(database)
