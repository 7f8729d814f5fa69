"""Who sees what, over real HTTP, with the Redis cache warm and shared by two processes.

The owner reads everything first, through both processes, so every detail and listing the
owner may see sits in Redis and in each process's near cache; then the others read. A private
item of someone else must answer exactly as an id that does not exist.
"""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import SCOURGE, Account, Cluster, create_build, sign_up

VISIBILITIES = ("private", "unlisted", "public")
READERS = ("owner", "other", "anonymous")

SEES = {
    "private": {"owner"},
    "unlisted": {"owner", "other", "anonymous"},
    "public": {"owner", "other", "anonymous"},
}
"""Who may read an item by id."""

LISTS = {"private": {"owner"}, "unlisted": {"owner"}, "public": {"owner", "other", "anonymous"}}
"""Whose listings show an item."""


def _same_as_missing(response: httpx.Response, missing: httpx.Response) -> None:
    """A hidden item answers as a missing one: status, media type, type, title, code, shape."""
    assert response.status_code == missing.status_code == 404, response.text
    assert response.headers["content-type"] == missing.headers["content-type"]
    body, expected = response.json(), missing.json()
    assert set(body) == set(expected)
    for field in ("type", "title", "status", "code"):
        assert body[field] == expected[field]
    for name in ("etag", "cache-control", "vary", "www-authenticate"):
        assert response.headers.get(name) == missing.headers.get(name), name


def _item_ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def _create_composition(base_url: str, account: Account, visibility: str) -> dict[str, Any]:
    body = {
        "name": f"{visibility} squad",
        "mode": "zerg",
        "visibility": visibility,
        "parties": [{"members": [{"archetype": "firebrand-stab"}]}],
    }
    response = httpx.post(f"{base_url}/v1/compositions", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


@pytest.mark.parametrize("kind", ["builds", "compositions"])
def test_the_visibility_matrix_leaks_nothing_through_the_cache(
    cluster: Cluster, http: httpx.Client, kind: str
) -> None:
    a = cluster.a
    owner, other = sign_up(a.url, "owner"), sign_up(a.url, "other")
    headers = {"owner": owner.headers, "other": other.headers, "anonymous": {}}
    if kind == "builds":
        items = {
            v: create_build(a.url, owner, SCOURGE, name=f"{v} build", visibility=v)
            for v in VISIBILITIES
        }
        extra = ["/chat-code"]
    else:
        items = {v: _create_composition(a.url, owner, v) for v in VISIBILITIES}
        extra = ["/evaluation"]
    ids = {v: item["id"] for v, item in items.items()}
    listings = [f"/v1/{kind}?owner={owner.name}", f"/v1/{kind}?limit=100"]

    # Warm every cache with what the owner may see.
    for server in cluster.servers:
        for item_id in ids.values():
            for suffix in ["", *extra]:
                url = f"{server.url}/v1/{kind}/{item_id}{suffix}"
                response = http.get(url, headers=owner.headers)
                assert response.status_code == 200, response.text
        for listing in listings:
            assert set(ids.values()) <= _item_ids(
                http.get(f"{server.url}{listing}", headers=owner.headers)
            )

    for server in cluster.servers:
        for reader in READERS:
            missing_id = uuid.uuid4()
            for suffix in ["", *extra]:
                missing = http.get(
                    f"{server.url}/v1/{kind}/{missing_id}{suffix}", headers=headers[reader]
                )
                for visibility, item_id in ids.items():
                    url = f"{server.url}/v1/{kind}/{item_id}{suffix}"
                    response = http.get(url, headers=headers[reader])
                    if reader in SEES[visibility]:
                        assert response.status_code == 200, (reader, visibility, response.text)
                    else:
                        _same_as_missing(response, missing)
                        # Not even a 304: that would confirm the item and its version.
                        owners_etag = http.get(url, headers=owner.headers).headers["etag"]
                        conditional = http.get(
                            url, headers={**headers[reader], "If-None-Match": owners_etag}
                        )
                        _same_as_missing(conditional, missing)
            for listing in listings:
                seen = _item_ids(http.get(f"{server.url}{listing}", headers=headers[reader]))
                expected = {ids[v] for v in VISIBILITIES if reader in LISTS[v]}
                assert seen & set(ids.values()) == expected, (reader, listing)


def test_a_build_made_private_is_no_longer_served_to_others(
    cluster: Cluster, http: httpx.Client
) -> None:
    a, b = cluster.servers
    owner, other = sign_up(a.url, "hider"), sign_up(a.url, "seeker")
    build = create_build(a.url, owner, name="soon private", visibility="public")
    url = f"/v1/builds/{build['id']}"
    listing = f"/v1/builds?owner={owner.name}"
    # Everyone reads it through both processes: cached for all of them.
    for server in cluster.servers:
        for who in (owner.headers, other.headers, {}):
            assert http.get(f"{server.url}{url}", headers=who).status_code == 200
            assert build["id"] in _item_ids(http.get(f"{server.url}{listing}", headers=who))
    etag = http.get(f"{b.url}{url}", headers=other.headers).headers["etag"]

    changed = http.patch(f"{a.url}{url}", headers=owner.headers, json={"visibility": "private"})
    assert changed.status_code == 200, changed.text

    for server in (b, a):  # the other process first: it learns of the change through Redis
        for who in (other.headers, {}):
            missing = http.get(f"{server.url}/v1/builds/{uuid.uuid4()}", headers=who)
            _same_as_missing(http.get(f"{server.url}{url}", headers=who), missing)
            _same_as_missing(
                http.get(f"{server.url}{url}", headers={**who, "If-None-Match": etag}), missing
            )
            _same_as_missing(http.get(f"{server.url}{url}/chat-code", headers=who), missing)
            assert build["id"] not in _item_ids(http.get(f"{server.url}{listing}", headers=who))
        mine = http.get(f"{server.url}{url}", headers=owner.headers)
        assert (mine.status_code, mine.json()["visibility"]) == (200, "private")
