"""``/v1/users``, ``/v1/me`` and ``/v1/tokens`` over HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import update

from gw2wvw.store import BuildCreate, CompositionCreate, TokenCreate, UserCreate, UserRead
from gw2wvw.store.tables import ApiToken
from tests.api.conftest import (
    FIREBRAND,
    PASSWORD,
    PRIVATE,
    VARY,
    Account,
    AppFactory,
    add_user,
    assert_private_read,
    assert_problem,
    client_for,
    documented_statuses,
    sign_up,
    store_of,
)

# Sign-up


async def test_sign_up_gives_the_account_and_a_working_first_token(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/users", json={"name": "Alice", "password": PASSWORD, "display_name": "Ally"}
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/users/Alice"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    user = UserRead.model_validate(body["user"])
    assert (user.name, user.display_name) == ("Alice", "Ally")
    assert set(body["token"]) == {
        "id",
        "name",
        "prefix",
        "scopes",
        "token",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    }
    secret = body["token"]["token"]
    assert secret.startswith("gw2wvw_")
    assert body["token"]["prefix"] == secret[: len(body["token"]["prefix"])]
    assert body["token"]["revoked_at"] is None
    assert body["token"]["scopes"] == ["read", "write", "account"]
    assert "password" not in response.text
    assert PASSWORD not in response.text

    me = await client.get("/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert_private_read(me)
    assert UserRead.model_validate(me.json()) == user
    # The Location names the new account, found in any case.
    found = await client.get(response.headers["location"].replace("Alice", "aLICE"))
    assert_private_read(found)
    assert found.json() == body["user"]


async def test_the_display_name_defaults_to_the_name(client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "carol")
    me = await client.get("/v1/me", headers=account.headers)
    assert me.json()["display_name"] == "carol"


async def test_a_taken_name_in_any_case_is_a_conflict(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post("/v1/users", json={"name": "ALICE", "password": PASSWORD})
    assert_problem(response, 409, "conflict")
    assert len((await store_of(app).users.list()).items) == 1


async def test_sign_up_validation_errors_have_paths(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({"name": "dave"}, ["/body/password"]),
        ({"name": "dave", "password": "short"}, ["/body/password"]),
        ({"name": "dave", "password": "nine char"}, ["/body/password"]),
        # In zxcvbn's list of common passwords, in any case.
        ({"name": "dave", "password": "Password123"}, ["/body/password"]),
        ({"name": "dave", "password": "qwertyuiop"}, ["/body/password"]),
        ({"name": "a", "password": PASSWORD}, ["/body/name"]),
        ({"name": "no spaces", "password": PASSWORD}, ["/body/name"]),
        ({"name": "dave", "password": PASSWORD, "display_name": ""}, ["/body/display_name"]),
        ({"name": "dave", "password": PASSWORD, "admin": True}, ["/body/admin"]),
        ({"password": "x"}, ["/body/name", "/body/password"]),
    ]
    for body, paths in cases:
        response = await client.post("/v1/users", json=body)
        problem = assert_problem(response, 422, "validation_failed", paths=paths)
        assert problem["title"] == "Validation failed"
    assert (await store_of(app).users.list()).items == ()


async def test_sign_up_refuses_a_body_that_is_not_json(client: httpx.AsyncClient) -> None:
    json = {"Content-Type": "application/json"}
    response = await client.post("/v1/users", content=b"name=dave", headers=json)
    assert_problem(response, 422, "validation_failed", paths=["/body/0"])
    # Bytes that are not even text: documented as 400.
    response = await client.post("/v1/users", content=b"\xff\xfe{", headers=json)
    assert_problem(response, 400, "bad_request")


async def test_sign_up_can_be_disabled(make_app: AppFactory) -> None:
    app = await make_app(signup_enabled=False)
    async with client_for(app) as client:
        for body in ({"name": "dave", "password": PASSWORD}, {"name": "x"}):
            response = await client.post("/v1/users", json=body)
            problem = assert_problem(response, 403, "signup_disabled")
            assert problem["title"] == "Forbidden"
        assert_problem(await client.get("/v1/users/dave"), 404, "not_found")
        # Existing accounts keep working.
        alice = await add_user(app, "alice")
        assert (await client.get("/v1/me", headers=alice.headers)).status_code == 200


# /v1/users/{name}


async def test_a_profile_is_public_and_shows_no_secrets(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    for headers in ({}, bob.headers, alice.headers):
        response = await client.get("/v1/users/alice", headers=headers)
        assert_private_read(response)
        assert set(response.json()) == {"id", "name", "display_name", "created_at"}
        assert response.json()["id"] == str(alice.id)


async def test_unknown_and_malformed_profiles(client: httpx.AsyncClient) -> None:
    problem = assert_problem(await client.get("/v1/users/nobody"), 404, "not_found")
    assert problem["title"] == "Not found"
    assert_problem(
        await client.get("/v1/users/" + "x" * 65), 422, "validation_failed", paths=["/path/name"]
    )


async def test_a_bad_token_is_refused_even_where_anonymous_is_fine(
    client: httpx.AsyncClient, alice: Account
) -> None:
    for token in ("gw2wvw_nonsense", "not-even-ours", alice.token + "x"):
        response = await client.get("/v1/users/alice", headers={"Authorization": f"Bearer {token}"})
        assert_problem(response, 401, "invalid_token")
        assert response.headers["www-authenticate"].startswith("Bearer")


# /v1/me


async def test_me_needs_a_token(client: httpx.AsyncClient) -> None:
    for method in ("GET", "PATCH"):
        response = await client.request(method, "/v1/me", json={} if method == "PATCH" else None)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"].startswith("Bearer")
    # Basic credentials are for issuing tokens and deleting the account only.
    response = await client.get("/v1/me", auth=("alice", PASSWORD))
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    response = await client.delete("/v1/me")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Basic")


async def test_me_revalidates_with_its_etag(client: httpx.AsyncClient, alice: Account) -> None:
    first = await client.get("/v1/me", headers=alice.headers)
    assert_private_read(first)
    etag = first.headers["etag"]
    for header in (etag, f'"other", {etag}', "*", etag.removeprefix("W/")):
        again = await client.get("/v1/me", headers={**alice.headers, "If-None-Match": header})
        assert again.status_code == 304
        assert again.content == b""
        assert again.headers["etag"] == etag
        assert again.headers["cache-control"] == PRIVATE
        assert again.headers["vary"] == VARY
    other = await client.get("/v1/me", headers={**alice.headers, "If-None-Match": 'W/"x"'})
    assert other.status_code == 200
    assert other.json() == first.json()
    bad = await client.get("/v1/me", headers={**alice.headers, "If-None-Match": "unquoted"})
    assert_problem(bad, 400, "bad_precondition")


async def test_patch_me_changes_the_display_name(client: httpx.AsyncClient, alice: Account) -> None:
    before = await client.get("/v1/me", headers=alice.headers)
    response = await client.patch("/v1/me", headers=alice.headers, json={"display_name": "Al"})
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {**before.json(), "display_name": "Al"}
    after = await client.get(
        "/v1/me", headers={**alice.headers, "If-None-Match": before.headers["etag"]}
    )
    assert after.status_code == 200
    assert after.json()["display_name"] == "Al"
    assert after.headers["etag"] != before.headers["etag"]
    assert (await client.get("/v1/users/alice")).json()["display_name"] == "Al"
    # An empty patch changes nothing.
    same = await client.patch("/v1/me", headers=alice.headers, json={})
    assert same.json() == after.json()


async def test_patch_me_sets_the_password_used_by_basic_auth(
    client: httpx.AsyncClient, alice: Account
) -> None:
    # Alice was made without a password (a library-made account): she may set one.
    response = await client.patch("/v1/me", headers=alice.headers, json={"password": PASSWORD})
    assert response.status_code == 200, response.text
    assert "password" not in response.json()
    issued = await client.post("/v1/tokens", auth=("alice", PASSWORD))
    assert issued.status_code == 201, issued.text
    # The token the change was made with stays valid.
    assert (await client.get("/v1/me", headers=alice.headers)).status_code == 200


async def test_patch_me_validation_errors(client: httpx.AsyncClient, alice: Account) -> None:
    cases: list[tuple[dict[str, object], list[str]]] = [
        ({"display_name": ""}, ["/body/display_name"]),
        ({"password": "short"}, ["/body/password"]),
        ({"password": "1234567890"}, ["/body/password"]),
        ({"name": "renamed"}, ["/body/name"]),
        ({"display_name": "nul\u0000"}, ["/body/display_name"]),
    ]
    for body, paths in cases:
        response = await client.patch("/v1/me", headers=alice.headers, json=body)
        assert_problem(response, 422, "validation_failed", paths=paths)
    assert (await client.get("/v1/me", headers=alice.headers)).json()["name"] == "alice"


async def test_delete_me_removes_the_account_and_everything_cached_of_it(
    app: FastAPI, client: httpx.AsyncClient, bob: Account
) -> None:
    store = store_of(app)
    alice = await sign_up(client, "alice")
    build = await store.builds.create(
        alice.actor, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="public")
    )
    # Cached for everyone, then deleted with the account.
    assert (await client.get(f"/v1/builds/{build.id}")).status_code == 200
    listed = await client.get("/v1/builds", headers=bob.headers)
    assert [b["id"] for b in listed.json()["items"]] == [str(build.id)]

    # A token alone cannot delete the account: it takes the password.
    refused = await client.delete("/v1/me", headers=alice.headers)
    assert_problem(refused, 401, "unauthorized")
    wrong = await client.delete("/v1/me", auth=("alice", "not the password"))
    assert_problem(wrong, 401, "invalid_credentials")
    assert (await client.get("/v1/me", headers=alice.headers)).status_code == 200
    response = await client.delete("/v1/me", auth=("alice", PASSWORD))
    assert response.status_code == 204
    assert response.content == b""

    assert_problem(await client.get("/v1/me", headers=alice.headers), 401, "invalid_token")
    assert_problem(await client.get("/v1/users/alice"), 404, "not_found")
    assert_problem(await client.get(f"/v1/builds/{build.id}"), 404, "not_found")
    listed = await client.get("/v1/builds", headers=bob.headers)
    assert listed.json()["items"] == []
    assert (await client.get("/v1/me", headers=bob.headers)).status_code == 200


async def test_delete_me_works_while_another_users_composition_uses_a_build(
    app: FastAPI, client: httpx.AsyncClient, bob: Account
) -> None:
    # Finding 6 of issue 13: Bob's private composition pinned Alice's account (409).
    store = store_of(app)
    alice = await sign_up(client, "alice")
    build = await store.builds.create(
        alice.actor, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="unlisted")
    )
    squad = await store.compositions.create(
        bob.actor,
        CompositionCreate.model_validate(
            {
                "name": "c",
                "parties": [{"members": [{"build_id": str(build.id), "role": "stab-support"}]}],
            }
        ),
    )
    response = await client.delete("/v1/me", auth=("alice", PASSWORD))
    assert response.status_code == 204, response.text
    assert_problem(await client.get(f"/v1/builds/{build.id}"), 404, "not_found")
    # Bob's composition keeps the member as the archetype the build played.
    kept = await client.get(f"/v1/compositions/{squad.id}", headers=bob.headers)
    assert kept.status_code == 200, kept.text
    (member,) = kept.json()["parties"][0]["members"]
    assert (member["archetype"], member["build_id"], member["role"]) == (
        "firebrand-stab",
        None,
        None,
    )
    assert kept.json()["version"] == 2


# Tokens


async def test_token_lifecycle_issue_use_list_revoke(client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "dave")
    expires = datetime.now(UTC) + timedelta(days=30)
    issued = await client.post(
        "/v1/tokens",
        auth=("DAVE", PASSWORD),
        json={"name": "discord bot", "expires_at": expires.isoformat()},
    )
    assert issued.status_code == 201, issued.text
    token = issued.json()
    assert issued.headers["location"] == f"/v1/tokens/{token['id']}"
    assert issued.headers["cache-control"] == "no-store"
    assert token["name"] == "discord bot"
    assert datetime.fromisoformat(token["expires_at"]) == expires
    assert token["scopes"] == ["read", "write"]  # the default: no account scope
    bot = {"Authorization": f"Bearer {token['token']}"}

    me = await client.get("/v1/me", headers=bot)
    assert me.json()["name"] == "dave"
    assert_problem(await client.get("/v1/tokens", headers=bot), 403, "insufficient_scope")

    listed = await client.get("/v1/tokens", headers=account.headers)
    assert_private_read(listed)
    items = listed.json()["items"]
    assert [t["name"] for t in items] == ["discord bot", "sign-up"]  # newest first
    assert listed.json()["next_cursor"] is None
    assert all("token" not in t for t in items)
    assert token["token"] not in listed.text
    assert items[0]["last_used_at"] is not None  # it was just used
    assert [t["scopes"] for t in items] == [["read", "write"], ["read", "write", "account"]]

    one = await client.get(issued.headers["location"], headers=account.headers)
    assert_private_read(one)
    assert one.json() == items[0] | {"last_used_at": one.json()["last_used_at"]}
    cached = await client.get(
        issued.headers["location"],
        headers={**account.headers, "If-None-Match": one.headers["etag"]},
    )
    assert cached.status_code == 304

    revoked = await client.delete(issued.headers["location"], headers=account.headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.headers["cache-control"] == "no-store"
    assert revoked.json()["revoked_at"] is not None
    assert "token" not in revoked.json()

    response = await client.get("/v1/me", headers=bot)
    assert_problem(response, 401, "invalid_token")
    assert response.headers["www-authenticate"].startswith("Bearer")
    # Revoking again keeps the first time; the revoked token stays listed.
    again = await client.delete(issued.headers["location"], headers=account.headers)
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]
    listed = await client.get("/v1/tokens", headers=account.headers)
    assert [t["revoked_at"] is not None for t in listed.json()["items"]] == [True, False]
    # A token may revoke itself (signing out).
    gone = await client.delete(
        f"/v1/tokens/{listed.json()['items'][1]['id']}", headers=account.headers
    )
    assert gone.status_code == 200
    assert_problem(await client.get("/v1/me", headers=account.headers), 401, "invalid_token")


async def test_issuing_a_token_needs_the_right_password(client: httpx.AsyncClient) -> None:
    account = await sign_up(client, "erin")
    default = await client.post("/v1/tokens", auth=("erin", PASSWORD))
    assert default.status_code == 201
    assert (default.json()["name"], default.json()["expires_at"]) == ("api", None)

    for auth in (("erin", "wrong password"), ("nobody", PASSWORD)):
        response = await client.post("/v1/tokens", auth=auth)
        assert_problem(response, 401, "invalid_credentials")
        assert response.headers["www-authenticate"] == 'Basic realm="gw2wvw", charset="UTF-8"'
    # A bearer token, even with every scope, cannot mint tokens: that takes the password.
    for headers in ({}, account.headers):
        response = await client.post("/v1/tokens", headers=headers)
        assert_problem(response, 401, "unauthorized")
        assert response.headers["www-authenticate"] == 'Basic realm="gw2wvw", charset="UTF-8"'


async def test_a_user_without_a_password_cannot_use_basic_auth(
    client: httpx.AsyncClient, alice: Account
) -> None:
    response = await client.post("/v1/tokens", auth=("alice", ""))
    assert_problem(response, 401, "invalid_credentials")


async def test_token_request_validation_errors(app: FastAPI, client: httpx.AsyncClient) -> None:
    await store_of(app).users.create(UserCreate(name="frank", password=PASSWORD))
    cases = [
        ({"name": ""}, ["/body/name"]),
        ({"expires_at": "2030-01-01T00:00:00"}, ["/body/expires_at"]),
        ({"expires_at": "soon"}, ["/body/expires_at"]),
        ({"scopes": ["all"]}, ["/body/scopes/0"]),
        ({"scopes": []}, ["/body/scopes"]),
        ({"name": "bot\u0000"}, ["/body/name"]),
        # Finding 7 of issue 13: an expiry in the past gave a dead token (201).
        ({"expires_at": "2020-01-01T00:00:00Z"}, ["/body/expires_at"]),
    ]
    for body, paths in cases:
        response = await client.post("/v1/tokens", auth=("frank", PASSWORD), json=body)
        assert_problem(response, 422, "validation_failed", paths=paths)
    assert (await client.get("/v1/tokens", auth=("frank", PASSWORD))).status_code == 401


async def test_an_expired_token_is_refused(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    store = store_of(app)
    soon = await store.tokens.create(
        alice.actor, TokenCreate(expires_at=datetime.now(UTC) + timedelta(hours=1))
    )
    bearer = {"Authorization": f"Bearer {soon.token}"}
    assert (await client.get("/v1/me", headers=bearer)).status_code == 200
    async with store.transaction() as tx:  # an hour later
        await tx.session.execute(
            update(ApiToken)
            .where(ApiToken.id == soon.id)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert_problem(await client.get("/v1/me", headers=bearer), 401, "invalid_token")


async def test_tokens_of_others_are_not_found(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    (theirs,) = await store_of(app).tokens.list(bob.actor)
    missing = uuid.uuid4()
    for ident in (theirs.id, missing):
        assert_problem(
            await client.get(f"/v1/tokens/{ident}", headers=alice.headers), 404, "not_found"
        )
        assert_problem(
            await client.delete(f"/v1/tokens/{ident}", headers=alice.headers), 404, "not_found"
        )
    # Bob's token still works, and Alice's list shows only her own.
    assert (await client.get("/v1/me", headers=bob.headers)).status_code == 200
    listed = await client.get("/v1/tokens", headers=alice.headers)
    assert [t["id"] for t in listed.json()["items"]] != [str(theirs.id)]
    assert len(listed.json()["items"]) == 1
    assert_problem(
        await client.get("/v1/tokens/not-a-uuid", headers=alice.headers),
        422,
        "validation_failed",
        paths=["/path/token_id"],
    )
    for method in ("GET", "DELETE"):
        response = await client.request(method, f"/v1/tokens/{theirs.id}")
        assert_problem(response, 401, "unauthorized")
    assert_problem(await client.get("/v1/tokens"), 401, "unauthorized")


def test_every_answer_is_documented() -> None:
    assert documented_statuses(("/v1/users", "/v1/me", "/v1/tokens")) == {
        ("POST", "/v1/users"): {201, 400, 403, 409, 422, 429},
        ("GET", "/v1/users/{name}"): {200, 304, 400, 401, 403, 404, 422},
        ("GET", "/v1/me"): {200, 304, 400, 401, 403},
        ("PATCH", "/v1/me"): {200, 400, 401, 403, 422, 429},
        ("DELETE", "/v1/me"): {204, 401, 429},
        ("PUT", "/v1/me/gw2-key"): {200, 201, 400, 401, 403, 422},
        ("GET", "/v1/me/gw2-key"): {200, 304, 401, 403, 404},
        ("DELETE", "/v1/me/gw2-key"): {204, 401, 403, 404},
        ("GET", "/v1/me/gw2-account"): {200, 401, 403, 404, 422},
        ("POST", "/v1/me/gw2-account/import-builds"): {200, 401, 403, 404, 422},
        ("POST", "/v1/tokens"): {201, 400, 401, 422, 429},
        ("GET", "/v1/tokens"): {200, 304, 400, 401, 403},
        ("GET", "/v1/tokens/{token_id}"): {200, 304, 400, 401, 403, 404, 422},
        ("DELETE", "/v1/tokens/{token_id}"): {200, 401, 403, 404, 422},
    }


# Issue 13, finding 1: a leaked token is not a takeover.


async def test_a_new_password_needs_the_current_one_and_signs_out_every_other_token(
    client: httpx.AsyncClient,
) -> None:
    account = await sign_up(client, "grace")
    other = await client.post("/v1/tokens", auth=("grace", PASSWORD), json={"name": "laptop"})
    laptop = {"Authorization": f"Bearer {other.json()['token']}"}
    new = "a brand new passphrase"
    for body, code in (
        ({"password": new}, "missing"),
        ({"password": new, "current_password": "not it at all"}, "wrong_password"),
    ):
        response = await client.patch("/v1/me", headers=account.headers, json=body)
        problem = assert_problem(
            response, 422, "validation_failed", paths=["/body/current_password"]
        )
        assert problem["errors"][0]["code"] == code
    # Nothing changed: the old password and both tokens still work.
    assert (await client.post("/v1/tokens", auth=("grace", PASSWORD))).status_code == 201
    assert (await client.get("/v1/me", headers=laptop)).status_code == 200

    changed = await client.patch(
        "/v1/me", headers=account.headers, json={"password": new, "current_password": PASSWORD}
    )
    assert changed.status_code == 200, changed.text
    assert (await client.get("/v1/me", headers=account.headers)).status_code == 200
    assert_problem(await client.get("/v1/me", headers=laptop), 401, "invalid_token")
    assert_problem(
        await client.post("/v1/tokens", auth=("grace", PASSWORD)), 401, "invalid_credentials"
    )
    assert (await client.post("/v1/tokens", auth=("grace", new))).status_code == 201
    listed = await client.get("/v1/tokens", headers=account.headers)
    alive = [t["name"] for t in listed.json()["items"] if t["revoked_at"] is None]
    assert alive == ["api", "sign-up"]


async def test_a_token_gets_the_scopes_asked_for_and_no_more(client: httpx.AsyncClient) -> None:
    await sign_up(client, "heidi")
    issued = await client.post(
        "/v1/tokens", auth=("heidi", PASSWORD), json={"scopes": ["read", "read"]}
    )
    assert issued.json()["scopes"] == ["read"]
    reader = {"Authorization": f"Bearer {issued.json()['token']}"}
    assert (await client.get("/v1/me", headers=reader)).status_code == 200
    response = await client.post(
        "/v1/builds", headers=reader, json={"name": "fb", "chat_code": FIREBRAND}
    )
    problem = assert_problem(response, 403, "insufficient_scope")
    assert "write" in problem["detail"]
    assert response.headers["www-authenticate"] == (
        'Bearer realm="gw2wvw", error="insufficient_scope", scope="write"'
    )
    full = await client.post(
        "/v1/tokens", auth=("heidi", PASSWORD), json={"scopes": ["account", "write", "read"]}
    )
    assert full.json()["scopes"] == ["read", "write", "account"]
