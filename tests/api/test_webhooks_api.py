"""``/v1/webhooks`` over HTTP, on SQLite (embedded: the app delivers) and on PostgreSQL.

On ``sqlite`` there is no Redis, so the app runs the in-process dispatcher and deliveries go
out by themselves. On ``postgresql`` Redis is configured: the app leaves delivery to workers,
and :func:`deliver_due` plays the worker's part, so both variants check the same contract.
"""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from standardwebhooks.webhooks import Webhook

from gw2wvw.events import deliver, new_client, relay
from tests.api.conftest import (
    FIREBRAND,
    PRIVATE,
    Account,
    AppFactory,
    add_user,
    assert_private_read,
    assert_problem,
    client_for,
    documented_statuses,
    store_of,
)
from tests.support.webhook_receiver import Received, Reply, WebhookReceiver, eventually

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)

HOOKS = {
    "webhook_allowed_networks": LOOPBACK,
    "webhook_timeout": 2.0,
    "webhook_retry_schedule": (0.05, 0.1),
    "webhook_retry_jitter": 0.0,
    "webhook_poll_interval": 0.05,
}
"""Settings that let webhooks reach the local receiver and retry quickly."""


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
async def app(make_app: AppFactory) -> FastAPI:
    """An app whose webhooks may target 127.0.0.0/8."""
    return await make_app(**HOOKS)


def embedded(app: FastAPI) -> bool:
    """Whether the app delivers webhooks itself (no Redis configured)."""
    return app.state.services.dispatcher is not None


async def deliver_due(app: FastAPI) -> None:
    """Get due deliveries sent: the app's own dispatcher does it; else do a worker's part."""
    services = app.state.services
    if services.dispatcher is not None:
        services.dispatcher.notify()
        return
    store, hooks = services.store, services.settings.webhooks
    await relay(store, hooks)
    async with new_client(hooks) as http:
        for task in await store.deliveries.claim_due(100, hooks.lease):
            await deliver(store, http, task, hooks)


async def wait_for(
    app: FastAPI, receiver: WebhookReceiver, path: str, count: int
) -> list[Received]:
    """The first ``count`` requests to ``path``, once they have arrived."""

    async def arrived() -> list[Received] | None:
        await deliver_due(app)
        found = receiver.received(path)
        return found if len(found) >= count else None

    found: list[Received] = await eventually(arrived)
    return found[:count]


async def all_relayed(app: FastAPI) -> bool:
    """Whether every outbox event has been turned into deliveries (relaying, if need be)."""
    await deliver_due(app)
    async with store_of(app).transaction(write=False) as tx:
        waiting = await tx.session.scalar(
            text("SELECT count(*) FROM outbox WHERE relayed_at IS NULL")
        )
    return waiting == 0


