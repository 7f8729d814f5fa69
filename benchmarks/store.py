"""Store: ``builds.get`` and ``builds.create`` against the same work as raw SQL, same driver.

The raw baseline of ``get`` is one SELECT of the same columns (the build joined to its owner)
through aiosqlite or asyncpg directly; of ``create``, one transaction that inserts the build row
and its outbox event. The store adds validation, the unit of work and typed results.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite
import asyncpg

from gw2wvw.store import Actor, BuildCreate, Store, UserCreate, open_store
from gw2wvw.store.ids import uuid7
from tests.support.databases import (
    create_postgres_database,
    drop_postgres_database,
    sqlite_template,
)

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
ROUNDS = 9
CALLS = 300

_GET = (
    "SELECT builds.id, builds.owner_id, users.name, builds.name, builds.description, "
    "builds.visibility, builds.profession, builds.elite_specialization, builds.chat_code, "
    "builds.data, builds.tags, builds.version, builds.created_at, builds.updated_at "
    "FROM builds JOIN users ON users.id = builds.owner_id WHERE builds.id = {p1} "
    "AND (builds.visibility IN ('public', 'unlisted') OR builds.owner_id = {p2})"
)
_INSERT = (
    "INSERT INTO builds (id, owner_id, name, description, visibility, profession, "
    "elite_specialization, chat_code, data, tags, version, created_at, updated_at) "
    "VALUES ({ps})"
)
_EVENT = "INSERT INTO outbox (id, type, owner_id, payload, created_at) VALUES ({ps})"


class Raw:
    """The same statements through the bare driver."""

    def __init__(self, dialect: str, connection: Any, owner: uuid.UUID, data: dict[str, Any]):
        self.dialect = dialect
        self.connection = connection
        self.owner = owner
        self.data = json.dumps(data)

    def _sql(self, template: str, count: int = 0) -> str:
        if self.dialect == "sqlite":
            return template.format(p1="?", p2="?", ps=", ".join("?" * count))
        marks = ", ".join(f"${n}" for n in range(1, count + 1))
        return template.format(p1="$1", p2="$2", ps=marks)

    def _id(self, value: uuid.UUID) -> Any:
        return value.hex if self.dialect == "sqlite" else value

    def _time(self) -> Any:
        now = datetime.now(UTC)
        return now.replace(tzinfo=None).isoformat(" ") if self.dialect == "sqlite" else now

    async def get(self, build_id: uuid.UUID) -> Any:
        """Fetch one build row."""
        sql = self._sql(_GET)
        if self.dialect == "sqlite":
            # aiosqlite's quickest read: one hop to its thread, as the store's fast path makes.
            rows = await self.connection.execute_fetchall(
                sql, (self._id(build_id), self._id(self.owner))
            )
            return next(iter(rows), None)
        return await self.connection.fetchrow(sql, build_id, self.owner)

    async def create(self) -> None:
        """Insert one build and its event in one transaction."""
        now = self._time()
        row = (
            self._id(uuid7()),
            self._id(self.owner),
            "raw",
            "",
            "private",
            "Guardian",
            62,
            FIREBRAND,
            self.data,
            "[]",
            1,
            now,
            now,
        )
        event = (self._id(uuid7()), "build.created", self._id(self.owner), self.data, now)
        if self.dialect == "sqlite":
            await self.connection.execute("BEGIN IMMEDIATE")
            await self.connection.execute(self._sql(_INSERT, 13), row)
            await self.connection.execute(self._sql(_EVENT, 5), event)
            await self.connection.commit()
            return
        async with self.connection.transaction():
            await self.connection.execute(self._sql(_INSERT, 13), *row)
            await self.connection.execute(self._sql(_EVENT, 5), *event)


async def _per_call(func: Callable[[], Awaitable[Any]], calls: int) -> float:
    start = time.perf_counter()
    for _ in range(calls):
        await func()
    return (time.perf_counter() - start) / calls


async def _compare(
    subject: Callable[[], Awaitable[Any]], baseline: Callable[[], Awaitable[Any]], calls: int
) -> tuple[float, float, float]:
    await _per_call(subject, calls // 10)
    await _per_call(baseline, calls // 10)
    mine, raw, ratios = [], [], []
    for _ in range(ROUNDS):
        s = await _per_call(subject, calls)
        b = await _per_call(baseline, calls)
        mine.append(s)
        raw.append(b)
        ratios.append(s / b)
    return statistics.median(mine), statistics.median(raw), statistics.median(ratios)


async def _measure(url: str, label: str) -> None:
    async with open_store(url) as store:
        user = await store.users.create(UserCreate(name=f"bench{uuid.uuid4().hex[:6]}"))
        actor = Actor(user_id=user.id, name=user.name)
        build = await store.builds.create(actor, BuildCreate(name="fb", chat_code=FIREBRAND))
        raw = await _raw(store, url, actor, build.build.model_dump(mode="json"))
        try:
            get_s, raw_get, get_ratio = await _compare(
                lambda: store.builds.get(actor, build.id), lambda: raw.get(build.id), CALLS
            )
            new = BuildCreate(name="fb", chat_code=FIREBRAND)
            create_s, raw_create, create_ratio = await _compare(
                lambda: store.builds.create(actor, new), raw.create, CALLS // 3
            )
        finally:
            await raw.connection.close()
    print(
        f"{label:<11}get    {1 / get_s:>8,.0f}/s  raw {1 / raw_get:>8,.0f}/s  "
        f"ratio {get_ratio:4.2f}x (aim <= 2.5x)"
    )
    print(
        f"{label:<11}create {1 / create_s:>8,.0f}/s  raw {1 / raw_create:>8,.0f}/s  "
        f"ratio {create_ratio:4.2f}x"
    )


async def _raw(store: Store, url: str, actor: Actor, data: dict[str, Any]) -> Raw:
    assert actor.user_id is not None
    if store.dialect == "sqlite":
        path = url.split(":///", 1)[1]
        connection = await aiosqlite.connect(path, isolation_level=None)
        await connection.execute("PRAGMA journal_mode=WAL")
        return Raw("sqlite", connection, actor.user_id, data)
    dsn = url.replace("postgresql+asyncpg://", "postgresql://")
    return Raw("postgresql", await asyncpg.connect(dsn), actor.user_id, data)


def main() -> None:
    """Print get/create rates and their ratio to raw SQL, for SQLite and PostgreSQL."""
    with tempfile.TemporaryDirectory() as directory:
        template = sqlite_template(Path(directory))
        asyncio.run(_measure(f"sqlite+aiosqlite:///{template}", "sqlite"))
    url = create_postgres_database()
    try:
        asyncio.run(_measure(url, "postgresql"))
    finally:
        drop_postgres_database(url)
