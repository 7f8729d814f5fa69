"""Bearer tokens answered from the cache: revocation still takes effect at once, everywhere."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.caching import ResponseCache
from gw2wvw_api.tokens import TokenCache
from redis.asyncio import Redis

from gw2wvw.cache import RedisCache
from gw2wvw.store import Actor, TokenCreate
from gw2wvw.store.tables import utcnow
from tests.api.conftest import (
    FIREBRAND,
    PASSWORD,
    Account,
    AppFactory,
    Backend,
    assert_problem,
    client_for,
    sign_up,
    store_of,
)


async def _me(client: httpx.AsyncClient, token: str) -> int:
    response = await client.get("/v1/me", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


async def _refused_soon(client: httpx.AsyncClient, token: str, within: float = 1.0) -> bool:
    """Whether ``token`` answers 401 within ``within`` seconds (the invalidation travels over
    Redis pub/sub to the other process's listener)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while loop.time() < deadline:
        if await _me(client, token) == 401:
            return True
        await asyncio.sleep(0.005)
    return False


async def _revoke_in_the_database(app: FastAPI, account: Account, token_id: object) -> None:
    """Revoke behind the API's back: nothing tells the cache."""
    await store_of(app).tokens.revoke(account.actor, token_id)  # type: ignore[arg-type]


async def test_a_token_is_answered_from_the_cache_and_revoking_it_refuses_it_at_once(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    store = store_of(app)
    cached = await store.tokens.create(alice.actor, TokenCreate(name="cached"))
    for _ in range(3):
        assert await _me(client, cached.token) == 200
    # Proof that the answer now comes from the cache: a revocation the API does not see.
    await _revoke_in_the_database(app, alice, cached.id)
    assert await _me(client, cached.token) == 200
    # Through the API, a revocation is seen by the very next request.
    other = await store.tokens.create(alice.actor, TokenCreate(name="other"))
    for _ in range(3):
        assert await _me(client, other.token) == 200
    revoked = await client.delete(f"/v1/tokens/{other.id}", headers=alice.headers)
    assert revoked.status_code == 200
    assert await _me(client, other.token) == 401
    # Changing the account forgets its cached tokens too (the stale one is refused now).
    changed = await client.patch("/v1/me", headers=alice.headers, json={"display_name": "Al"})
    assert changed.status_code == 200
    assert await _me(client, cached.token) == 401
    assert await _me(client, alice.token) == 200


async def test_a_cached_token_is_refused_once_it_expires(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    expiring = await store_of(app).tokens.create(
        alice.actor, TokenCreate(expires_at=utcnow() + timedelta(seconds=1.5))
    )
    for _ in range(3):
        assert await _me(client, expiring.token) == 200
    await asyncio.sleep(1.6)
    assert await _me(client, expiring.token) == 401


async def test_a_deleted_account_s_tokens_are_refused(client: httpx.AsyncClient) -> None:
    carol = await sign_up(client, "carol")
    for _ in range(3):
        assert await _me(client, carol.token) == 200
    # Deleting the account takes the password (HTTP Basic), not a token.
    assert (await client.delete("/v1/me", auth=("carol", PASSWORD))).status_code == 204
    assert await _me(client, carol.token) == 401


async def test_a_cached_token_keeps_its_scopes(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    reader = await store_of(app).tokens.create(
        alice.actor, TokenCreate(name="reader", scopes=("read",))
    )
    for _ in range(3):
        assert await _me(client, reader.token) == 200
    # Answered from the cache now: a revocation behind the API's back goes unseen...
    await _revoke_in_the_database(app, alice, reader.id)
    assert await _me(client, reader.token) == 200
    # ... and the cached answer grants no more than the token was issued with.
    body = {"name": "fb", "chat_code": FIREBRAND}
    refused = await client.post(
        "/v1/builds", headers={"Authorization": f"Bearer {reader.token}"}, json=body
    )
    assert_problem(refused, 403, "insufficient_scope")
    listed = await client.get("/v1/tokens", headers={"Authorization": f"Bearer {reader.token}"})
    assert_problem(listed, 403, "insufficient_scope")


async def _other_token_of(app: FastAPI, account: Account) -> str:
    """A second token of ``account`` (read and write), as another device would hold."""
    return (await store_of(app).tokens.create(account.actor, TokenCreate(name="old laptop"))).token


async def test_a_new_password_refuses_the_account_s_other_cached_tokens_at_once(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # Issue 13 revokes the other tokens on a password change; issue 14 caches tokens: the
    # revoked ones must not stay accepted for the cache's minute.
    carol = await sign_up(client, "carol")
    other = await _other_token_of(app, carol)
    for _ in range(3):
        assert await _me(client, other) == 200
        assert await _me(client, carol.token) == 200
    changed = await client.patch(
        "/v1/me",
        headers=carol.headers,
        json={"password": "a new long passphrase", "current_password": PASSWORD},
    )
    assert changed.status_code == 200, changed.text
    assert await _me(client, other) == 401
    # The token that made the change (its cached answer names it) stays valid.
    assert await _me(client, carol.token) == 200


@pytest.fixture
async def two_apps(backend: Backend, make_app: AppFactory) -> AsyncIterator[list[FastAPI]]:
    """Two API processes' apps on one database and one Redis cache (PostgreSQL backend)."""
    assert backend.redis_url is not None
    apps = [await make_app(), await make_app()]
    prefix = f"gw2wvw-test:{secrets.token_hex(8)}:"
    caches = [RedisCache(backend.redis_url, prefix=prefix) for _ in apps]
    for app, cache in zip(apps, caches, strict=True):
        services = app.state.services
        services.cache = cache
        services.responses = ResponseCache(cache, services.settings.cache_ttl)
        services.tokens = TokenCache(services.store, cache)
    try:
        yield apps
    finally:
        client: Redis = Redis.from_url(backend.redis_url)
        keys = [key async for key in client.scan_iter(match=prefix + "*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
        for cache in caches:
            await cache.close()


# Two processes share a cache only through Redis, which the PostgreSQL backend has.
@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_revoking_in_one_process_refuses_the_token_in_the_other(
    two_apps: list[FastAPI],
) -> None:
    first, second = two_apps
    store = store_of(first)
    async with client_for(first) as one, client_for(second) as two:
        signed_up = await one.post("/v1/users", json={"name": "ann", "password": "pass phrase 1"})
        assert signed_up.status_code == 201
        owner = signed_up.json()["token"]["token"]
        user_id = signed_up.json()["user"]["id"]
        actor = Actor(user_id=uuid.UUID(user_id), name="ann")
        token = await store.tokens.create(actor, TokenCreate(name="bot"))
        for _ in range(3):
            assert await _me(one, token.token) == 200
            assert await _me(two, token.token) == 200
        revoked = await two.delete(
            f"/v1/tokens/{token.id}", headers={"Authorization": f"Bearer {owner}"}
        )
        assert revoked.status_code == 200
        assert await _refused_soon(one, token.token)
        assert await _me(two, token.token) == 401


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
async def test_a_new_password_in_one_process_refuses_the_other_tokens_in_the_other(
    two_apps: list[FastAPI],
) -> None:
    first, second = two_apps
    async with client_for(first) as one, client_for(second) as two:
        dana = await sign_up(one, "dana")
        other = await _other_token_of(first, dana)
        for _ in range(3):
            assert await _me(one, other) == 200
            assert await _me(two, other) == 200
        changed = await two.patch(
            "/v1/me",
            headers=dana.headers,
            json={"password": "a new long passphrase", "current_password": PASSWORD},
        )
        assert changed.status_code == 200, changed.text
        assert await _me(two, other) == 401
        assert await _refused_soon(one, other)
        assert await _me(one, dana.token) == 200
