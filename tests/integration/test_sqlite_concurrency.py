"""SQLite under concurrent writers: pragmas on every connection, writers that queue up front."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gw2wvw.store import (
    Actor,
    BuildCreate,
    BuildPatch,
    BuildRead,
    Store,
    UserCreate,
    open_store,
)
from gw2wvw.store.engine import BUSY_TIMEOUT_MS
from gw2wvw.store.tables import BuildRow, OutboxEvent
from tests.support.databases import fresh_sqlite

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"


@pytest.fixture
async def store(sqlite_template_file: Path, tmp_path: Path) -> AsyncIterator[Store]:
    """A store on one migrated SQLite file (this module is about SQLite only)."""
    async with open_store(fresh_sqlite(sqlite_template_file, tmp_path)) as opened:
        yield opened


def engines(store: Store) -> list[AsyncEngine]:
    """Every engine the store opens connections with."""
    found = [store.engine]
    reads = getattr(store, "reads", None)
    if isinstance(reads, AsyncEngine) and reads is not store.engine:
        found.append(reads)
    return found


async def test_every_pooled_connection_has_the_pragmas(store: Store) -> None:
    for engine in engines(store):
        async with AsyncExitStack() as stack:
            # Several connections open at once: each is a new one from the pool.
            connections = [await stack.enter_async_context(engine.connect()) for _ in range(4)]
            raw = set()
            for connection in connections:
                raw.add(id((await connection.get_raw_connection()).driver_connection))
                settings = {
                    name: (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                    for name in ("journal_mode", "foreign_keys", "busy_timeout")
                }
                assert settings == {
                    "journal_mode": "wal",
                    "foreign_keys": 1,
                    "busy_timeout": BUSY_TIMEOUT_MS,
                }
            assert len(raw) == 4
    assert BUSY_TIMEOUT_MS >= 1000


async def test_sixteen_concurrent_writers_never_see_a_locked_database(store: Store) -> None:
    writers = [
        Actor(user_id=(u := await store.users.create(UserCreate(name=f"w{n:02}"))).id, name=u.name)
        for n in range(16)
    ]

    async def work(actor: Actor) -> list[BuildRead]:
        made = []
        for n in range(3):
            build = await store.builds.create(
                actor, BuildCreate(name=f"{actor.name}-{n}", chat_code=FIREBRAND)
            )
            # Read, then write: the pattern that deadlocks with deferred transactions.
            made.append(
                await store.builds.update(
                    actor, build.id, BuildPatch(chat_code=SCOURGE), expected_version=1
                )
            )
        return made

    started = time.perf_counter()
    results = await asyncio.gather(*(work(actor) for actor in writers), return_exceptions=True)
    elapsed = time.perf_counter() - started
    failures = [r for r in results if isinstance(r, BaseException)]
    assert failures == []
    builds = [b for r in results if isinstance(r, list) for b in r]
    assert len(builds) == 48
    assert {(b.profession, b.version) for b in builds} == {("Necromancer", 2)}
    async with store.transaction(write=False) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(BuildRow)) == 48
        assert await tx.session.scalar(select(func.count()).select_from(OutboxEvent)) == 96
    # Nobody waited anywhere near the busy timeout.
    assert elapsed < BUSY_TIMEOUT_MS / 1000


async def test_writes_begin_immediate_and_reads_do_not(store: Store) -> None:
    begins: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.upper().startswith("BEGIN"):
            begins.append(statement.upper())

    for engine in engines(store):
        event.listen(engine.sync_engine, "before_cursor_execute", record)
    actor_user = await store.users.create(UserCreate(name="carol"))
    assert begins == ["BEGIN IMMEDIATE"]
    begins.clear()
    await store.users.get(actor_user.id)
    assert "BEGIN IMMEDIATE" not in begins
    begins.clear()
    async with store.unit_of_work() as uow:
        await uow.users.get(actor_user.id)
    assert begins == ["BEGIN IMMEDIATE"]


async def test_a_second_writer_waits_for_the_first_and_readers_do_not(store: Store) -> None:
    carol = await store.users.create(UserCreate(name="carol"))
    async with store.transaction() as first:
        # The first statement opens the transaction, and BEGIN IMMEDIATE takes the write lock.
        await first.session.execute(select(1))
        second = asyncio.create_task(store.users.create(UserCreate(name="dave")))
        await asyncio.sleep(0.3)
        assert not second.done()
        # WAL: a reader is not held up by the waiting writers.
        assert (await asyncio.wait_for(store.users.get(carol.id), 2)).name == "carol"
        held_until = time.perf_counter()
    dave = await asyncio.wait_for(second, 5)
    assert time.perf_counter() - held_until < 2
    assert (await store.users.get_by_name("dave")).id == dave.id
