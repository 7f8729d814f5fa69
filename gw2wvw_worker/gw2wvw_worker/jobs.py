"""The worker's jobs: deliver one webhook attempt, import an uploaded fight, relay the outbox,
sweep for lost jobs.

The schedule lives in the database (``next_attempt_at``), not in Redis: a job only says "look
at this delivery now", and it is named after the attempt it stands for (``DueDelivery.job_id``)
so that queueing it twice queues it once. Whatever Redis loses (a flush, a restart without
persistence, a worker killed mid-job) the sweeper finds in the database and queues again.

``ctx`` is arq's job context; :func:`startup` puts the store, the HTTP client and the webhook
settings into it, and starts the relay and sweep loops.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable, Iterable
from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from arq.connections import ArqRedis
from arq.constants import job_key_prefix

from gw2wvw.events import deliver as deliver_once
from gw2wvw.events import new_client, relay, url_check
from gw2wvw.settings import Settings
from gw2wvw.store import NotFound, importing, open_store
from gw2wvw.store.schemas import DueDelivery

logger = logging.getLogger(__name__)

_ENQUEUE_AT_ONCE = 50
"""Jobs queued concurrently (each is a short Redis transaction)."""

_ROUNDING = timedelta(milliseconds=1)
"""arq rounds a job's time to the millisecond; starting 1 ms late never finds it not yet due."""


async def _missing(redis: ArqRedis, due: list[DueDelivery]) -> list[DueDelivery]:
    """The deliveries whose job is neither queued nor running (one round trip for all)."""
    async with redis.pipeline(transaction=False) as pipe:
        for delivery in due:
            pipe.exists(job_key_prefix + delivery.job_id)
        found = await pipe.execute()
    return [delivery for delivery, exists in zip(due, found, strict=True) if not exists]


async def enqueue(
    redis: ArqRedis, due: Iterable[DueDelivery], queue_name: str, *, known_new: bool = False
) -> int:
    """Queue a ``deliver`` job for each delivery, at its due time; returns how many were new.

    A job whose id is queued or running already is not queued again. Unless ``known_new``
    (just relayed), the jobs that exist are first left out in one round trip: a sweep of a
    long backlog then costs one Redis call, not one transaction per delivery.
    """
    pending = list(due)
    if pending and not known_new:
        pending = await _missing(redis, pending)
    queued = 0
    for start in range(0, len(pending), _ENQUEUE_AT_ONCE):
        batch = pending[start : start + _ENQUEUE_AT_ONCE]
        jobs = await asyncio.gather(
            *(
                redis.enqueue_job(
                    "deliver",
                    str(delivery.id),
                    _job_id=delivery.job_id,
                    _queue_name=queue_name,
                    _defer_until=delivery.next_attempt_at + _ROUNDING,
                )
                for delivery in batch
            )
        )
        queued += sum(job is not None for job in jobs)
    return queued


async def deliver(ctx: dict[str, Any], delivery_id: str) -> str:
    """The ``deliver`` job: claim the delivery, attempt it once, record it, queue its retry.

    Idempotent: a delivery that is not due, or that another worker holds, is left alone.
    Returns what happened, for arq's log.
    """
    store, hooks = ctx["store"], ctx["hooks"]
    task = await store.deliveries.claim(uuid.UUID(delivery_id), hooks.lease)
    if task is None:
        return "not due"
    recorded = await deliver_once(store, ctx["client"], task, hooks)
    due = recorded.due
    if due is not None:
        await enqueue(ctx["redis"], [due], ctx["config"].queue_name, known_new=True)
    if recorded.delivery is None:
        return "gone"
    return f"{recorded.delivery.status} after attempt {recorded.delivery.attempts}"


async def import_fight(ctx: dict[str, Any], fight_id: str) -> str:
    """The ``import_fight`` job: parse an uploaded fight, mark it ready or failed.

    Idempotent: a fight already finished stays as it is. Returns its status (``gone`` if it
    was deleted before the job ran), for arq's log.
    """
    try:
        fight = await importing.import_fight(ctx["store"], uuid.UUID(fight_id))
    except NotFound:
        return "gone"
    return fight.status


