"""Store fixtures: every test that takes ``store`` runs on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from gw2wvw.store import Actor, Store, UserCreate, open_store
from tests.support.databases import (
    TABLES,
    create_postgres_database,
    drop_postgres_database,
    fresh_sqlite,
    sqlite_template,
)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """This run's own PostgreSQL database, migrated to the newest schema."""
    url = create_postgres_database()
    yield url
    drop_postgres_database(url)


@pytest.fixture(scope="session")
def sqlite_template_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database that each test copies."""
    return sqlite_template(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty, migrated database of each kind."""
    if request.param == "sqlite":
        return fresh_sqlite(request.getfixturevalue("sqlite_template_file"), tmp_path)
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[Store]:
    """A store on an empty database (PostgreSQL tables are emptied before each test)."""
    async with open_store(database_url) as opened:
        if opened.dialect == "postgresql":
            async with opened.transaction() as tx:
                await tx.session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
        yield opened


async def sign_up(store: Store, name: str) -> Actor:
    """A user without a password (no slow hash), as an actor."""
    user = await store.users.create(UserCreate(name=name))
    return Actor(user_id=user.id, name=user.name)


@pytest.fixture
async def alice(store: Store) -> Actor:
    """A signed-in user."""
    return await sign_up(store, "alice")


@pytest.fixture
async def bob(store: Store) -> Actor:
    """Another signed-in user."""
    return await sign_up(store, "bob")
