"""A fast path for hot statements: compiled once, run on a pooled driver connection.

SQLAlchemy's async layer costs a few hundred microseconds per statement on top of the driver
(measured: 400 us against asyncpg's 60 us for ``SELECT 1``), which is most of a build lookup.
For the few statements on every request's or delivery's path, :class:`DriverQuery` compiles a
Core statement (a SELECT, or a write with RETURNING) once per dialect, borrows a connection from
SQLAlchemy's own pool, runs the SQL through the driver and decodes the columns by their
SQLAlchemy types. :func:`driver_transaction` runs several of them in one transaction on one
PostgreSQL connection. Everything else goes through SQLAlchemy.

Use it only with engines whose pool never resets a returned connection (the store's
autocommit read engine, or an in-memory SQLite one): a reset would roll back a transaction
this path never opens.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections import namedtuple
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Select, UpdateBase, Uuid, exc
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.types import TypeEngine
from sqlalchemy.util import greenlet_spawn

from gw2wvw.store.errors import Conflict, StoreUnavailable
from gw2wvw.store.tables import UTCDateTime

Decoder = Callable[[Any], Any]


def _driver_errors(
    dialect: Dialect,
) -> tuple[tuple[type[Exception], ...], tuple[type[Exception], ...]]:
    """The driver's (constraint violations, every database error) for ``dialect``."""
    # asyncpg comes with the postgres extra: imported only for an engine that already uses it.
    if dialect.name == "sqlite":
        return (sqlite3.IntegrityError,), (sqlite3.Error, OSError)
    import asyncpg

    return (asyncpg.IntegrityConstraintViolationError,), (
        asyncpg.PostgresError,
        asyncpg.InterfaceError,
        OSError,
    )


def _as_uuid(value: Any) -> Any:
    return value if value is None or isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _as_json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _as_utc(value: Any) -> Any:
    if value is None:
        return None
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _decoder(kind: TypeEngine[Any]) -> Decoder | None:
    if isinstance(kind, Uuid):
        return _as_uuid
    if isinstance(kind, JSON):
        return _as_json
    if isinstance(kind, UTCDateTime):
        return _as_utc
    return None


class DriverQuery:
    """A SELECT (or a write with RETURNING) run straight through the database driver; rows have
    a field per column.

    Columns named in ``undecoded`` come back as the driver returns them (a JSON column as text,
    for instance), for callers that decode them lazily.
    """

    def __init__(
        self, statement: Select[*tuple[Any, ...]] | UpdateBase, undecoded: Sequence[str] = ()
    ) -> None:
        self._statement = statement
        columns = (
            statement.selected_columns
            if isinstance(statement, Select)
            else statement.exported_columns
        )
        self._decoders = [
            (index, decoder)
            for index, column in enumerate(columns)
            if column.key not in undecoded and (decoder := _decoder(column.type)) is not None
        ]
        self._row = namedtuple("Row", [column.key for column in columns])  # type: ignore[misc]
        self._compiled: dict[str, tuple[str, Sequence[str], dict[str, Any]]] = {}

    def _sql(self, dialect: Dialect) -> tuple[str, Sequence[str], dict[str, Any]]:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self._statement.compile(dialect=dialect)
            found = (str(compiled), tuple(compiled.positiontup or ()), dict(compiled.params))
            self._compiled[dialect.name] = found
        return found

    def _args(self, dialect: Dialect, params: dict[str, Any]) -> tuple[str, list[Any]]:
        sql, order, literals = self._sql(dialect)
        values = {**literals, **params}
        sqlite = dialect.name == "sqlite"
        # SQLAlchemy stores UUIDs on SQLite as 32 hex digits; asyncpg takes them as they are.
        args = [
            values[name].hex if sqlite and isinstance(values[name], uuid.UUID) else values[name]
            for name in order
        ]
        return sql, args

    def _rows(self, records: Sequence[Any]) -> list[Any]:
        rows = []
        for record in records:
            fields = list(record)
            for index, decode in self._decoders:
                fields[index] = decode(fields[index])
            rows.append(self._row(*fields))
        return rows

    async def fetch(self, engine: AsyncEngine, params: dict[str, Any]) -> list[Any]:
        """The decoded rows for ``params`` (values by bind parameter name)."""
        dialect = engine.dialect
        sql, args = self._args(dialect, params)
        sqlite = dialect.name == "sqlite"
        try:
            raw = await engine.raw_connection()
        except (exc.DBAPIError, OSError) as error:
            raise StoreUnavailable(f"database unavailable: {error}") from error
        clashes, failures = _driver_errors(dialect)
        try:
            driver = raw.driver_connection
            assert driver is not None
            if sqlite:
                # One hop to aiosqlite's thread (execute, fetch, close), not three.
                records = await driver.execute_fetchall(sql, args)
            else:
                records = await driver.fetch(sql, *args)
        except clashes as error:
            raise _conflict(error) from error
        except failures as error:
            raw.invalidate()
            raise StoreUnavailable(f"database error: {type(error).__name__}: {error}") from error
        finally:
            # Returning a connection to a full pool closes it, which is I/O: it must run where
            # SQLAlchemy can await it.
            await greenlet_spawn(raw.close)
        return self._rows(records)


def _conflict(error: Exception) -> Conflict:
    """A constraint the write broke, as the store's transactions report it."""
    return Conflict(f"the change clashes with stored data: {error}")


class DriverTransaction:
    """One PostgreSQL transaction on a driver connection: run :class:`DriverQuery` statements."""

    def __init__(self, connection: Any, dialect: Dialect) -> None:
        self._connection = connection
        self._dialect = dialect

    async def fetch(self, query: DriverQuery, params: dict[str, Any]) -> list[Any]:
        """The decoded rows of ``query`` for ``params``, inside this transaction."""
        sql, args = query._args(self._dialect, params)
        return query._rows(await self._connection.fetch(sql, *args))


@asynccontextmanager
async def driver_transaction(engine: AsyncEngine) -> AsyncIterator[DriverTransaction]:
    """A transaction on a pooled asyncpg connection of ``engine`` (an autocommit engine):
    committed when the block ends, rolled back if it raises. PostgreSQL only."""
    assert engine.dialect.name == "postgresql"
    import asyncpg  # the postgres extra, which a PostgreSQL engine has

    try:
        raw = await engine.raw_connection()
    except (exc.DBAPIError, OSError) as error:
        raise StoreUnavailable(f"database unavailable: {error}") from error
    try:
        driver = raw.driver_connection
        assert driver is not None
        try:
            async with driver.transaction():
                yield DriverTransaction(driver, engine.dialect)
        except asyncpg.IntegrityConstraintViolationError as error:
            raise _conflict(error) from error
        except (asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as error:
            if not isinstance(error, asyncpg.PostgresError):
                raw.invalidate()
            raise StoreUnavailable(f"database error: {type(error).__name__}: {error}") from error
    finally:
        await greenlet_spawn(raw.close)
