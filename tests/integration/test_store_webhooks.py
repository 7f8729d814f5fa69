"""Webhook endpoints and the event outbox on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert, select, update

from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    EndpointCreate,
    EndpointPatch,
    EndpointRead,
    NotFound,
    Store,
    Unauthenticated,
    UserCreate,
    VersionConflict,
)
from gw2wvw.store.tables import WebhookDelivery, WebhookEndpoint

HOOK = "https://hooks.example.org/gw2wvw"


def endpoint(url: str = HOOK, *types: str, **fields: object) -> EndpointCreate:
    return EndpointCreate.model_validate(
        {"url": url, "event_types": types or ("build.*",), **fields}
    )


async def test_create_shows_the_secret_once(store: Store, alice: Actor) -> None:
    created = await store.webhooks.create(
        alice,
        endpoint(HOOK, "build.*", "composition.created", "build.*", description="discord relay"),
    )
    prefix, _, key = created.secret.partition("_")
    assert prefix == "whsec"
    assert len(base64.b64decode(key, validate=True)) >= 24
    assert created.event_types == ("build.*", "composition.created")
    assert (created.url, created.description, created.enabled) == (HOOK, "discord relay", True)
    assert (created.consecutive_failures, created.failing_since, created.disabled_reason) == (
        0,
        None,
        None,
    )
    assert created.version == 1
    assert created.created_at == created.updated_at
    fetched = await store.webhooks.get(alice, created.id)
    assert fetched == EndpointRead.model_validate(created.model_dump(exclude={"secret"}))
    assert "secret" not in fetched.model_dump()
    assert await store.webhooks.list(alice) == [fetched]
    other = await store.webhooks.create(alice, endpoint())
    assert other.secret != created.secret
    assert [e.id for e in await store.webhooks.list(alice)] == [created.id, other.id]


async def test_endpoints_are_private_to_their_owner(store: Store, alice: Actor, bob: Actor) -> None:
    mine = await store.webhooks.create(alice, endpoint())
    theirs = await store.webhooks.create(bob, endpoint())
    assert [e.id for e in await store.webhooks.list(alice)] == [mine.id]
    assert [e.id for e in await store.webhooks.list(bob)] == [theirs.id]
    refused: list[Callable[[], Awaitable[object]]] = [
        lambda: store.webhooks.get(alice, theirs.id),
        lambda: store.webhooks.update(alice, theirs.id, EndpointPatch(description="mine")),
        lambda: store.webhooks.delete(alice, theirs.id),
        lambda: store.webhooks.get(alice, uuid.uuid4()),
    ]
    for call in refused:
        with pytest.raises(NotFound):
            await call()
    assert (await store.webhooks.get(bob, theirs.id)).version == 1
    anonymous: list[Callable[[], Awaitable[object]]] = [
        lambda: store.webhooks.create(ANONYMOUS, endpoint()),
        lambda: store.webhooks.list(ANONYMOUS),
        lambda: store.webhooks.get(ANONYMOUS, mine.id),
        lambda: store.webhooks.update(ANONYMOUS, mine.id, EndpointPatch(enabled=False)),
        lambda: store.webhooks.delete(ANONYMOUS, mine.id),
    ]
    for call in anonymous:
        with pytest.raises(Unauthenticated):
            await call()


async def test_patches_bump_the_version(store: Store, alice: Actor) -> None:
    created = await store.webhooks.create(alice, endpoint(description="old"))
    changed = await store.webhooks.update(
        alice,
        created.id,
        EndpointPatch(url="http://localhost:9000/hook", event_types=("*", "*", "build.created")),
        expected_version=1,
    )
    assert (changed.url, changed.event_types, changed.version) == (
        "http://localhost:9000/hook",
        ("*", "build.created"),
        2,
    )
    assert changed.description == "old"  # left out, left alone
    assert changed.updated_at > created.updated_at
    assert changed.created_at == created.created_at
    cleared = await store.webhooks.update(alice, created.id, EndpointPatch(description=""))
    assert (cleared.description, cleared.version) == ("", 3)
    assert await store.webhooks.get(alice, created.id) == cleared

    with pytest.raises(VersionConflict) as caught:
        await store.webhooks.update(alice, created.id, EndpointPatch(url=HOOK), expected_version=2)
    assert (caught.value.expected, caught.value.actual) == (2, 3)
    assert await store.webhooks.get(alice, created.id) == cleared


async def test_concurrent_patches(store: Store, alice: Actor) -> None:
    created = await store.webhooks.create(alice, endpoint())
    versioned = await asyncio.gather(
        *(
            store.webhooks.update(
                alice, created.id, EndpointPatch(description=f"v{i}"), expected_version=1
            )
            for i in range(6)
        ),
        return_exceptions=True,
    )
    winners = [r for r in versioned if isinstance(r, EndpointRead)]
    assert len(winners) == 1
    assert all(isinstance(r, VersionConflict) for r in versioned if r is not winners[0])
    assert await store.webhooks.get(alice, created.id) == winners[0]
    # Without an expected version every patch applies, whatever the others do.
    await asyncio.gather(
        *(
            store.webhooks.update(alice, created.id, EndpointPatch(description=f"u{i}"))
            for i in range(6)
        )
    )
    assert (await store.webhooks.get(alice, created.id)).version == 8


async def test_enabling_clears_the_failure_state(store: Store, alice: Actor) -> None:
    created = await store.webhooks.create(alice, endpoint())
    since = datetime(2031, 1, 2, 3, 4, 5, tzinfo=UTC)
    # What the delivery worker records when an endpoint keeps failing.
    async with store.transaction() as tx:
        await tx.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == created.id)
            .values(
                enabled=False,
                disabled_reason="failing for 5 days",
                consecutive_failures=42,
                failing_since=since,
            )
        )
    failing = await store.webhooks.get(alice, created.id)
    assert (failing.enabled, failing.disabled_reason) == (False, "failing for 5 days")
    assert (failing.consecutive_failures, failing.failing_since) == (42, since)

    # Other changes leave the failure state alone...
    renamed = await store.webhooks.update(alice, created.id, EndpointPatch(description="x"))
    assert (renamed.enabled, renamed.consecutive_failures, renamed.failing_since) == (
        False,
        42,
        since,
    )
    # ...and so does disabling it again.
    still = await store.webhooks.update(alice, created.id, EndpointPatch(enabled=False))
    assert (still.enabled, still.disabled_reason) == (False, "failing for 5 days")

    enabled = await store.webhooks.update(alice, created.id, EndpointPatch(enabled=True))
    assert enabled.enabled is True
    assert (enabled.disabled_reason, enabled.consecutive_failures, enabled.failing_since) == (
        None,
        0,
        None,
    )
    assert enabled.version == failing.version + 3


async def test_delete_removes_the_endpoint_and_its_deliveries(store: Store, alice: Actor) -> None:
    doomed = await store.webhooks.create(alice, endpoint())
    kept = await store.webhooks.create(alice, endpoint())
    event_id = await _some_event(store)
    async with store.transaction() as tx:
        await tx.session.execute(
            insert(WebhookDelivery),
            [
                {"id": uuid.uuid4(), "event_id": event_id, "endpoint_id": e.id}
                for e in (doomed, kept)
            ],
        )
    await store.webhooks.delete(alice, doomed.id)
    with pytest.raises(NotFound):
        await store.webhooks.get(alice, doomed.id)
    with pytest.raises(NotFound):
        await store.webhooks.delete(alice, doomed.id)
    assert [e.id for e in await store.webhooks.list(alice)] == [kept.id]
    async with store.transaction(write=False) as tx:
        left = (await tx.session.execute(select(WebhookDelivery.endpoint_id))).scalars().all()
    assert left == [kept.id]


async def _some_event(store: Store) -> uuid.UUID:
    async with store.transaction() as tx:
        return await tx.emit("test.happened", None, {"n": 0})


# The outbox


async def test_the_outbox_lists_events_in_the_order_they_were_written(store: Store) -> None:
    carol = await store.users.create(UserCreate(name="carol"))
    written = []
    for n in range(5):
        async with store.transaction() as tx:
            written.append(await tx.emit("test.happened", carol.id, {"n": n, "nested": [n]}))
    events = await store.outbox.list()
    assert [e.id for e in events] == written
    assert [e.payload for e in events] == [{"n": n, "nested": [n]} for n in range(5)]
    assert all(e.type == "test.happened" and e.owner_id == carol.id for e in events)
    assert all(e.created_at.tzinfo is not None for e in events)
    assert [e.created_at for e in events] == sorted(e.created_at for e in events)
    assert [e.id for e in await store.outbox.list(after=written[1])] == written[2:]
    assert [e.id for e in await store.outbox.list(after=written[1], limit=2)] == written[2:4]
    assert await store.outbox.list(after=written[-1]) == []
    assert [e.id for e in await store.outbox.list(limit=1)] == written[:1]
    assert await store.outbox.get(written[3]) == events[3]
    with pytest.raises(NotFound):
        await store.outbox.get(uuid.uuid4())
