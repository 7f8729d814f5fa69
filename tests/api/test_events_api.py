"""``/v1/events`` over HTTP on SQLite and PostgreSQL: raid nights, sign-ups, locking, conditional
requests, the squad planned from the sign-ups, and the webhook events every step sends."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from cryptography.fernet import Fernet
from fastapi import FastAPI
from pydantic import SecretStr
from standardwebhooks.webhooks import Webhook

from tests.api.conftest import (
    Account,
    AppFactory,
    add_user,
    assert_private_read,
    assert_problem,
    documented_statuses,
)
from tests.api.test_webhooks_api import HOOKS, deliver_due, register
from tests.support import gw2accounts
from tests.support.gw2api import FakeGw2Api
from tests.support.webhook_receiver import WebhookReceiver, eventually
from tests.unit.squad.test_signups import member

NIGHT = {
    "name": "Reset night",
    "starts_at": "2026-12-05T20:00:00+01:00",
    "time_zone": "Europe/Berlin",
    "mode": "zerg",
    "size": 50,
    "guild_tag": "VIG",
    "visibility": "public",
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


FROM_ACCOUNTS = range(0, 30, 3)
"""The members (a third) who sign up with what their GW2 account suggests."""


def gw2_key(n: int) -> str:
    """Member ``n``'s official API key in the stand-in (the sample key, its tail numbered)."""
    return f"{gw2accounts.KEY[:-2]}{n:02X}"


@pytest.fixture
def official() -> Iterator[FakeGw2Api]:
    """The stand-in official API, with an account for every member in FROM_ACCOUNTS."""
    server = FakeGw2Api(
        accounts={
            gw2_key(n): gw2accounts.account(name=f"Member{n:02d}.1234") for n in FROM_ACCOUNTS
        }
    ).start()
    yield server
    server.stop()


@pytest.fixture
async def app(make_app: AppFactory, official: FakeGw2Api) -> FastAPI:
    """An app whose webhooks may reach the local receiver and that reads the stand-in GW2 API."""
    return await make_app(
        **HOOKS,
        gw2_api_url=official.url,
        encryption_key=SecretStr(Fernet.generate_key().decode()),
    )


