"""HTTP caching through a real server, as a standards-following client cache sees it.

The client is hishel (RFC 9111 mode) over httpx. Between the cache and the network sits a
recorder, so each test sees exactly what went over the wire: the conditional request the cache
made and the status the server answered (a 304 is never visible as such to the caller, who gets
the stored 200 back).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from hishel import CacheOptions, SqliteStorage
from hishel.httpx import CacheTransport

from tests.e2e.conftest import PRIVATE, VARY, Cluster, create_build, sign_up


@dataclass(frozen=True)
class Exchange:
    """One request that reached the network, and the server's answer."""

    method: str
    url: str
    request_headers: httpx.Headers
    status: int
    response_headers: httpx.Headers


class Recorder(httpx.BaseTransport):
    """Pass requests to the network and remember each exchange."""

    def __init__(self) -> None:
        self.network = httpx.HTTPTransport()
        self.exchanges: list[Exchange] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.network.handle_request(request)
        self.exchanges.append(
            Exchange(
                request.method,
                str(request.url),
                httpx.Headers(request.headers),
                response.status_code,
                httpx.Headers(response.headers),
            )
        )
        return response

    def close(self) -> None:
        self.network.close()


def caching_client(tmp_path: Path, *, shared: bool = False) -> tuple[httpx.Client, Recorder]:
    """An httpx client with an RFC 9111 cache (private, like a browser's, unless ``shared``)."""
    recorder = Recorder()
    storage = SqliteStorage(database_path=tmp_path / f"hishel-{shared}.db")
    transport = CacheTransport(
        next_transport=recorder, storage=storage, rfc=CacheOptions(shared=shared)
    )
    return httpx.Client(transport=transport, timeout=30), recorder


def test_a_caching_client_revalidates_and_gets_304s(cluster: Cluster, tmp_path: Path) -> None:
    a, b = cluster.servers
    owner = sign_up(a.url, "cacher")
    build = create_build(a.url, owner, name="before")
    url = f"{a.url}/v1/builds/{build['id']}"
    client, wire = caching_client(tmp_path)
    with client:
        first = client.get(url, headers=owner.headers)
        assert first.status_code == 200
        assert first.extensions["caching"] == {
            "from_cache": False,
            "revalidated": False,
            "stored": True,
        }
        assert "if-none-match" not in wire.exchanges[0].request_headers
        assert first.headers["etag"] == 'W/"v1"'
        assert first.headers["cache-control"] == PRIVATE

        # no-cache: the stored copy is used only after the server confirmed it (304).
        second = client.get(url, headers=owner.headers)
        assert second.status_code == 200
        assert second.json() == first.json()
        assert second.extensions["caching"]["from_cache"] is True
        assert second.extensions["caching"]["revalidated"] is True
        assert len(wire.exchanges) == 2
        revalidation = wire.exchanges[1]
        assert revalidation.request_headers["if-none-match"] == 'W/"v1"'
        assert revalidation.status == 304
        assert revalidation.response_headers["etag"] == 'W/"v1"'
        assert revalidation.response_headers["cache-control"] == PRIVATE
        assert revalidation.response_headers["vary"] == VARY

        # Another process changes it; the next revalidation gets the new representation.
        patched = httpx.patch(
            f"{b.url}/v1/builds/{build['id']}",
            headers={**owner.headers, "If-Match": 'W/"v1"'},
            json={"name": "after"},
        )
        assert patched.status_code == 200, patched.text
        third = client.get(url, headers=owner.headers)
        assert third.status_code == 200
        assert third.extensions["caching"]["from_cache"] is False
        assert (third.json()["name"], third.json()["version"]) == ("after", 2)
        assert third.headers["etag"] == 'W/"v2"'
        changed = wire.exchanges[2]
        assert changed.request_headers["if-none-match"] == 'W/"v1"'
        assert (changed.status, changed.response_headers["etag"]) == (200, 'W/"v2"')

        assert third.extensions["caching"]["stored"] is True
        assert len(wire.exchanges) == 3
        # (hishel keeps the superseded v1 copy beside v2; with two stored copies, a weak ETag
        # in a 304 cannot say which one it confirms (RFC 9111, 4.3.4), so what the cache does
        # next depends on the Date headers of the copies: nothing of ours to test there.)


