"""The fast path answers cached reads before FastAPI runs, exactly as the routes would.

Each answer of the fast path is compared with the framework's answer to the same request (the
fast path switched off): same status, headers and body. While the fast path answers, FastAPI
itself is made to fail, so an answer that reached the framework cannot pass for a fast one.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gw2wvw.store import TokenCreate
from tests.api.conftest import FIREBRAND, Account, assert_problem, store_of

_VOLATILE = {"date", "server"}


def _shape(response: httpx.Response) -> tuple[int, dict[str, str], bytes]:
    headers = {k: v for k, v in response.headers.items() if k not in _VOLATILE}
    return response.status_code, headers, response.content


@contextmanager
def _framework_forbidden(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def fail(*args: Any) -> None:
        raise AssertionError("the request reached the framework")

    with monkeypatch.context() as patch:
        patch.setattr(FastAPI, "__call__", fail)
        yield


@contextmanager
def _fast_path_off(app: FastAPI, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    async def never(scope: Any, receive: Any, *args: Any) -> Any:
        return receive  # handed on, untouched

    with monkeypatch.context() as patch:
        patch.setattr(app.fast_path, "answer", never)  # type: ignore[attr-defined]
        yield


async def _same_both_ways(
    app: FastAPI,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    method: str,
    url: str,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """The request answered by the framework (which fills the cache), then by the fast path;
    the two answers must be equal. Returns the fast one. Uncompressed unless ``headers`` say
    otherwise (httpx asks for gzip by default)."""
    headers = {"Accept-Encoding": "identity", **(headers or {})}
    with _fast_path_off(app, monkeypatch):
        slow = await client.request(method, url, headers=headers)
    with _framework_forbidden(monkeypatch):
        fast = await client.request(method, url, headers=headers)
    assert _shape(fast) == _shape(slow)
    return fast


async def _build(client: httpx.AsyncClient, owner: Account, **fields: object) -> dict[str, Any]:
    body = {"name": "fb", "chat_code": FIREBRAND, **fields}
    response = await client.post("/v1/builds", headers=owner.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_cached_builds_are_answered_as_the_route_answers(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: Account,
    bob: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    public = await _build(client, alice, visibility="public")
    private = await _build(client, alice)
    url = f"/v1/builds/{public['id']}"
    read = await _same_both_ways(app, client, monkeypatch, "GET", url)
    assert read.status_code == 200
    assert read.json() == public
    assert read.headers["etag"] == 'W/"v1"'
    for headers, status in (
        ({"If-None-Match": 'W/"v1"'}, 304),
        ({"If-None-Match": '"x", W/"v1"'}, 304),
        ({"If-None-Match": "*"}, 304),
        ({"Accept-Encoding": "gzip"}, 200),
        ({"Authorization": f"Bearer {bob.token}"}, 200),
        ({"If-None-Match": 'W/"v0"'}, 200),
    ):
        answer = await _same_both_ways(app, client, monkeypatch, "GET", url, headers)
        assert answer.status_code == status
    head = await _same_both_ways(app, client, monkeypatch, "HEAD", url)
    assert head.content == b""
    assert int(head.headers["content-length"]) == len(read.content)
    compressed = await client.get(url, headers={"Accept-Encoding": "gzip"})
    assert compressed.headers["content-encoding"] == "gzip"
    # The owner reads the private one from the cache too.
    own = await _same_both_ways(
        app, client, monkeypatch, "GET", f"/v1/builds/{private['id']}", alice.headers
    )
    assert own.json() == private


async def test_what_the_fast_path_may_not_answer_goes_to_the_route(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    private = await _build(client, alice)
    url = f"/v1/builds/{private['id']}"
    assert (await client.get(url, headers=alice.headers)).status_code == 200  # now cached
    # Anonymous and other users: 404 as for a missing build, never the cached body.
    assert_problem(await client.get(url), 404, "not_found")
    assert_problem(await client.get(url, headers=bob.headers), 404, "not_found")
    bad = {"Authorization": "Bearer gw2wvw_not-a-token"}
    assert_problem(await client.get(url, headers=bad), 401, "invalid_token")
    broken = {**alice.headers, "If-None-Match": "no quotes"}
    assert_problem(await client.get(url, headers=broken), 400, "bad_precondition")
    # A write is seen at once: the cached version is never answered after it.
    changed = await client.patch(url, headers=alice.headers, json={"name": "renamed"})
    assert changed.status_code == 200
    read = await client.get(url, headers=alice.headers)
    assert (read.headers["etag"], read.json()["name"]) == ('W/"v2"', "renamed")
    stale = await client.get(url, headers={**alice.headers, "If-None-Match": 'W/"v1"'})
    assert stale.status_code == 200


async def test_cached_listings_and_compositions_are_answered_as_the_routes_answer(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for _ in range(3):
        await _build(client, alice, visibility="public")
    page = await _same_both_ways(app, client, monkeypatch, "GET", "/v1/builds?limit=2")
    assert len(page.json()["items"]) == 2
    assert 'rel="next"' in page.headers["link"]
    own = await _same_both_ways(
        app, client, monkeypatch, "GET", "/v1/builds?limit=2&sort=name", alice.headers
    )
    assert own.status_code == 200
    etag = page.headers["etag"]
    unchanged = await _same_both_ways(
        app, client, monkeypatch, "GET", "/v1/builds?limit=2", {"If-None-Match": etag}
    )
    assert unchanged.status_code == 304
    assert unchanged.headers["link"] == page.headers["link"]
    body = {
        "name": "squad",
        "visibility": "public",
        "parties": [{"members": [{"archetype": "scourge-strip"}]}],
    }
    created = await client.post("/v1/compositions", headers=alice.headers, json=body)
    assert created.status_code == 201, created.text
    composition = await _same_both_ways(
        app, client, monkeypatch, "GET", f"/v1/compositions/{created.json()['id']}"
    )
    assert composition.json() == created.json()
    listing = await _same_both_ways(app, client, monkeypatch, "GET", "/v1/compositions")
    assert [c["id"] for c in listing.json()["items"]] == [created.json()["id"]]


async def test_a_token_without_the_read_scope_is_refused_what_is_cached_for_its_owner(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Issue 13's scopes hold on issue 14's fast path: the route's 403, never the cached body.
    writer = await store_of(app).tokens.create(
        alice.actor, TokenCreate(name="writer", scopes=("write",))
    )
    headers = {"Authorization": f"Bearer {writer.token}"}
    private = await _build(client, alice)
    for url in (f"/v1/builds/{private['id']}", "/v1/builds", "/v1/builds?limit=5"):
        # Cached for alice and answered by the fast path (the framework may not answer).
        read = await _same_both_ways(app, client, monkeypatch, "GET", url, alice.headers)
        assert read.status_code == 200
        for _ in range(3):  # the token itself is answered from the token cache from its 2nd use
            refused = await client.get(url, headers=headers)
            assert_problem(refused, 403, "insufficient_scope")
            assert 'scope="read"' in refused.headers["www-authenticate"]


@pytest.mark.parametrize("path", ["/v1/roles", "/v1/gamedata", "/v1/gamedata/professions"])
async def test_prepared_game_data_and_liveness_are_answered_as_the_routes_answer(
    app: FastAPI, client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch, path: str
) -> None:
    document = await _same_both_ways(app, client, monkeypatch, "GET", path)
    assert document.headers["cache-control"].startswith("public, max-age=")
    # Game data is public: a token, valid or not, changes nothing, as on the route.
    bad = {"Authorization": "Bearer gw2wvw_not-a-token", "Accept-Encoding": "gzip"}
    compressed = await _same_both_ways(app, client, monkeypatch, "GET", path, bad)
    assert compressed.content == document.content
    if len(document.content) >= 500:
        assert compressed.headers["content-encoding"] == "gzip"
    conditional = {"If-None-Match": document.headers["etag"]}
    assert (
        await _same_both_ways(app, client, monkeypatch, "GET", path, conditional)
    ).status_code == 304
    health = await _same_both_ways(app, client, monkeypatch, "GET", "/healthz")
    assert health.json() == {"status": "ok"}


def test_compressed_bodies_are_gzip_of_the_body() -> None:
    from gw2wvw_api.fastpath import FastPath

    fast = FastPath(compressed_entries=2)
    bodies = [bytes([n]) * 600 for n in range(4)]
    for body in (*bodies, bodies[0]):
        assert gzip.decompress(fast._gzip(body)) == body


async def _decode_both_ways(
    app: FastAPI,
    client: httpx.AsyncClient,
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    headers: dict[str, str],
    *,
    fast: bool,
) -> httpx.Response:
    """A decode request answered by the framework and then again with the fast path on (which
    must answer it itself when ``fast``); the answers must be equal."""
    headers = {"Accept-Encoding": "identity", **headers}
    with _fast_path_off(app, monkeypatch):
        slow = await client.post("/v1/tools/decode", content=content, headers=headers)
    if fast:
        with _framework_forbidden(monkeypatch):
            again = await client.post("/v1/tools/decode", content=content, headers=headers)
    else:
        again = await client.post("/v1/tools/decode", content=content, headers=headers)
    assert _shape(again) == _shape(slow)
    return again


async def test_decoding_is_answered_as_the_route_answers(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: Account,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = json.dumps({"chat_code": FIREBRAND}).encode()
    as_json = {"Content-Type": "application/json"}
    decoded = await _decode_both_ways(app, client, monkeypatch, body, as_json, fast=True)
    assert decoded.status_code == 200
    assert decoded.json()["profession"] == "Guardian"
    for extra in ({"Accept-Encoding": "gzip"}, alice.headers):
        await _decode_both_ways(app, client, monkeypatch, body, {**as_json, **extra}, fast=True)
    # What the route must refuse goes to the route, body and all.
    refused = [
        (json.dumps({"chat_code": "[&not a code]"}).encode(), as_json, 422),
        (json.dumps({"chat_code": FIREBRAND, "more": 1}).encode(), as_json, 422),
        (b"{", as_json, 422),
        (body, {**as_json, "Authorization": "Bearer gw2wvw_nope"}, 401),
        (json.dumps({"chat_code": "x" * 5000}).encode(), as_json, 422),
    ]
    for content, headers, status in refused:
        answer = await _decode_both_ways(app, client, monkeypatch, content, headers, fast=False)
        assert answer.status_code == status, answer.text
    # Another media type is the framework's to judge, with the body handed on intact.
    text = await _decode_both_ways(
        app, client, monkeypatch, body, {"Content-Type": "text/plain"}, fast=False
    )
    assert text.status_code in (415, 422)