async def enqueue_fights(redis: ArqRedis, fight_ids: Iterable[uuid.UUID], queue_name: str) -> int:
    """Queue an ``import_fight`` job for each fight not queued or running already; how many."""
    jobs = await asyncio.gather(
        *(
            redis.enqueue_job(
                importing.JOB,
                str(fight_id),
                _job_id=importing.job_id(fight_id),
                _queue_name=queue_name,
            )
            for fight_id in fight_ids
        )
    )
    return sum(job is not None for job in jobs)


async def noop(ctx: dict[str, Any]) -> None:
    """A job that does nothing: what the benchmark measures the queue's own speed with."""


async def relay_once(ctx: dict[str, Any]) -> int:
    """Relay the outbox once (until drained, in rounds); queue the new deliveries.

    Several workers relay side by side without taking the same events (``SKIP LOCKED``).
    """
    created = await relay(ctx["store"], ctx["hooks"], rounds=10)
    if created:
        await enqueue(ctx["redis"], created, ctx["config"].queue_name, known_new=True)
    return len(created)


async def sweep(ctx: dict[str, Any]) -> int:
    """Queue every due delivery and pending fight again; returns how many jobs were missing.

    Job ids de-duplicate, so what is queued already stays as it is; what Redis lost, and what a
    killed worker held (once its claim lapses), is queued anew.
    """
    config = ctx["config"]
    due = await ctx["store"].deliveries.due(limit=config.sweep_limit)
    queued = await enqueue(ctx["redis"], due, config.queue_name)
    if queued:
        logger.info("sweep queued %d due deliveries that had no job", queued)
    # Fights the API stored while Redis was away, or whose job Redis lost.
    fights = await enqueue_fights(
        ctx["redis"], await ctx["store"].fights.pending(config.sweep_limit), config.queue_name
    )
    if fights:
        logger.info("sweep queued %d pending fights that had no job", fights)
    return queued + fights


async def _every(
    interval: float, work: Callable[[], Awaitable[int]], name: str, *, again_if: int = 0
) -> None:
    """Run ``work`` forever, ``interval`` s apart (at once while it returns ``again_if`` or
    more); an error is logged and the loop goes on: Redis or the database may come back."""
    while True:
        try:
            done = await work()
        except Exception:
            logger.exception("webhook %s failed; trying again in %g s", name, interval)
            done = 0
        if not again_if or done < again_if:
            await asyncio.sleep(interval)


async def startup(ctx: dict[str, Any]) -> None:
    """arq ``on_startup``: open the store and the HTTP client, start the relay and the sweeper.

    What ``ctx`` holds already (``store``, ``client``, from the ``gw2wvw worker`` runner that
    keeps them across Redis outages) is used as it is.
    """
    settings: Settings = ctx.setdefault("settings", Settings())
    if "config" not in ctx:
        from gw2wvw_worker.config import WorkerConfig

        ctx["config"] = WorkerConfig()
    hooks = ctx["hooks"] = settings.webhooks
    stack = ctx["stack"] = AsyncExitStack()
    owned = ctx["owned"] = []
    if "store" not in ctx:
        ctx["store"] = await stack.enter_async_context(
            open_store(
                settings.resolved_database_url(),
                webhooks=hooks,
                url_check=url_check(hooks.allowed_networks),
                pool_size=settings.database_pool_size,
            )
        )
        owned.append("store")
    if "client" not in ctx:
        ctx["client"] = await stack.enter_async_context(new_client(hooks))
        owned.append("client")
    config = ctx["config"]
    ctx["loops"] = [
        asyncio.create_task(
            _every(config.relay_interval, lambda: relay_once(ctx), "relay", again_if=1),
            name="webhook relay",
        ),
        asyncio.create_task(
            _every(config.sweep_interval, lambda: sweep(ctx), "sweep"), name="webhook sweep"
        ),
    ]


async def shutdown(ctx: dict[str, Any]) -> None:
    """arq ``on_shutdown``: stop the loops, close what :func:`startup` opened (idempotent)."""
    loops: list[asyncio.Task[None]] = ctx.pop("loops", [])
    for loop in loops:
        loop.cancel()
    await asyncio.gather(*loops, return_exceptions=True)
    stack: AsyncExitStack | None = ctx.pop("stack", None)
    if stack is not None:
        await stack.aclose()
    for key in ctx.pop("owned", []):
        ctx.pop(key, None)