def test_listings_revalidate_and_change_when_a_build_is_added(
    cluster: Cluster, tmp_path: Path
) -> None:
    a, b = cluster.servers
    owner = sign_up(a.url, "lister")
    create_build(a.url, owner, name="one")
    url = f"{a.url}/v1/builds?owner={owner.name}"
    client, wire = caching_client(tmp_path)
    with client:
        first = client.get(url, headers=owner.headers)
        etag = first.headers["etag"]
        assert [item["name"] for item in first.json()["items"]] == ["one"]
        again = client.get(url, headers=owner.headers)
        assert again.extensions["caching"]["from_cache"] is True
        assert (wire.exchanges[1].request_headers["if-none-match"], wire.exchanges[1].status) == (
            etag,
            304,
        )
        create_build(b.url, owner, name="two")
        changed = client.get(url, headers=owner.headers)
        assert changed.extensions["caching"]["from_cache"] is False
        assert wire.exchanges[2].status == 200
        assert changed.headers["etag"] != etag
        assert sorted(item["name"] for item in changed.json()["items"]) == ["one", "two"]


def test_a_shared_cache_keeps_no_private_response(cluster: Cluster, tmp_path: Path) -> None:
    owner = sign_up(cluster.a.url, "proxied")
    build = create_build(cluster.a.url, owner, visibility="public")
    client, wire = caching_client(tmp_path, shared=True)
    with client:
        url = f"{cluster.a.url}/v1/builds/{build['id']}"
        for _ in range(2):
            response = client.get(url, headers=owner.headers)
            assert response.status_code == 200
            assert response.extensions["caching"]["stored"] is False
            assert response.extensions["caching"]["from_cache"] is False
        assert [e.status for e in wire.exchanges] == [200, 200]
        assert all("if-none-match" not in e.request_headers for e in wire.exchanges)


def test_game_data_is_fresh_for_its_max_age(cluster: Cluster, tmp_path: Path) -> None:
    client, wire = caching_client(tmp_path, shared=True)
    with client:
        url = f"{cluster.a.url}/v1/roles"
        first = client.get(url)
        assert first.status_code == 200
        assert first.headers["cache-control"].startswith("public, max-age=")
        assert first.extensions["caching"]["stored"] is True
        second = client.get(url)
        assert second.extensions["caching"] == {
            "from_cache": True,
            "revalidated": False,
            "stored": False,
        }
        assert second.json() == first.json()
        assert len(wire.exchanges) == 1


@pytest.mark.parametrize("kind", ["detail", "listing"])
def test_gzip_keeps_the_weak_etag_and_304s_repeat_the_headers(cluster: Cluster, kind: str) -> None:
    owner = sign_up(cluster.a.url, "zipper")
    build = create_build(cluster.a.url, owner, description="a support build " * 20)
    create_build(cluster.a.url, owner, name="second")
    path = f"/v1/builds/{build['id']}" if kind == "detail" else f"/v1/builds?owner={owner.name}"
    with httpx.Client(base_url=cluster.b.url, headers=owner.headers, timeout=30) as client:
        plain = client.get(path, headers={"Accept-Encoding": "identity"})
        zipped = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert plain.status_code == zipped.status_code == 200
        assert len(plain.content) > 500, "too small for the server to compress"
        assert "content-encoding" not in plain.headers
        assert zipped.headers["content-encoding"] == "gzip"
        assert zipped.num_bytes_downloaded < len(plain.content)
        assert zipped.json() == plain.json()
        etag = plain.headers["etag"]
        assert etag.startswith('W/"')
        assert zipped.headers["etag"] == etag
        for response in (plain, zipped):
            assert response.headers["cache-control"] == PRIVATE
            assert response.headers["vary"] == VARY
        for encoding in ("gzip", "identity"):
            for server in cluster.servers:
                same = client.get(
                    f"{server.url}{path}",
                    headers={"Accept-Encoding": encoding, "If-None-Match": etag},
                )
                assert same.status_code == 304, same.text
                assert same.content == b""
                assert same.headers["etag"] == etag
                assert same.headers["cache-control"] == PRIVATE
                assert same.headers["vary"] == VARY
                assert "content-encoding" not in same.headers
        stale = client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": 'W/"v0"'})
        assert stale.status_code == 200
        assert stale.headers["etag"] == etag
