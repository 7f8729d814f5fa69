"""Concurrent writes of one build over real HTTP, spread over two API processes."""

from __future__ import annotations

import asyncio

import httpx

from tests.e2e.conftest import Cluster, create_build, problem, sign_up

WRITERS = 20


async def _read_all(
    cluster: Cluster, build_id: str, headers: dict[str, str]
) -> list[httpx.Response]:
    """The build as each process serves it now."""
    async with httpx.AsyncClient(timeout=30) as client:
        return [
            await client.get(f"{server.url}/v1/builds/{build_id}", headers=headers)
            for server in cluster.servers
        ]


async def _patch_all(
    cluster: Cluster, build_id: str, bodies: list[dict[str, str]], headers: dict[str, str]
) -> list[httpx.Response]:
    """Send every PATCH at once, alternating between the two processes."""
    limits = httpx.Limits(max_connections=WRITERS * 2, max_keepalive_connections=WRITERS * 2)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        # Open the connections first, so that the PATCHes leave together.
        await asyncio.gather(
            *(client.get(f"{server.url}/healthz") for server in cluster.servers for _ in range(4))
        )
        start = asyncio.Event()

        async def patch(number: int, body: dict[str, str]) -> httpx.Response:
            await start.wait()
            server = cluster.servers[number % 2]
            return await client.patch(
                f"{server.url}/v1/builds/{build_id}", headers=headers, json=body
            )

        tasks = [asyncio.create_task(patch(n, body)) for n, body in enumerate(bodies)]
        await asyncio.sleep(0)
        start.set()
        return await asyncio.gather(*tasks)


async def test_concurrent_if_match_updates_give_one_winner_and_412s(cluster: Cluster) -> None:
    owner = sign_up(cluster.a.url, "racer")
    build = create_build(cluster.a.url, owner, name="start")
    bodies = [{"name": f"racer {n}"} for n in range(WRITERS)]
    headers = {**owner.headers, "If-Match": 'W/"v1"'}

    responses = await _patch_all(cluster, build["id"], bodies, headers)

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [412] * (WRITERS - 1), [(r.status_code, r.text) for r in responses]
    (winner,) = [r for r in responses if r.status_code == 200]
    assert winner.headers["etag"] == 'W/"v2"'
    assert winner.json()["version"] == 2
    for response in responses:
        if response.status_code == 412:
            problem(response, 412, "precondition_failed")
    for final in await _read_all(cluster, build["id"], owner.headers):
        assert final.status_code == 200
        assert final.headers["etag"] == 'W/"v2"'
        assert (final.json()["version"], final.json()["name"]) == (2, winner.json()["name"])


async def test_concurrent_updates_without_if_match_lose_nothing(cluster: Cluster) -> None:
    owner = sign_up(cluster.a.url, "editor")
    build = create_build(cluster.a.url, owner, name="start")
    # Each writer changes something else: a field and a value of its own.
    bodies = [
        {"name": f"name {n}"} if n % 2 else {"description": f"description {n}"}
        for n in range(WRITERS)
    ]

    responses = await _patch_all(cluster, build["id"], bodies, owner.headers)

    assert [r.status_code for r in responses] == [200] * WRITERS, [
        (r.status_code, r.text) for r in responses if r.status_code != 200
    ]
    # Every write was applied on top of the one before: versions 2..21, each once.
    by_version = {
        written["version"]: (body, written)
        for body, written in zip(bodies, (r.json() for r in responses), strict=True)
    }
    assert sorted(by_version) == list(range(2, WRITERS + 2))
    for body, written in by_version.values():
        for field, value in body.items():
            assert written[field] == value
    # After each write, the other field holds the latest earlier write to it.
    latest: dict[str, str] = {"name": "start", "description": ""}
    for version in sorted(by_version):
        body, written = by_version[version]
        latest.update(body)
        assert (written["name"], written["description"]) == (
            latest["name"],
            latest["description"],
        ), f"version {version} lost an earlier write"
    for final in await _read_all(cluster, build["id"], owner.headers):
        assert final.headers["etag"] == f'W/"v{WRITERS + 1}"'
        assert final.json()["version"] == WRITERS + 1
        assert (final.json()["name"], final.json()["description"]) == (
            latest["name"],
            latest["description"],
        )
