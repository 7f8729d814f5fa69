"""Schema migrations from Python: upgrade, downgrade and the current revision (Alembic)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from gw2wvw.store.engine import WRITE_OPTION, translated_errors

_LOCK = 0x67773277  # "gw2w": the advisory lock every migrating process takes on PostgreSQL


def alembic_config() -> Config:
    """The Alembic configuration of the migrations shipped in the package."""
    config = Config()
    config.set_main_option("script_location", "gw2wvw:migrations")
    return config


def _with(config: Config, connection: Connection) -> Config:
    config.attributes["connection"] = connection
    return config


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest).

    Processes that start together (``gw2wvw serve --workers N``) migrate one at a time: the
    first holds a lock (PostgreSQL's advisory lock, SQLite's write lock) until it commits, and
    the others then find the schema current.
    """
    locked = engine.execution_options(**{WRITE_OPTION: True})
    async with translated_errors(), locked.begin() as connection:
        if connection.dialect.name == "postgresql":
            await connection.execute(text(f"SELECT pg_advisory_xact_lock({_LOCK})"))
        await connection.run_sync(
            lambda sync: command.upgrade(_with(alembic_config(), sync), revision)
        )


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    """Downgrade the database to ``revision`` (``base`` removes every table)."""
    async with translated_errors(), engine.begin() as connection:
        await connection.run_sync(
            lambda sync: command.downgrade(_with(alembic_config(), sync), revision)
        )


async def current(engine: AsyncEngine) -> str | None:
    """The database's revision, or None when it has never been migrated."""
    async with translated_errors(), engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: MigrationContext.configure(sync).get_current_revision()
        )


def head() -> str:
    """The newest revision the package ships."""
    revision = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert revision is not None
    return revision
