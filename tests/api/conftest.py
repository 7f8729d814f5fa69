"""API fixtures: the app on each database, in-process clients, users with tokens, chat codes.

Every test that takes ``app`` or ``client`` runs twice:

- ``sqlite``: the embedded default (the SQLite file in a fresh ``data_dir``, the in-process
  cache); the file starts as a copy of a migrated template, so the migration on start is quick;
- ``postgresql``: the production shape (this run's PostgreSQL database, emptied before each test,
  and Redis, with a key prefix of the test's own so that parallel runs never share entries).

Outside CI a missing PostgreSQL or Redis skips the second; in CI (``CI`` set) it fails.
"""

from __future__ import annotations

import asyncio
import secrets
import shutil
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.app import create_app
from gw2wvw_api.caching import ResponseCache
from gw2wvw_api.throttle import Throttle
from gw2wvw_api.tokens import TokenCache
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.engine import make_url

from gw2wvw.cache import RedisCache
from gw2wvw.settings import Settings
from gw2wvw.store import Actor, Store, TokenCreate, UserCreate
from gw2wvw.store.schemas import SCOPES
from tests.support.databases import (
    TABLES,
    create_postgres_database,
    drop_postgres_database,
    sqlite_template,
    unavailable,
)
from tests.support.redis_server import SHARED_REDIS_URL

# Published WvW builds (sources: the pack's wvw-roles-reference.json and codes.txt), as in
# tests/integration/test_store_builds.py.
FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
LEGACY_RANGER = "[&DQQIGiA/Nyp5AC4XpQGlAbUAvAC8AKwBLhYuFjsuFS8AAAAAAAAAAAAAAAA=]"
"""A Soulbeast in the legacy pet encoding: stored under its current canonical code."""
BAD_PET = "[&DQQILxk+BRsJEwAAvQAAALkAAADmEgAAtBIAADxAAAAAAAAAAAAAAAAAAAA=]"
"""A ranger code whose pet does not exist: decodes, then fails validation."""
RENEGADE = "[&DQkPPQMZPyrcEdwRBhIGEisSKxLUEdQRyhHKEQUCAwLUESsSBhIGEisS1BECawBaAAA=]"
"""A valid Renegade, an elite specialization the roles table has no archetype for."""

REDIS_URL = SHARED_REDIS_URL
"""The Redis the ``postgresql`` variant caches in (``GW2WVW_TEST_REDIS_URL``)."""

PASSWORD = "correct horse battery"
"""The password :func:`sign_up` gives accounts."""

AppFactory = Callable[..., Awaitable[FastAPI]]
"""``await make_app(**settings)``: a started app on this test's database."""


@dataclass(frozen=True)
class Account:
    """A user with an API token."""

    id: uuid.UUID
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>``."""
        return {"Authorization": f"Bearer {self.token}"}

    @property
    def actor(self) -> Actor:
        """The user as the store's actor."""
        return Actor(user_id=self.id, name=self.name)


@dataclass(frozen=True)
class Backend:
    """Where an app keeps its data: settings for ``create_app`` and whether Redis caches."""

    name: str
    settings: Settings
    redis_url: str | None = None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This run's own PostgreSQL database, migrated to the newest schema."""
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


async def _truncate(url: str) -> None:
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    connection = await asyncpg.connect(dsn, timeout=5)
    try:
        await connection.execute(f"TRUNCATE {', '.join(TABLES)} CASCADE")
    finally:
        await connection.close()


