"""A small cache with tag versions: Redis for many processes, in-process memory for one.

An entry is stored with the versions its tags had when its data was read; bumping a tag makes
every entry stored under an older version of it invalid at once, with no scan of keys. A read
returns the entry (if still valid) and the current tag versions in one round trip; store a new
entry with the versions a read returned *before* the data was fetched, so that a write that
lands in between is never hidden.

A cache never fails a caller: when Redis is unreachable, reads miss and writes are dropped, and
after such an outage the first successful call bumps a generation that every entry carries, in
case an invalidation was lost while Redis was away.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from gw2wvw._extras import requires

with requires("redis", "gw2wvw.cache"):
    import redis.asyncio as aioredis
    from redis.exceptions import RedisError

log = logging.getLogger(__name__)

_GENERATION = "gen"

GENERATION = _GENERATION
"""The tag every entry carries: bumping it invalidates the whole cache."""

NEAR_MAX_AGE = 0.5
"""Seconds a process trusts tag versions it read from Redis without reading them again: the
longest it serves a near copy that an invalidation it never received (Redis stalled) should
have removed."""


@dataclass(frozen=True)
class Lookup:
    """What a cache read found: the value (None on a miss) and the tag versions it saw."""

    value: bytes | None
    versions: Mapping[str, int] = field(default_factory=dict)


class Cache(Protocol):
    """The cache interface the API uses."""

    async def get(self, key: str, tags: Sequence[str]) -> Lookup:
        """The value under ``key`` if no tag moved since it was stored, and current versions."""
        ...

    async def set(self, key: str, value: bytes, versions: Mapping[str, int], ttl: float) -> None:
        """Store ``value`` as read under ``versions`` (from a :meth:`get`), for ``ttl`` seconds."""
        ...

    async def bump(self, *tags: str) -> None:
        """Invalidate every entry stored under the current version of each tag."""
        ...

    async def healthy(self) -> bool:
        """Whether the cache answers right now."""
        ...

    async def close(self) -> None:
        """Release connections."""
        ...


def _pack(value: bytes, versions: Mapping[str, int]) -> bytes:
    header = json.dumps(versions, separators=(",", ":"), sort_keys=True).encode()
    return len(header).to_bytes(4, "big") + header + value


def _unpack(blob: bytes) -> tuple[dict[str, int], bytes]:
    size = int.from_bytes(blob[:4], "big")
    return json.loads(blob[4 : 4 + size]), blob[4 + size :]


class MemoryCache:
    """An in-process cache (LRU with TTL) with the same semantics as :class:`RedisCache`."""

    def __init__(self, max_entries: int = 10_000) -> None:
        self._entries: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._versions: dict[str, int] = {}
        self._max = max_entries

    async def get(self, key: str, tags: Sequence[str]) -> Lookup:
        """See :meth:`Cache.get`."""
        versions = {tag: self._versions.get(tag, 0) for tag in (*tags, _GENERATION)}
        found = self._entries.get(key)
        if found is None or found[0] < time.monotonic():
            return Lookup(None, versions)
        stored, value = _unpack(found[1])
        if any(stored.get(tag) != version for tag, version in versions.items()):
            return Lookup(None, versions)
        self._entries.move_to_end(key)
        return Lookup(value, versions)

    async def set(self, key: str, value: bytes, versions: Mapping[str, int], ttl: float) -> None:
        """See :meth:`Cache.set`."""
        self._entries[key] = (time.monotonic() + ttl, _pack(value, versions))
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def bump(self, *tags: str) -> None:
        """See :meth:`Cache.bump`."""
        for tag in tags:
            self._versions[tag] = self._versions.get(tag, 0) + 1

    async def healthy(self) -> bool:
        """Always: memory does not go away."""
        return True

    async def close(self) -> None:
        """Nothing to release."""


class RedisCache:
    """A Redis cache shared by every API process; tag versions are Redis counters.

    Each process also keeps a near cache: entries and tag versions it has seen, which answer
    without a round trip while they are fresh. Every bump is published on a channel that all
    processes listen to, and a process drops what a bump names as soon as the message arrives;
    while it is not listening (Redis down, channel lost) it keeps nothing near, and what it
    keeps is re-read from Redis after ``near_max_age`` seconds at the latest.

    Calls time out fast and, after a failure, Redis is left alone for ``backoff`` seconds, so an
    outage costs requests no more than one timeout each way.
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "gw2wvw:",
        timeout: float = 0.25,
        backoff: float = 1.0,
        near_entries: int = 10_000,
        near_max_age: float = NEAR_MAX_AGE,
    ) -> None:
        self._redis: aioredis.Redis = aioredis.Redis.from_url(
            url,
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            health_check_interval=10,
        )
        # The listener waits for messages indefinitely; a ping each second notices a dead link.
        self._listener_redis: aioredis.Redis = aioredis.Redis.from_url(
            url, socket_connect_timeout=timeout, health_check_interval=1
        )
        self._prefix = prefix
        self._channel = f"{prefix}invalidate"
        self._backoff = backoff
        self._down_until = 0.0
        self._outage = False
        self._near: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._near_entries = near_entries
        self._near_max_age = near_max_age
        self._known: dict[str, tuple[int, float]] = {}
        self._epoch = 0
        # What was forgotten lately (epoch, tags; None: everything), so that a read learns what
        # no invalidation touched while it was in flight, not nothing at all when any did.
        self._forgotten: deque[tuple[int, frozenset[str] | None]] = deque(maxlen=256)
        self._listening = False
        self._listener: asyncio.Task[None] | None = None

    def _key(self, name: str) -> str:
        return f"{self._prefix}{name}"

    def _tag(self, tag: str) -> str:
        return f"{self._prefix}tag:{tag}"

    def _forget(self, tags: Sequence[str] | None = None) -> None:
        """Drop near knowledge of ``tags`` (of everything when None)."""
        self._epoch += 1
        self._forgotten.append((self._epoch, None if tags is None else frozenset(tags)))
        if tags is None:
            self._known.clear()
            self._near.clear()
            return
        for tag in tags:
            self._known.pop(tag, None)

    def _failed(self, error: Exception) -> None:
        if not self._outage:
            log.warning("cache unavailable, serving without it: %s", error)
        self._outage = True
        self._forget()
        self._down_until = time.monotonic() + self._backoff

    def _start_listening(self) -> None:
        if self._listener is None or self._listener.done():
            self._listener = asyncio.get_running_loop().create_task(self._listen())

    async def _listen(self) -> None:
        while True:
            try:
                async with self._listener_redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    async for message in pubsub.listen():
                        if message["type"] == "subscribe":
                            # Anything learned before now may predate a missed message.
                            self._forget()
                            self._listening = True
                        elif message["type"] == "message":
                            self._forget(json.loads(message["data"]))
            except (RedisError, OSError, ValueError) as error:
                log.debug("cache invalidation channel lost: %s", error)
            finally:
                self._listening = False
                self._forget()
            await asyncio.sleep(self._backoff)

    def _untouched_since(self, epoch: int, names: Sequence[str]) -> bool:
        """Whether no invalidation of ``names`` (or of everything) came after ``epoch``."""
        if epoch == self._epoch:
            return True
        if not self._forgotten or self._forgotten[0][0] > epoch + 1:
            return False  # some of what came after is no longer remembered
        for when, tags in reversed(self._forgotten):
            if when <= epoch:
                break
            if tags is None or not tags.isdisjoint(names):
                return False
        return True

    def _near_hit(self, key: str, names: Sequence[str]) -> Lookup | None:
        if not self._listening:
            return None
        now = time.monotonic()
        versions: dict[str, int] = {}
        for tag in names:
            known = self._known.get(tag)
            if known is None or now - known[1] > self._near_max_age:
                return None
            versions[tag] = known[0]
        found = self._near.get(key)
        if found is None or found[0] < now:
            return None
        stored, value = _unpack(found[1])
        if any(stored.get(tag) != version for tag, version in versions.items()):
            return None
        self._near.move_to_end(key)
        return Lookup(value, versions)

    def _keep_near(self, key: str, blob: bytes, ttl: float) -> None:
        expires = time.monotonic() + min(ttl, self._near_max_age)
        self._near[key] = (expires, blob)
        self._near.move_to_end(key)
        while len(self._near) > self._near_entries:
            self._near.popitem(last=False)

    async def _usable(self) -> bool:
        if time.monotonic() < self._down_until:
            return False
        self._start_listening()
        if self._outage:
            # Writes made during the outage could not bump their tags: start a new generation.
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.incr(self._tag(_GENERATION))
                    pipe.publish(self._channel, json.dumps([_GENERATION]))
                    await pipe.execute()
            except (RedisError, OSError) as error:
                self._failed(error)
                return False
            log.warning("cache available again")
            self._outage = False
        return True

    async def get(self, key: str, tags: Sequence[str]) -> Lookup:
        """See :meth:`Cache.get`; a miss when Redis is unreachable."""
        names = [*tags, _GENERATION]
        near = self._near_hit(key, names)
        if near is not None:
            return near
        if not await self._usable():
            return Lookup(None, {})
        epoch = self._epoch
        try:
            found = await self._redis.mget([self._key(key), *(self._tag(t) for t in names)])
        except (RedisError, OSError) as error:
            self._failed(error)
            return Lookup(None, {})
        versions = {tag: int(raw or 0) for tag, raw in zip(names, found[1:], strict=True)}
        # Keep what we learned only if no invalidation of it arrived while we were asking.
        keep = self._listening and self._untouched_since(epoch, names)
        if keep:
            now = time.monotonic()
            self._known.update({tag: (version, now) for tag, version in versions.items()})
        if found[0] is None:
            return Lookup(None, versions)
        blob = found[0].encode() if isinstance(found[0], str) else found[0]
        stored, value = _unpack(blob)
        if any(stored.get(tag) != version for tag, version in versions.items()):
            return Lookup(None, versions)
        if keep:
            self._keep_near(key, blob, self._near_max_age)
        return Lookup(value, versions)

    async def set(self, key: str, value: bytes, versions: Mapping[str, int], ttl: float) -> None:
        """See :meth:`Cache.set`; dropped when the read that gave ``versions`` missed Redis."""
        if not versions or not await self._usable():
            return
        blob = _pack(value, versions)
        try:
            await self._redis.set(self._key(key), blob, px=int(ttl * 1000))
        except (RedisError, OSError) as error:
            self._failed(error)
            return
        if self._listening and all(
            self._known.get(tag, (None,))[0] == version for tag, version in versions.items()
        ):
            self._keep_near(key, blob, ttl)

    async def bump(self, *tags: str) -> None:
        """See :meth:`Cache.bump`; every process drops its near copies of ``tags``."""
        if not tags:
            return
        self._forget(tags)
        if not await self._usable():
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for tag in tags:
                    pipe.incr(self._tag(tag))
                pipe.publish(self._channel, json.dumps(list(tags)))
                await pipe.execute()
        except (RedisError, OSError) as error:
            self._failed(error)
        # Again: a read that started before the increments may have re-learned old versions.
        self._forget(tags)

    async def healthy(self) -> bool:
        """Whether Redis answers a PING now."""
        try:
            return bool(await self._redis.ping())
        except (RedisError, OSError) as error:
            self._failed(error)
            return False

    async def close(self) -> None:
        """Stop listening and close the connection pools."""
        if self._listener is not None:
            self._listener.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._listener
        await self._redis.aclose()
        await self._listener_redis.aclose()


def open_cache(redis_url: str | None, **options: Any) -> Cache:
    """A Redis cache for ``redis_url``, or an in-process one when it is None."""
    return RedisCache(redis_url, **options) if redis_url else MemoryCache()
