"""Real databases for tests: a migrated SQLite template and one PostgreSQL database per run."""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy.engine import make_url

from gw2wvw.store import migrate
from gw2wvw.store.engine import create_engine

POSTGRES_ADMIN_URL = os.environ.get(
    "GW2WVW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
"""A PostgreSQL database the tests may connect to in order to create their own."""

DATABASE_PREFIX = os.environ.get("GW2WVW_TEST_DATABASE_PREFIX", "gw2wvw_test")
"""How the names of the PostgreSQL databases the tests create begin."""

TABLES = (
    "signups",
    "events",
    "webhook_attempts",
    "webhook_deliveries",
    "outbox",
    "webhook_endpoints",
    "fights",
    "composition_tags",
    "composition_members",
    "compositions",
    "build_tags",
    "builds",
    "tags",
    "api_tokens",
    "gw2_keys",
    "users",
)


def unavailable(what: str, error: BaseException) -> None:
    """Skip outside CI, fail in CI: a service the tests need is not there."""
    message = f"{what} is not reachable ({type(error).__name__}: {error})"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must provide it")
    pytest.skip(message)


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _admin(sql: str) -> None:
    connection = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


def create_postgres_database() -> str:
    """A fresh, migrated PostgreSQL database for this run; returns its URL."""
    name = f"{DATABASE_PREFIX}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}", error)
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_migrate(url))
    return url


def drop_postgres_database(url: str) -> None:
    """Remove a database made by :func:`create_postgres_database`."""
    name = make_url(url).database
    asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def sqlite_template(directory: Path) -> Path:
    """A migrated SQLite file to copy for each test."""
    path = directory / "template.db"
    asyncio.run(_migrate(f"sqlite+aiosqlite:///{path}"))
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    """A copy of the migrated template; returns its URL."""
    path = directory / "store.db"
    shutil.copyfile(template, path)
    return f"sqlite+aiosqlite:///{path}"


def create_empty_postgres_database() -> str:
    """A fresh PostgreSQL database with no tables at all (never migrated); returns its URL.

    Remove it with :func:`drop_postgres_database`.
    """
    name = f"{DATABASE_PREFIX}_{os.getpid()}_{secrets.token_hex(4)}"
    try:
        asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    except (OSError, asyncpg.PostgresError, TimeoutError) as error:
        unavailable(f"PostgreSQL at {POSTGRES_ADMIN_URL}", error)
    return make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)


async def terminate_connections(url: str) -> int:
    """Make the server drop every connection to ``url``'s database; returns how many it ended."""
    connection = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=5)
    try:
        ended = await connection.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            make_url(url).database,
        )
    finally:
        await connection.close()
    return int(ended)


def drop_leftover_databases() -> None:
    """Drop every database this test process made and did not drop (a test that crashed)."""

    async def run() -> None:
        connection = await asyncpg.connect(_dsn(POSTGRES_ADMIN_URL), timeout=5)
        try:
            names = await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1",
                f"{DATABASE_PREFIX}_{os.getpid()}_%",
            )
            for row in names:
                await connection.execute(f'DROP DATABASE IF EXISTS "{row[0]}" WITH (FORCE)')
        finally:
            await connection.close()

    # No PostgreSQL: nothing was made there.
    with contextlib.suppress(OSError, asyncpg.PostgresError, TimeoutError):
        asyncio.run(run())
