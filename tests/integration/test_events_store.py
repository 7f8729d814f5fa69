"""The store side of webhooks on SQLite and PostgreSQL: relay, claims, records, the log."""

from __future__ import annotations

import asyncio
import ipaddress
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select, update

from gw2wvw.events import relay, url_check
from gw2wvw.settings import WebhookSettings
from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    Conflict,
    EndpointCreate,
    EndpointPatch,
    EndpointWithSecret,
    NotFound,
    Store,
    Unauthenticated,
    ValidationFailed,
    open_store,
)
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import AttemptRecord, DeliveryTask
from gw2wvw.store.tables import OutboxEvent, WebhookAttempt, WebhookDelivery, utcnow

HOOK = "https://hooks.example.org/gw2wvw"
LEASE = timedelta(seconds=40)


async def hook(
    store: Store, actor: Actor, *types: str, url: str = HOOK, enabled: bool = True
) -> EndpointWithSecret:
    created = await store.webhooks.create(
        actor, EndpointCreate(url=url, event_types=types or ("*",))
    )
    if not enabled:
        await store.webhooks.update(actor, created.id, EndpointPatch(enabled=False))
    return created


async def emit(store: Store, event_type: str, owner: Actor | None, n: int = 0) -> uuid.UUID:
    async with store.transaction() as tx:
        return await tx.emit(event_type, owner.user_id if owner else None, {"n": n})


def failed(at: datetime | None = None, retry: datetime | None = None) -> AttemptRecord:
    return AttemptRecord(
        verdict="failed",
        started_at=at or utcnow(),
        duration_ms=12,
        response_code=500,
        response_body="oops",
        error="HTTP 500",
        next_attempt_at=retry,
    )


def succeeded(at: datetime | None = None) -> AttemptRecord:
    return AttemptRecord(
        verdict="succeeded", started_at=at or utcnow(), duration_ms=3, response_code=204
    )


async def pairs(store: Store) -> set[tuple[uuid.UUID, uuid.UUID]]:
    async with store.transaction(write=False) as tx:
        rows = await tx.session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.endpoint_id)
        )
        return {(row.event_id, row.endpoint_id) for row in rows}


async def claim_one(store: Store, now: datetime | None = None) -> DeliveryTask:
    (task,) = await store.deliveries.claim_due(10, LEASE, now=now)
    return task


@pytest.fixture
async def other_store(database_url: str, store: Store) -> AsyncIterator[Store]:
    """A second store on the same database: another process, as far as locking goes."""
    async with open_store(database_url) as opened:
        yield opened


# Relay


async def test_relay_delivers_to_matching_enabled_endpoints_of_the_owner(
    store: Store, alice: Actor, bob: Actor
) -> None:
    every = await hook(store, alice, "*")
    builds = await hook(store, alice, "build.*")
    created = await hook(store, alice, "build.created", "composition.created")
    await hook(store, alice, "composition.*", enabled=False)
    theirs = await hook(store, bob, "*")
    build_created = await emit(store, "build.created", alice)
    build_deleted = await emit(store, "build.deleted", alice)
    composition = await emit(store, "composition.updated", alice)
    bobs = await emit(store, "build.created", bob)
    await emit(store, "build.created", None)  # no owner: nobody's endpoint

    before = utcnow()
    relayed = await store.deliveries.relay_pending(100)
    assert relayed.events == 5
    assert await pairs(store) == {
        (build_created, every.id),
        (build_created, builds.id),
        (build_created, created.id),
        (build_deleted, every.id),
        (build_deleted, builds.id),
        (composition, every.id),
        (bobs, theirs.id),
    }
    assert len(relayed.deliveries) == 7
    assert all(d.attempts == 0 and d.next_attempt_at >= before for d in relayed.deliveries)
    assert len({d.job_id for d in relayed.deliveries}) == 7
    async with store.transaction(write=False) as tx:
        pending = await tx.session.scalar(
            select(func.count()).where(OutboxEvent.relayed_at.is_(None))
        )
    assert pending == 0
    again = await store.deliveries.relay_pending(100)
    assert (again.events, again.deliveries) == (0, ())

    # Relaying an event twice (a relay that crashed after inserting, say) adds nothing.
    async with store.transaction() as tx:
        await tx.session.execute(update(OutboxEvent).values(relayed_at=None))
    replay = await store.deliveries.relay_pending(100)
    assert (replay.events, replay.deliveries) == (5, ())
    assert len(await pairs(store)) == 7


