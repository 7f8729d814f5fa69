"""Kept-alive connections for deliveries, one pool per checked address and host name.

A delivery connects to the address its URL was checked at (the SSRF pin), so a connection pool
keyed by address alone could let a kept-alive connection (a TLS session, say) opened for one
host name carry a request for another name served from the same address. Here every
(address, port, scheme, ``Host``, SNI name) has a pool of its own: a connection only ever
carries requests for the one name it was opened for, and a receiver that gets many deliveries
gets them over a few kept-alive connections instead of a new one each.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict

import httpx

_Key = tuple[bytes, bytes, int | None, bytes, str | None]


class PinnedPools(httpx.AsyncBaseTransport):
    """An httpx transport that sends each request through the pool of its address and name.

    At most ``max_pools`` pools are kept (the least recently used one is closed once requests
    it may still carry have had ``grace`` seconds to finish); each keeps at most
    ``keepalive`` idle connections for ``keepalive_expiry`` seconds.
    """

    def __init__(
        self,
        *,
        max_pools: int = 256,
        keepalive: int = 8,
        keepalive_expiry: float = 5.0,
        grace: float = 30.0,
    ) -> None:
        self._pools: OrderedDict[_Key, httpx.AsyncHTTPTransport] = OrderedDict()
        self._max_pools = max_pools
        self._limits = httpx.Limits(
            max_connections=None,
            max_keepalive_connections=keepalive,
            keepalive_expiry=keepalive_expiry,
        )
        self._grace = grace
        self._retiring: set[asyncio.Task[None]] = set()

    def _pool(self, request: httpx.Request) -> httpx.AsyncHTTPTransport:
        url = request.url
        sni = request.extensions.get("sni_hostname")
        key: _Key = (
            url.raw_scheme,
            url.raw_host,
            url.port,
            request.headers.get("host", "").encode(),
            sni,
        )
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpx.AsyncHTTPTransport(limits=self._limits)
            while len(self._pools) > self._max_pools:
                _, oldest = self._pools.popitem(last=False)
                self._retire(oldest)
        else:
            self._pools.move_to_end(key)
        return pool

    def _retire(self, pool: httpx.AsyncHTTPTransport) -> None:
        async def close_later() -> None:
            await asyncio.sleep(self._grace)
            await pool.aclose()

        task = asyncio.get_running_loop().create_task(close_later())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    @property
    def pools(self) -> int:
        """How many pools are open."""
        return len(self._pools)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send ``request`` through the pool of its address and host name."""
        return await self._pool(request).handle_async_request(request)

    async def aclose(self) -> None:
        """Close every pool, the retiring ones too."""
        for task in list(self._retiring):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        pools, self._pools = list(self._pools.values()), OrderedDict()
        for pool in pools:
            await pool.aclose()
