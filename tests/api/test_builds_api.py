"""``/v1/builds`` over HTTP, on SQLite and on PostgreSQL: chat codes, validation, visibility,
caching, conditional requests, paging and compression."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from gw2wvw.store import BuildRead
from tests.api.conftest import (
    BAD_PET,
    FIREBRAND,
    LEGACY_RANGER,
    PRIVATE,
    SCOURGE,
    VARY,
    Account,
    assert_problem,
    store_of,
)


async def create(
    client: httpx.AsyncClient, account: Account, code: str = FIREBRAND, **fields: object
) -> dict[str, Any]:
    body = {"name": "fb", "chat_code": code, **fields}
    response = await client.post("/v1/builds", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def test_create_from_a_chat_code(client: httpx.AsyncClient, alice: Account) -> None:
    response = await client.post(
        "/v1/builds",
        headers=alice.headers,
        json={"name": "FB stab", "chat_code": FIREBRAND, "tags": ["Zerg", "support", "zerg"]},
    )
    assert response.status_code == 201, response.text
    build = BuildRead.model_validate(response.json())
    assert response.headers["location"] == f"/v1/builds/{build.id}"
    assert response.headers["etag"] == 'W/"v1"'
    assert response.headers["cache-control"] == "no-store"
    assert (build.profession, build.elite_specialization) == ("Guardian", 62)
    assert (build.chat_code, build.visibility, build.version) == (FIREBRAND, "private", 1)
    assert build.tags == ("zerg", "support")
    assert build.owner.name == "alice"

    read = await client.get(response.headers["location"], headers=alice.headers)
    assert read.status_code == 200
    assert read.json() == response.json()
    assert read.headers["etag"] == 'W/"v1"'
    assert read.headers["cache-control"] == PRIVATE
    assert read.headers["vary"] == VARY


async def test_create_from_a_build_object_and_canonicalise_legacy_codes(
    client: httpx.AsyncClient, alice: Account
) -> None:
    legacy = await create(client, alice, LEGACY_RANGER)
    assert legacy["chat_code"] != LEGACY_RANGER
    assert legacy["elite_specialization"] == 55
    response = await client.post(
        "/v1/builds", headers=alice.headers, json={"name": "copy", "build": legacy["build"]}
    )
    assert response.status_code == 201, response.text
    assert response.json()["chat_code"] == legacy["chat_code"]
    assert response.json()["build"] == legacy["build"]


async def test_invalid_builds_are_refused_with_paths(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    valid = await create(client, alice)
    broken = {**valid["build"], "profession": "Jeweler"}
    cases: list[tuple[dict[str, Any], list[str], str | None]] = [
        ({"name": "x", "chat_code": BAD_PET}, ["/body/chat_code"], None),
        ({"name": "x", "chat_code": "[&not a code]"}, ["/body/chat_code"], "invalid_chat_code"),
        ({"name": "x"}, ["/body"], "value_error"),
        ({"name": "x", "chat_code": FIREBRAND, "build": valid["build"]}, ["/body"], "value_error"),
        ({"chat_code": FIREBRAND}, ["/body/name"], "missing"),
        (
            {"name": "x", "chat_code": FIREBRAND, "visibility": "friends"},
            ["/body/visibility"],
            None,
        ),
        ({"name": "x", "chat_code": FIREBRAND, "tags": ["a b"]}, ["/body/tags/0"], None),
        ({"name": "x", "build": broken}, ["/body/build/profession"], None),
    ]
    for body, paths, code in cases:
        response = await client.post("/v1/builds", headers=alice.headers, json=body)
        problem = assert_problem(response, 422, "validation_failed", paths=paths)
        if code is not None:
            assert [e["code"] for e in problem["errors"]] == [code]
    listed = await client.get("/v1/builds", headers=alice.headers)
    assert [b["id"] for b in listed.json()["items"]] == [valid["id"]]
    assert [e.type for e in await store_of(app).outbox.list()] == ["build.created"]
    assert_problem(
        await client.post("/v1/builds", json={"name": "x", "chat_code": FIREBRAND}),
        401,
        "unauthorized",
    )


async def test_visibility_and_the_cache_leak_nothing(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    made = {
        v: await create(client, alice, name=f"{v} fb", visibility=v)
        for v in ("private", "unlisted", "public")
    }
    absent = await client.get(f"/v1/builds/{uuid.uuid4()}", headers=bob.headers)
    not_found = {k: v for k, v in absent.json().items() if k not in ("instance", "detail")}
    # The owner reads (and so caches) each first.
    for owner, headers in ((True, alice.headers), (False, bob.headers), (False, {})):
        for visibility, build in made.items():
            for suffix in ("", "/chat-code"):
                response = await client.get(f"/v1/builds/{build['id']}{suffix}", headers=headers)
                if owner or visibility != "private":
                    assert response.status_code == 200
                else:
                    problem = assert_problem(response, 404, "not_found")
                    assert {
                        k: v for k, v in problem.items() if k not in ("instance", "detail")
                    } == not_found
        listed = await client.get("/v1/builds", headers=headers)
        names = sorted(b["name"] for b in listed.json()["items"])
        if owner:
            assert names == ["private fb", "public fb", "unlisted fb"]
        else:
            assert names == ["public fb"]
            assert made["private"]["id"] not in listed.text
            assert made["unlisted"]["id"] not in listed.text


async def test_the_chat_code_as_text(client: httpx.AsyncClient, alice: Account) -> None:
    build = await create(client, alice, LEGACY_RANGER, visibility="public")
    where = f"/v1/builds/{build['id']}/chat-code"
    response = await client.get(where)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == build["chat_code"]
    assert response.headers["etag"] == 'W/"v1"'
    assert response.headers["cache-control"] == PRIVATE
    assert response.headers["vary"] == VARY
    cached = await client.get(where, headers={"If-None-Match": 'W/"v1"'})
    assert cached.status_code == 304
    assert cached.content == b""
    assert cached.headers["etag"] == 'W/"v1"'
    patched = await client.patch(
        f"/v1/builds/{build['id']}", headers=alice.headers, json={"chat_code": SCOURGE}
    )
    changed = await client.get(where, headers={"If-None-Match": 'W/"v1"'})
    assert (changed.status_code, changed.text) == (200, patched.json()["chat_code"])
    assert changed.headers["etag"] == 'W/"v2"'


async def test_listing_filters_and_pages_with_link(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await create(client, alice, FIREBRAND, name="fb one", tags=["zerg"], visibility="public")
    await create(client, alice, SCOURGE, name="scourge", tags=["zerg"], visibility="public")
    await create(client, alice, LEGACY_RANGER, name="soulbeast", visibility="public")
    await create(client, bob, FIREBRAND, name="fb two", visibility="public")

    async def names(query: str) -> list[str]:
        response = await client.get(f"/v1/builds?{query}")
        assert response.status_code == 200, response.text
        return [b["name"] for b in response.json()["items"]]

    assert await names("sort=name") == ["fb one", "fb two", "scourge", "soulbeast"]
    assert await names("profession=Guardian&sort=name") == ["fb one", "fb two"]
    assert await names("elite_specialization=55") == ["soulbeast"]
    assert await names("tag=ZERG&sort=-name") == ["scourge", "fb one"]
    assert await names("text=FB&sort=name") == ["fb one", "fb two"]
    assert await names("owner=bob") == ["fb two"]

    seen: list[str] = []
    url: str | None = "/v1/builds?sort=name&limit=3"
    while url is not None:
        response = await client.get(url)
        seen += [b["name"] for b in response.json()["items"]]
        link = response.headers.get("link")
        assert (link is None) == (response.json()["next_cursor"] is None)
        url = link[1 : link.index(">")] if link else None
    assert seen == ["fb one", "fb two", "scourge", "soulbeast"]

    for query, paths in (
        ("limit=0", ["/query/limit"]),
        ("elite_specialization=0", ["/query/elite_specialization"]),
        ("sort=colour", ["/query/sort"]),
        ("bogus=1", ["/query/bogus"]),
    ):
        assert_problem(
            await client.get(f"/v1/builds?{query}"), 422, "validation_failed", paths=paths
        )
    problem = assert_problem(await client.get("/v1/builds?cursor=xyz"), 422, "validation_failed")
    assert [e["code"] for e in problem["errors"]] == ["invalid_cursor"]


async def test_writes_with_if_match(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    build = await create(client, alice, visibility="public")
    where = f"/v1/builds/{build['id']}"
    assert (await client.get(where)).headers["etag"] == 'W/"v1"'  # cached
    for method, body in (
        ("PATCH", {"name": "lost"}),
        ("PUT", {"name": "lost", "chat_code": SCOURGE}),
        ("DELETE", None),
    ):
        response = await client.request(
            method, where, headers={**alice.headers, "If-Match": 'W/"v2"'}, json=body
        )
        assert_problem(response, 412, "precondition_failed")
    assert (await client.get(where)).json() == build

    patched = await client.patch(
        where, headers={**alice.headers, "If-Match": 'W/"v1"'}, json={"chat_code": SCOURGE}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == 'W/"v2"'
    assert (patched.json()["profession"], patched.json()["name"]) == ("Necromancer", "fb")
    assert (await client.get(where)).json() == patched.json()

    replaced = await client.put(
        where,
        headers={**alice.headers, "If-Match": 'W/"v2"'},
        json={"name": "r", "chat_code": FIREBRAND},
    )
    assert replaced.status_code == 200, replaced.text
    # A replacement resets what it leaves out: the build is private again.
    assert (replaced.json()["visibility"], replaced.json()["version"]) == ("private", 3)
    assert_problem(await client.get(where), 404, "not_found")

    invalid = await client.patch(where, headers=alice.headers, json={"chat_code": BAD_PET})
    assert_problem(invalid, 422, "validation_failed", paths=["/body/chat_code"])
    deleted = await client.delete(where, headers={**alice.headers, "If-Match": 'W/"v3"'})
    assert deleted.status_code == 204
    assert_problem(await client.get(where, headers=alice.headers), 404, "not_found")
    types = [e.type for e in await store_of(app).outbox.list()]
    assert types == ["build.created", "build.updated", "build.updated", "build.deleted"]


async def test_only_the_owner_may_change_a_build(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = await create(client, alice, visibility="public")
    private = await create(client, alice)
    for method, body in (("PATCH", {"name": "x"}), ("DELETE", None)):
        response = await client.request(
            method, f"/v1/builds/{public['id']}", headers=bob.headers, json=body
        )
        assert_problem(response, 403, "forbidden")
        response = await client.request(
            method, f"/v1/builds/{private['id']}", headers=bob.headers, json=body
        )
        assert_problem(response, 404, "not_found")
        response = await client.request(method, f"/v1/builds/{public['id']}", json=body)
        assert_problem(response, 401, "unauthorized")


async def test_a_build_in_use_can_be_deleted(client: httpx.AsyncClient, alice: Account) -> None:
    build = await create(client, alice)
    composition = await client.post(
        "/v1/compositions",
        headers=alice.headers,
        json={
            "name": "c",
            "parties": [{"members": [{"build_id": build["id"], "role": "stab-support"}]}],
        },
    )
    assert composition.status_code == 201
    where = f"/v1/builds/{build['id']}"
    before = await client.get(composition.headers["location"], headers=alice.headers)
    assert before.json()["parties"][0]["members"][0]["build_id"] == build["id"]  # now cached
    assert (await client.delete(where, headers=alice.headers)).status_code == 204
    assert_problem(await client.get(where, headers=alice.headers), 404, "not_found")
    after = await client.get(composition.headers["location"], headers=alice.headers)
    assert after.headers["etag"] == 'W/"v2"'
    (member,) = after.json()["parties"][0]["members"]
    assert (member["archetype"], member["build_id"]) == ("firebrand-stab", None)


async def test_large_lists_are_compressed_with_the_same_weak_etag(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for n in range(3):
        await create(client, alice, name=f"fb {n}", visibility="public")
    plain = await client.get("/v1/builds", headers={"Accept-Encoding": "identity"})
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert len(plain.content) > 500
    packed = await client.get("/v1/builds", headers={"Accept-Encoding": "gzip"})
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["etag"] == plain.headers["etag"]
    assert packed.headers["etag"].startswith('W/"')
    assert packed.json() == plain.json()  # httpx decompressed it
    assert packed.headers.get_list("vary") == [VARY]
    revalidated = await client.get(
        "/v1/builds", headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["etag"]}
    )
    assert revalidated.status_code == 304
