"""The tag-versioned cache: in-process and on real Redis, with near copies and outages."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from gw2wvw.cache import NEAR_MAX_AGE, Cache, MemoryCache, RedisCache, open_cache
from tests.support.redis_server import RedisServer, require_shared_redis


def prefix() -> str:
    return f"gw2wvw-test-{secrets.token_hex(6)}:"


@pytest.fixture(params=["memory", "redis"])
async def cache(request: pytest.FixtureRequest) -> AsyncIterator[Cache]:
    if request.param == "memory":
        yield MemoryCache(max_entries=3)
        return
    url, name = require_shared_redis(), prefix()
    opened = RedisCache(url, prefix=name)
    yield opened
    await opened.close()
    # Tag counters never expire on their own: remove what this test wrote to the shared Redis.
    client: Redis = Redis.from_url(url)
    try:
        keys = [key async for key in client.scan_iter(match=name + "*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


async def test_a_stored_entry_is_served_until_a_tag_moves(cache: Cache) -> None:
    miss = await cache.get("build:1", ["build:1", "builds"])
    assert miss.value is None
    await cache.set("build:1", b"one", miss.versions, ttl=30)
    assert (await cache.get("build:1", ["build:1", "builds"])).value == b"one"
    await cache.bump("builds")
    after = await cache.get("build:1", ["build:1", "builds"])
    assert after.value is None
    assert after.versions["builds"] == miss.versions["builds"] + 1
    await cache.set("build:1", b"two", after.versions, ttl=30)
    assert (await cache.get("build:1", ["build:1", "builds"])).value == b"two"


async def test_an_entry_read_before_a_write_is_never_served_after_it(cache: Cache) -> None:
    # The reader saw the versions, then a writer bumped, then the reader stored its data.
    seen = await cache.get("k", ["t"])
    await cache.bump("t")
    await cache.set("k", b"stale", seen.versions, ttl=30)
    assert (await cache.get("k", ["t"])).value is None


async def test_entries_expire(cache: Cache) -> None:
    seen = await cache.get("k", ["t"])
    await cache.set("k", b"brief", seen.versions, ttl=0.05)
    await asyncio.sleep(0.1)
    assert (await cache.get("k", ["t"])).value is None


async def test_bumping_the_generation_invalidates_everything(cache: Cache) -> None:
    for key in ("a", "b"):
        seen = await cache.get(key, [key])
        await cache.set(key, key.encode(), seen.versions, ttl=30)
    await cache.bump("gen")
    assert (await cache.get("a", ["a"])).value is None
    assert (await cache.get("b", ["b"])).value is None
    assert await cache.healthy()


async def test_the_memory_cache_evicts_the_least_recently_used() -> None:
    memory = MemoryCache(max_entries=2)
    for key in ("a", "b"):
        await memory.set(key, key.encode(), (await memory.get(key, [])).versions, ttl=30)
    await memory.get("a", [])
    await memory.set("c", b"c", (await memory.get("c", [])).versions, ttl=30)
    assert (await memory.get("a", [])).value == b"a"
    assert (await memory.get("b", [])).value is None
    assert isinstance(open_cache(None), MemoryCache)


async def settle(cache: RedisCache) -> None:
    """Wait until the cache listens for invalidations."""
    await cache.get("warm-up", [])
    for _ in range(100):
        if cache._listening:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the cache never subscribed")


async def test_near_copies_answer_without_a_round_trip(redis_server: RedisServer) -> None:
    cache = RedisCache(redis_server.url, prefix=prefix())
    try:
        await settle(cache)
        seen = await cache.get("k", ["t"])
        await cache.set("k", b"near", seen.versions, ttl=30)
        before = redis_server.commands_processed()
        for _ in range(200):
            assert (await cache.get("k", ["t"])).value == b"near"
        # Two hundred reads cost no command; INFO itself and a health-check PING may count.
        assert redis_server.commands_processed() - before <= 3
    finally:
        await cache.close()


async def test_a_bump_in_another_process_reaches_near_copies(redis_server: RedisServer) -> None:
    here = RedisCache(redis_server.url, prefix="shared:")
    there = RedisCache(redis_server.url, prefix="shared:")
    try:
        await settle(here)
        seen = await here.get("build:1", ["build:1"])
        await here.set("build:1", b"v1", seen.versions, ttl=30)
        assert (await here.get("build:1", ["build:1"])).value == b"v1"
        await there.bump("build:1")
        deadline = time.monotonic() + 1
        while (await here.get("build:1", ["build:1"])).value is not None:
            assert time.monotonic() < deadline, "the invalidation never arrived"
            await asyncio.sleep(0.001)
    finally:
        await here.close()
        await there.close()


async def test_a_bump_during_a_read_is_not_forgotten(redis_server: RedisServer) -> None:
    here = RedisCache(redis_server.url, prefix="shared:")
    there = RedisCache(redis_server.url, prefix="shared:")
    try:
        await settle(here)
        real_mget = here._redis.mget

        async def mget_then_bump(*args: Any, **kwargs: Any) -> Any:
            found = await real_mget(*args, **kwargs)
            await there.bump("t")  # lands after Redis answered, before we use the answer
            await asyncio.sleep(0.05)  # and its message reaches us
            return found

        here._redis.mget = mget_then_bump  # type: ignore[method-assign]
        stale = await here.get("k", ["t"])
        here._redis.mget = real_mget  # type: ignore[method-assign]
        await here.set("k", b"stale", stale.versions, ttl=30)
        assert (await here.get("k", ["t"])).value is None
    finally:
        await here.close()
        await there.close()


async def test_a_bump_of_other_tags_during_a_read_keeps_its_near_copy(
    redis_server: RedisServer,
) -> None:
    # Writes to other resources (other tags) land all the time under load: they must not stop
    # a read from keeping what it learned, or hot entries would never be near.
    here = RedisCache(redis_server.url, prefix=prefix())
    try:
        await settle(here)
        seen = await here.get("token:x", ["tokens:u"])
        await here.set("token:x", b"actor", seen.versions, ttl=30)
        here._near.clear()
        real_mget = here._redis.mget

        async def mget_then_bump(*args: Any, **kwargs: Any) -> Any:
            found = await real_mget(*args, **kwargs)
            await here.bump("build:1", "builds")
            return found

        here._redis.mget = mget_then_bump  # type: ignore[method-assign]
        assert (await here.get("token:x", ["tokens:u"])).value == b"actor"
        here._redis.mget = real_mget  # type: ignore[method-assign]
        before = redis_server.commands_processed()
        for _ in range(50):
            assert (await here.get("token:x", ["tokens:u"])).value == b"actor"
        assert redis_server.commands_processed() - before <= 3
        # A bump of everything during a read still keeps nothing.
        here._near.clear()

        async def mget_then_forget_all(*args: Any, **kwargs: Any) -> Any:
            found = await real_mget(*args, **kwargs)
            here._forget()
            return found

        here._redis.mget = mget_then_forget_all  # type: ignore[method-assign]
        await here.get("token:x", ["tokens:u"])
        here._redis.mget = real_mget  # type: ignore[method-assign]
        assert here._near_hit("token:x", ["tokens:u", "gen"]) is None
    finally:
        await here.close()


async def test_an_outage_never_fails_a_caller_and_recovery_starts_afresh(
    redis_server: RedisServer,
) -> None:
    cache = RedisCache(redis_server.url, prefix=prefix(), backoff=0.2)
    try:
        await settle(cache)
        seen = await cache.get("k", ["t"])
        await cache.set("k", b"before", seen.versions, ttl=30)
        redis_server.stop()
        await asyncio.sleep(0.1)  # the invalidation channel notices at once
        started = time.monotonic()
        assert (await cache.get("k", ["t"])).value is None
        await cache.set("k", b"lost", {"t": 0, "gen": 0}, ttl=30)
        await cache.bump("t")
        assert not await cache.healthy()
        assert time.monotonic() - started < 2
        redis_server.start()  # empty: Redis lost its data
        await asyncio.sleep(0.3)
        fresh = await cache.get("k", ["t"])
        assert fresh.value is None
        # The first call after the outage started a new generation.
        assert fresh.versions["gen"] == 1
        await cache.set("k", b"after", fresh.versions, ttl=30)
        assert (await cache.get("k", ["t"])).value == b"after"
        assert await cache.healthy()
    finally:
        await cache.close()


async def test_a_stalled_redis_lets_near_copies_live_at_most_near_max_age(
    redis_server: RedisServer,
) -> None:
    # Issue 13, finding 9: during a stall (Redis up but not answering) no invalidation arrives;
    # a process serves its near copy until it last heard the tag versions near_max_age ago.
    # With the defaults: the bound the README states (it was 2 s).
    bound = NEAR_MAX_AGE
    assert bound == 0.5
    here = RedisCache(redis_server.url, prefix="stall:")
    there = RedisCache(redis_server.url, prefix="stall:")
    try:
        await settle(here)
        seen = await here.get("build:1", ["build:1"])
        heard = time.monotonic()  # here read the versions from Redis just now
        await here.set("build:1", b"public", seen.versions, ttl=30)
        redis_server.pause()
        try:
            await there.bump("build:1")  # the write: its invalidation cannot get through
            last_stale = heard
            while time.monotonic() - heard < bound + 1.5:
                if (await here.get("build:1", ["build:1"])).value is not None:
                    last_stale = time.monotonic()
                await asyncio.sleep(0.01)
        finally:
            redis_server.resume()
        served_for = last_stale - heard
        assert served_for <= bound + 0.05, f"a near copy was served {served_for:.2f} s"
        assert (await here.get("build:1", ["build:1"])).value is None
    finally:
        await here.close()
        await there.close()
