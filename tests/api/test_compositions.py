"""``/v1/compositions`` over HTTP, on SQLite and on PostgreSQL: validation, visibility, caching,
conditional requests, paging and evaluation."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI

from gw2wvw.squad import Evaluation
from gw2wvw.store import BuildCreate, CompositionRead
from tests.api.conftest import (
    FIREBRAND,
    PRIVATE,
    RENEGADE,
    SCOURGE,
    VARY,
    Account,
    assert_problem,
    documented_statuses,
    store_of,
)

STAB = "firebrand-stab"
DAMAGE = "berserker-damage"
STRIP = "scourge-strip"
HEALER = "scrapper-heal-superspeed"


def arch(archetype: str, **fields: object) -> dict[str, object]:
    return {"archetype": archetype, **fields}


def payload(name: str = "squad", *parties: list[dict[str, object]], **fields: object) -> Any:
    """A composition body; ``parties`` default to one party of two archetypes."""
    chosen = parties or ([arch(STAB), arch(DAMAGE)],)
    return {"name": name, "parties": [{"members": p} for p in chosen], **fields}


async def create(client: httpx.AsyncClient, account: Account, body: Any) -> dict[str, Any]:
    response = await client.post("/v1/compositions", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def create_build(
    client: httpx.AsyncClient, account: Account, code: str = FIREBRAND, **fields: object
) -> dict[str, Any]:
    response = await client.post(
        "/v1/builds", headers=account.headers, json={"name": "b", "chat_code": code, **fields}
    )
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def without_ids(problem: dict[str, Any]) -> dict[str, Any]:
    """A problem body apart from what names the requested id."""
    return {k: v for k, v in problem.items() if k not in ("instance", "detail")}


async def test_create_answers_201_with_location_etag_and_the_stored_composition(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post(
        "/v1/compositions",
        headers=alice.headers,
        json=payload(
            "Friday zerg",
            [arch(STAB, player="Ann", commander=True), arch(HEALER)],
            [arch(STRIP), arch(DAMAGE)],
            description="push bay",
            mode="havoc",
            tags=["Zerg", "wvw", "zerg"],
        ),
    )
    assert response.status_code == 201, response.text
    created = CompositionRead.model_validate(response.json())
    assert response.headers["location"] == f"/v1/compositions/{created.id}"
    assert response.headers["etag"] == 'W/"v1"'
    assert response.headers["cache-control"] == "no-store"
    assert (created.owner.id, created.owner.name) == (alice.id, "alice")
    assert (created.name, created.description, created.mode) == ("Friday zerg", "push bay", "havoc")
    assert (created.visibility, created.version, created.targets) == ("private", 1, None)
    assert created.tags == ("zerg", "wvw")
    assert [[m.archetype for m in p.members] for p in created.parties] == [
        [STAB, HEALER],
        [STRIP, DAMAGE],
    ]
    assert created.parties[0].members[0].player == "Ann"
    assert created.parties[0].members[0].commander

    read = await client.get(response.headers["location"], headers=alice.headers)
    assert read.status_code == 200
    assert read.json() == response.json()
    assert read.headers["etag"] == 'W/"v1"'
    assert read.headers["cache-control"] == PRIVATE
    assert read.headers["vary"] == VARY
    assert read.headers["content-type"] == "application/json"


async def test_members_may_be_stored_builds_the_caller_may_see(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    own_private = await create_build(client, alice)
    theirs_unlisted = await create_build(client, bob, SCOURGE, visibility="unlisted")
    created = await create(
        client,
        alice,
        payload(
            "c",
            [
                {"build_id": own_private["id"], "role": "stab-support"},
                {"build_id": theirs_unlisted["id"], "role": "strip"},
            ],
        ),
    )
    members = created["parties"][0]["members"]
    assert [(m["build_id"], m["role"], m["archetype"]) for m in members] == [
        (own_private["id"], "stab-support", None),
        (theirs_unlisted["id"], "strip", None),
    ]


async def test_invalid_compositions_are_refused_with_paths(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    theirs_private = await create_build(client, bob)
    missing = str(uuid.uuid4())
    cases: list[tuple[Any, list[str], str]] = [
        ({"name": "c"}, ["/body/parties"], "missing"),
        ({"name": "c", "parties": []}, ["/body/parties"], "too_short"),
        (payload("", [arch(STAB)]), ["/body/name"], "string_too_short"),
        (payload("c", color="red"), ["/body/color"], "extra_forbidden"),
        (
            payload("c", [{"archetype": STAB, "build_id": missing, "role": "strip"}]),
            ["/body/parties/0/members/0"],
            "value_error",
        ),
        (
            payload("c", [arch(STAB)], [arch("no-such-archetype")]),
            ["/body/parties/1/members/0/archetype"],
            "unknown_archetype",
        ),
        (
            payload(
                "c",
                [arch(STAB), {"build_id": theirs_private["id"], "role": "stab-support"}],
                [{"build_id": missing, "role": "strip"}],
            ),
            ["/body/parties/0/members/1/build_id", "/body/parties/1/members/0/build_id"],
            "unknown_build",
        ),
        (
            payload("c", [arch("Firebrnd")]),
            ["/body/parties/0/members/0/archetype"],
            "unknown_archetype",
        ),
    ]
    for body, paths, code in cases:
        response = await client.post("/v1/compositions", headers=alice.headers, json=body)
        problem = assert_problem(response, 422, "validation_failed")
        # Pydantic follows an invalid member with too_short at the tuples holding it (a gap,
        # reported): the real errors come first.
        found = problem["errors"][: len(paths)]
        assert [(e["path"], e["code"]) for e in found] == [(p, code) for p in paths], problem
    # The message does not tell another user's private build from a missing one.
    assert "private" not in response.text
    # A bad mode: the union's member names follow the path (a problems.py gap, reported).
    response = await client.post(
        "/v1/compositions", headers=alice.headers, json=payload("c", mode="pve")
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert all(e["path"].startswith("/body/mode") for e in problem["errors"])
    # Pydantic adds a spurious too_short at /body/parties when a party is too long.
    response = await client.post(
        "/v1/compositions", headers=alice.headers, json=payload("c", [arch(STAB)] * 6)
    )
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["path"] == "/body/parties/0/members"
    assert problem["errors"][0]["code"] == "too_long"
    assert (await client.get("/v1/compositions", headers=alice.headers)).json()["items"] == []
    assert [e.type for e in await store_of(app).outbox.list()] == ["build.created"]


async def test_writes_need_a_token(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice, payload(visibility="public"))
    where = f"/v1/compositions/{created['id']}"
    for method, url, body in (
        ("POST", "/v1/compositions", payload()),
        ("PUT", where, payload()),
        ("PATCH", where, {"name": "x"}),
        ("DELETE", where, None),
    ):
        response = await client.request(method, url, json=body)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await client.get(where)).json()["version"] == 1


async def test_visibility_matrix_leaks_nothing(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    made = {
        v: await create(client, alice, payload(f"{v} squad", visibility=v))
        for v in ("private", "unlisted", "public")
    }
    viewers = {"owner": alice.headers, "other": bob.headers, "anonymous": {}}
    missing = uuid.uuid4()
    # The owner reads first, so what the others get below may come from the cache.
    for viewer, headers in viewers.items():
        for suffix in ("", "/evaluation"):
            absent = await client.get(f"/v1/compositions/{missing}{suffix}", headers=headers)
            not_found = without_ids(assert_problem(absent, 404, "not_found"))
            for visibility, composition in made.items():
                url = f"/v1/compositions/{composition['id']}{suffix}"
                response = await client.get(url, headers=headers)
                if viewer == "owner" or visibility != "private":
                    assert response.status_code == 200, (viewer, url)
                    if not suffix:
                        assert response.json() == composition
                else:
                    # Exactly like a composition that does not exist.
                    assert without_ids(response.json()) == not_found, (viewer, url)
                    assert response.headers.keys() == absent.headers.keys()

        listed = await client.get("/v1/compositions", headers=headers)
        by_owner = await client.get("/v1/compositions?owner=ALICE", headers=headers)
        for listing in (listed, by_owner):
            assert listing.status_code == 200
            names = [c["name"] for c in listing.json()["items"]]
            if viewer == "owner":
                assert sorted(names) == ["private squad", "public squad", "unlisted squad"]
            else:
                assert names == ["public squad"]
                for hidden in ("private", "unlisted"):
                    assert made[hidden]["id"] not in listing.text
                    assert f"{hidden} squad" not in listing.text


async def test_a_cached_private_composition_stays_private(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    created = await create(client, alice, payload("secret"))
    where = f"/v1/compositions/{created['id']}"
    for _ in range(2):
        assert (await client.get(where, headers=alice.headers)).status_code == 200
        assert_problem(await client.get(where, headers=bob.headers), 404, "not_found")
        assert_problem(await client.get(where), 404, "not_found")

    # Made public, everyone sees it at once; made private again, nobody else does.
    public = await client.patch(where, headers=alice.headers, json={"visibility": "public"})
    assert public.status_code == 200
    assert (await client.get(where, headers=bob.headers)).json()["visibility"] == "public"
    assert [c["id"] for c in (await client.get("/v1/compositions")).json()["items"]] == [
        created["id"]
    ]
    private = await client.patch(where, headers=alice.headers, json={"visibility": "private"})
    assert private.status_code == 200
    assert_problem(await client.get(where, headers=bob.headers), 404, "not_found")
    assert (await client.get("/v1/compositions")).json()["items"] == []


async def test_reads_show_each_write_at_once(client: httpx.AsyncClient, alice: Account) -> None:
    created = await create(client, alice, payload("first", visibility="public"))
    where = f"/v1/compositions/{created['id']}"
    first = await client.get(where)
    again = await client.get(where)
    assert first.json() == again.json() == created
    assert first.headers["etag"] == again.headers["etag"] == 'W/"v1"'
    list_before = await client.get("/v1/compositions", headers=alice.headers)

    patched = await client.patch(
        where, headers={**alice.headers, "If-Match": 'W/"v1"'}, json={"name": "second"}
    )
    assert patched.status_code == 200, patched.text
    assert patched.headers["etag"] == 'W/"v2"'
    assert patched.headers["cache-control"] == "no-store"
    assert (patched.json()["name"], patched.json()["version"]) == ("second", 2)

    after = await client.get(where, headers={"If-None-Match": 'W/"v1"'})
    assert after.status_code == 200
    assert after.headers["etag"] == 'W/"v2"'
    assert after.json() == patched.json()
    list_after = await client.get(
        "/v1/compositions", headers={**alice.headers, "If-None-Match": list_before.headers["etag"]}
    )
    assert list_after.status_code == 200
    assert [c["name"] for c in list_after.json()["items"]] == ["second"]
    assert list_after.headers["etag"] != list_before.headers["etag"]


async def test_if_none_match_answers_304_with_the_validators(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, payload(visibility="public"))
    for url in (
        f"/v1/compositions/{created['id']}",
        f"/v1/compositions/{created['id']}/evaluation",
        "/v1/compositions",
        "/v1/compositions?mode=zerg&limit=5",
    ):
        for headers in ({}, alice.headers):
            first = await client.get(url, headers=headers)
            assert first.status_code == 200
            etag = first.headers["etag"]
            assert etag.startswith('W/"')
            for header in (etag, f'W/"nope", {etag}', "*"):
                cached = await client.get(url, headers={**headers, "If-None-Match": header})
                assert cached.status_code == 304, (url, header)
                assert cached.content == b""
                assert cached.headers["etag"] == etag
                assert cached.headers["cache-control"] == PRIVATE
                assert cached.headers["vary"] == VARY
            stale = await client.get(url, headers={**headers, "If-None-Match": 'W/"v0"'})
            assert stale.status_code == 200
            assert stale.content == first.content
        bad = await client.get(url, headers={"If-None-Match": "not-quoted"})
        assert_problem(bad, 400, "bad_precondition")


async def test_if_match_mismatch_is_412_and_changes_nothing(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, payload("kept", visibility="public"))
    where = f"/v1/compositions/{created['id']}"
    await client.get(where)  # cached
    for header in ('W/"v2"', '"v7"', 'W/"abc"', 'W/"v1", W/"v2"'):
        for method, body in (
            ("PATCH", {"name": "lost"}),
            ("PUT", payload("lost")),
            ("DELETE", None),
        ):
            response = await client.request(
                method, where, headers={**alice.headers, "If-Match": header}, json=body
            )
            assert_problem(response, 412, "precondition_failed")
    malformed = await client.patch(
        where, headers={**alice.headers, "If-Match": "v1"}, json={"name": "lost"}
    )
    assert_problem(malformed, 400, "bad_precondition")
    assert (await client.get(where)).json() == created
    events = [e.type for e in await store_of(app).outbox.list()]
    assert events == ["composition.created"]


async def test_put_replaces_and_if_match_star_or_strong_tags_apply(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(
        client, alice, payload("a", description="old", tags=["zerg"], visibility="public")
    )
    where = f"/v1/compositions/{created['id']}"
    replaced = await client.put(
        where,
        headers={**alice.headers, "If-Match": '"v1"'},
        json=payload("b", [arch(STRIP)], mode="roaming"),
    )
    assert replaced.status_code == 200, replaced.text
    body = replaced.json()
    # A replacement resets what it leaves out.
    assert (body["name"], body["description"], body["tags"], body["visibility"]) == (
        "b",
        "",
        [],
        "private",
    )
    assert (body["mode"], body["version"]) == ("roaming", 2)
    assert [m["archetype"] for m in body["parties"][0]["members"]] == [STRIP]
    patched = await client.patch(
        where, headers={**alice.headers, "If-Match": "*"}, json={"description": "new"}
    )
    assert (patched.json()["description"], patched.json()["version"]) == ("new", 3)
    assert (await client.get(where, headers=alice.headers)).json() == patched.json()


async def test_patch_validates_the_merged_composition(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, payload())
    where = f"/v1/compositions/{created['id']}"
    for body, paths in (
        ({"parties": [{"members": [arch("nope")]}]}, ["/body/parties/0/members/0/archetype"]),
        ({"visibility": "secret"}, ["/body/visibility"]),
        ({"parties": []}, ["/body/parties"]),
    ):
        response = await client.patch(where, headers=alice.headers, json=body)
        assert_problem(response, 422, "validation_failed", paths=paths)
    assert_problem(
        await client.patch("/v1/compositions/nope", headers=alice.headers, json={}),
        422,
        "validation_failed",
        paths=["/path/composition_id"],
    )
    assert (await client.get(where, headers=alice.headers)).json()["version"] == 1


async def test_only_the_owner_may_change_or_delete(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    public = await create(client, alice, payload("public", visibility="public"))
    private = await create(client, alice, payload("private"))
    for method, body in (("PATCH", {"name": "x"}), ("PUT", payload("x")), ("DELETE", None)):
        mine = f"/v1/compositions/{public['id']}"
        response = await client.request(method, mine, headers=bob.headers, json=body)
        assert_problem(response, 403, "forbidden")
        hidden = f"/v1/compositions/{private['id']}"
        response = await client.request(method, hidden, headers=bob.headers, json=body)
        assert_problem(response, 404, "not_found")
    assert (await client.get(f"/v1/compositions/{public['id']}")).json() == public


async def test_delete_removes_it_from_details_and_listings(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(client, alice, payload(visibility="public"))
    where = f"/v1/compositions/{created['id']}"
    assert (await client.get(where)).status_code == 200
    assert len((await client.get("/v1/compositions")).json()["items"]) == 1

    response = await client.delete(where, headers={**alice.headers, "If-Match": 'W/"v1"'})
    assert response.status_code == 204
    assert response.content == b""
    assert_problem(await client.get(where), 404, "not_found")
    assert_problem(await client.get(f"{where}/evaluation"), 404, "not_found")
    assert (await client.get("/v1/compositions")).json()["items"] == []
    assert_problem(await client.delete(where, headers=alice.headers), 404, "not_found")
    events = [e.type for e in await store_of(app).outbox.list()]
    assert events == ["composition.created", "composition.deleted"]


async def test_listing_filters_sorts_and_pages_with_link(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    # Lower-case names: SQLite and PostgreSQL collate upper case differently.
    await create(client, alice, payload("friday zerg", tags=["zerg"], visibility="public"))
    await create(
        client,
        alice,
        payload("havoc a", [arch(STRIP), arch(DAMAGE)], mode="havoc", visibility="public"),
    )
    await create(client, alice, payload("havoc b", [arch(STAB)], mode="havoc", visibility="public"))
    await create(client, bob, payload("bob's", [arch(HEALER)], tags=["zerg"], visibility="public"))
    await create(client, bob, payload("bob's private", mode="havoc"))

    async def names(query: str, headers: dict[str, str] | None = None) -> list[str]:
        response = await client.get(f"/v1/compositions?{query}", headers=headers or {})
        assert response.status_code == 200, response.text
        return [c["name"] for c in response.json()["items"]]

    assert await names("sort=name") == ["bob's", "friday zerg", "havoc a", "havoc b"]
    assert await names("mode=havoc&sort=name") == ["havoc a", "havoc b"]
    assert await names("mode=havoc&sort=name", bob.headers) == [
        "bob's private",
        "havoc a",
        "havoc b",
    ]
    assert await names(f"archetype={STRIP}") == ["havoc a"]
    assert await names("tag=ZERG&sort=-name") == ["friday zerg", "bob's"]
    assert await names("text=HAVOC&sort=-name") == ["havoc b", "havoc a"]
    assert await names("owner=bob") == ["bob's"]
    unknown = await client.get("/v1/compositions?owner=nobody")
    assert_problem(unknown, 422, "validation_failed", paths=["/query/owner"])
    misspelt = await client.get("/v1/compositions?mode=Havok")
    problem = assert_problem(misspelt, 422, "validation_failed", paths=["/query/mode"])
    assert "did you mean 'havoc'?" in problem["errors"][0]["message"]
    assert await names("mode=HAVOC&sort=name") == ["havoc a", "havoc b"]
    assert await names("sort=-created") == ["bob's", "havoc b", "havoc a", "friday zerg"]

    seen: list[str] = []
    url: str | None = "/v1/compositions?sort=name&limit=3"
    pages = 0
    while url is not None:
        response = await client.get(url)
        assert response.status_code == 200
        page = response.json()
        seen += [c["name"] for c in page["items"]]
        pages += 1
        link = response.headers.get("link")
        if page["next_cursor"] is None:
            assert link is None
            url = None
        else:
            assert link is not None
            assert link.endswith('>; rel="next"')
            url = link[1 : link.index(">")]
            assert "sort=name" in url
            assert "limit=3" in url
    assert (pages, seen) == (2, ["bob's", "friday zerg", "havoc a", "havoc b"])


async def test_listing_query_errors(client: httpx.AsyncClient) -> None:
    for query, paths in (
        ("limit=0", ["/query/limit"]),
        ("limit=101", ["/query/limit"]),
        ("sort=colour", ["/query/sort"]),
        ("archetype=Not%20An%20Id", ["/query/archetype"]),
        ("bogus=1", ["/query/bogus"]),
    ):
        response = await client.get(f"/v1/compositions?{query}")
        assert_problem(response, 422, "validation_failed", paths=paths)
    response = await client.get("/v1/compositions?cursor=garbage")
    problem = assert_problem(response, 422, "validation_failed")
    assert [e["code"] for e in problem["errors"]] == ["invalid_cursor"]
    # A cursor of one order does not page another.
    first = await client.get("/v1/compositions?sort=name&limit=1")
    assert first.status_code == 200


async def test_evaluation_reports_coverage_and_revalidates(
    client: httpx.AsyncClient, alice: Account
) -> None:
    created = await create(
        client, alice, payload("c", [arch(STAB, player="Ann"), arch(HEALER), arch(DAMAGE)])
    )
    where = f"/v1/compositions/{created['id']}/evaluation"
    response = await client.get(where, headers=alice.headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == PRIVATE
    assert response.headers["vary"] == VARY
    evaluation = Evaluation.model_validate(response.json())
    assert len(evaluation.parties) == 1
    assert evaluation.parties[0].members == 3
    assert 0 < evaluation.score <= 100
    stability = evaluation.parties[0].boons["stability"]
    assert ("Ann", STAB) in [(c.player, c.archetype) for c in stability.contributions]

    # A rename keeps the evaluation, and its ETag, as they were.
    await client.patch(
        f"/v1/compositions/{created['id']}", headers=alice.headers, json={"name": "renamed"}
    )
    same = await client.get(
        where, headers={**alice.headers, "If-None-Match": response.headers["etag"]}
    )
    assert same.status_code == 304
    # New members change it.
    await client.patch(
        f"/v1/compositions/{created['id']}",
        headers=alice.headers,
        json={"parties": [{"members": [arch(DAMAGE)]}]},
    )
    changed = await client.get(
        where, headers={**alice.headers, "If-None-Match": response.headers["etag"]}
    )
    assert changed.status_code == 200
    assert changed.headers["etag"] != response.headers["etag"]
    assert Evaluation.model_validate(changed.json()).score < evaluation.score


async def test_evaluation_follows_the_builds_it_uses(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    build = await create_build(client, alice)  # private
    created = await create(
        client,
        alice,
        payload(
            "c",
            [{"build_id": build["id"], "role": "stab-support"}, arch(DAMAGE)],
            visibility="public",
        ),
    )
    detail = f"/v1/compositions/{created['id']}"
    where = f"{detail}/evaluation"
    before = await client.get(where, headers=bob.headers)
    assert before.status_code == 200
    # Bob sees what the member plays, never the private build behind it.
    assert build["id"] not in before.text
    assert FIREBRAND not in before.text
    stability = before.json()["parties"][0]["boons"]["stability"]
    assert [c["archetype"] for c in stability["contributions"]] == [STAB]
    assert (await client.get(detail)).headers["etag"] == 'W/"v1"'

    rebuilt = await client.patch(
        f"/v1/builds/{build['id']}", headers=alice.headers, json={"chat_code": SCOURGE}
    )
    assert rebuilt.status_code == 200, rebuilt.text
    # The composition itself did not change; its evaluation did, at once.
    assert (await client.get(detail)).headers["etag"] == 'W/"v1"'
    after = await client.get(
        where, headers={**bob.headers, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert after.json()["score"] != before.json()["score"]
    # The build is a Scourge now: the party has no stability anchor any more.
    assert "stability" not in after.json()["parties"][0]["functions"]


async def test_evaluation_of_an_unknown_or_malformed_id(
    client: httpx.AsyncClient, alice: Account
) -> None:
    assert_problem(
        await client.get(f"/v1/compositions/{uuid.uuid4()}/evaluation"), 404, "not_found"
    )
    assert_problem(
        await client.get("/v1/compositions/42/evaluation"),
        422,
        "validation_failed",
        paths=["/path/composition_id"],
    )
    assert_problem(
        await client.get(
            f"/v1/compositions/{uuid.uuid4()}/evaluation",
            headers={"Authorization": "Bearer gw2wvw_revoked"},
        ),
        401,
        "invalid_token",
    )


async def test_others_cannot_pin_your_build_nor_learn_of_their_compositions(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    # Issue 13, finding 6: Bob used Alice's unlisted build in his private composition; Alice
    # could then neither delete nor change it (409), and the 409 named Bob's composition.
    build = await store_of(app).builds.create(
        alice.actor, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="unlisted")
    )
    theirs = await create(
        client, bob, payload("b", [{"build_id": str(build.id), "role": "stab-support"}])
    )
    where = f"/v1/compositions/{theirs['id']}"
    assert (await client.get(where, headers=bob.headers)).status_code == 200  # cached

    # A change to another specialization: Bob's member plays what the build now plays (every
    # build plays some archetype of the bundled table; a narrower table's snapshot is the
    # store's test), and nothing of Bob's composition shows in Alice's answer.
    changed = await client.patch(
        f"/v1/builds/{build.id}", headers=alice.headers, json={"chat_code": RENEGADE}
    )
    assert changed.status_code == 200, changed.text
    assert theirs["id"] not in changed.text
    after = await client.get(f"{where}/evaluation", headers=bob.headers)
    functions = after.json()["parties"][0]["functions"]
    assert functions == {"damage": [1]}  # the Renegade, no longer a stability anchor

    # And a build goes when Alice deletes it, whoever used it.
    strip = await store_of(app).builds.create(
        alice.actor, BuildCreate(name="sc", chat_code=SCOURGE, visibility="unlisted")
    )
    again = await create(client, bob, payload("b2", [{"build_id": str(strip.id), "role": "strip"}]))
    cached = await client.get(f"/v1/compositions/{again['id']}", headers=bob.headers)
    assert cached.json()["parties"][0]["members"][0]["build_id"] == str(strip.id)
    deleted = await client.delete(f"/v1/builds/{strip.id}", headers=alice.headers)
    assert deleted.status_code == 204, deleted.text
    kept = await client.get(f"/v1/compositions/{again['id']}", headers=bob.headers)
    (member,) = kept.json()["parties"][0]["members"]
    assert (member["archetype"], member["build_id"]) == ("scourge-strip", None)
    # Alice sees none of it: Bob's compositions stay private.
    for ident in (theirs["id"], again["id"]):
        hidden = await client.get(f"/v1/compositions/{ident}", headers=alice.headers)
        assert_problem(hidden, 404, "not_found")


def test_every_answer_is_documented() -> None:
    write = {200, 400, 401, 403, 404, 409, 412, 422}
    assert documented_statuses(("/v1/compositions",)) == {
        ("POST", "/v1/compositions"): {201, 400, 401, 403, 422},
        ("GET", "/v1/compositions"): {200, 304, 400, 401, 403, 422},
        ("GET", "/v1/compositions/{composition_id}"): {200, 304, 400, 401, 403, 404, 422},
        ("GET", "/v1/compositions/{composition_id}/evaluation"): {
            200,
            304,
            400,
            401,
            403,
            404,
            422,
        },
        ("GET", "/v1/compositions/{composition_id}/post"): {200, 304, 400, 401, 403, 404, 422},
        ("GET", "/v1/compositions/{composition_id}/reviews/{fight_id}"): {
            200,
            304,
            400,
            401,
            403,
            404,
            409,
            422,
        },
        ("PUT", "/v1/compositions/{composition_id}"): write,
        ("PATCH", "/v1/compositions/{composition_id}"): write,
        ("DELETE", "/v1/compositions/{composition_id}"): {204, 400, 401, 403, 404, 412, 422},
    }
