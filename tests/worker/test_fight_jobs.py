"""The fight import job in an arq worker against a real Redis and both databases: queued as
the API queues it, it turns a pending fight ready; the sweep queues pending fights Redis lost."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from arq.connections import ArqRedis, create_pool
from arq.worker import Worker
from gw2wvw_worker.config import QUEUE, WorkerConfig, redis_settings, worker_settings
from gw2wvw_worker.jobs import enqueue_fights, import_fight, sweep

from gw2wvw.settings import Settings
from gw2wvw.store import Actor, FightCreate, FightRead, Store
from gw2wvw.store.importing import JOB, job_id, pack

EBG = Path(__file__).resolve().parents[1] / "fixtures" / "fightlogs" / "ebg-2025-11-04.ei.json"
CONFIG = WorkerConfig(health_check_interval=1.0)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url is not None
    pool = await create_pool(redis_settings(settings.redis_url), default_queue_name=QUEUE)
    yield pool
    await pool.aclose()


async def upload(store: Store, actor: Actor, data: bytes) -> FightRead:
    return await store.fights.create(actor, FightCreate(source="ebg.json"), pack(data), len(data))


async def drain(settings: Settings, store: Store) -> None:
    """Run an arq worker with the worker's settings until its queue is empty."""
    options = worker_settings(settings, CONFIG)
    worker = Worker(
        **{**options, "ctx": {**options["ctx"], "store": store}}, burst=True, handle_signals=False
    )
    await worker.main()
    await worker.close()


async def test_a_queued_import_turns_the_fight_ready(
    settings: Settings, store: Store, alice: Actor, redis: ArqRedis
) -> None:
    good = await upload(store, alice, EBG.read_bytes())
    bad = await upload(store, alice, b"not a log")
    # As the API queues it: the job's name and id come from the core, the queue is shared.
    job = await redis.enqueue_job(JOB, str(good.id), _job_id=job_id(good.id), _queue_name=QUEUE)
    assert job is not None
    assert await enqueue_fights(redis, [good.id, bad.id], QUEUE) == 1  # good's is queued already
    await drain(settings, store)
    done = await store.fights.get(alice, good.id)
    assert done.status == "ready"
    assert done.report is not None
    assert done.map == done.report["map"]
    failed = await store.fights.get(alice, bad.id)
    assert failed.status == "failed"
    assert "is not JSON" in (failed.reason or "")
    assert [e.type for e in await store.outbox.list() if e.type.startswith("fight.")] == [
        "fight.imported"
    ]


async def test_the_sweep_queues_pending_fights_redis_lost(
    settings: Settings, store: Store, alice: Actor, redis: ArqRedis
) -> None:
    fight = await upload(store, alice, EBG.read_bytes())
    ctx: dict[str, Any] = {"config": CONFIG, "store": store, "redis": redis}
    assert await sweep(ctx) == 1
    assert await sweep(ctx) == 0  # queued already
    await drain(settings, store)
    assert (await store.fights.get(alice, fight.id)).status == "ready"
    assert await sweep(ctx) == 0


async def test_a_fight_deleted_before_its_job_is_gone(store: Store, alice: Actor) -> None:
    fight = await upload(store, alice, b"{}")
    await store.fights.delete(alice, fight.id)
    assert await import_fight({"store": store}, str(fight.id)) == "gone"