async def register(
    client: httpx.AsyncClient, account: Account, url: str, *types: str, **fields: Any
) -> dict[str, Any]:
    body = {"url": url, "event_types": list(types or ("*",)), **fields}
    response = await client.post("/v1/webhooks", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


# Registering and reading


async def test_register_shows_the_secret_once(
    client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    response = await client.post(
        "/v1/webhooks",
        headers=alice.headers,
        json={
            "url": receiver.url("/hook"),
            "event_types": ["build.*", "composition.created", "build.*"],
            "description": "guild bot",
        },
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/v1/webhooks/{created['id']}"
    assert response.headers["etag"] == 'W/"v1"'
    assert response.headers["cache-control"] == "no-store"
    assert created["secret"].startswith("whsec_")
    assert created["event_types"] == ["build.*", "composition.created"]
    assert (created["enabled"], created["disabled_reason"]) == (True, None)
    assert created["description"] == "guild bot"

    one = await client.get(response.headers["location"], headers=alice.headers)
    assert_private_read(one)
    assert one.headers["etag"] == 'W/"v1"'
    assert "secret" not in one.json()
    assert created["secret"] not in one.text
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}
    again = await client.get(
        response.headers["location"], headers={**alice.headers, "If-None-Match": 'W/"v1"'}
    )
    assert again.status_code == 304
    assert again.headers["etag"] == 'W/"v1"'
    assert again.headers["cache-control"] == PRIVATE

    listed = await client.get("/v1/webhooks", headers=alice.headers)
    assert_private_read(listed)
    assert listed.json() == {"items": [one.json()], "next_cursor": None}
    assert created["secret"] not in listed.text
    revalidated = await client.get(
        "/v1/webhooks", headers={**alice.headers, "If-None-Match": listed.headers["etag"]}
    )
    assert revalidated.status_code == 304


async def test_refused_urls_answer_422_at_the_url(
    make_app: AppFactory, alice: Account, client: httpx.AsyncClient, receiver: WebhookReceiver
) -> None:
    strict = await make_app()  # no allowed networks: loopback is refused
    account = await add_user(strict, "carol")
    async with client_for(strict) as guarded:
        for url, code in (
            (receiver.url("/hook"), "forbidden_address"),
            ("http://169.254.169.254/latest/meta-data", "forbidden_address"),
            ("http://[::1]:8080/hook", "forbidden_address"),
            ("http://user:pw@example.com/hook", "invalid_url"),
            ("http://no-such-host.invalid/hook", "unresolvable_host"),
        ):
            response = await guarded.post(
                "/v1/webhooks", headers=account.headers, json={"url": url, "event_types": ["*"]}
            )
            problem = assert_problem(response, 422, "validation_failed", paths=["/body/url"])
            assert [e["code"] for e in problem["errors"]] == [code], url
        listed = await guarded.get("/v1/webhooks", headers=account.headers)
        assert listed.json()["items"] == []
    # The scheme and the event types are checked by the schema.
    for body, path in (
        ({"url": "ftp://example.com/x", "event_types": ["*"]}, "/body/url"),
        ({"url": receiver.url(), "event_types": []}, "/body/event_types"),
        ({"url": receiver.url(), "event_types": ["Build.Created!"]}, "/body/event_types/0"),
        ({"url": receiver.url(), "event_types": ["*"], "secret": "mine"}, "/body/secret"),
    ):
        response = await client.post("/v1/webhooks", headers=alice.headers, json=body)
        assert_problem(response, 422, "validation_failed", paths=[path])
    # A change of URL is checked as well.
    endpoint = await register(client, alice, receiver.url())
    response = await client.patch(
        f"/v1/webhooks/{endpoint['id']}",
        headers=alice.headers,
        json={"url": "http://10.0.0.7/hook"},
    )
    problem = assert_problem(response, 422, "validation_failed", paths=["/body/url"])
    assert problem["errors"][0]["code"] == "forbidden_address"


async def test_only_the_owner_sees_or_touches_an_endpoint(
    client: httpx.AsyncClient, alice: Account, bob: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url())
    test = await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=alice.headers)
    assert test.status_code == 202
    delivery = test.json()
    base = f"/v1/webhooks/{endpoint['id']}"
    calls = [
        ("GET", base, None),
        ("PATCH", base, {"description": "mine now"}),
        ("DELETE", base, None),
        ("POST", f"{base}/rotate-secret", None),
        ("POST", f"{base}/test", None),
        ("GET", f"{base}/deliveries", None),
        ("GET", f"{base}/deliveries/{delivery['id']}", None),
        ("POST", f"{base}/deliveries/{delivery['id']}/redeliver", None),
        ("GET", f"{base}/attempts", None),
    ]
    for method, path, body in calls:
        response = await client.request(method, path, headers=bob.headers, json=body)
        assert_problem(response, 404, "not_found")
        anonymous = await client.request(method, path, json=body)
        assert_problem(anonymous, 401, "unauthorized")
    listed = await client.get("/v1/webhooks", headers=bob.headers)
    assert listed.json()["items"] == []
    # Nothing changed.
    mine = await client.get(base, headers=alice.headers)
    assert mine.json()["version"] == 1
    assert mine.json()["description"] == ""


async def test_patch_and_delete_honour_if_match(
    client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url("/a"), "build.*")
    where = f"/v1/webhooks/{endpoint['id']}"
    stale = await client.patch(
        where, headers={**alice.headers, "If-Match": 'W/"v7"'}, json={"description": "x"}
    )
    assert_problem(stale, 412, "precondition_failed")
    changed = await client.patch(
        where,
        headers={**alice.headers, "If-Match": 'W/"v1"'},
        json={
            "url": receiver.url("/b"),
            "event_types": ["composition.*"],
            "description": "squads",
            "enabled": False,
        },
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == 'W/"v2"'
    assert changed.headers["cache-control"] == "no-store"
    body = changed.json()
    assert (body["url"], body["event_types"], body["description"], body["enabled"]) == (
        receiver.url("/b"),
        ["composition.*"],
        "squads",
        False,
    )
    assert "secret" not in body
    enabled = await client.patch(where, headers=alice.headers, json={"enabled": True})
    assert (enabled.json()["enabled"], enabled.json()["version"]) == (True, 3)
    assert_problem(
        await client.patch(where, headers=alice.headers, json={"event_types": []}),
        422,
        "validation_failed",
    )
    assert_problem(
        await client.delete(where, headers={**alice.headers, "If-Match": 'W/"v2"'}),
        412,
        "precondition_failed",
    )
    assert (await client.get(where, headers=alice.headers)).status_code == 200
    deleted = await client.delete(where, headers={**alice.headers, "If-Match": 'W/"v3"'})
    assert deleted.status_code == 204
    assert_problem(await client.get(where, headers=alice.headers), 404, "not_found")
    assert_problem(await client.delete(where, headers=alice.headers), 404, "not_found")


# Deliveries


async def test_writes_reach_the_endpoint_signed(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    builds = await register(client, alice, receiver.url("/builds"), "build.*")
    squads = await register(client, alice, receiver.url("/squads"), "composition.created")
    made = await client.post(
        "/v1/builds", headers=alice.headers, json={"name": "fb", "chat_code": FIREBRAND}
    )
    assert made.status_code == 201
    squad = await client.post(
        "/v1/compositions",
        headers=alice.headers,
        json={"name": "s", "parties": [{"members": [{"archetype": "firebrand-stab"}]}]},
    )
    assert squad.status_code == 201
    (build_hook,) = await wait_for(app, receiver, "/builds", 1)
    (squad_hook,) = await wait_for(app, receiver, "/squads", 1)
    event = Webhook(builds["secret"]).verify(build_hook.body, build_hook.headers)
    assert event["type"] == "build.created"
    assert event["data"]["id"] == made.json()["id"]
    assert event["data"]["chat_code"] == FIREBRAND
    event = Webhook(squads["secret"]).verify(squad_hook.body, squad_hook.headers)
    assert (event["type"], event["data"]["id"]) == ("composition.created", squad.json()["id"])
    # The log shows it; nothing went to the other endpoint.
    assert sorted(r.path for r in receiver.received()) == ["/builds", "/squads"]

    async def succeeded() -> dict[str, Any] | None:
        page = await client.get(f"/v1/webhooks/{builds['id']}/deliveries", headers=alice.headers)
        items = page.json()["items"]
        return items[0] if items and items[0]["status"] == "succeeded" else None

    delivery = await eventually(succeeded)
    assert delivery["event_id"] == build_hook.headers["webhook-id"]
    assert (delivery["event_type"], delivery["attempts"]) == ("build.created", 1)
    assert delivery["response_code"] == 200


async def test_a_failing_attempt_is_logged_and_retried(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url("/flaky"))
    receiver.script("/flaky", [Reply(500, b"database on fire" + b"!" * 2000)])
    queued = await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=alice.headers)
    assert queued.status_code == 202, queued.text
    delivery = queued.json()
    assert queued.headers["location"] == (
        f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}"
    )
    assert (delivery["status"], delivery["event_type"], delivery["attempts"]) == (
        "pending",
        "webhook.test",
        0,
    )
    first, second = await wait_for(app, receiver, "/flaky", 2)
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery["event_id"]
    body = Webhook(endpoint["secret"]).verify(second.body, second.headers)
    assert body["type"] == "webhook.test"
    assert body["data"]["endpoint_id"] == endpoint["id"]

    async def done() -> dict[str, Any] | None:
        found = await client.get(queued.headers["location"], headers=alice.headers)
        return found.json() if found.json()["status"] == "succeeded" else None

    final = await eventually(done)
    assert final["attempts"] == 2
    log = await client.get(f"/v1/webhooks/{endpoint['id']}/attempts", headers=alice.headers)
    assert_private_read(log)
    newest, oldest = log.json()["items"]
    assert (oldest["number"], oldest["response_code"], oldest["error"]) == (1, 500, "HTTP 500")
    assert oldest["response_body"].startswith("database on fire!")
    assert len(oldest["response_body"]) == 1024  # the first bytes only
    assert oldest["duration_ms"] >= 0
    assert (newest["number"], newest["response_code"], newest["error"]) == (2, 200, None)
    only = await client.get(
        f"/v1/webhooks/{endpoint['id']}/attempts",
        headers=alice.headers,
        params={"delivery_id": delivery["id"], "limit": 1},
    )
    assert [a["number"] for a in only.json()["items"]] == [2]
    assert only.headers["link"].endswith('>; rel="next"')
    other = await client.get(
        f"/v1/webhooks/{endpoint['id']}/attempts",
        headers=alice.headers,
        params={"delivery_id": str(uuid.uuid4())},
    )
    assert other.json()["items"] == []


async def test_deliveries_page_and_filter(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url("/p"))
    sent = []
    for _ in range(3):
        response = await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=alice.headers)
        sent.append(response.json()["id"])
    await wait_for(app, receiver, "/p", 3)
    where = f"/v1/webhooks/{endpoint['id']}/deliveries"

    async def all_succeeded() -> bool:
        page = await client.get(where, headers=alice.headers, params={"status": "succeeded"})
        return len(page.json()["items"]) == 3

    await eventually(all_succeeded)
    seen, url = [], where + "?limit=2"
    while url:
        page = await client.get(url, headers=alice.headers)
        assert_private_read(page)
        seen += [d["id"] for d in page.json()["items"]]
        link = page.headers.get("link")
        url = link[1 : link.index(">")] if link else ""
    assert seen == sent[::-1]  # newest first
    none = await client.get(where, headers=alice.headers, params={"status": "failed"})
    assert none.json() == {"items": [], "next_cursor": None}
    for params, path in (
        ({"status": "lost"}, "/query/status"),
        ({"limit": 0}, "/query/limit"),
        ({"cursor": "nonsense"}, "/query/cursor"),
        ({"colour": "red"}, "/query/colour"),
    ):
        response = await client.get(where, headers=alice.headers, params=params)
        assert_problem(response, 422, "validation_failed", paths=[path])


