"""Database engines: URL normalisation, SQLite pragmas and write locks, driver error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from gw2wvw._extras import require
from gw2wvw.store.errors import StoreError, StoreUnavailable

BUSY_TIMEOUT_MS = 10_000
"""How long a SQLite writer waits for the lock before giving up."""

WRITE_OPTION = "gw2wvw_write"
"""Execution option that marks a write transaction (SQLite takes its lock at BEGIN)."""


def normalise_url(url: str | URL) -> URL:
    """The async-driver URL for ``url``; ``sqlite://`` and ``postgresql://`` are accepted."""
    try:
        parsed = make_url(url)
    except exc.ArgumentError as error:
        raise StoreError(f"not a database URL: {url!r}") from error
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        require("postgres", "PostgreSQL")
        return parsed.set(drivername="postgresql+asyncpg")
    raise StoreError(f"unsupported database {backend!r}: use sqlite or postgresql")


def _sqlite_setup(engine: AsyncEngine, *, autocommit: bool) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy emit BEGIN itself (below) instead of the driver's implicit one.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Any) -> None:
        # A writer takes the lock up front: a deferred BEGIN that later upgrades to a write
        # lock fails at once with "database is locked" instead of waiting its turn.
        if autocommit:
            return
        options = connection.get_execution_options()
        connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get(WRITE_OPTION) else "BEGIN")


def create_engine(
    url: str | URL, *, echo: bool = False, autocommit: bool = False, pool_size: int = 20
) -> AsyncEngine:
    """An async engine for ``url`` with gw2wvw's settings for its database.

    ``pool_size`` PostgreSQL connections are kept (10 more may open for a burst, and close once
    returned). An ``autocommit`` engine runs each statement on its own, with no BEGIN or
    COMMIT: it serves single statements, which are consistent by themselves, and the driver's
    own transactions (:func:`gw2wvw.store.driver.driver_transaction`).
    """
    target = normalise_url(url)
    options: dict[str, Any] = {"echo": echo}
    if autocommit:
        # No transaction is ever open on these connections, so there is nothing to reset
        # (a rollback per checkin would be a wasted round trip).
        options.update(isolation_level="AUTOCOMMIT", pool_reset_on_return=None)
    if target.get_backend_name() == "sqlite":
        if target.database in (None, "", ":memory:"):
            # One in-memory database lives as long as its one connection, so that connection
            # serves every read and write and must never be dropped by a failed reset.
            options.update(poolclass=StaticPool, pool_reset_on_return=None)
        options["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000}
        engine = create_async_engine(target, **options)
        _sqlite_setup(engine, autocommit=autocommit)
        return engine
    # No pre-ping: it costs a round trip per checkout. A connection the server dropped fails
    # once (StoreUnavailable), is discarded, and the pool reconnects on the next checkout.
    # A checkout beyond the kept connections opens a new one and closes it on return
    # (profiled: a worker with 16 attempts at once and 10 kept connected for every sixth).
    options.update(pool_size=pool_size, max_overflow=10, pool_recycle=1800)
    return create_async_engine(target, **options)


@asynccontextmanager
async def translated_errors() -> AsyncIterator[None]:
    """Turn driver and connection errors into :class:`StoreUnavailable`."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError) as error:
        # The driver's own error: SQLAlchemy's wrapper adds the SQL and a second line of links.
        cause = error.orig if isinstance(error, exc.DBAPIError) and error.orig else error
        raise StoreUnavailable(f"database unavailable: {type(cause).__name__}: {cause}") from error
    except exc.DBAPIError as error:
        if error.connection_invalidated:
            raise StoreUnavailable(f"database connection lost: {error}") from error
        if error.statement is None:
            # No statement: connecting failed. asyncpg reports a database that does not exist,
            # or a refused login, as a plain DBAPIError rather than an OperationalError.
            raise StoreUnavailable(f"database unavailable: {error.orig}") from error
        raise
