"""Where the API sends an uploaded fight to be parsed: the worker's queue in production, a
background task of this process on the embedded default. Either way the request only stores
the log and answers 202; the fight's status tells the rest."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from typing import Protocol

from arq.connections import ArqRedis, RedisSettings, create_pool

from gw2wvw.store import NotFound, Store
from gw2wvw.store.importing import JOB, import_fight, job_id

logger = logging.getLogger(__name__)

_AT_ONCE = 2
"""Logs parsed at once in process: each holds its decompressed bytes and a CPU while it runs."""


class FightImports(Protocol):
    """Run each fight's import job; :meth:`submit` returns at once."""

    async def submit(self, fight_id: uuid.UUID) -> None:
        """Have the fight parsed (now or soon)."""

    async def close(self) -> None:
        """Stop what this process started."""


class QueuedImports:
    """Queue ``import_fight`` jobs for the arq worker (``gw2wvw worker``)."""

    def __init__(self, redis_url: str, queue_name: str) -> None:
        self.redis_url = redis_url
        self.queue_name = queue_name
        self._redis: ArqRedis | None = None

    async def submit(self, fight_id: uuid.UUID) -> None:
        """Queue the fight's job; if Redis is away the fight stays pending and the worker's
        sweep finds it in the database."""
        try:
            if self._redis is None:
                # Connected on first use: the API starts, and serves, while Redis is away.
                settings = RedisSettings.from_dsn(self.redis_url)
                settings.conn_retries = 0
                self._redis = await create_pool(settings)
            await self._redis.enqueue_job(
                JOB, str(fight_id), _job_id=job_id(fight_id), _queue_name=self.queue_name
            )
        except Exception:
            logger.warning("fight %s not queued; the worker's sweep will", fight_id, exc_info=True)

    async def close(self) -> None:
        """Close the Redis connections."""
        if self._redis is not None:
            await self._redis.aclose()


class InProcessImports:
    """Run the import job in background tasks of this process (the embedded default).

    A job that fails marks its fight failed with the reason (:func:`import_fight`); one cut
    short by a crash or a shutdown leaves it pending, and :meth:`resume` runs it at start-up.
    """

    def __init__(self, store: Store, notify: Callable[[], None]) -> None:
        self.store = store
        self.notify = notify
        self._slots = asyncio.Semaphore(_AT_ONCE)
        self._tasks: set[asyncio.Task[None]] = set()

    async def _run(self, fight_id: uuid.UUID) -> None:
        async with self._slots:
            try:
                await import_fight(self.store, fight_id)
            except NotFound:
                return  # deleted before its turn came
            except Exception:
                # The store failed (import_fight marks every other failure): still pending.
                logger.exception("fight %s not imported; it stays pending", fight_id)
                return
        self.notify()  # fight.imported is in the outbox: the dispatcher may deliver it now

    async def submit(self, fight_id: uuid.UUID) -> None:
        """Start the fight's job in the background."""
        task = asyncio.create_task(self._run(fight_id), name=f"import fight {fight_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def resume(self) -> int:
        """Start the job of every fight a crash or a shutdown left pending; how many."""
        waiting = await self.store.fights.pending()
        for fight_id in waiting:
            await self.submit(fight_id)
        return len(waiting)

    async def wait(self) -> None:
        """Until every job started so far has finished."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel the jobs still running: their fights stay pending for the next start."""
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
