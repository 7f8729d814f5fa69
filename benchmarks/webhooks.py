"""Webhooks: how fast ``gw2wvw worker`` processes deliver, next to how fast one runs no-ops.

Worker processes with their default settings, PostgreSQL, a private redis-server and a
receiver that answers 204 at once (``benchmarks.sink``, a process of its own). Each round, one
worker first drains no-op jobs: the rate of arq itself with these settings (polling, Redis
round trips), the most any job could reach. Then it delivers webhooks: claim, signed POST,
record, each in its own job; then two workers deliver a batch together. The ratios say how much
of the queue's speed a delivery uses (near 1: the queue, not the delivery, is the limit) and
how far a second worker on the same PostgreSQL adds to the first. Medians of the rounds.

Every batch is queued for one moment a little ahead, so the workers find it all at once and
the time measured is their own.
"""

from __future__ import annotations

import asyncio
import os
import statistics
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
ROUNDS = 3
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


async def _deliveries(database: str, pool: ArqRedis, sink: int, batch: int) -> float:
    """Deliveries per second of ``DELIVERIES`` events x endpoints, all due at one moment
    (``batch``: how many batches ran before, whose deliveries are done)."""
    async with open_store(database) as store:
        user = await store.users.create(UserCreate(name=f"bench{batch}"))
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
            if done == DELIVERIES * (batch + 1):
                break
            await asyncio.sleep(0.02)
        return DELIVERIES / (utcnow() - start).total_seconds()


async def _round(
    database: str, redis: RedisServer, sink: int, second: LiveServer, number: int
) -> tuple[float, ...]:
    """One round's rates (no-ops, one worker, two workers), and the Redis commands per job."""
    pool = await create_pool(redis_settings(redis.url), default_queue_name=QUEUE)
    try:
        await _wait_healthy(pool)
        before = redis.commands_processed()
        noop_rate = await _noops(pool)
        middle = redis.commands_processed()
        one = await _deliveries(database, pool, sink, 2 * number)
        after = redis.commands_processed()
        second.launch()
        await asyncio.sleep(3)  # its start-up, before the batch is due
        two = await _deliveries(database, pool, sink, 2 * number + 1)
        if not second.alive():
            raise RuntimeError(second.output())
        second.stop()
    finally:
        await pool.aclose()
    return noop_rate, one, two, (middle - before) / NOOPS, (after - middle) / DELIVERIES


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
    command = [str(script), "worker", "--log-level", "warning"]
    worker = LiveServer(env, command=command, name="bench-worker")
    second = LiveServer(env, command=command, name="bench-worker-2")
    try:
        worker.launch()
        rounds = [asyncio.run(_round(database, redis, sink_port, second, n)) for n in range(ROUNDS)]
        if not worker.alive():
            raise RuntimeError(worker.output())
        noop_rate, delivery_rate, two_rate, noop_calls, delivery_calls = (
            statistics.median(column) for column in zip(*rounds, strict=True)
        )
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
        print(f"{'two workers, deliveries':<32}{two_rate:>9,.0f} /s")
        one_ratio = statistics.median(one / noop for noop, one, *_ in rounds)
        two_ratio = statistics.median(two / one for _, one, two, *_ in rounds)
        print(f"{'ratio deliveries / no-ops':<32}{one_ratio:>9.2f}   (aim >= 0.5)")
        print(f"{'ratio two workers / one':<32}{two_ratio:>9.2f}   (aim >= 1.6)")
        print(f"medians of {ROUNDS} rounds")
    finally:
        second.close()
        worker.close()
        sink.terminate()
        sink.wait(5)
        redis.stop()
        drop_postgres_database(database)