async def test_relay_takes_the_oldest_pending_events_whatever_their_ids(
    store: Store, alice: Actor
) -> None:
    endpoint = await hook(store, alice, "*")
    late_id = uuid7()  # an id taken by a transaction that commits after later ones
    first = [await emit(store, "build.created", alice, n) for n in range(3)]
    batch = await store.deliveries.relay_pending(2)
    assert batch.events == 2
    async with store.transaction() as tx:
        await tx.execute(
            insert(OutboxEvent),
            {
                "id": late_id,
                "type": "build.updated",
                "owner_id": alice.user_id,
                "payload": {},
                "created_at": utcnow(),
            },
        )
    rest = await store.deliveries.relay_pending(10)
    assert rest.events == 2
    assert await pairs(store) == {(e, endpoint.id) for e in [*first, late_id]}


async def test_relay_drains_in_batches(store: Store, alice: Actor) -> None:
    await hook(store, alice, "build.*")
    for n in range(5):
        await emit(store, "build.created" if n else "composition.created", alice, n)
    small = WebhookSettings(batch_size=2)
    assert len(await relay(store, small, rounds=1)) == 1  # the composition matched nothing
    assert len(await relay(store, small)) == 3
    assert await relay(store, small) == []


async def test_concurrent_relays_never_double_deliver(
    store: Store, other_store: Store, alice: Actor
) -> None:
    endpoints = [await hook(store, alice, "*"), await hook(store, alice, "build.*")]
    events = [await emit(store, "build.created", alice, n) for n in range(24)]

    async def drain(relay_store: Store) -> list[uuid.UUID]:
        created: list[uuid.UUID] = []
        while True:
            relayed = await relay_store.deliveries.relay_pending(5)
            created.extend(d.id for d in relayed.deliveries)
            if relayed.events == 0:
                return created

    mine, theirs = await asyncio.gather(drain(store), drain(other_store))
    assert not set(mine) & set(theirs)
    assert len(mine) + len(theirs) == 48
    assert await pairs(store) == {(e, p.id) for e in events for p in endpoints}


# Claims


async def test_claims_are_exclusive_and_leases_expire(
    store: Store, other_store: Store, alice: Actor
) -> None:
    endpoint = await hook(store, alice, "*")
    for n in range(6):
        await emit(store, "build.created", alice, n)
    await store.deliveries.relay_pending()
    now = utcnow()
    first, second = await asyncio.gather(
        store.deliveries.claim_due(4, LEASE, now=now),
        other_store.deliveries.claim_due(4, LEASE, now=now),
    )
    ids = [t.delivery.id for t in first] + [t.delivery.id for t in second]
    assert len(ids) == len(set(ids)) == 6
    assert sorted([len(first), len(second)]) == [2, 4]
    task = first[0]
    assert task.lease_until == now + LEASE
    assert task.delivery.next_attempt_at == now + LEASE
    assert (task.delivery.status, task.delivery.attempts) == ("pending", 0)
    assert task.endpoint.id == endpoint.id
    assert task.endpoint.secrets == (endpoint.secret,)
    assert endpoint.secret not in repr(task)
    assert task.event.type == "build.created"
    assert task.event.payload.keys() == {"n"}

    # Held: nobody gets them, not even one by one, until the lease runs out.
    assert await store.deliveries.claim_due(10, LEASE, now=now + LEASE / 2) == []
    assert await store.deliveries.claim(task.delivery.id, LEASE, now=now + LEASE / 2) is None
    assert await store.deliveries.due(now=now + LEASE / 2) == []
    later = now + LEASE + timedelta(seconds=1)
    assert len(await store.deliveries.due(now=later)) == 6
    again = await store.deliveries.claim(task.delivery.id, LEASE, now=later)
    assert again is not None
    assert again.lease_until == later + LEASE
    assert len(await other_store.deliveries.claim_due(10, LEASE, now=later)) == 5


