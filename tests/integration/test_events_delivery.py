"""The delivery contract against a real HTTP receiver on 127.0.0.1, on both databases."""

from __future__ import annotations

import ipaddress
import json
import random
import socket
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gw2wvw.events import USER_AGENT, deliver, new_client, relay
from gw2wvw.settings import WebhookSettings
from gw2wvw.store import Actor, EndpointCreate, EndpointWithSecret, Store
from gw2wvw.store.schemas import DeliveryTask, Recorded
from gw2wvw.store.tables import utcnow
from tests.support.webhook_receiver import Reply, WebhookReceiver, self_signed

SETTINGS = WebhookSettings(
    allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
    timeout=2.0,
    retry_schedule=(0.05, 0.1, 0.2),
    retry_jitter=0,
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(SETTINGS) as opened:
        yield opened


async def subscribe(store: Store, actor: Actor, url: str, *types: str) -> EndpointWithSecret:
    return await store.webhooks.create(actor, EndpointCreate(url=url, event_types=types or ("*",)))


async def one_event(store: Store, actor: Actor, payload: dict[str, object]) -> DeliveryTask:
    async with store.transaction() as tx:
        await tx.emit("build.created", actor.user_id, payload)
    await relay(store, SETTINGS)
    (task,) = await store.deliveries.claim_due(10, SETTINGS.lease)
    return task


async def retry(store: Store, recorded: Recorded) -> DeliveryTask:
    assert recorded.due is not None
    task = await store.deliveries.claim(
        recorded.due.id, SETTINGS.lease, now=recorded.due.next_attempt_at
    )
    assert task is not None
    return task


def verify(secret: str, body: bytes, headers: dict[str, str]) -> object:
    return Webhook(secret).verify(body, headers)


async def test_the_standard_webhooks_contract(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook?guild=1"), "build.*")
    receiver.script("/hook?guild=1", [Reply(500, b"try later")])
    payload = {"id": "b-1", "name": "Firebrand ✓", "tags": ["zerg"], "version": 1}
    task = await one_event(store, alice, payload)

    first = await deliver(store, client, task, SETTINGS)
    assert first.delivery is not None
    assert (first.delivery.status, first.delivery.response_code) == ("pending", 500)
    assert first.delivery.response_body == "try later"
    second = await deliver(store, client, await retry(store, first), SETTINGS)
    assert second.delivery is not None
    assert (second.delivery.status, second.delivery.attempts) == ("succeeded", 2)

    requests = receiver.received()
    assert len(requests) == 2
    for request in requests:
        assert request.path == "/hook?guild=1"
        assert request.headers["content-type"] == "application/json"
        assert request.headers["user-agent"] == USER_AGENT
        assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
        assert request.headers["webhook-id"] == str(task.event.id)
        assert abs(int(request.headers["webhook-timestamp"]) - time.time()) < 60
        body = json.loads(request.body)
        assert body == {
            "type": "build.created",
            "timestamp": task.event.created_at.isoformat().replace("+00:00", "Z"),
            "data": payload,
        }
        assert b'": ' not in request.body  # compact separators
        assert b'", ' not in request.body
        assert verify(endpoint.secret, request.body, request.headers) == body
    # The same message id on every attempt: receivers de-duplicate by it.
    assert requests[0].headers["webhook-id"] == requests[1].headers["webhook-id"]
    log = await store.deliveries.attempts(alice, endpoint.id)
    assert [(a.number, a.response_code) for a in log.items] == [(2, 200), (1, 500)]
    assert all(a.duration_ms >= 0 and a.error in (None, "HTTP 500") for a in log.items)


async def test_redirects_are_failures_and_are_not_followed(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    receiver.script("/hook", [Reply(302, b"", {"location": receiver.url("/elsewhere")})])
    recorded = await deliver(store, client, await one_event(store, alice, {}), SETTINGS)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "pending"
    assert recorded.delivery.response_code == 302
    assert recorded.delivery.error == (
        f"HTTP 302: redirect to {receiver.url('/elsewhere')} not followed"
    )
    assert [r.path for r in receiver.received()] == ["/hook"]


async def test_gone_disables_the_endpoint(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"))
    receiver.script("/hook", [Reply(410, b"unsubscribed")])
    recorded = await deliver(store, client, await one_event(store, alice, {}), SETTINGS)
    assert recorded.delivery is not None
    assert (recorded.delivery.status, recorded.delivery.error) == ("failed", "HTTP 410 Gone")
    disabled = await store.webhooks.get(alice, endpoint.id)
    assert not disabled.enabled
    assert disabled.disabled_reason is not None
    assert "410 Gone" in disabled.disabled_reason


async def test_retry_after_is_honoured(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    receiver.script("/hook", [Reply(429, b"slow down", {"retry-after": "120"})])
    task = await one_event(store, alice, {})
    recorded = await deliver(store, client, task, SETTINGS)
    assert recorded.delivery is not None
    assert recorded.delivery.last_attempt_at is not None
    assert recorded.delivery.next_attempt_at is not None
    wait = recorded.delivery.next_attempt_at - recorded.delivery.last_attempt_at
    assert timedelta(seconds=120) <= wait < timedelta(seconds=122)


async def test_the_schedule_runs_out(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"))
    receiver.script("/hook", [Reply(503)] * 4)
    recorded = await deliver(store, client, await one_event(store, alice, {}), SETTINGS)
    delays = []
    while recorded.due is not None:
        assert recorded.delivery is not None
        assert recorded.delivery.last_attempt_at is not None
        assert recorded.delivery.duration_ms is not None
        # The delay counts from when the attempt ended.
        ended = recorded.delivery.last_attempt_at + timedelta(
            milliseconds=recorded.delivery.duration_ms
        )
        delays.append(recorded.due.next_attempt_at - ended)
        recorded = await deliver(store, client, await retry(store, recorded), SETTINGS)
    assert recorded.delivery is not None
    assert (recorded.delivery.status, recorded.delivery.attempts) == ("failed", 4)
    assert [round(d.total_seconds(), 2) for d in delays] == [0.05, 0.1, 0.2]
    state = await store.webhooks.get(alice, endpoint.id)
    assert (state.enabled, state.consecutive_failures) == (True, 1)


async def test_timeouts_and_connection_errors_are_failures(
    store: Store, alice: Actor, receiver: WebhookReceiver
) -> None:
    quick = SETTINGS.model_copy(update={"timeout": 0.2})
    await subscribe(store, alice, receiver.url("/slow"), "build.*")
    # The reply would come after 5 s; the attempt gives up after 0.2 s (the margin is for the
    # database work around it on a busy machine).
    receiver.script("/slow", [Reply(200, delay=5.0)])
    async with new_client(quick) as client:
        started = time.monotonic()
        recorded = await deliver(store, client, await one_event(store, alice, {}), quick)
        assert time.monotonic() - started < 4
        assert recorded.delivery is not None
        assert recorded.delivery.status == "pending"
        assert recorded.delivery.error == "timed out after 0.2 s"
        assert recorded.delivery.response_code is None

        with socket.socket() as probe:  # a port nobody listens on
            probe.bind(("127.0.0.1", 0))
            closed = probe.getsockname()[1]
        await subscribe(store, alice, f"http://127.0.0.1:{closed}/x", "composition.*")
        async with store.transaction() as tx:
            await tx.emit("composition.created", alice.user_id, {})
        (created,) = await relay(store, quick)
        task = await store.deliveries.claim(created.id, quick.lease)
        assert task is not None
        refused = await deliver(store, client, task, quick)
        assert refused.delivery is not None
        assert refused.delivery.error is not None
        assert refused.delivery.error.startswith("ConnectError")


async def test_only_the_first_bytes_of_a_response_are_kept(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    receiver.script("/hook", [Reply(200, b"\x00" + "é".encode() * 5000)])
    recorded = await deliver(store, client, await one_event(store, alice, {}), SETTINGS)
    assert recorded.delivery is not None
    body = recorded.delivery.response_body
    assert body is not None
    # 1024 bytes: the NUL, 511 whole characters, and half of one, which is dropped.
    assert body == "\ufffd" + "é" * 511


async def test_addresses_are_checked_again_at_delivery_time(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    # Registered without a check (or the name moved since): delivery refuses it all the same.
    await subscribe(store, alice, receiver.url("/hook"))
    strict = SETTINGS.model_copy(update={"allowed_networks": ()})
    recorded = await deliver(store, client, await one_event(store, alice, {}), strict)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "pending"
    assert recorded.delivery.error is not None
    assert recorded.delivery.error.startswith("forbidden_address: 127.0.0.1 is not a public")
    assert receiver.received() == []


async def test_https_goes_to_the_checked_address_with_the_name_as_sni(
    store: Store, alice: Actor, tmp_path: Path
) -> None:
    server_tls, client_tls = self_signed(tmp_path, "hooks.gw2wvw.test")

    async def resolve(host: str, port: int) -> Sequence[str]:
        assert host == "hooks.gw2wvw.test"
        return ["127.0.0.1"]

    with WebhookReceiver(server_tls) as tls_receiver:
        url = tls_receiver.url("/secure", host="hooks.gw2wvw.test")
        await subscribe(store, alice, url)
        task = await one_event(store, alice, {"n": 1})
        async with httpx.AsyncClient(verify=client_tls, trust_env=False) as client:
            recorded = await deliver(store, client, task, SETTINGS, resolver=resolve)
        assert recorded.delivery is not None
        assert (recorded.delivery.status, recorded.delivery.error) == ("succeeded", None)
        (request,) = tls_receiver.received()
        assert request.headers["host"] == f"hooks.gw2wvw.test:{tls_receiver.port}"
        assert request.headers["user-agent"] == USER_AGENT  # whatever client is used


async def test_a_rotated_secret_signs_alongside_the_new_one_until_the_grace_ends(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"))
    now = utcnow()
    rotated = await store.webhooks.rotate_secret(alice, endpoint.id, timedelta(minutes=10))
    receiver.script("/hook", [Reply(500)])
    task = await one_event(store, alice, {})
    recorded = await deliver(store, client, task, SETTINGS)
    # After the grace period only the new secret signs.
    assert recorded.due is not None
    later: datetime = now + timedelta(minutes=11)
    late = await store.deliveries.claim(recorded.due.id, SETTINGS.lease, now=later)
    assert late is not None
    await deliver(store, client, late, SETTINGS)

    during, after = receiver.received()
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    verify(endpoint.secret, during.body, during.headers)
    verify(rotated.secret, during.body, during.headers)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    verify(rotated.secret, after.body, after.headers)
    with pytest.raises(WebhookVerificationError):
        verify(endpoint.secret, after.body, after.headers)


async def test_a_test_event_is_delivered(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"), "build.created")
    queued = await store.webhooks.send_test(alice, endpoint.id)
    (task,) = await store.deliveries.claim_due(10, SETTINGS.lease)
    recorded = await deliver(store, client, task, SETTINGS, rng=random.Random(1))
    assert recorded.delivery is not None
    assert (recorded.delivery.id, recorded.delivery.status) == (queued.id, "succeeded")
    (request,) = receiver.received()
    body = verify(endpoint.secret, request.body, request.headers)
    assert isinstance(body, dict)
    assert body["type"] == "webhook.test"
    assert body["data"]["endpoint_id"] == str(endpoint.id)


async def test_a_slow_body_does_not_undo_the_status(
    store: Store, alice: Actor, receiver: WebhookReceiver
) -> None:
    quick = SETTINGS.model_copy(update={"timeout": 0.3})
    await subscribe(store, alice, receiver.url("/drip"), "build.*")
    receiver.script("/drip", [Reply(202, b"late", body_delay=1.0)])
    async with new_client(quick) as client:
        recorded = await deliver(store, client, await one_event(store, alice, {}), quick)
    assert recorded.delivery is not None
    assert (recorded.delivery.status, recorded.delivery.response_code) == ("succeeded", 202)
    assert recorded.delivery.response_body == ""


async def test_response_bodies_can_be_left_unread(
    store: Store, alice: Actor, receiver: WebhookReceiver
) -> None:
    blind = SETTINGS.model_copy(update={"response_body_limit": 0})
    await subscribe(store, alice, receiver.url("/hook"))
    async with new_client(blind) as client:
        recorded = await deliver(store, client, await one_event(store, alice, {}), blind)
    assert recorded.delivery is not None
    assert (recorded.delivery.status, recorded.delivery.response_body) == ("succeeded", "")