async def test_redeliver_sends_the_same_event_again(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url("/again"))
    other = await register(client, alice, receiver.url("/other"))
    delivery = (
        await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=alice.headers)
    ).json()
    (first,) = await wait_for(app, receiver, "/again", 1)
    where = f"/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}"
    wrong = f"/v1/webhooks/{other['id']}/deliveries/{delivery['id']}/redeliver"
    assert_problem(await client.post(wrong, headers=alice.headers), 404, "not_found")
    assert_problem(
        await client.get(
            f"/v1/webhooks/{other['id']}/deliveries/{delivery['id']}", headers=alice.headers
        ),
        404,
        "not_found",
    )

    async def succeeded() -> bool:
        return (await client.get(where, headers=alice.headers)).json()["status"] == "succeeded"

    await eventually(succeeded)
    again = await client.post(f"{where}/redeliver", headers=alice.headers)
    assert again.status_code == 202, again.text
    assert again.headers["location"] == where
    assert (again.json()["status"], again.json()["attempts"]) == ("pending", 0)
    _, second = await wait_for(app, receiver, "/again", 2)
    assert second.headers["webhook-id"] == first.headers["webhook-id"]
    assert second.body == first.body
    await eventually(succeeded)
    # A disabled endpoint takes neither tests nor redeliveries.
    await client.patch(
        f"/v1/webhooks/{endpoint['id']}", headers=alice.headers, json={"enabled": False}
    )
    assert_problem(await client.post(f"{where}/redeliver", headers=alice.headers), 409, "conflict")
    assert_problem(
        await client.post(f"/v1/webhooks/{endpoint['id']}/test", headers=alice.headers),
        409,
        "conflict",
    )