async def _redis_error() -> Exception | None:
    client: Redis = Redis.from_url(REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        await client.ping()
    except (RedisError, OSError) as error:
        return error
    finally:
        await client.aclose()
    return None


@pytest.fixture(scope="session")
def sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database that each test copies into its data directory."""
    return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    """The embedded default (``sqlite``) or PostgreSQL with Redis (``postgresql``), empty."""
    if request.param == "sqlite":
        settings = Settings(data_dir=tmp_path / "data")
        settings.data_dir.mkdir()
        template = request.getfixturevalue("sqlite_template_file")
        database = make_url(settings.resolved_database_url()).database
        assert database is not None
        shutil.copyfile(template, database)
        return Backend("sqlite", settings)
    error = asyncio.run(_redis_error())
    if error is not None:
        unavailable(f"Redis at {REDIS_URL}", error)
    url = str(request.getfixturevalue("postgres_url"))
    asyncio.run(_truncate(url))
    settings = Settings(data_dir=tmp_path / "data", database_url=url, redis_url=REDIS_URL)
    return Backend("postgresql", settings, REDIS_URL)


async def _isolate_redis(app: FastAPI, url: str, stack: AsyncExitStack) -> None:
    """Give the app a Redis cache under a key prefix of its own; remove its keys at the end."""
    prefix = f"gw2wvw-test:{secrets.token_hex(8)}:"
    cache = RedisCache(url, prefix=prefix)
    services = app.state.services
    services.cache = cache
    services.responses = ResponseCache(cache, services.settings.cache_ttl)
    services.tokens = TokenCache(services.store, cache)
    await services.throttle.close()
    services.throttle = Throttle(services.settings, url, prefix=prefix + "throttle")

    async def clean() -> None:
        client: Redis = Redis.from_url(url)
        try:
            keys = [key async for key in client.scan_iter(match=prefix + "*")]
            if keys:
                await client.delete(*keys)
        finally:
            await client.aclose()
            await cache.close()
            await services.throttle.close()

    stack.push_async_callback(clean)


@pytest.fixture
async def make_app(backend: Backend) -> AsyncIterator[AppFactory]:
    """Start apps on this test's database: ``await make_app(signup_enabled=False)``.

    Keyword arguments override settings. Every app started runs its lifespan until the test
    ends; apps of one test share the database (and, on ``postgresql``, not their cache).
    """
    async with AsyncExitStack() as stack:

        async def start(**overrides: Any) -> FastAPI:
            app = create_app(backend.settings.model_copy(update=overrides))
            await stack.enter_async_context(app.router.lifespan_context(app))
            if backend.redis_url is not None:
                await _isolate_redis(app, backend.redis_url, stack)
            return app

        yield start


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    """A started app with the default settings on an empty database."""
    return await make_app()


def client_for(app: FastAPI) -> httpx.AsyncClient:
    """An in-process client of ``app`` (use it in ``async with``)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process client of ``app``."""
    async with client_for(app) as opened:
        yield opened


def store_of(app: FastAPI) -> Store:
    """The store a started app uses."""
    store: Store = app.state.services.store
    return store


async def add_user(app: FastAPI, name: str) -> Account:
    """A user with a token of every scope, made through the store: fast (no password, so no
    Argon2 hash)."""
    store = store_of(app)
    user = await store.users.create(UserCreate(name=name))
    actor = Actor(user_id=user.id, name=user.name)
    token = await store.tokens.create(actor, TokenCreate(name="tests", scopes=SCOPES))
    return Account(user.id, user.name, token.token)


async def sign_up(client: httpx.AsyncClient, name: str, password: str = PASSWORD) -> Account:
    """A user signed up through ``POST /v1/users`` (slow: it hashes ``password``)."""
    response = await client.post("/v1/users", json={"name": name, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(uuid.UUID(body["user"]["id"]), body["user"]["name"], body["token"]["token"])


@pytest.fixture
async def alice(app: FastAPI) -> Account:
    """A user with a token."""
    return await add_user(app, "alice")


@pytest.fixture
async def bob(app: FastAPI) -> Account:
    """Another user with a token."""
    return await add_user(app, "bob")


def assert_problem(
    response: httpx.Response, status: int, code: str, *, paths: list[str] | None = None
) -> dict[str, Any]:
    """Check a problem+json answer (status, type, title, code; with ``paths``, its errors')."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:gw2wvw:problem:{code}"
    assert body["title"]
    assert body["instance"] == response.request.url.path
    assert "Traceback" not in response.text
    if paths is not None:
        assert [e["path"] for e in body["errors"]] == paths
        assert all(e["code"] and e["message"] for e in body["errors"])
    return body


def documented_statuses(prefixes: tuple[str, ...]) -> dict[tuple[str, str], set[int]]:
    """The statuses the OpenAPI document gives each operation under ``prefixes``.

    Checks on the way that every documented error is a problem+json :class:`Problem`, and that
    every operation documents 503 (the database may be down), which is left out of the result.
    """
    schema = create_app(Settings()).openapi()
    found: dict[tuple[str, str], set[int]] = {}
    for path, operations in schema["paths"].items():
        if not path.startswith(prefixes):
            continue
        for method, operation in operations.items():
            statuses = {int(status) for status in operation["responses"]}
            for status in statuses:
                if status >= 400:
                    content = operation["responses"][str(status)]["content"]
                    assert list(content) == ["application/problem+json"], (method, path, status)
                    schema_ref = content["application/problem+json"]["schema"]["$ref"]
                    assert schema_ref == "#/components/schemas/Problem"
            assert 503 in statuses, (method, path)
            found[(method.upper(), path)] = statuses - {503}
    return found


PRIVATE = "private, no-cache"
"""``Cache-Control`` of user data."""
VARY = "Authorization, Accept-Encoding"
"""``Vary`` of every response that depends on the caller."""


def assert_private_read(response: httpx.Response) -> None:
    """A user-data GET: 200, a weak ETag, private caching and Vary."""
    assert response.status_code == 200, response.text
    assert response.headers["etag"].startswith('W/"')
    assert response.headers["cache-control"] == PRIVATE
    assert response.headers["vary"] == VARY