async def announce(client: httpx.AsyncClient, officer: Account, **fields: Any) -> dict[str, Any]:
    response = await client.post("/v1/events", headers=officer.headers, json={**NIGHT, **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def critical(plan: dict[str, Any]) -> list[str]:
    """The critical structure findings of a plan's evaluation (a party without healer or anchor)."""
    return [f["message"] for f in plan["evaluation"]["findings"] if f["severity"] == "critical"]


def changed_players(plan: dict[str, Any]) -> set[str]:
    """The players whose placement a plan changed."""
    return {change["player"] for change in plan["changes"]}


async def test_officer_announces_thirty_sign_up_and_late_changes_re_plan_minimally(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    """The issue's acceptance: a third of the members sign up with what their GW2 account says
    they can bring."""
    hook = await register(client, alice, receiver.url("/officer"), "event.*", "signup.*")
    event = await announce(client, alice)
    base = f"/v1/events/{event['id']}"
    members = [await add_user(app, f"member{n:02d}") for n in range(30)]
    for n, account in enumerate(members):
        signup = member(n)
        specializations = list(signup.archetypes)
        if n in FROM_ACCOUNTS:
            attached = await client.put(
                "/v1/me/gw2-key", headers=account.headers, json={"key": gw2_key(n)}
            )
            assert attached.status_code == 201, attached.text
            read = await client.get("/v1/me/gw2-account", headers=account.headers)
            assert read.json()["account"]["name"] == f"Member{n:02d}.1234"
            specializations = read.json()["specializations"]
            assert specializations == ["Druid", "Firebrand", "Herald", "Reaper"]
        response = await client.put(
            f"{base}/signups/me",
            headers=account.headers,
            json={"player": signup.player, "specializations": specializations},
        )
        assert response.status_code == 201, response.text
    listed = await client.get(f"{base}/signups")
    assert len(listed.json()["items"]) == 30

    first = await client.post(f"{base}/plan", headers=alice.headers, json={})
    assert first.status_code == 200, first.text
    plan = first.json()
    assert plan["status"] in ("optimal", "feasible")
    assert [len(p["members"]) for p in plan["composition"]["parties"]] == [5] * 6
    assert critical(plan) == []
    assert len(plan["changes"]) == 30
    assert plan["event"]["composition_id"] == plan["composition"]["id"]
    squad = await client.get(f"/v1/compositions/{plan['composition']['id']}")
    assert squad.json()["parties"] == plan["composition"]["parties"]

    # Late change 1: someone of party 2 drops out.
    dropped = plan["composition"]["parties"][1]["members"][0]["player"]
    leaver = members[int(dropped[1:])]
    assert (await client.delete(f"{base}/signups/me", headers=leaver.headers)).status_code == 204
    after_drop = (await client.post(f"{base}/plan", headers=alice.headers, json={})).json()
    assert dropped in changed_players(after_drop)
    assert len(changed_players(after_drop)) <= 2

    # Late change 2: a late joiner who heals.
    late = await add_user(app, "latecomer")
    joined = await client.put(
        f"{base}/signups/me",
        headers=late.headers,
        json={"specializations": ["Druid", "firebrand-stab"], "status": "late"},
    )
    assert joined.status_code == 201, joined.text
    after_join = (await client.post(f"{base}/plan", headers=alice.headers, json={})).json()
    assert [(c["player"], c["kind"]) for c in after_join["changes"]] == [("latecomer", "joined")]
    assert critical(after_join) == []
    assert after_join["composition"]["version"] == 3

    locked = await client.post(f"{base}/lock", headers=alice.headers)
    assert locked.json()["locked"] is True
    refused = await client.put(
        f"{base}/signups/me", headers=late.headers, json={"specializations": ["Scourge"]}
    )
    assert_problem(refused, 409, "event_locked")

    expected = Counter(
        {"event.created": 1, "signup.changed": 32, "event.planned": 3, "event.locked": 1}
    )

    async def all_arrived() -> Counter[str] | None:
        await deliver_due(app)
        got = Counter(json.loads(r.body)["type"] for r in receiver.received("/officer"))
        return got if got == expected else None

    await eventually(all_arrived, within=30)
    hooks = {json.loads(r.body)["type"]: r for r in receiver.received("/officer")}
    planned = Webhook(hook["secret"]).verify(
        hooks["event.planned"].body, hooks["event.planned"].headers
    )
    assert planned["data"]["event"]["id"] == event["id"]
    assert "changes" in planned["data"]
    changed = Webhook(hook["secret"]).verify(
        hooks["signup.changed"].body, hooks["signup.changed"].headers
    )
    assert changed["data"]["event_id"] == event["id"]


async def test_an_event_reads_with_etags_and_writes_with_if_match(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    event = await announce(client, alice, visibility="private")
    url = f"/v1/events/{event['id']}"
    assert event["starts_at"] == "2026-12-05T19:00:00Z"
    assert event["local_start"] == "2026-12-05T20:00:00+01:00"
    read = await client.get(url, headers=alice.headers)
    assert_private_read(read)
    assert read.headers["etag"] == 'W/"v1"'
    again = await client.get(url, headers={**alice.headers, "If-None-Match": 'W/"v1"'})
    assert again.status_code == 304
    assert_problem(await client.get(url, headers=bob.headers), 404, "not_found")
    stale = await client.patch(
        url, headers={**alice.headers, "If-Match": 'W/"v9"'}, json={"size": 20}
    )
    assert_problem(stale, 412, "precondition_failed")
    changed = await client.patch(
        url, headers={**alice.headers, "If-Match": 'W/"v1"'}, json={"size": 20}
    )
    assert changed.status_code == 200
    assert (changed.json()["size"], changed.headers["etag"]) == (20, 'W/"v2"')
    assert_problem(
        await client.patch(url, headers=bob.headers, json={"size": 20}), 404, "not_found"
    )
    gone = await client.delete(url, headers={**alice.headers, "If-Match": 'W/"v2"'})
    assert gone.status_code == 204
    assert_problem(await client.get(url, headers=alice.headers), 404, "not_found")


async def test_listing_filters_and_bad_input_answers_problems(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    await announce(client, alice)
    other = await announce(client, bob, guild_tag="ABC", name="Bob's night")
    page = await client.get("/v1/events", params={"guild_tag": "abc"})
    assert [e["id"] for e in page.json()["items"]] == [other["id"]]
    two = await client.get("/v1/events", params={"limit": 1})
    assert 'rel="next"' in two.headers["link"]
    bad = await client.post(
        "/v1/events", headers=alice.headers, json={**NIGHT, "time_zone": "Mars/Olympus"}
    )
    assert_problem(bad, 422, "validation_failed", paths=["/body/time_zone"])
    assert_problem(await client.post("/v1/events", json=NIGHT), 401, "unauthorized")
    url = f"/v1/events/{other['id']}"
    unknown = await client.put(
        f"{url}/signups/me", headers=alice.headers, json={"specializations": ["Nope"]}
    )
    assert_problem(unknown, 422, "validation_failed", paths=["/body/specializations/0"])
    assert_problem(
        await client.post(f"{url}/plan", headers=bob.headers, json={}), 422, "validation_failed"
    )
    assert_problem(
        await client.post(f"{url}/plan", headers=alice.headers, json={}), 403, "forbidden"
    )
    assert_problem(await client.post(f"{url}/lock", headers=alice.headers), 403, "forbidden")


async def test_null_leaves_a_field_as_it_is_and_a_start_is_rfc3339_text(
    client: httpx.AsyncClient, alice: Account
) -> None:
    """Found by the fuzzer: nulls in a patch answered 409 (a NOT NULL column), and text that is
    a number was read as a Unix time."""
    event = await announce(client, alice)
    url = f"/v1/events/{event['id']}"
    nulls = dict.fromkeys((*NIGHT, "description"))
    patched = await client.patch(url, headers=alice.headers, json=nulls)
    assert patched.status_code == 200, patched.text
    kept = ("name", "description", "starts_at", "time_zone", "mode", "size", "visibility")
    assert {k: patched.json()[k] for k in kept} == {k: event[k] for k in kept}
    assert (patched.json()["guild_tag"], patched.json()["version"]) == (None, 2)
    for number in ("0.5", "1764964800"):
        listed = await client.get("/v1/events", params={"starts_after": number})
        assert_problem(listed, 422, "validation_failed", paths=["/query/starts_after"])
        made = await client.post(
            "/v1/events", headers=alice.headers, json={**NIGHT, "starts_at": number}
        )
        assert_problem(made, 422, "validation_failed", paths=["/body/starts_at"])
    after = await client.get(
        "/v1/events", params={"starts_after": "2026-12-05T19:00:00Z"}, headers=alice.headers
    )
    assert [e["id"] for e in after.json()["items"]] == [event["id"]]
    later = await client.get(
        "/v1/events", params={"starts_after": "2026-12-05T19:00:01Z"}, headers=alice.headers
    )
    assert later.json()["items"] == []


async def test_the_owner_still_changes_sign_ups_once_locked(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    event = await announce(client, alice)
    url = f"/v1/events/{event['id']}"
    mine = await client.put(
        f"{url}/signups/me", headers=bob.headers, json={"specializations": ["Firebrand"]}
    )
    assert (mine.status_code, mine.headers["etag"]) == (201, 'W/"v1"')
    assert (await client.post(f"{url}/lock", headers=alice.headers)).status_code == 200
    assert_problem(
        await client.delete(f"{url}/signups/me", headers=bob.headers), 409, "event_locked"
    )
    moved = await client.put(
        f"{url}/signups/bob",
        headers={**alice.headers, "If-Match": 'W/"v1"'},
        json={"specializations": ["Scourge"], "status": "backup"},
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["status"], moved.headers["etag"]) == ("backup", 'W/"v2"')
    unlocked = await client.post(f"{url}/unlock", headers=alice.headers)
    assert unlocked.json()["locked"] is False
    assert (await client.delete(f"{url}/signups/bob", headers=alice.headers)).status_code == 204


def test_every_operation_documents_its_answers() -> None:
    statuses = documented_statuses(("/v1/events",))
    assert statuses[("POST", "/v1/events/{event_id}/plan")] == {200, 400, 401, 403, 404, 409, 422}
    assert 412 in statuses[("PATCH", "/v1/events/{event_id}")]
