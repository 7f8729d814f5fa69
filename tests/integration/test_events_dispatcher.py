"""The in-process dispatcher end to end: writes in, signed deliveries out, retries, stops."""

from __future__ import annotations

import ipaddress
import logging
from collections import Counter
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from gw2wvw.events import Dispatcher, new_client
from gw2wvw.settings import WebhookSettings
from gw2wvw.store import Actor, EndpointCreate, Store, StoreUnavailable, open_store
from gw2wvw.store.tables import utcnow
from tests.support.webhook_receiver import Reply, WebhookReceiver, eventually

SETTINGS = WebhookSettings(
    allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
    timeout=2.0,
    retry_schedule=(0.05, 0.1, 0.2),
    retry_jitter=0.1,
    poll_interval=0.05,
    concurrency=4,
    batch_size=7,
)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(SETTINGS) as opened:
        yield opened


async def write_events(store: Store, actor: Actor, count: int) -> None:
    for n in range(count):
        async with store.transaction() as tx:
            kind = "build.created" if n % 3 else "composition.updated"
            await tx.emit(kind, actor.user_id, {"n": n})


async def statuses(store: Store, actor: Actor, endpoint_id: object) -> Counter[str]:
    page = await store.deliveries.list(actor, endpoint_id, limit=100)  # type: ignore[arg-type]
    return Counter(d.status for d in page.items)


async def test_every_event_reaches_every_matching_endpoint_once(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    builds = await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/builds"), event_types=("build.*",))
    )
    every = await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/all"), event_types=("*",))
    )
    receiver.script("/all", [Reply(500), Reply(503), Reply(500)])
    dispatcher = Dispatcher(store, SETTINGS, client)
    async with dispatcher:
        await write_events(store, alice, 12)
        dispatcher.notify()
        await write_events(store, alice, 9)  # more while it works
        dispatcher.notify()

        async def all_done() -> bool:
            return (await statuses(store, alice, builds.id))["succeeded"] == 14 and (
                await statuses(store, alice, every.id)
            )["succeeded"] == 21

        await eventually(all_done)
    assert dispatcher.in_flight == 0

    by_path: dict[str, Counter[str]] = {"/builds": Counter(), "/all": Counter()}
    for request in receiver.received():
        secret = builds.secret if request.path == "/builds" else every.secret
        body = Webhook(secret).verify(request.body, request.headers)
        if request.path == "/builds":
            assert body["type"].startswith("build.")
        by_path[request.path][request.headers["webhook-id"]] += 1
    assert len(by_path["/builds"]) == 14
    assert set(by_path["/builds"].values()) == {1}
    assert len(by_path["/all"]) == 21
    assert sum(by_path["/all"].values()) == 24  # three retried
    assert set(by_path["/builds"]) < set(by_path["/all"])
    log = await store.deliveries.attempts(alice, every.id, limit=100)
    assert Counter(a.response_code for a in log.items) == Counter({200: 21, 500: 2, 503: 1})


async def test_two_dispatchers_side_by_side_deliver_once(
    database_url: str,
    store: Store,
    alice: Actor,
    receiver: WebhookReceiver,
    client: httpx.AsyncClient,
) -> None:
    endpoint = await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/hook"), event_types=("*",))
    )
    await write_events(store, alice, 30)

    async def done() -> bool:
        return (await statuses(store, alice, endpoint.id))["succeeded"] == 30

    async with (
        open_store(database_url) as other,
        Dispatcher(store, SETTINGS, client),
        Dispatcher(other, SETTINGS, client),
    ):
        await eventually(done)
    ids = Counter(r.headers["webhook-id"] for r in receiver.received())
    assert len(ids) == 30
    assert set(ids.values()) == {1}


async def test_stop_waits_for_attempts_in_flight(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/slow"), event_types=("*",))
    )
    receiver.script("/slow", [Reply(204, b"", delay=0.3)])
    dispatcher = Dispatcher(store, SETTINGS, client)
    runner = dispatcher.start()
    assert dispatcher.start() is runner
    await write_events(store, alice, 1)
    dispatcher.notify()
    await eventually(lambda: receiver.received())
    await dispatcher.stop()
    assert runner.done()
    assert (await statuses(store, alice, endpoint.id)) == Counter({"succeeded": 1})
    await dispatcher.stop()  # stopping twice is harmless


async def test_a_stop_that_cannot_wait_leaves_the_lease_to_cover(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    endpoint = await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/slow"), event_types=("*",))
    )
    receiver.script("/slow", [Reply(204, b"", delay=0.5)])
    dispatcher = Dispatcher(store, SETTINGS, client)
    dispatcher.start()
    await write_events(store, alice, 1)
    dispatcher.notify()
    await eventually(lambda: receiver.received())
    await dispatcher.stop(grace=0.01)
    (delivery,) = (await store.deliveries.list(alice, endpoint.id)).items
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert delivery.next_attempt_at is not None
    assert delivery.next_attempt_at > utcnow()  # still leased: due again when it ends
    later = delivery.next_attempt_at
    assert [d.id for d in await store.deliveries.due(now=later)] == [delivery.id]


async def test_a_failing_pass_is_logged_and_the_loop_goes_on(
    store: Store, client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    dispatcher = Dispatcher(store, SETTINGS, client)
    calls = 0
    original = store.deliveries.relay_pending

    async def flaky(limit: int = 100, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise StoreUnavailable("database unavailable: gone fishing")
        return await original(limit)

    store.deliveries.relay_pending = flaky  # type: ignore[method-assign,assignment]
    with caplog.at_level(logging.ERROR, logger="gw2wvw.events.dispatcher"):
        async with dispatcher:
            await eventually(lambda: calls >= 2)
    assert "pass failed" in caplog.text


async def test_an_unexpected_error_in_an_attempt_is_logged(
    store: Store, alice: Actor, receiver: WebhookReceiver, caplog: pytest.LogCaptureFixture
) -> None:
    await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/hook"), event_types=("*",))
    )

    class Broken(httpx.AsyncClient):
        async def send(self, *args: object, **kwargs: object) -> httpx.Response:
            raise RuntimeError("a bug")

    async with Broken() as broken:
        dispatcher = Dispatcher(store, SETTINGS, broken)
        with caplog.at_level(logging.ERROR, logger="gw2wvw.events.dispatcher"):
            async with dispatcher:
                await write_events(store, alice, 1)
                dispatcher.notify()
                await eventually(lambda: "failed unexpectedly" in caplog.text)


async def test_a_full_dispatcher_claims_nothing_more(
    store: Store, alice: Actor, receiver: WebhookReceiver, client: httpx.AsyncClient
) -> None:
    await store.webhooks.create(
        alice, EndpointCreate(url=receiver.url("/slow"), event_types=("*",))
    )
    receiver.script("/slow", [Reply(204, b"", delay=0.2)] * 2)
    narrow = SETTINGS.model_copy(update={"concurrency": 1})
    dispatcher = Dispatcher(store, narrow, client)
    await write_events(store, alice, 2)
    assert await dispatcher.run_once() == 1
    assert dispatcher.in_flight == 1
    assert await dispatcher.run_once() == 0
    await eventually(lambda: dispatcher.in_flight == 0)
    assert await dispatcher.run_once() == 1
    await eventually(lambda: dispatcher.in_flight == 0)