async def test_rotation_signs_with_both_secrets_and_410_disables(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, receiver: WebhookReceiver
) -> None:
    endpoint = await register(client, alice, receiver.url("/rot"))
    where = f"/v1/webhooks/{endpoint['id']}"
    rotated = await client.post(f"{where}/rotate-secret", headers=alice.headers)
    assert rotated.status_code == 200, rotated.text
    assert rotated.headers["cache-control"] == "no-store"
    assert rotated.headers["etag"] == 'W/"v2"'
    body = rotated.json()
    assert body["secret"].startswith("whsec_")
    assert body["secret"] != endpoint["secret"]
    assert body["previous_secret_expires_at"] is not None
    assert body["secret"] not in (await client.get(where, headers=alice.headers)).text

    await client.post(f"{where}/test", headers=alice.headers)
    (hook,) = await wait_for(app, receiver, "/rot", 1)
    assert len(hook.headers["webhook-signature"].split()) == 2
    for secret in (endpoint["secret"], body["secret"]):
        assert Webhook(secret).verify(hook.body, hook.headers)["type"] == "webhook.test"

    receiver.script("/rot", [Reply(410, b"gone for good")])
    await client.post(f"{where}/test", headers=alice.headers)
    await wait_for(app, receiver, "/rot", 2)

    async def disabled() -> dict[str, Any] | None:
        found = (await client.get(where, headers=alice.headers)).json()
        return found if not found["enabled"] else None

    found = await eventually(disabled)
    assert "410" in found["disabled_reason"]
    assert found["version"] > 2
    # Events written while disabled are not sent; enabling it again is a PATCH.
    await client.post(
        "/v1/builds", headers=alice.headers, json={"name": "fb", "chat_code": FIREBRAND}
    )
    await eventually(lambda: all_relayed(app))
    enabled = await client.patch(where, headers=alice.headers, json={"enabled": True})
    assert (enabled.json()["enabled"], enabled.json()["disabled_reason"]) == (True, None)
    await client.post(f"{where}/test", headers=alice.headers)
    third = (await wait_for(app, receiver, "/rot", 3))[2]
    assert Webhook(body["secret"]).verify(third.body, third.headers)["type"] == "webhook.test"
    await deliver_due(app)
    assert len(receiver.received("/rot")) == 3


