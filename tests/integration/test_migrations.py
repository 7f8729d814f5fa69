"""Migrations on fresh SQLite and PostgreSQL databases: up, down, up again, no drift, the CLI."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Integer,
    MetaData,
    Uuid,
    bindparam,
    inspect,
    text,
)
from sqlalchemy.ext.asyncio import AsyncEngine
from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.store import (
    Actor,
    BuildCreate,
    BuildQuery,
    StoreError,
    StoreUnavailable,
    UserCreate,
    migrate,
    open_store,
)
from gw2wvw.store.engine import create_engine, normalise_url
from gw2wvw.store.tables import Base
from tests.support.databases import (
    POSTGRES_ADMIN_URL,
    TABLES,
    create_empty_postgres_database,
    drop_postgres_database,
    terminate_connections,
)

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"

runner = CliRunner()

USER_ID = uuid.UUID("0191c0de-0000-7000-8000-000000000001")
TOKEN_ID = uuid.UUID("0191c0de-0000-7000-8000-000000000002")
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
TYPED = (
    bindparam("id", type_=Uuid),
    bindparam("user", type_=Uuid),
    bindparam("now", type_=DateTime(timezone=True)),
)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that exists but was never migrated."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    url = create_empty_postgres_database()
    yield url
    drop_postgres_database(url)


async def tables(engine: AsyncEngine) -> set[str]:
    async with engine.connect() as connection:
        return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))


def drift(connection: Connection, metadata: MetaData = Base.metadata) -> list[Any]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, metadata))


async def test_upgrade_downgrade_upgrade_without_drift(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        assert await migrate.current(engine) is None
        assert await tables(engine) == set()

        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head()
        assert await tables(engine) == {*TABLES, "alembic_version"}
        async with engine.connect() as connection:
            assert await connection.run_sync(drift) == []

        await migrate.downgrade(engine, "base")
        assert await migrate.current(engine) is None
        assert await tables(engine) == {"alembic_version"}

        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head()
        assert await tables(engine) == {*TABLES, "alembic_version"}
        async with engine.connect() as connection:
            assert await connection.run_sync(drift) == []
            # The comparison is not blind: a model the migrations lack shows up as drift.
            changed = MetaData()
            for table in Base.metadata.sorted_tables:
                table.to_metadata(changed)
            changed.tables["users"].append_column(Column("karma", Integer, nullable=True))
            found = await connection.run_sync(lambda sync: drift(sync, changed))
        assert [(d[0], d[2], d[3].name) for d in found] == [("add_column", "users", "karma")]
        # Upgrading an up-to-date database is a no-op.
        await migrate.upgrade(engine)
        assert await migrate.current(engine) == migrate.head()
    finally:
        await engine.dispose()


async def test_the_migrated_schema_holds_data_across_a_no_op_upgrade(empty_url: str) -> None:
    async with open_store(empty_url, migrate=True) as store:
        carol = await store.users.create(UserCreate(name="carol"))
    async with open_store(empty_url, migrate=True) as store:
        assert await store.users.get(carol.id) == carol
        assert await migrate.current(store.engine) == migrate.head()


async def test_open_store_migrates_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    assert not path.exists()
    async with open_store(f"sqlite:///{path}", migrate=True) as store:
        await store.ping()
        assert await migrate.current(store.engine) == migrate.head()
        assert (await store.users.create(UserCreate(name="carol"))).name == "carol"
    assert path.exists()


def invoke(*args: str) -> Any:
    return runner.invoke(app, ["db", *args])


def current(url: str) -> dict[str, Any]:
    result = invoke("current", "--database-url", url, "--json")
    assert result.exit_code == 0, result.output
    loaded: dict[str, Any] = json.loads(result.stdout)
    return loaded


def test_the_cli_upgrades_shows_and_downgrades(empty_url: str) -> None:
    head = migrate.head()
    assert current(empty_url) == {"current": None, "head": head, "up_to_date": False}
    shown = invoke("current", "--database-url", empty_url)
    assert shown.exit_code == 0
    assert "never migrated" in shown.stdout

    upgraded = invoke("upgrade", "--database-url", empty_url)
    assert upgraded.exit_code == 0, upgraded.output
    assert "upgraded to head" in upgraded.stdout
    assert current(empty_url) == {"current": head, "head": head, "up_to_date": True}
    shown = invoke("current", "--database-url", empty_url)
    assert f"{head}: up to date" in shown.stdout

    downgraded = invoke("downgrade", "base", "--database-url", empty_url)
    assert downgraded.exit_code == 0, downgraded.output
    assert current(empty_url)["current"] is None
    assert invoke("upgrade", head, "--database-url", empty_url).exit_code == 0
    assert current(empty_url)["up_to_date"] is True


def test_the_cli_creates_the_folder_of_a_new_sqlite_file(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "still" / "gw2wvw.db"
    result = invoke("upgrade", "--database-url", f"sqlite:///{path}")
    assert result.exit_code == 0, result.output
    assert path.exists()
    assert current(f"sqlite:///{path}")["up_to_date"] is True


@pytest.mark.parametrize("command", [["upgrade", "nope"], ["downgrade", "nope"]])
def test_a_bad_revision_exits_2_with_one_line(tmp_path: Path, command: list[str]) -> None:
    result = invoke(*command, "--database-url", f"sqlite:///{tmp_path / 'x.db'}")
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: ")
    assert "nope" in lines[0]


def _unreachable() -> list[str]:
    admin = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return [
        "postgresql://postgres@127.0.0.1:1/gw2wvw",  # nothing listens there
        f"{admin}/gw2wvw_no_such_database",  # the server is there, the database is not
    ]


@pytest.mark.parametrize("url", _unreachable())
@pytest.mark.parametrize("command", [["current"], ["upgrade"], ["downgrade", "base"]])
def test_an_unreachable_database_exits_1_with_one_line(command: list[str], url: str) -> None:
    result = invoke(*command, "--database-url", url)
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: database unavailable")


def test_a_sqlite_file_that_cannot_be_created_exits_1(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    result = invoke("upgrade", "--database-url", f"sqlite:///{blocker / 'sub' / 'x.db'}")
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("error: cannot create")


@pytest.mark.parametrize("url", _unreachable())
async def test_the_library_reports_an_unreachable_database_as_unavailable(url: str) -> None:
    engine = create_engine(url)
    try:
        with pytest.raises(StoreUnavailable):
            await migrate.current(engine)
        with pytest.raises(StoreUnavailable):
            await migrate.upgrade(engine)
    finally:
        await engine.dispose()


# Opening databases


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("sqlite:///squads.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///squads.db", "sqlite+aiosqlite"),
        ("postgresql://u@db.example/gw2", "postgresql+asyncpg"),
        ("postgres://u@db.example/gw2", "postgresql+asyncpg"),
        ("postgresql+psycopg://u@db.example/gw2", "postgresql+asyncpg"),
    ],
)
def test_urls_get_the_async_driver(given: str, driver: str) -> None:
    assert normalise_url(given).drivername == driver


@pytest.mark.parametrize("url", ["mysql://u@db.example/gw2", "not a url"])
def test_other_databases_are_refused(url: str) -> None:
    with pytest.raises(StoreError):
        normalise_url(url)


async def test_an_in_memory_database_lives_on_its_one_connection() -> None:
    async with open_store("sqlite://", migrate=True) as store:
        carol = await store.users.create(UserCreate(name="carol"))
        assert await store.users.get(carol.id) == carol
        assert await migrate.current(store.engine) == migrate.head()


async def test_an_in_memory_database_serves_every_read() -> None:
    async with open_store("sqlite://", migrate=True) as store:
        carol = await store.users.create(UserCreate(name="carol"))
        actor = Actor(user_id=carol.id, name=carol.name)
        build = await store.builds.create(actor, BuildCreate(name="fb", chat_code=FIREBRAND))
        assert (await store.builds.get(actor, build.id)).name == "fb"
        assert len((await store.builds.list(actor, BuildQuery())).items) == 1


async def test_a_dropped_postgresql_connection_fails_once_then_recovers(postgres_url: str) -> None:
    async with open_store(postgres_url) as store:
        await store.users.list()
        await store.ping()
        killed = await terminate_connections(postgres_url)
        assert killed >= 1
        for call in (store.users.list, store.ping):
            failures = 0
            for _ in range(3):
                try:
                    await call()
                except StoreUnavailable:
                    failures += 1
                else:
                    break
            # A dead pooled connection costs at most one failed call, never a raw driver error.
            assert failures <= 1
        # And then it works again (the database is shared with other tests: any rows will do).
        await store.users.list()
        await store.ping()


async def test_0002_gives_existing_tokens_every_scope_and_downgrades(empty_url: str) -> None:
    engine = create_engine(empty_url)
    try:
        await migrate.upgrade(engine, "0001")
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO users (id, name, name_key, display_name, created_at)"
                    " VALUES (:id, 'old', 'old', 'old', :now)"
                ).bindparams(*TYPED[0::2]),
                {"id": USER_ID, "now": NOW},
            )
            await connection.execute(
                text(
                    "INSERT INTO api_tokens (id, user_id, name, prefix, token_hash, created_at)"
                    " VALUES (:id, :user, 'before scopes', 'gw2wvw_abcd', :hash, :now)"
                ).bindparams(*TYPED),
                {"id": TOKEN_ID, "user": USER_ID, "hash": "f" * 64, "now": NOW},
            )
        await migrate.upgrade(engine)
        async with engine.connect() as connection:
            scopes = await connection.scalar(text("SELECT scopes FROM api_tokens"))
            assert await connection.run_sync(drift) == []
        assert scopes == "read write account"  # what every token could do before

        await migrate.downgrade(engine, "0001")
        async with engine.connect() as connection:
            columns = await connection.run_sync(
                lambda sync: {c["name"] for c in inspect(sync).get_columns("api_tokens")}
            )
            kept = await connection.scalar(text("SELECT name FROM api_tokens"))
        assert "scopes" not in columns
        assert kept == "before scopes"
    finally:
        await engine.dispose()
