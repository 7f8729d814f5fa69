"""``/v1/me/gw2-key`` and ``/v1/me/gw2-account`` against the stand-in official API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from gw2wvw.store import Actor, TokenCreate, UserCreate
from gw2wvw.store.tables import Gw2Key
from tests.api.conftest import (
    Account,
    AppFactory,
    add_user,
    assert_problem,
    client_for,
    store_of,
)
from tests.support import gw2accounts
from tests.support.gw2accounts import DRUID_CODE, FIREBRAND_CODE, KEY, REAPER_CODE
from tests.support.gw2api import FakeGw2Api, Fault

NARROW = "NARROW00-0000-0000-0000-000000000000"
"""A key of the stand-in with the account permission only."""


@pytest.fixture
def official() -> Iterator[FakeGw2Api]:
    server = FakeGw2Api(
        accounts={
            KEY: gw2accounts.account(),
            NARROW: gw2accounts.account(("account",), name="Narrow.1111"),
        }
    ).start()
    yield server
    server.stop()


@pytest.fixture
async def app(make_app: AppFactory, official: FakeGw2Api) -> FastAPI:
    """The app reading the stand-in, with an encryption key (PostgreSQL has no embedded one)."""
    return await make_app(
        gw2_api_url=official.url, encryption_key=SecretStr(Fernet.generate_key().decode())
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as opened:
        yield opened


@pytest.fixture
async def alice(app: FastAPI) -> Account:
    return await add_user(app, "alice")


async def _attach(client: httpx.AsyncClient, who: Account, key: str = KEY) -> httpx.Response:
    return await client.put("/v1/me/gw2-key", json={"key": key}, headers=who.headers)


async def test_a_key_is_checked_stored_encrypted_and_never_shown(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    attached = await _attach(client, alice)
    assert attached.status_code == 201, attached.text
    assert attached.headers["cache-control"] == "no-store"
    body = attached.json()
    assert body["account_name"] == "Ann.1234"
    assert body["key_name"] == "gw2wvw raid nights"
    assert set(body["permissions"]) >= {"account", "builds", "characters"}
    status = await client.get("/v1/me/gw2-key", headers=alice.headers)
    assert status.status_code == 200
    assert status.json() == body
    again = await _attach(client, alice)
    assert again.status_code == 200
    account = await client.get("/v1/me/gw2-account", headers=alice.headers)
    assert account.status_code == 200
    async with store_of(app).transaction(write=False) as tx:
        (ciphertext,) = (await tx.session.execute(select(Gw2Key.ciphertext))).scalars().all()
    for text in (attached.text, status.text, again.text, account.text, ciphertext, caplog.text):
        assert KEY not in text


async def test_the_account_lists_characters_builds_and_suggestions(
    client: httpx.AsyncClient, alice: Account
) -> None:
    await _attach(client, alice)
    response = await client.get("/v1/me/gw2-account", headers=alice.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account"]["name"] == "Ann.1234"
    characters = {c["name"]: c for c in body["account"]["characters"]}
    assert characters["Ann Lightbringer"]["profession"] == "Guardian"
    assert characters["Ann Lightbringer"]["builds"][0]["chat_code"] == FIREBRAND_CODE
    assert characters["Ann Of The Wild"]["builds"][0]["chat_code"] == DRUID_CODE
    assert [b["name"] for b in body["account"]["build_storage"]] == ["Boon Herald", "Reaper"]
    assert body["specializations"] == ["Druid", "Firebrand", "Herald", "Reaper"]
    firebrand = next(s for s in body["suggestions"] if s["specialization"] == "Firebrand")
    assert "firebrand-stab" in firebrand["archetypes"]


async def test_importing_builds_is_idempotent(client: httpx.AsyncClient, alice: Account) -> None:
    await _attach(client, alice)
    first = await client.post("/v1/me/gw2-account/import-builds", headers=alice.headers)
    assert first.status_code == 200, first.text
    imported = first.json()
    names = {b["name"]: b for b in imported["imported"]}
    assert set(names) == {"Stab Firebrand", "Ann Of The Wild tab 1", "Boon Herald", "Reaper"}
    assert names["Reaper"]["chat_code"] == REAPER_CODE
    assert names["Reaper"]["visibility"] == "private"
    assert "Ann.1234" in names["Stab Firebrand"]["description"]
    # The second guardian tab was never filled in: left out, counted.
    assert (imported["already_stored"], imported["left_out"]) == (0, 1)
    second = await client.post("/v1/me/gw2-account/import-builds", headers=alice.headers)
    assert second.json()["imported"] == []
    assert second.json()["already_stored"] == 4
    listed = await client.get("/v1/builds", params={"owner": "alice"}, headers=alice.headers)
    assert len(listed.json()["items"]) == 4


async def test_a_build_that_does_not_validate_is_left_out(
    client: httpx.AsyncClient, alice: Account, official: FakeGw2Api
) -> None:
    # A slot the game would not let anyone save: one utility skill twice.
    twice = {
        **gw2accounts.FIREBRAND,
        "name": "Twice",
        "skills": {"heal": 41714, "utilities": [9128, 9128, 9153], "elite": 43357},
    }
    official.accounts[KEY].build_storage = [twice]
    await _attach(client, alice)
    response = await client.post("/v1/me/gw2-account/import-builds", headers=alice.headers)
    assert response.status_code == 200, response.text
    names = [b["name"] for b in response.json()["imported"]]
    assert "Twice" not in names
    assert response.json()["left_out"] == 2


async def test_an_unknown_key_is_refused(client: httpx.AsyncClient, alice: Account) -> None:
    other = KEY.replace("0A1B", "FFFF")
    response = await _attach(client, alice, other)
    assert_problem(response, 422, "gw2_key_invalid", paths=["/body/key"])
    assert other not in response.text
    assert_problem(await client.get("/v1/me/gw2-key", headers=alice.headers), 404, "not_found")


async def test_missing_scopes_are_named(client: httpx.AsyncClient, alice: Account) -> None:
    response = await _attach(client, alice, NARROW)
    body = assert_problem(response, 422, "gw2_key_scopes", paths=["/body/key", "/body/key"])
    assert [e["message"] for e in body["errors"]] == ["lacks builds", "lacks characters"]
    assert "builds, characters" in body["detail"]


async def test_a_malformed_key_never_echoes(client: httpx.AsyncClient, alice: Account) -> None:
    secretish = "x" * 150 + " not a key"
    response = await _attach(client, alice, secretish)
    assert_problem(response, 422, "gw2_key_invalid")
    assert secretish not in response.text
    too_long = "A" * 300
    response = await _attach(client, alice, too_long)
    assert response.status_code == 422
    assert too_long not in response.text


async def test_a_deleted_key_is_gone(client: httpx.AsyncClient, alice: Account) -> None:
    await _attach(client, alice)
    deleted = await client.delete("/v1/me/gw2-key", headers=alice.headers)
    assert deleted.status_code == 204
    assert_problem(await client.get("/v1/me/gw2-key", headers=alice.headers), 404, "not_found")
    assert_problem(await client.delete("/v1/me/gw2-key", headers=alice.headers), 404, "not_found")
    assert_problem(await client.get("/v1/me/gw2-account", headers=alice.headers), 404, "no_gw2_key")


async def test_the_official_api_failing_is_503(
    client: httpx.AsyncClient, alice: Account, official: FakeGw2Api
) -> None:
    await _attach(client, alice)
    official.add_fault(Fault(times=10, path="/v2/account", status=500))
    response = await client.get("/v1/me/gw2-account", headers=alice.headers)
    assert_problem(response, 503, "gw2_api_unavailable")


async def test_a_rate_limited_read_is_retried(
    client: httpx.AsyncClient, alice: Account, official: FakeGw2Api
) -> None:
    await _attach(client, alice)
    official.add_fault(
        Fault(times=1, path="/v2/characters", status=429, headers={"Retry-After": "0"})
    )
    response = await client.get("/v1/me/gw2-account", headers=alice.headers)
    assert response.status_code == 200, response.text
    assert len(official.requests_to("/v2/characters")) == 2


async def test_key_routes_need_the_account_scope(app: FastAPI, client: httpx.AsyncClient) -> None:
    store = store_of(app)
    user = await store.users.create(UserCreate(name="carol"))
    token = await store.tokens.create(
        Actor(user_id=user.id, name=user.name), TokenCreate(name="bot", scopes=("read", "write"))
    )
    headers = {"Authorization": f"Bearer {token.token}"}
    for method, path in [
        ("PUT", "/v1/me/gw2-key"),
        ("GET", "/v1/me/gw2-key"),
        ("DELETE", "/v1/me/gw2-key"),
        ("GET", "/v1/me/gw2-account"),
        ("POST", "/v1/me/gw2-account/import-builds"),
    ]:
        response = await client.request(method, path, json={"key": KEY}, headers=headers)
        assert response.status_code == 403, (method, path, response.text)
    assert (await client.get("/v1/me/gw2-key")).status_code == 401


async def test_importing_needs_the_write_scope(app: FastAPI, client: httpx.AsyncClient) -> None:
    store = store_of(app)
    user = await store.users.create(UserCreate(name="dave"))
    token = await store.tokens.create(
        Actor(user_id=user.id, name=user.name), TokenCreate(name="k", scopes=("account",))
    )
    headers = {"Authorization": f"Bearer {token.token}"}
    assert (await _attach(client, Account(user.id, user.name, token.token))).status_code == 201
    response = await client.post("/v1/me/gw2-account/import-builds", headers=headers)
    assert response.status_code == 403


async def test_without_an_encryption_key_a_server_refuses_to_store(
    make_app: AppFactory, official: FakeGw2Api
) -> None:
    app = await make_app(gw2_api_url=official.url)
    alice = await add_user(app, "alice")
    async with client_for(app) as client:
        response = await _attach(client, alice)
    if store_of(app).dialect == "sqlite":
        # The embedded mode keeps its own key file in the data directory.
        assert response.status_code == 201, response.text
    else:
        body = assert_problem(response, 503, "encryption_unavailable")
        assert "GW2WVW_ENCRYPTION_KEY" in body["detail"]
