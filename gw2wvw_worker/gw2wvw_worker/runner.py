"""``gw2wvw worker``'s loop: run arq until SIGTERM, outliving Redis outages, stopping gracefully.

arq's own runner (``arq gw2wvw_worker.WorkerSettings``) exits when Redis fails for longer than
its retries; this one starts arq again (the store and the HTTP client stay open), so a Redis
restart costs a few seconds of delay and nothing else: the sweeper queues again whatever the
restart lost. On SIGTERM or SIGINT it stops taking jobs and lets attempts in flight finish.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from contextlib import AsyncExitStack, suppress
from typing import Any

from arq.connections import ArqRedis
from arq.worker import Worker, async_check_health

from gw2wvw.events import new_client, url_check
from gw2wvw.settings import Settings
from gw2wvw.store import open_store
from gw2wvw_worker.config import WorkerConfig, redis_settings, worker_settings

logger = logging.getLogger(__name__)

_RESTART_DELAYS = (0.2, 0.5, 1.0, 2.0, 5.0)
"""Seconds before starting arq again after it failed, one after the other, then the last."""

_STEADY = 30.0
"""Seconds arq must have run for its next failure to start the delays over."""


async def _close(worker: Worker) -> None:
    """Close an arq worker, whatever state Redis is in (arq's own ``close`` needs Redis).

    Jobs still running are cancelled (arq runs them again; their claims lapse meanwhile), the
    loops of ``on_startup`` stop, and the Redis pool is closed.
    """
    main = worker.main_task
    for task in [*worker.tasks.values(), *([main] if main is not None else [])]:
        task.cancel()
    # Cancelled jobs re-raise CancelledError, failed ones Redis errors: both are expected here.
    await asyncio.gather(*worker.tasks.values(), return_exceptions=True)
    if main is not None:
        await asyncio.gather(main, return_exceptions=True)
    pool: ArqRedis | None = worker.pool  # None if arq never connected
    if pool is not None:
        with suppress(Exception):
            await pool.delete(worker.health_check_key)
    if worker.on_shutdown is not None:
        await worker.on_shutdown(worker.ctx)  # idempotent, and a no-op before on_startup
    if pool is not None:
        with suppress(Exception):
            await pool.aclose(close_connection_pool=True)


async def _drain(worker: Worker, grace: float) -> None:
    """Stop taking jobs; wait up to ``grace`` seconds for those running to finish."""
    worker.allow_pick_jobs = False
    running = [task for task in worker.tasks.values() if not task.done()]
    if running:
        logger.info("waiting up to %g s for %d jobs in flight", grace, len(running))
        await asyncio.wait(running, timeout=grace)


async def run(
    settings: Settings | None = None,
    config: WorkerConfig | None = None,
    *,
    burst: bool = False,
    stop: asyncio.Event | None = None,
) -> None:
    """Deliver webhooks until SIGTERM/SIGINT (or ``stop`` is set; ``burst``: until idle)."""
    settings = settings or Settings()
    config = config or WorkerConfig()
    options = worker_settings(settings, config)
    hooks = settings.webhooks
    stopping = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    signals = (signal.SIGTERM, signal.SIGINT) if stop is None else ()
    for number in signals:
        loop.add_signal_handler(number, stopping.set)
    failures = 0
    try:
        async with AsyncExitStack() as stack:
            store = await stack.enter_async_context(
                open_store(
                    settings.resolved_database_url(),
                    webhooks=hooks,
                    url_check=url_check(hooks.allowed_networks),
                    pool_size=settings.database_pool_size,
                )
            )
            client = await stack.enter_async_context(new_client(hooks))
            while not stopping.is_set():
                ctx: dict[str, Any] = {
                    "settings": settings,
                    "config": config,
                    "store": store,
                    "client": client,
                }
                worker = Worker(**{**options, "ctx": ctx}, handle_signals=False, burst=burst)
                started = loop.time()
                main = asyncio.create_task(worker.main(), name="arq worker")
                worker.main_task = main
                stopped = asyncio.create_task(stopping.wait())
                await asyncio.wait({main, stopped}, return_when=asyncio.FIRST_COMPLETED)
                stopped.cancel()
                if not main.done():
                    await _drain(worker, hooks.timeout + 1)
                    await _close(worker)
                    break
                error = asyncio.CancelledError() if main.cancelled() else main.exception()
                # Attempts in flight need the database and the receiver, not Redis: let them
                # finish and record their outcome rather than leave it to the lease.
                await _drain(worker, hooks.timeout + 1)
                await _close(worker)
                if error is None:
                    break  # a burst ran out of jobs
                if loop.time() - started > _STEADY:
                    failures = 0  # it ran well for a while: this is a new outage
                delay = _RESTART_DELAYS[min(failures, len(_RESTART_DELAYS) - 1)]
                failures += 1
                logger.warning(
                    "the arq worker stopped (%s: %s); starting it again in %g s",
                    type(error).__name__,
                    error,
                    delay,
                )
                with suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await stopping.wait()
    finally:
        for number in signals:
            loop.remove_signal_handler(number)


async def check(settings: Settings | None = None, config: WorkerConfig | None = None) -> bool:
    """Whether a worker on this queue recorded its health lately (arq's health-check key)."""
    settings = settings or Settings()
    config = config or WorkerConfig()
    if settings.redis_url is None:
        raise ValueError("the worker needs Redis: set GW2WVW_REDIS_URL")
    status = await async_check_health(
        redis_settings(settings.redis_url, retries=0), queue_name=config.queue_name
    )
    return status == 0
