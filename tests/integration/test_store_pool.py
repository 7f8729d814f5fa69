"""The store's connection pools are sized by the setting, and a burst beyond them still works."""

from __future__ import annotations

import asyncio

import pytest

from gw2wvw.settings import Settings
from gw2wvw.store import open_store


def test_the_pool_size_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().database_pool_size == 20
    monkeypatch.setenv("GW2WVW_DATABASE_POOL_SIZE", "32")
    assert Settings().database_pool_size == 32
    monkeypatch.setenv("GW2WVW_DATABASE_POOL_SIZE", "0")
    with pytest.raises(ValueError, match="database_pool_size"):
        Settings()


async def test_both_pools_keep_the_connections_asked_for(postgres_url: str) -> None:
    async with open_store(postgres_url, pool_size=3) as store:
        # More reads at once than kept connections: the burst is served, then 3 stay open.
        await asyncio.gather(*(store.ping() for _ in range(8)))
        for engine in (store.engine, store.reads):
            assert engine.pool.size() == 3  # type: ignore[attr-defined]
        assert store.reads.pool.checkedin() <= 3  # type: ignore[attr-defined]
