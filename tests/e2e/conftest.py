"""End-to-end fixtures: real uvicorn processes, real PostgreSQL, a private redis-server.

- ``cluster``: two API processes (``a`` and ``b``) on this run's PostgreSQL database and one
  private Redis, as in production behind a proxy; started once per session. Tests write
  through one process and read through the other, so what they check travels through Redis.
- ``live_server``: a factory for servers of a test's own (stopped at the end of the test).

Outside CI a missing PostgreSQL, redis-server, uv or curl skips; in CI (``CI`` set) it fails.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.databases import create_postgres_database, drop_postgres_database
from tests.support.live_server import LiveServer, ServerError
from tests.support.redis_server import RedisServer

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
"""A published WvW Firebrand (its canonical form: stored as given)."""
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
"""A published WvW Scourge."""

PASSWORD = "correct horse battery"
PRIVATE = "private, no-cache"
VARY = "Authorization, Accept-Encoding"


@dataclass(frozen=True)
class Account:
    """A user signed up through the API, with its first token."""

    id: str
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        """``Authorization: Bearer <token>``."""
        return {"Authorization": f"Bearer {self.token}"}


@dataclass(frozen=True)
class Cluster:
    """Two API processes sharing one PostgreSQL database and one Redis."""

    a: LiveServer
    b: LiveServer
    redis: RedisServer

    @property
    def servers(self) -> tuple[LiveServer, LiveServer]:
        """Both processes, ``a`` first."""
        return (self.a, self.b)


def start_all(servers: list[LiveServer]) -> None:
    """Launch every server at once (they import and start in parallel), then wait for each."""
    for server in servers:
        server.launch()
    for server in servers:
        try:
            server.wait_ready()
        except ServerError:
            for each in servers:
                each.close()
            raise


def unique(prefix: str) -> str:
    """A user name no other test (or run on this database) uses."""
    return f"{prefix}-{secrets.token_hex(4)}"


def sign_up(base_url: str, prefix: str, password: str = PASSWORD) -> Account:
    """A new user through ``POST /v1/users``."""
    response = httpx.post(
        f"{base_url}/v1/users", json={"name": unique(prefix), "password": password}, timeout=30
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(body["user"]["id"], body["user"]["name"], body["token"]["token"])


def create_build(
    base_url: str, account: Account, code: str = FIREBRAND, **fields: Any
) -> dict[str, Any]:
    """A stored build (private unless ``visibility`` says otherwise); returns its JSON."""
    body = {"name": "fb", "chat_code": code, **fields}
    response = httpx.post(f"{base_url}/v1/builds", headers=account.headers, json=body, timeout=30)
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == 'W/"v1"'
    created: dict[str, Any] = response.json()
    return created


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Check a problem+json answer and return its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code)
    assert body["type"] == f"urn:gw2wvw:problem:{code}"
    assert body["title"]
    assert "Traceback" not in response.text
    return body


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This run's own PostgreSQL database (a fresh name), migrated; dropped at the end."""
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


TEST_LIMITS = {"GW2WVW_THROTTLE_SIGN_UP": "1000/minute", "GW2WVW_THROTTLE_TOKENS": "1000/minute"}
"""Throttling for servers that many tests sign up on from one address (tests/api tests it)."""


def postgres_env(postgres_url: str, redis_url: str, data_dir: Path) -> dict[str, str]:
    """Settings of a production-shaped server."""
    return {
        "GW2WVW_DATABASE_URL": postgres_url,
        "GW2WVW_REDIS_URL": redis_url,
        "GW2WVW_DATA_DIR": str(data_dir),
        **TEST_LIMITS,
    }


@pytest.fixture(scope="session")
def cluster(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """Two API processes on this run's PostgreSQL database with a private Redis."""
    redis = RedisServer(tmp_path_factory.mktemp("e2e-redis"))
    redis.start()
    env = postgres_env(postgres_url, redis.url, tmp_path_factory.mktemp("e2e-data"))
    servers = [LiveServer(env, name="api-a"), LiveServer(env, name="api-b")]
    try:
        start_all(servers)
        yield Cluster(servers[0], servers[1], redis)
    finally:
        for server in servers:
            server.close()
        redis.stop()


class ServerFactory:
    """Servers of one test, stopped when it ends."""

    def __init__(self) -> None:
        self.started: list[LiveServer] = []

    def __call__(self, env: dict[str, str], **options: Any) -> LiveServer:
        """One started server (``options`` as for :class:`LiveServer`)."""
        server = LiveServer(env, **options)
        self.started.append(server)
        return server.start()

    def several(self, env: dict[str, str], names: list[str]) -> list[LiveServer]:
        """Servers with the same settings, started in parallel."""
        servers = [LiveServer(env, name=name) for name in names]
        self.started.extend(servers)
        start_all(servers)
        return servers

    def close(self) -> None:
        """Stop every server."""
        for server in self.started:
            server.close()


@pytest.fixture
def live_server() -> Iterator[ServerFactory]:
    """Start servers of this test's own: ``live_server({"GW2WVW_DATA_DIR": ...})``."""
    factory = ServerFactory()
    yield factory
    factory.close()


@pytest.fixture(autouse=True)
def _cluster_logs_no_errors(request: pytest.FixtureRequest) -> Iterator[None]:
    """After each test on the cluster: both processes still run and logged no traceback."""
    if "cluster" not in request.fixturenames:
        yield
        return
    cluster: Cluster = request.getfixturevalue("cluster")
    offsets = [server.log_path.stat().st_size for server in cluster.servers]
    yield
    for server, offset in zip(cluster.servers, offsets, strict=True):
        with server.log_path.open("rb") as log:
            log.seek(offset)
            written = log.read().decode(errors="replace")
        assert server.alive(), f"{server.name} stopped:\n{written}"
        assert "Traceback" not in written, f"{server.name} logged an error:\n{written}"


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A client that keeps its connections open (no base URL: tests name the server)."""
    with httpx.Client(timeout=30) as client:
        yield client
