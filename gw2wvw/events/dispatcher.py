"""The in-process dispatcher of the embedded mode: relay, claim, attempt, record, in a loop.

With no Redis and no worker, the API process itself delivers webhooks. The dispatcher uses the
same building blocks as the arq worker, so several dispatchers (several API processes) on one
database never send one attempt twice, and a crash loses nothing: claims are leases.
"""

from __future__ import annotations

import asyncio
import logging
import random
from contextlib import suppress
from types import TracebackType

import httpx

from gw2wvw.events.delivery import deliver, relay
from gw2wvw.events.ssrf import Resolver
from gw2wvw.settings import WebhookSettings
from gw2wvw.store import Store
from gw2wvw.store.schemas import DeliveryTask

logger = logging.getLogger(__name__)

_RELAY_ROUNDS = 10
"""Relay batches per pass at most, so a flood of events cannot starve the deliveries."""


class Dispatcher:
    """Delivers the store's webhooks from inside this process until stopped.

    >>> async with Dispatcher(store, settings.webhooks, client) as dispatcher:  # doctest: +SKIP
    ...     ...  # after a write: dispatcher.notify()
    """

    def __init__(
        self,
        store: Store,
        settings: WebhookSettings,
        client: httpx.AsyncClient,
        *,
        rng: random.Random | None = None,
        resolver: Resolver | None = None,
    ) -> None:
        self.store = store
        self.settings = settings
        self.client = client
        self._rng = rng
        self._resolver = resolver
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._stopping = False
        self._running = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None

    @property
    def in_flight(self) -> int:
        """Attempts running now."""
        return len(self._in_flight)

    def notify(self) -> None:
        """Look for work now rather than at the next poll (call it after writing events)."""
        self._wake.set()

    async def run_once(self) -> int:
        """One pass: relay the outbox, claim due deliveries up to free capacity, start them.

        Returns how many attempts it started; they run on after it returns.
        """
        await relay(self.store, self.settings, rounds=_RELAY_ROUNDS)
        free = self.settings.concurrency - len(self._in_flight)
        if free <= 0:
            return 0
        tasks = await self.store.deliveries.claim_due(
            min(free, self.settings.batch_size), self.settings.lease
        )
        for task in tasks:
            running = asyncio.create_task(self._deliver(task), name=f"webhook {task.delivery.id}")
            self._in_flight.add(running)
            running.add_done_callback(self._finished)
        return len(tasks)

    async def _deliver(self, task: DeliveryTask) -> None:
        try:
            await deliver(
                self.store,
                self.client,
                task,
                self.settings,
                rng=self._rng,
                resolver=self._resolver,
            )
        except Exception:
            # The claim's lease runs out and the delivery is due again: nothing is lost.
            logger.exception("webhook delivery %s failed unexpectedly", task.delivery.id)

    def _finished(self, running: asyncio.Task[None]) -> None:
        self._in_flight.discard(running)
        # A slot is free, and a retry may be due soon: look again.
        self._wake.set()

    async def run(self) -> None:
        """Deliver until :meth:`stop`; then let the attempts in flight finish."""
        self._running = True
        self._stopped.clear()
        try:
            while not self._stopping:
                self._wake.clear()
                try:
                    await self.run_once()
                except Exception:
                    # A database hiccup must not end delivery for the life of the process.
                    logger.exception("webhook dispatcher pass failed; retrying")
                if self._stopping:
                    break
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.settings.poll_interval):
                        await self._wake.wait()
        finally:
            if self._in_flight:
                await asyncio.gather(*self._in_flight, return_exceptions=True)
            self._running = False
            self._stopped.set()

    def start(self) -> asyncio.Task[None]:
        """Run :meth:`run` in a background task."""
        if self._runner is None or self._runner.done():
            self._stopping = False
            self._runner = asyncio.create_task(self.run(), name="webhook dispatcher")
        return self._runner

    async def stop(self, grace: float | None = None) -> None:
        """Stop looking for work; wait for attempts in flight (up to ``grace`` s, then cancel).

        A cancelled attempt is not lost: its delivery is due again when the claim's lease ends.
        """
        self._stopping = True
        self._wake.set()
        if not self._running:
            return
        try:
            async with asyncio.timeout(grace):
                await self._stopped.wait()
        except TimeoutError:
            for running in list(self._in_flight):
                running.cancel()
            await self._stopped.wait()

    async def __aenter__(self) -> Dispatcher:
        self.start()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()
        if self._runner is not None:
            await self._runner
