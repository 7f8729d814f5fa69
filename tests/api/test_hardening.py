"""Issue 13: bad input never reaches a database as a 500, tokens keep to their scopes, and
sign-ins, sign-ups and new tokens are throttled. On SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
import json
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from gw2wvw_api.app import create_app
from gw2wvw_api.throttle import Throttle

from gw2wvw.settings import Settings
from gw2wvw.store import Actor, BuildCreate, TokenCreate, UserCreate
from gw2wvw.store.schemas import SCOPES
from tests.api.conftest import (
    FIREBRAND,
    PASSWORD,
    Account,
    AppFactory,
    assert_problem,
    client_for,
    sign_up,
    store_of,
)

NUL = "bad\u0000text"
SURROGATE = "bad\ud800text"

# Finding 3: a NUL (or a lone surrogate) anywhere text enters answered 500 on PostgreSQL.


# A lone surrogate cannot be sent in a URL (it has no UTF-8); bodies carry it below.
@pytest.mark.parametrize("bad", [NUL, "new\nline", "tab\tbed"], ids=["nul", "newline", "tab"])
@pytest.mark.parametrize(
    ("query", "path"),
    [
        ("text", "/query/text"),
        ("owner", "/query/owner"),
        ("profession", "/query/profession"),
        ("cursor", "/query/cursor"),
    ],
)
async def test_control_characters_in_a_listing_query_are_refused(
    client: httpx.AsyncClient, query: str, path: str, bad: str
) -> None:
    for where in ("/v1/builds", "/v1/compositions"):
        if where == "/v1/compositions" and query == "profession":
            query, path = "mode", "/query/mode"
        response = await client.get(where, params={query: bad})
        problem = assert_problem(response, 422, "validation_failed", paths=[path])
        assert problem["errors"][0]["code"] == "control_character"
        assert "U+" in problem["errors"][0]["message"]


async def test_a_nul_in_a_path_is_refused(client: httpx.AsyncClient) -> None:
    problem = assert_problem(
        await client.get("/v1/users/%00"), 422, "validation_failed", paths=["/path/name"]
    )
    assert problem["errors"][0]["message"].startswith("contains a control character (U+0000)")


def _bodies(build_id: str) -> list[tuple[str, str, dict[str, Any], str]]:
    """(method, path, body, pointer of the bad field) for every kind of text a body holds."""
    member = {"archetype": "firebrand-stab"}
    squad = {"name": "s", "parties": [{"members": [member]}]}
    return [
        (
            "POST",
            "/v1/users",
            {"name": "zed", "password": PASSWORD, "display_name": NUL},
            "/body/display_name",
        ),
        ("POST", "/v1/users", {"name": "zed", "password": PASSWORD + NUL}, "/body/password"),
        ("POST", "/v1/builds", {"name": NUL, "chat_code": FIREBRAND}, "/body/name"),
        (
            "POST",
            "/v1/builds",
            {"name": "b", "description": NUL, "chat_code": FIREBRAND},
            "/body/description",
        ),
        ("POST", "/v1/builds", {"name": "b", "chat_code": FIREBRAND + NUL}, "/body/chat_code"),
        ("POST", "/v1/builds", {"name": "b", "tags": [NUL]}, "/body/tags/0"),
        (
            "POST",
            "/v1/builds",
            {"name": "b", "build": {"profession": NUL}},
            "/body/build/profession",
        ),
        (
            "POST",
            "/v1/builds",
            {"name": "b", "build": {"profession": "Guardian", "notes": NUL}},
            "/body/build/notes",
        ),
        (
            "POST",
            "/v1/builds",
            {"name": "b", "build": {"profession": "Guardian", "weapons": [NUL]}},
            "/body/build/weapons/0",
        ),
        ("PATCH", f"/v1/builds/{build_id}", {"name": SURROGATE}, "/body/name"),
        ("POST", "/v1/compositions", {**squad, "name": NUL}, "/body/name"),
        (
            "POST",
            "/v1/compositions",
            {**squad, "parties": [{"members": [{**member, "player": NUL}]}]},
            "/body/parties/0/members/0/player",
        ),
        (
            "POST",
            "/v1/webhooks",
            {"url": "https://example.org/" + NUL, "event_types": ["*"]},
            "/body/url",
        ),
        (
            "POST",
            "/v1/webhooks",
            {"url": "https://example.org/", "event_types": ["*"], "description": NUL},
            "/body/description",
        ),
        ("PATCH", "/v1/me", {"display_name": NUL}, "/body/display_name"),
        ("PUT", "/v1/me/gw2-key", {"key": NUL}, "/body/key"),
        ("POST", "/v1/tools/build-squad", {"size": 5, "save": {"name": NUL}}, "/body/save/name"),
    ]


async def test_control_characters_in_any_body_are_refused_and_nothing_is_stored(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    store = store_of(app)
    build = await store.builds.create(alice.actor, BuildCreate(name="fb", chat_code=FIREBRAND))
    for method, path, body, pointer in _bodies(str(build.id)):
        # As JSON escapes ("\ud800"): a lone surrogate has no UTF-8 of its own.
        response = await client.request(
            method,
            path,
            content=json.dumps(body),
            headers={**alice.headers, "Content-Type": "application/json"},
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert pointer in [e["path"] for e in problem["errors"]], (path, problem)
    assert len((await store.users.list()).items) == 1
    assert (await store.builds.get(alice.actor, build.id)).version == 1
    assert await store.webhooks.list(alice.actor) == []


async def test_a_forged_cursor_with_a_nul_is_refused(client: httpx.AsyncClient) -> None:
    raw = json.dumps(["name", "a\u0000", str(uuid.uuid4())]).encode()
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    response = await client.get("/v1/builds", params={"sort": "name", "cursor": cursor})
    assert_problem(response, 422, "validation_failed", paths=["/query/cursor"])


# Finding 4: integers past what the database column holds answered 500.


@pytest.mark.parametrize("value", ["2147483648", "9" * 30, "-1", "0"])
async def test_integers_are_bounded_at_the_edge(client: httpx.AsyncClient, value: str) -> None:
    response = await client.get("/v1/builds", params={"elite_specialization": value})
    assert_problem(response, 422, "validation_failed", paths=["/query/elite_specialization"])


async def test_the_largest_allowed_integer_is_a_plain_unknown_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/builds", params={"elite_specialization": str(2**31 - 1)})
    problem = assert_problem(response, 422, "validation_failed")
    assert problem["errors"][0]["code"] == "unknown_elite_specialization"


async def test_huge_ids_in_a_build_body_are_refused(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = {"name": "b", "build": {"profession": "Guardian", "stats": 10**40}}
    response = await client.post("/v1/builds", json=body, headers=alice.headers)
    assert_problem(response, 422, "validation_failed", paths=["/body/build/stats"])


# Plain messages: no framework wording, hints for names.


async def test_messages_are_plain_and_names_get_hints(
    client: httpx.AsyncClient, alice: Account
) -> None:
    both = await client.post(
        "/v1/builds",
        json={"name": "b", "chat_code": FIREBRAND, "build": {"profession": "Guardian"}},
        headers=alice.headers,
    )
    problem = assert_problem(both, 422, "validation_failed", paths=["/body"])
    assert problem["errors"][0]["message"] == "give either build or chat_code"
    extra = await client.post("/v1/users", json={"name": "zed", "password": PASSWORD, "x": 1})
    assert assert_problem(extra, 422, "validation_failed")["errors"][0]["message"] == (
        "is not a field of this request"
    )
    name = await client.post("/v1/users", json={"name": "a b", "password": PASSWORD})
    message = assert_problem(name, 422, "validation_failed")["errors"][0]["message"]
    assert message.startswith("a user name has 3-64 letters")
    guessed = await client.get("/v1/builds", params={"profession": "gaurdian"})
    problem = assert_problem(guessed, 422, "validation_failed", paths=["/query/profession"])
    assert problem["errors"][0]["message"] == (
        "there is no profession 'gaurdian' (did you mean 'Guardian'?)"
    )
    for problem_text in (both.text, extra.text, name.text, guessed.text):
        assert "Value error" not in problem_text
        assert "should match pattern" not in problem_text


async def test_profession_filters_match_in_any_case(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    await store_of(app).builds.create(
        alice.actor, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="public")
    )
    for given in ("Guardian", "guardian", "GUARDIAN"):
        listed = await client.get("/v1/builds", params={"profession": given})
        assert [b["name"] for b in listed.json()["items"]] == ["fb"], given


# Finding 1: every operation names its scope in OpenAPI, and a token without it is refused.


def _operations() -> list[tuple[str, str, str]]:
    """(method, path, scope) of every operation whose security asks for a scope."""
    schema = create_app(Settings()).openapi()
    found = []
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for requirement in operation.get("security", []):
                for scope in requirement.get("bearer", []):
                    found.append((method.upper(), path, scope))
    return found


def test_every_operation_states_its_security() -> None:
    schema = create_app(Settings()).openapi()
    unstated = [
        (method, path)
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "security" not in operation
        and not path.startswith(("/v1/gamedata", "/v1/roles", "/healthz", "/readyz"))
    ]
    assert unstated == []
    scoped = {(method, path): scope for method, path, scope in _operations()}
    assert scoped[("POST", "/v1/builds")] == "write"
    assert scoped[("GET", "/v1/builds/{build_id}")] == "read"
    assert scoped[("GET", "/v1/tokens")] == "account"
    assert scoped[("PATCH", "/v1/me")] == "account"
    assert schema["paths"]["/v1/tokens"]["post"]["security"] == [{"basic": []}]
    assert schema["paths"]["/v1/me"]["delete"]["security"] == [{"basic": []}]
    assert len(scoped) >= 30


async def test_a_token_without_the_scope_is_refused_on_every_operation(app: FastAPI) -> None:
    store = store_of(app)
    made = await store.users.create(UserCreate(name="scoped"))
    owner = Actor(user_id=made.id, name=made.name)
    tokens = {
        scope: (
            await store.tokens.create(
                owner, TokenCreate(scopes=tuple(s for s in SCOPES if s != scope))
            )
        ).token
        for scope in SCOPES
    }
    ident = str(uuid.uuid4())
    async with client_for(app) as client:
        for method, path, scope in _operations():
            url = path
            for name in ("build_id", "composition_id", "webhook_id", "delivery_id", "token_id"):
                url = url.replace("{" + name + "}", ident)
            url = url.replace("{name}", "scoped")
            body = {"save": {"name": "s"}, "size": 5} if "build-squad" in path else {}
            response = await client.request(
                method,
                url,
                json=body if method in ("POST", "PUT", "PATCH") else None,
                headers={"Authorization": f"Bearer {tokens[scope]}"},
            )
            assert_problem(response, 403, "insufficient_scope")
            assert f'scope="{scope}"' in response.headers["www-authenticate"], (method, path)


# Finding 2: sign-ins are throttled; the owner is not locked out for long.


async def test_wrong_passwords_are_throttled_and_the_owner_still_gets_in(
    make_app: AppFactory,
) -> None:
    app = await make_app(throttle_sign_in="5/minute", throttle_sign_in_account="7/minute")
    attacker = httpx.ASGITransport(app=app, client=("203.0.113.7", 4000))
    owner = httpx.ASGITransport(app=app, client=("198.51.100.2", 4000))
    async with (
        httpx.AsyncClient(transport=attacker, base_url="http://testserver") as evil,
        httpx.AsyncClient(transport=owner, base_url="http://testserver") as good,
    ):
        await sign_up(good, "ivan")
        for _ in range(5):
            wrong = await evil.post("/v1/tokens", auth=("ivan", "not the password"))
            assert_problem(wrong, 401, "invalid_credentials")
        # Before the fix, 40 wrong passwords in 12 s were all answered 401, then the right
        # one worked: a guess per request, unbounded.
        throttled = await evil.post("/v1/tokens", auth=("ivan", PASSWORD))
        assert_problem(throttled, 429, "too_many_requests")
        assert 1 <= int(throttled.headers["retry-after"]) <= 60
        # The owner, elsewhere, still gets in; a success clears the owner's own count.
        for _ in range(2):
            assert (await good.post("/v1/tokens", auth=("ivan", PASSWORD))).status_code == 201
        # Past the account-wide limit everyone waits, but only for the window's rest.
        locked = await good.post("/v1/tokens", auth=("ivan", PASSWORD))
        assert_problem(locked, 429, "too_many_requests")
        assert int(locked.headers["retry-after"]) <= 60


async def test_sign_ups_and_new_tokens_are_throttled(make_app: AppFactory) -> None:
    app = await make_app(throttle_sign_up="2/hour", throttle_tokens="1/hour")
    async with client_for(app) as client:
        await sign_up(client, "judy")
        await sign_up(client, "kim")
        third = await client.post("/v1/users", json={"name": "leo", "password": PASSWORD})
        assert_problem(third, 429, "too_many_requests")
        assert int(third.headers["retry-after"]) > 60
        assert (await client.post("/v1/tokens", auth=("judy", PASSWORD))).status_code == 201
        again = await client.post("/v1/tokens", auth=("judy", PASSWORD))
        assert_problem(again, 429, "too_many_requests")
        # Another account has its own count.
        assert (await client.post("/v1/tokens", auth=("kim", PASSWORD))).status_code == 201


def test_a_bad_limit_is_refused_with_the_setting_named() -> None:
    with pytest.raises(ValueError, match="GW2WVW_THROTTLE_TOKENS='lots'"):
        Throttle(Settings(throttle_tokens="lots"))
