"""Webhooks: how fast one ``gw2wvw worker`` process delivers, next to how fast it runs no-ops.

One worker process (its default settings), PostgreSQL, a private redis-server and a receiver
that answers 204 at once (``benchmarks.sink``, a process of its own). In one run the worker
first drains no-op jobs: the rate of arq itself with these settings (polling, Redis round
trips), the most any job could reach. Then it delivers webhooks: claim, signed POST, record,
each in its own job. The ratio says how much of the queue's speed a delivery uses; near 1
would mean the queue, not the delivery, is the limit.

Both batches are queued for one moment a little ahead, so the worker finds them all at once
and the time measured is its own.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from arq.connections import ArqRedis, create_pool
from gw2wvw_worker.config import max_jobs, redis_settings
from sqlalchemy import text

from gw2wvw.settings import Settings
from gw2wvw.store import Actor, EndpointCreate, UserCreate, open_store
from gw2wvw.store.schemas import DueDelivery
from gw2wvw.store.tables import utcnow
from gw2wvw_worker import QUEUE, WorkerConfig, enqueue
from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.live_server import LiveServer, free_port
from tests.support.redis_server import RedisServer

NOOPS = 6000
DELIVERIES = 3000
ENDPOINTS = 10
LEAD = timedelta(seconds=2)
"""How far ahead a batch is queued: all of it is in place when the worker may start."""


async def _wait_healthy(pool: ArqRedis, within: float = 60.0) -> None:
    deadline = time.monotonic() + within
    while not await pool.exists(QUEUE + ":health-check"):
        if time.monotonic() > deadline:
            raise RuntimeError("the worker did not start")
        await asyncio.sleep(0.1)


async def _noops(pool: ArqRedis) -> float:
    """Jobs per second draining ``NOOPS`` no-op jobs."""
    start = utcnow() + LEAD
    await asyncio.gather(
        *(pool.enqueue_job("noop", _queue_name=QUEUE, _defer_until=start) for _ in range(NOOPS))
    )
    while await pool.zcard(QUEUE):  # noqa: ASYNC110 - polling Redis, not this process
        await asyncio.sleep(0.01)
    return NOOPS / (utcnow() - start).total_seconds()


async def _deliveries(database: str, pool: ArqRedis, sink: int) -> float:
    """Deliveries per second of ``DELIVERIES`` events x endpoints, all due at one moment."""
    async with open_store(database) as store:
        user = await store.users.create(UserCreate(name="bench"))
        actor = Actor(user_id=user.id, name=user.name)
        for n in range(ENDPOINTS):
            await store.webhooks.create(
                actor,
                EndpointCreate(url=f"http://127.0.0.1:{sink}/hook/{n}", event_types=("*",)),
            )
        start = utcnow() + LEAD
        created: list[DueDelivery] = []
        async with store.unit_of_work() as uow:
            # Relayed in the transaction that writes them, due at ``start``: the worker's own
            # relay never sees them, its jobs are all queued before it may run one.
            for n in range(DELIVERIES // ENDPOINTS):
                await uow.transaction.emit("build.created", user.id, {"n": n, "pad": "x" * 400})
            while relayed := await uow.deliveries.relay_pending(1000, now=start):
                created.extend(relayed.deliveries)
                if relayed.events < 1000:
                    break
        assert len(created) == DELIVERIES, len(created)
        await enqueue(pool, created, QUEUE, known_new=True)
        count = text("SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'")
        while True:
            async with store.transaction(write=False) as tx:
                done = await tx.session.scalar(count)
            if done == DELIVERIES:
                break
            await asyncio.sleep(0.02)
        return DELIVERIES / (utcnow() - start).total_seconds()


async def _measure(database: str, redis: RedisServer, sink: int) -> tuple[float, ...]:
    """Both rates, and the Redis commands each job cost."""
    pool = await create_pool(redis_settings(redis.url), default_queue_name=QUEUE)
    try:
        await _wait_healthy(pool)
        before = redis.commands_processed()
        noop_rate = await _noops(pool)
        middle = redis.commands_processed()
        delivery_rate = await _deliveries(database, pool, sink)
        after = redis.commands_processed()
    finally:
        await pool.aclose()
    return noop_rate, delivery_rate, (middle - before) / NOOPS, (after - middle) / DELIVERIES


def main() -> None:
    """Start PostgreSQL's database, Redis, the sink and one worker; print both rates."""
    database = create_postgres_database()
    directory = Path(tempfile.mkdtemp(prefix="gw2wvw-bench-"))
    redis = RedisServer(directory)
    redis.start()
    sink_port = free_port()
    sink = subprocess.Popen([sys.executable, "-m", "benchmarks.sink", str(sink_port)])
    env = {
        "GW2WVW_DATABASE_URL": database,
        "GW2WVW_REDIS_URL": redis.url,
        "GW2WVW_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
        "GW2WVW_DATA_DIR": str(directory / "data"),
        # The worker's own settings pass through, so other polling settings can be compared.
        **{k: v for k, v in os.environ.items() if k.startswith("GW2WVW_WORKER_")},
    }
    script = Path(sys.executable).with_name("gw2wvw")
    worker = LiveServer(
        env, command=[str(script), "worker", "--log-level", "warning"], name="bench-worker"
    )
    try:
        worker.launch()
        noop_rate, delivery_rate, noop_calls, delivery_calls = asyncio.run(
            _measure(database, redis, sink_port)
        )
        if not worker.alive():
            raise RuntimeError(worker.output())
        config = WorkerConfig()
        jobs = max_jobs(Settings(redis_url=redis.url), config)
        print(
            f"one worker: max_jobs={jobs}, poll_delay={config.poll_delay} s,"
            f" {os.cpu_count()} CPUs shared with PostgreSQL, Redis and the receiver"
        )
        print(
            f"{'no-op jobs':<32}{noop_rate:>9,.0f} /s  ({NOOPS} jobs,"
            f" {noop_calls:.0f} Redis commands each)"
        )
        print(
            f"{'webhook deliveries':<32}{delivery_rate:>9,.0f} /s  "
            f"({DELIVERIES} to {ENDPOINTS} endpoints, {delivery_calls:.0f} Redis commands each)"
        )
        print(f"{'ratio deliveries / no-ops':<32}{delivery_rate / noop_rate:>9.2f}")
    finally:
        worker.close()
        sink.terminate()
        sink.wait(5)
        redis.stop()
        drop_postgres_database(database)