async def test_due_gives_job_ids_that_change_with_each_attempt(store: Store, alice: Actor) -> None:
    await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    (relayed,) = (await store.deliveries.relay_pending()).deliveries
    (due,) = await store.deliveries.due()
    assert due == relayed
    assert due.job_id == relayed.job_id  # a lost job re-enqueued: de-duplicated
    task = await claim_one(store)
    after_lease = task.lease_until + timedelta(seconds=1)
    (expired,) = await store.deliveries.due(now=after_lease)
    assert expired.job_id != due.job_id  # the worker died: a new job for the same attempt
    retry = utcnow() + timedelta(seconds=5)
    recorded = await store.deliveries.record(task, failed(retry=retry))
    assert recorded.due is not None
    assert recorded.due.attempts == 1
    assert recorded.due.next_attempt_at == retry
    assert recorded.due.job_id not in (due.job_id, expired.job_id)


# Recording attempts


async def test_a_failure_then_a_success(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    task = await claim_one(store)
    started = utcnow()
    retry = started + timedelta(seconds=30)
    recorded = await store.deliveries.record(task, failed(started, retry))
    assert recorded.applied
    assert recorded.disabled_reason is None
    delivery = recorded.delivery
    assert delivery is not None
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (
        "pending",
        1,
        retry,
    )
    assert (delivery.response_code, delivery.response_body, delivery.error) == (
        500,
        "oops",
        "HTTP 500",
    )
    assert (delivery.last_attempt_at, delivery.duration_ms) == (started, 12)
    failing = await store.webhooks.get(alice, endpoint.id)
    assert (failing.failing_since, failing.consecutive_failures) == (started, 0)
    assert failing.version == endpoint.version + 1  # the representation changed
    assert failing.enabled

    assert await store.deliveries.claim_due(10, LEASE) == []  # not due yet
    task = await claim_one(store, now=retry)
    assert task.delivery.attempts == 1
    done = await store.deliveries.record(task, succeeded(retry))
    assert done.delivery is not None
    assert (done.delivery.status, done.delivery.attempts, done.delivery.next_attempt_at) == (
        "succeeded",
        2,
        None,
    )
    assert done.due is None
    healthy = await store.webhooks.get(alice, endpoint.id)
    assert (healthy.failing_since, healthy.consecutive_failures) == (None, 0)
    attempts = await store.deliveries.attempts(alice, endpoint.id)
    assert [(a.number, a.response_code) for a in attempts.items] == [(2, 204), (1, 500)]
    # Another success changes nothing on the endpoint: no write, no new version.
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    await store.deliveries.record(await claim_one(store), succeeded())
    assert (await store.webhooks.get(alice, endpoint.id)).version == healthy.version


async def test_a_lapsed_claim_is_logged_but_decides_nothing(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    task = await claim_one(store)
    redelivered = await store.deliveries.redeliver(alice, task.delivery.id)
    recorded = await store.deliveries.record(task, succeeded())
    assert not recorded.applied
    assert recorded.due is None
    assert recorded.delivery == redelivered
    log = await store.deliveries.attempts(alice, endpoint.id)
    assert [a.number for a in log.items] == [1]


async def test_recording_for_a_deleted_endpoint(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    task = await claim_one(store)
    await store.webhooks.delete(alice, endpoint.id)
    recorded = await store.deliveries.record(task, succeeded())
    assert (recorded.delivery, recorded.applied) == (None, False)


async def _give_up(store: Store, actor: Actor, settings: WebhookSettings) -> str | None:
    await emit(store, "build.created", actor)
    await store.deliveries.relay_pending()
    task = await claim_one(store)
    recorded = await store.deliveries.record(task, failed(), settings=settings)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "failed"
    return recorded.disabled_reason


async def test_many_failed_deliveries_in_a_row_disable_the_endpoint(
    store: Store, alice: Actor
) -> None:
    settings = WebhookSettings(max_consecutive_failures=3)
    endpoint = await hook(store, alice, "*")
    assert await _give_up(store, alice, settings) is None
    assert await _give_up(store, alice, settings) is None
    # A success in between starts the count again.
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    await store.deliveries.record(await claim_one(store), succeeded(), settings=settings)
    assert (await store.webhooks.get(alice, endpoint.id)).consecutive_failures == 0
    assert await _give_up(store, alice, settings) is None
    assert await _give_up(store, alice, settings) is None
    reason = await _give_up(store, alice, settings)
    assert reason == "3 deliveries in a row failed; re-enable it once it is fixed"
    disabled = await store.webhooks.get(alice, endpoint.id)
    assert (disabled.enabled, disabled.disabled_reason, disabled.consecutive_failures) == (
        False,
        reason,
        3,
    )
    # Nothing more is relayed to it, and what is pending waits for it to be re-enabled.
    await emit(store, "build.created", alice)
    assert (await store.deliveries.relay_pending()).deliveries == ()
    enabled = await store.webhooks.update(alice, endpoint.id, EndpointPatch(enabled=True))
    assert (enabled.disabled_reason, enabled.consecutive_failures) == (None, 0)


async def test_failing_for_days_disables_the_endpoint(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    start = utcnow()
    for n in range(3):
        await emit(store, "build.created", alice, n)
    await store.deliveries.relay_pending()

    async def fail_at(moment: datetime) -> str | None:
        task = await claim_one(store, now=moment)
        recorded = await store.deliveries.record(
            task, failed(moment, retry=start + timedelta(days=30)), now=moment
        )
        return recorded.disabled_reason

    async with store.transaction() as tx:  # one due delivery at a time
        await tx.session.execute(
            update(WebhookDelivery).values(next_attempt_at=start + timedelta(days=9))
        )
    ids = [d.id for d in (await store.deliveries.list(alice, endpoint.id)).items]
    moments = [start, start + timedelta(days=2), start + timedelta(days=3)]
    for ident, moment in zip(ids, moments, strict=True):
        async with store.transaction() as tx:
            await tx.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == ident)
                .values(next_attempt_at=moment)
            )
        reason = await fail_at(moment)
        if moment < start + timedelta(days=3):
            assert reason is None
    assert reason is not None
    assert reason.startswith("every delivery has failed since")
    disabled = await store.webhooks.get(alice, endpoint.id)
    assert (disabled.enabled, disabled.failing_since) == (False, start)
    assert disabled.consecutive_failures == 0  # every delivery still had retries left


async def test_gone_disables_at_once(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    for n in range(2):
        await emit(store, "build.created", alice, n)
    await store.deliveries.relay_pending()
    first, second = await store.deliveries.claim_due(10, LEASE)
    gone = AttemptRecord(
        verdict="gone", started_at=utcnow(), duration_ms=5, response_code=410, error="HTTP 410"
    )
    recorded = await store.deliveries.record(first, gone)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "failed"
    assert recorded.disabled_reason is not None
    assert "410 Gone" in recorded.disabled_reason
    # An attempt that was in flight still records, and does not disable it twice.
    late = await store.deliveries.record(second, failed(retry=utcnow()))
    assert late.applied
    assert late.disabled_reason is None
    assert (await store.webhooks.get(alice, endpoint.id)).disabled_reason == (
        recorded.disabled_reason
    )
    soon = utcnow() + timedelta(seconds=1)
    assert await store.deliveries.claim_due(10, LEASE, now=soon) == []
    assert await store.deliveries.due(now=soon) == []
    await store.webhooks.update(alice, endpoint.id, EndpointPatch(enabled=True))
    assert [t.delivery.id for t in await store.deliveries.claim_due(10, LEASE, now=soon)] == [
        second.delivery.id
    ]


# On demand: redeliver, test events, rotation


async def test_redeliver(store: Store, alice: Actor, bob: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    task = await claim_one(store)
    done = await store.deliveries.record(task, failed())
    assert done.delivery is not None
    assert done.delivery.status == "failed"
    before = utcnow()
    again = await store.deliveries.redeliver(alice, task.delivery.id)
    assert (again.status, again.attempts) == ("pending", 0)
    assert again.next_attempt_at is not None
    assert again.next_attempt_at >= before
    assert again.error == "HTTP 500"  # the last attempt's outcome stays visible
    retry = await claim_one(store)
    finished = await store.deliveries.record(retry, succeeded())
    assert finished.delivery is not None
    assert finished.delivery.status == "succeeded"
    # Even a succeeded delivery can go again; the log keeps counting.
    await store.deliveries.redeliver(alice, task.delivery.id)
    await store.deliveries.record(await claim_one(store), succeeded())
    log = await store.deliveries.attempts(alice, endpoint.id, delivery_id=task.delivery.id)
    assert [a.number for a in log.items] == [3, 2, 1]

    with pytest.raises(NotFound):
        await store.deliveries.redeliver(bob, task.delivery.id)
    with pytest.raises(NotFound):
        await store.deliveries.redeliver(alice, uuid.uuid4())
    with pytest.raises(Unauthenticated):
        await store.deliveries.redeliver(ANONYMOUS, task.delivery.id)
    await store.webhooks.update(alice, endpoint.id, EndpointPatch(enabled=False))
    with pytest.raises(Conflict):
        await store.deliveries.redeliver(alice, task.delivery.id)


async def test_send_test_reaches_one_endpoint_only(store: Store, alice: Actor, bob: Actor) -> None:
    target = await hook(store, alice, "build.created")
    await hook(store, alice, "*")
    delivery = await store.webhooks.send_test(alice, target.id)
    assert (delivery.event_type, delivery.status, delivery.endpoint_id) == (
        "webhook.test",
        "pending",
        target.id,
    )
    assert (await store.deliveries.relay_pending()).events == 0
    task = await claim_one(store)
    assert task.delivery.id == delivery.id
    assert task.event.type == "webhook.test"
    assert task.event.payload["endpoint_id"] == str(target.id)
    assert task.event.owner_id == alice.user_id
    assert await store.deliveries.get(alice, delivery.id) == task.delivery.model_copy(
        update={"next_attempt_at": task.lease_until}
    )
    with pytest.raises(NotFound):
        await store.webhooks.send_test(bob, target.id)
    await store.webhooks.update(alice, target.id, EndpointPatch(enabled=False))
    with pytest.raises(Conflict):
        await store.webhooks.send_test(alice, target.id)


async def test_rotation_signs_with_both_secrets_for_the_grace_period(
    store: Store, alice: Actor
) -> None:
    endpoint = await hook(store, alice, "*")
    now = utcnow()
    rotated = await store.webhooks.rotate_secret(alice, endpoint.id, timedelta(hours=2), now=now)
    assert rotated.secret != endpoint.secret
    assert rotated.secret.startswith("whsec_")
    assert rotated.version == endpoint.version + 1
    assert rotated.previous_secret_expires_at == now + timedelta(hours=2)
    assert (await store.webhooks.get(alice, endpoint.id)).previous_secret_expires_at == (
        rotated.previous_secret_expires_at
    )
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    task = await claim_one(store, now=now + timedelta(hours=1))
    assert task.endpoint.secrets == (rotated.secret, endpoint.secret)
    await store.deliveries.redeliver(alice, task.delivery.id, now=now)
    task = await claim_one(store, now=now + timedelta(hours=2, seconds=1))
    assert task.endpoint.secrets == (rotated.secret,)

    # Without a grace period the old secret stops at once; the default comes from settings.
    immediate = await store.webhooks.rotate_secret(alice, endpoint.id, timedelta(0))
    assert immediate.previous_secret_expires_at is None
    default = await store.webhooks.rotate_secret(alice, endpoint.id)
    assert default.previous_secret_expires_at is not None
    expected = default.updated_at + timedelta(seconds=WebhookSettings().secret_grace)
    assert default.previous_secret_expires_at == expected
    with pytest.raises(NotFound):
        await store.webhooks.rotate_secret(Actor(user_id=uuid.uuid4()), endpoint.id)


# The delivery log


async def test_the_delivery_log_pages_newest_first_for_the_owner_only(
    store: Store, alice: Actor, bob: Actor
) -> None:
    endpoint = await hook(store, alice, "*")
    other = await hook(store, alice, "*")
    for n in range(5):
        await emit(store, f"build.n{'abcde'[n]}", alice, n)
    await store.deliveries.relay_pending()
    tasks = [t for t in await store.deliveries.claim_due(20, LEASE) if t.endpoint.id == endpoint.id]
    for task in tasks[:3]:
        await store.deliveries.record(task, failed(retry=utcnow() + timedelta(hours=1)))

    first = await store.deliveries.list(alice, endpoint.id, limit=2)
    assert len(first.items) == 2
    assert first.next_cursor is not None
    rest = await store.deliveries.list(alice, endpoint.id, cursor=first.next_cursor, limit=10)
    assert rest.next_cursor is None
    listed = [*first.items, *rest.items]
    assert [d.event_type for d in listed] == [
        "build.ne",
        "build.nd",
        "build.nc",
        "build.nb",
        "build.na",
    ]
    assert {d.endpoint_id for d in listed} == {endpoint.id}
    assert all(d.status == "pending" for d in listed)
    assert [d.attempts for d in listed] == [0, 0, 1, 1, 1]
    assert len((await store.deliveries.list(alice, other.id)).items) == 5

    log = await store.deliveries.attempts(alice, endpoint.id, limit=2)
    assert len(log.items) == 2
    assert log.next_cursor is not None
    more = await store.deliveries.attempts(alice, endpoint.id, cursor=log.next_cursor)
    attempts = [*log.items, *more.items]
    assert len(attempts) == 3
    assert [a.started_at for a in attempts] == sorted(
        (a.started_at for a in attempts), reverse=True
    )
    assert all(
        (a.response_code, a.response_body, a.error, a.duration_ms) == (500, "oops", "HTTP 500", 12)
        for a in attempts
    )
    assert {a.event_type for a in attempts} == {"build.na", "build.nb", "build.nc"}
    assert (await store.deliveries.attempts(alice, other.id)).items == ()

    for call in (
        store.deliveries.list(bob, endpoint.id),
        store.deliveries.attempts(bob, endpoint.id),
        store.deliveries.get(bob, listed[0].id),
        store.deliveries.get(alice, uuid.uuid4()),
    ):
        with pytest.raises(NotFound):
            await call
    with pytest.raises(Unauthenticated):
        await store.deliveries.list(ANONYMOUS, endpoint.id)
    with pytest.raises(ValidationFailed):
        await store.deliveries.list(alice, endpoint.id, cursor="bogus")
    assert (await store.deliveries.get(alice, listed[0].id)) == listed[0]


async def test_delivery_status_filter(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    for n in range(3):
        await emit(store, "build.created", alice, n)
    await store.deliveries.relay_pending()
    one, two, _ = await store.deliveries.claim_due(10, LEASE)
    await store.deliveries.record(one, succeeded())
    await store.deliveries.record(two, failed())
    by_status = {
        status: [
            d.id for d in (await store.deliveries.list(alice, endpoint.id, status=status)).items
        ]
        for status in ("pending", "succeeded", "failed", "cancelled")
    }
    assert by_status["succeeded"] == [one.delivery.id]
    assert by_status["failed"] == [two.delivery.id]
    assert len(by_status["pending"]) == 1
    assert by_status["cancelled"] == []


# URL checks on registration


async def test_urls_are_checked_before_they_are_stored(
    database_url: str, store: Store, alice: Actor
) -> None:
    async with open_store(database_url, url_check=url_check()) as checked:
        for url, code in [
            ("http://169.254.169.254/latest/meta-data", "forbidden_address"),
            ("http://localhost:8080/hook", "forbidden_address"),
            ("http://[::ffff:10.0.0.1]/hook", "forbidden_address"),
            ("https://does-not-exist.invalid/hook", "unresolvable_host"),
        ]:
            with pytest.raises(ValidationFailed) as caught:
                await checked.webhooks.create(alice, EndpointCreate(url=url, event_types=("*",)))
            (detail,) = caught.value.errors
            assert (detail.path, detail.code) == ("/url", code)
        assert await checked.webhooks.list(alice) == []
        with pytest.raises(Unauthenticated):
            await checked.webhooks.update(
                ANONYMOUS, uuid.uuid4(), EndpointPatch(url="http://127.0.0.1/")
            )

    loopback = url_check([ipaddress.ip_network("127.0.0.0/8")])
    async with open_store(database_url, url_check=loopback) as permissive:
        created = await permissive.webhooks.create(
            alice, EndpointCreate(url="http://127.0.0.1:9/hook", event_types=("*",))
        )
        with pytest.raises(ValidationFailed) as caught:
            await permissive.webhooks.update(
                alice, created.id, EndpointPatch(url="http://10.0.0.1/hook")
            )
        assert caught.value.errors[0].code == "forbidden_address"
        assert (await permissive.webhooks.get(alice, created.id)).url == "http://127.0.0.1:9/hook"
        moved = await permissive.webhooks.update(
            alice, created.id, EndpointPatch(url="http://localhost:10/x")
        )
        assert moved.url == "http://localhost:10/x"


async def test_attempt_rows_cascade_with_the_endpoint(store: Store, alice: Actor) -> None:
    endpoint = await hook(store, alice, "*")
    await emit(store, "build.created", alice)
    await store.deliveries.relay_pending()
    await store.deliveries.record(await claim_one(store), failed())
    await store.webhooks.delete(alice, endpoint.id)
    async with store.transaction(write=False) as tx:
        assert await tx.session.scalar(select(func.count()).select_from(WebhookAttempt)) == 0
