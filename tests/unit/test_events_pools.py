"""Kept-alive delivery connections: reused per address and host name, never across names."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from gw2wvw.events.pools import PinnedPools


class _Receiver:
    """A keep-alive HTTP/1.1 server on loopback that counts its connections."""

    def __init__(self) -> None:
        self.connections = 0
        self.hosts: list[tuple[int, str]] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        number = self.connections
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode().split("\r\n")
                host = next(
                    v for k, _, v in (line.partition(": ") for line in lines) if k == "host"
                )
                self.hosts.append((number, host))
                writer.write(b"HTTP/1.1 204 No Content\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[_Receiver, int]]:
    found = _Receiver()
    server = await asyncio.start_server(found.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield found, port


async def test_a_connection_carries_only_requests_for_its_host_name(
    receiver: tuple[_Receiver, int],
) -> None:
    found, port = receiver
    async with httpx.AsyncClient(transport=PinnedPools()) as client:
        for host in ("a.example", "a.example", "b.example", "a.example", "b.example"):
            response = await client.post(f"http://127.0.0.1:{port}/", headers={"host": host})
            assert response.status_code == 204
    assert found.connections == 2
    by_connection: dict[int, set[str]] = {}
    for number, host in found.hosts:
        by_connection.setdefault(number, set()).add(host)
    assert sorted(map(sorted, by_connection.values())) == [["a.example"], ["b.example"]]


async def test_the_least_recently_used_pool_is_closed_past_the_limit(
    receiver: tuple[_Receiver, int],
) -> None:
    found, port = receiver
    pools = PinnedPools(max_pools=1, grace=0)
    async with httpx.AsyncClient(transport=pools) as client:
        for host in ("a.example", "b.example", "a.example"):
            await client.post(f"http://127.0.0.1:{port}/", headers={"host": host})
        assert pools.pools == 1
        await asyncio.sleep(0.05)  # the retired pools close after their grace
    # a, then b (a retired), then a again on a new pool: three connections.
    assert found.connections == 3