async def test_the_api_delivers_only_without_redis(app: FastAPI) -> None:
    services = app.state.services
    assert embedded(app) == (services.settings.redis_url is None)
    store = store_of(app)
    assert store.url_check is not None
    assert store.webhook_settings.allowed_networks == LOOPBACK


def test_every_status_is_documented() -> None:
    read = {200, 304, 400, 401, 403, 404, 422}
    queued = {202, 400, 401, 403, 404, 409, 422}
    assert documented_statuses(("/v1/webhooks",)) == {
        ("POST", "/v1/webhooks"): {201, 400, 401, 403, 422},
        ("GET", "/v1/webhooks"): {200, 304, 400, 401, 403},
        ("GET", "/v1/webhooks/{webhook_id}"): read,
        ("PATCH", "/v1/webhooks/{webhook_id}"): {200, 400, 401, 403, 404, 412, 422},
        ("DELETE", "/v1/webhooks/{webhook_id}"): {204, 400, 401, 403, 404, 412, 422},
        ("POST", "/v1/webhooks/{webhook_id}/rotate-secret"): {200, 400, 401, 403, 404, 422},
        ("POST", "/v1/webhooks/{webhook_id}/test"): queued,
        ("GET", "/v1/webhooks/{webhook_id}/deliveries"): read,
        ("GET", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}"): read,
        ("POST", "/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver"): queued,
        ("GET", "/v1/webhooks/{webhook_id}/attempts"): read,
    }
