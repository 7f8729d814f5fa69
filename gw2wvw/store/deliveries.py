"""`DeliveryRepository`: webhook deliveries, from outbox event to recorded attempt.

The life of a delivery, each step one transaction that any number of workers may run side by
side:

1. :meth:`~DeliveryRepository.relay_pending` turns outbox events into one delivery per matching
   enabled endpoint of the event's owner, due at once, and marks the events relayed.
2. :meth:`~DeliveryRepository.claim_due` (or :meth:`~DeliveryRepository.claim` for one id)
   reserves due deliveries by pushing ``next_attempt_at`` past the attempt's longest duration:
   the lease. A worker that dies mid-attempt leaves the delivery due again once it expires.
3. :meth:`~DeliveryRepository.record` writes the attempt to the log and moves the delivery on
   (done, or due again later), and updates the endpoint's failure state, disabling it if it
   has failed for too long.

The schedule lives in ``next_attempt_at``, not in a queue: :meth:`~DeliveryRepository.due`
lists what is due so that a sweeper can re-enqueue whatever a queue lost.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import aliased

from gw2wvw.settings import WebhookSettings
from gw2wvw.store.base import Repository, Transaction, require_user
from gw2wvw.store.driver import DriverQuery, driver_transaction
from gw2wvw.store.errors import Conflict, NotFound
from gw2wvw.store.ids import uuid7
from gw2wvw.store.pagination import encode_cursor, keyset
from gw2wvw.store.schemas import (
    Actor,
    AttemptRead,
    AttemptRecord,
    DeliveryRead,
    DeliveryStatus,
    DeliveryTask,
    DueDelivery,
    EndpointTarget,
    EventRead,
    Page,
    Recorded,
    Relayed,
)
from gw2wvw.store.tables import (
    OutboxEvent,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)


def event_matches(patterns: Iterable[str], event_type: str) -> bool:
    """Whether an endpoint subscribed to ``patterns`` wants ``event_type``.

    ``*`` matches every event, ``build.*`` every ``build.`` event, anything else only itself.
    """
    for pattern in patterns:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


_DELIVERY_COLUMNS = (
    WebhookDelivery.id,
    WebhookDelivery.endpoint_id,
    WebhookDelivery.event_id,
    OutboxEvent.type.label("event_type"),
    WebhookDelivery.status,
    WebhookDelivery.attempts,
    WebhookDelivery.next_attempt_at,
    WebhookDelivery.last_attempt_at,
    WebhookDelivery.response_code,
    WebhookDelivery.response_body,
    WebhookDelivery.duration_ms,
    WebhookDelivery.error,
    WebhookDelivery.created_at,
)


def _delivery(row: Any) -> DeliveryRead:
    return DeliveryRead(
        id=row.id,
        endpoint_id=row.endpoint_id,
        event_id=row.event_id,
        event_type=row.event_type,
        status=row.status,
        attempts=row.attempts,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        response_code=row.response_code,
        response_body=row.response_body,
        duration_ms=row.duration_ms,
        error=row.error,
        created_at=row.created_at,
    )


def _deliveries() -> Select[*tuple[Any, ...]]:
    return select(*_DELIVERY_COLUMNS).join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)


def _secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


def _due() -> Select[*tuple[Any, ...]]:
    """Pending deliveries of enabled endpoints (a disabled endpoint's wait for re-enabling)."""
    return (
        select(WebhookDelivery.id, WebhookDelivery.attempts, WebhookDelivery.next_attempt_at)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.status == "pending", WebhookEndpoint.enabled.is_(True))
    )


# PostgreSQL's hot path: claiming and recording an attempt in as few round trips as the
# semantics allow, through the driver (profiled: the ORM's loading and SQLAlchemy's async layer
# cost the worker more than the HTTP attempt itself).

_D = aliased(WebhookDelivery, name="due_delivery")
_E = aliased(WebhookEndpoint, name="due_endpoint")


def _claimable() -> Select[*tuple[Any, ...]]:
    """Due, pending deliveries of enabled endpoints that no other worker holds (locked)."""
    return (
        select(_D.id, _D.next_attempt_at.label("due_at"))
        .join(_E, _E.id == _D.endpoint_id)
        .where(
            _D.status == "pending",
            _E.enabled.is_(True),
            _D.next_attempt_at <= bindparam("now"),
        )
        .with_for_update(skip_locked=True, key_share=True, of=_D)
    )


def _claiming(picked: Select[*tuple[Any, ...]]) -> DriverQuery:
    """Push the lease of the ``picked`` deliveries and return what their attempts need, in one
    statement (UPDATE ... FROM the picked rows, the endpoint and the event ... RETURNING)."""
    chosen = picked.cte("picked")
    return DriverQuery(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == chosen.c.id,
            WebhookEndpoint.id == WebhookDelivery.endpoint_id,
            OutboxEvent.id == WebhookDelivery.event_id,
        )
        .values(next_attempt_at=bindparam("until"))
        .returning(
            WebhookDelivery.id,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.event_id,
            WebhookDelivery.attempts,
            WebhookDelivery.last_attempt_at,
            WebhookDelivery.response_code,
            WebhookDelivery.response_body,
            WebhookDelivery.duration_ms,
            WebhookDelivery.error,
            WebhookDelivery.created_at,
            WebhookEndpoint.owner_id.label("endpoint_owner_id"),
            WebhookEndpoint.url,
            WebhookEndpoint.kind,
            WebhookEndpoint.secret,
            WebhookEndpoint.previous_secret,
            WebhookEndpoint.previous_secret_expires_at,
            OutboxEvent.type.label("event_type"),
            OutboxEvent.owner_id.label("event_owner_id"),
            OutboxEvent.payload,
            OutboxEvent.created_at.label("event_created_at"),
            chosen.c.due_at,
        )
    )


_CLAIM_ONE = _claiming(_claimable().where(_D.id == bindparam("delivery_id")))
_CLAIM_DUE = _claiming(
    _claimable().order_by(_D.next_attempt_at, _D.id).limit(bindparam("limit", type_=Integer))
)

_LOCK_FOR_RECORD = DriverQuery(
    select(
        WebhookDelivery.status,
        WebhookDelivery.next_attempt_at,
        WebhookEndpoint.enabled,
        WebhookEndpoint.consecutive_failures,
        WebhookEndpoint.failing_since,
    )
    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
    .where(WebhookDelivery.id == bindparam("delivery_id"))
    # Both rows: two attempts for one endpoint must not both read the old count.
    .with_for_update(key_share=True)
)

_LOG_ATTEMPT = (
    insert(WebhookAttempt)
    .values(
        id=bindparam("attempt_id"),
        delivery_id=bindparam("delivery_id"),
        # Numbered after the lock is held: no other attempt of this delivery is logged meanwhile.
        number=select(func.coalesce(func.max(WebhookAttempt.number), 0) + 1)
        .where(WebhookAttempt.delivery_id == bindparam("delivery_id"))
        .scalar_subquery(),
        started_at=bindparam("started_at"),
        response_code=bindparam("code"),
        response_body=bindparam("body"),
        duration_ms=bindparam("duration"),
        error=bindparam("failure"),
    )
    .returning(WebhookAttempt.id)
)

_LOG_ONLY = DriverQuery(_LOG_ATTEMPT)

# The attempt logged and the delivery moved on in one statement (a data-modifying WITH).
_LOG_AND_APPLY = DriverQuery(
    update(WebhookDelivery)
    .add_cte(_LOG_ATTEMPT.cte("logged"))
    .where(
        WebhookDelivery.id == bindparam("delivery_id"),
        OutboxEvent.id == WebhookDelivery.event_id,
    )
    .values(
        status=bindparam("new_status"),
        attempts=WebhookDelivery.attempts + 1,
        next_attempt_at=bindparam("next_at"),
        last_attempt_at=bindparam("started_at"),
        response_code=bindparam("code"),
        response_body=bindparam("body"),
        duration_ms=bindparam("duration"),
        error=bindparam("failure"),
    )
    .returning(*_DELIVERY_COLUMNS)
)

_ONE = DriverQuery(_deliveries().where(WebhookDelivery.id == bindparam("delivery_id")))


def _fast_task(row: Any, until: datetime, now: datetime) -> DeliveryTask:
    """A claimed delivery's task from a row of :data:`_CLAIM_ONE` / :data:`_CLAIM_DUE`."""
    expires = row.previous_secret_expires_at
    if row.previous_secret and expires is not None and expires > now:
        secrets: tuple[str, ...] = (row.secret, row.previous_secret)
    else:
        secrets = (row.secret,)
    return DeliveryTask(
        delivery=DeliveryRead(
            id=row.id,
            endpoint_id=row.endpoint_id,
            event_id=row.event_id,
            event_type=row.event_type,
            status="pending",
            attempts=row.attempts,
            next_attempt_at=until,
            last_attempt_at=row.last_attempt_at,
            response_code=row.response_code,
            response_body=row.response_body,
            duration_ms=row.duration_ms,
            error=row.error,
            created_at=row.created_at,
        ),
        endpoint=EndpointTarget(
            id=row.endpoint_id,
            owner_id=row.endpoint_owner_id,
            url=row.url,
            secrets=secrets,
            kind=row.kind,
        ),
        event=EventRead(
            id=row.event_id,
            type=row.event_type,
            owner_id=row.event_owner_id,
            payload=row.payload,
            created_at=row.event_created_at,
        ),
        lease_until=until,
    )


def _failure_state(
    endpoint: Any,
    outcome: AttemptRecord,
    settings: WebhookSettings,
    *,
    gave_up: bool,
    now: datetime,
) -> dict[str, Any]:
    """The endpoint columns an attempt changes (none, mostly: only transitions write).

    ``endpoint`` is the endpoint as read under lock: its ``enabled``, ``consecutive_failures``
    and ``failing_since``."""
    if outcome.verdict == "succeeded":
        if endpoint.consecutive_failures or endpoint.failing_since is not None:
            return {"consecutive_failures": 0, "failing_since": None}
        return {}
    changes: dict[str, Any] = {}
    since = endpoint.failing_since
    if since is None:
        since = changes["failing_since"] = outcome.started_at
    failures = endpoint.consecutive_failures
    if gave_up:
        # Counted per delivery given up on, not per attempt: a receiver down for a day
        # fails many attempts but must not be disabled while its retries can still land.
        failures = changes["consecutive_failures"] = failures + 1
    if not endpoint.enabled:
        return changes
    reason = None
    if outcome.verdict == "gone":
        reason = (
            f"the endpoint answered 410 Gone on {outcome.started_at:%Y-%m-%d %H:%M} UTC;"
            " re-enable it to receive events again"
        )
    elif failures >= settings.max_consecutive_failures:
        reason = f"{failures} deliveries in a row failed; re-enable it once it is fixed"
    elif now - since >= timedelta(seconds=settings.disable_after):
        reason = (
            f"every delivery has failed since {since:%Y-%m-%d %H:%M} UTC;"
            " re-enable it once it is fixed"
        )
    if reason is not None:
        changes.update(enabled=False, disabled_reason=reason)
    return changes


class DeliveryRepository(Repository):
    """Relay events to deliveries, claim and record attempts, and show the delivery log."""

    def _locking(self, statement: Select[*tuple[Any, ...]], *of: Any) -> Select[*tuple[Any, ...]]:
        # PostgreSQL: rows another worker holds are skipped, not waited for, so workers side by
        # side take disjoint batches. SQLite has no row locks: its write transaction (BEGIN
        # IMMEDIATE) already lets one writer in at a time.
        # NO KEY UPDATE: no key changes, so inserts that reference these rows need not wait.
        if self.store.dialect == "postgresql":
            return statement.with_for_update(skip_locked=True, key_share=True, of=of or None)
        return statement

    # 1. Relay

    async def relay_pending(self, limit: int = 100, *, now: datetime | None = None) -> Relayed:
        """Relay up to ``limit`` unrelayed outbox events, oldest first; returns new deliveries.

        Each event gets one delivery per enabled endpoint of its owner whose event types match
        it, due now; then it is marked relayed. Pending events are found by ``relayed_at IS
        NULL`` rather than by paging ids: an event whose transaction commits late has an older
        id than ones already relayed.
        """
        now = now or utcnow()
        async with self._tx() as tx:
            statement = (
                select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.owner_id)
                .where(OutboxEvent.relayed_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(limit)
            )
            events = (await tx.session.execute(self._locking(statement))).all()
            if not events:
                return Relayed(events=0, deliveries=())
            owners = {event.owner_id for event in events if event.owner_id is not None}
            endpoints: dict[uuid.UUID, list[Any]] = {}
            if owners:
                rows = await tx.session.execute(
                    select(
                        WebhookEndpoint.id, WebhookEndpoint.owner_id, WebhookEndpoint.event_types
                    )
                    .where(WebhookEndpoint.owner_id.in_(owners), WebhookEndpoint.enabled.is_(True))
                    .order_by(WebhookEndpoint.id)
                )
                for row in rows:
                    endpoints.setdefault(row.owner_id, []).append(row)
            wanted = [
                {
                    "id": uuid7(),
                    "event_id": event.id,
                    "endpoint_id": endpoint.id,
                    "status": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
                for event in events
                for endpoint in endpoints.get(event.owner_id, ())
                if event_matches(endpoint.event_types, event.type)
            ]
            created = await self._insert_deliveries(tx, wanted)
            await tx.session.execute(
                update(OutboxEvent)
                .where(OutboxEvent.id.in_([event.id for event in events]))
                .values(relayed_at=now)
                .execution_options(synchronize_session=False)
            )
        return Relayed(
            events=len(events),
            deliveries=tuple(
                DueDelivery(id=ident, attempts=0, next_attempt_at=now) for ident in created
            ),
        )

    async def _insert_deliveries(
        self, tx: Transaction, rows: Sequence[dict[str, Any]]
    ) -> list[uuid.UUID]:
        if not rows:
            return []
        # A delivery that exists already (an event relayed twice) is left as it is: the unique
        # (event_id, endpoint_id) makes relaying idempotent whatever the locking did.
        dialect: Any = postgresql if self.store.dialect == "postgresql" else sqlite
        statement = (
            dialect.insert(WebhookDelivery)
            .on_conflict_do_nothing(index_elements=["event_id", "endpoint_id"])
            .returning(WebhookDelivery.id)
        )
        connection = await tx.session.connection()
        result = await connection.execute(statement, list(rows))
        return list(result.scalars())

    # 2. Claim

    async def claim_due(
        self, limit: int, lease: timedelta, *, now: datetime | None = None
    ) -> list[DeliveryTask]:
        """Reserve up to ``limit`` due deliveries for ``lease``; returns what to attempt.

        Nothing but ``next_attempt_at`` changes: if the attempt never gets recorded, the
        delivery is simply due again when the lease ends.
        """
        now = now or utcnow()
        if self._fast:
            return await self._claim_fast(_CLAIM_DUE, {"limit": limit}, lease, now)
        statement = (
            _due()
            .where(WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        return await self._claim(statement, lease, now)

    async def claim(
        self, delivery_id: uuid.UUID, lease: timedelta, *, now: datetime | None = None
    ) -> DeliveryTask | None:
        """Reserve one delivery if it is due and nobody holds it; None otherwise.

        What a queued job for one delivery calls: a duplicate job, or one that runs early,
        finds nothing to do.
        """
        now = now or utcnow()
        if self._fast:
            tasks = await self._claim_fast(_CLAIM_ONE, {"delivery_id": delivery_id}, lease, now)
        else:
            statement = _due().where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.next_attempt_at <= now
            )
            tasks = await self._claim(statement, lease, now)
        return tasks[0] if tasks else None

    @property
    def _fast(self) -> bool:
        """Whether the driver's hot path applies: PostgreSQL, outside a unit of work."""
        return self._joined is None and self.store.dialect == "postgresql"

    async def _claim_fast(
        self, query: DriverQuery, params: dict[str, Any], lease: timedelta, now: datetime
    ) -> list[DeliveryTask]:
        until = now + lease
        # One statement, in autocommit: the locks it takes (SKIP LOCKED) last as long as it.
        rows = await query.fetch(self.store.reads, {**params, "now": now, "until": until})
        # Soonest due first, as the statement picked them (RETURNING keeps no order).
        rows.sort(key=lambda row: (row.due_at, row.id))
        return [_fast_task(row, until, now) for row in rows]

    async def _claim(
        self, statement: Select[*tuple[Any, ...]], lease: timedelta, now: datetime
    ) -> list[DeliveryTask]:
        until = now + lease
        async with self._tx() as tx:
            found = (await tx.session.execute(self._locking(statement, WebhookDelivery))).all()
            if not found:
                return []
            ids = [row.id for row in found]
            await tx.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id.in_(ids))
                .values(next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
            rows = (
                await tx.session.execute(
                    select(WebhookDelivery, WebhookEndpoint, OutboxEvent)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
                    .where(WebhookDelivery.id.in_(ids))
                    .execution_options(populate_existing=True)
                )
            ).all()
        by_id = {row[0].id: row for row in rows}
        return [self._task(*by_id[ident], until, now) for ident in ids if ident in by_id]

    @staticmethod
    def _task(
        delivery: WebhookDelivery,
        endpoint: WebhookEndpoint,
        event: OutboxEvent,
        until: datetime,
        now: datetime,
    ) -> DeliveryTask:
        return DeliveryTask(
            delivery=DeliveryRead(
                id=delivery.id,
                endpoint_id=delivery.endpoint_id,
                event_id=delivery.event_id,
                event_type=event.type,
                status="pending",
                attempts=delivery.attempts,
                next_attempt_at=until,
                last_attempt_at=delivery.last_attempt_at,
                response_code=delivery.response_code,
                response_body=delivery.response_body,
                duration_ms=delivery.duration_ms,
                error=delivery.error,
                created_at=delivery.created_at,
            ),
            endpoint=EndpointTarget(
                id=endpoint.id,
                owner_id=endpoint.owner_id,
                url=endpoint.url,
                secrets=_secrets(endpoint, now),
                kind=endpoint.kind,
            ),
            event=EventRead(
                id=event.id,
                type=event.type,
                owner_id=event.owner_id,
                payload=event.payload,
                created_at=event.created_at,
            ),
            lease_until=until,
        )

    async def due(self, *, now: datetime | None = None, limit: int = 100) -> list[DueDelivery]:
        """Deliveries due by ``now`` that nobody holds, soonest first: the sweeper's query."""
        now = now or utcnow()
        statement = (
            _due()
            .where(WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        rows = await self._fetch_rows(statement, {})
        return [
            DueDelivery(id=row.id, attempts=row.attempts, next_attempt_at=row.next_attempt_at)
            for row in rows
        ]

    # 3. Record

    async def record(
        self,
        task: DeliveryTask,
        outcome: AttemptRecord,
        *,
        now: datetime | None = None,
        settings: WebhookSettings | None = None,
    ) -> Recorded:
        """Log one attempt and apply it to the delivery and its endpoint, in one transaction.

        If the claim lapsed meanwhile (the delivery was redelivered, or its lease ran out and
        another worker took it), the attempt is only logged: the newer claim decides.
        ``settings`` (default: the store's) sets when a failing endpoint is disabled.
        """
        now = now or utcnow()
        settings = settings or self.store.webhook_settings
        if self._fast:
            return await self._record_fast(task, outcome, now, settings)
        async with self._tx() as tx:
            statement = (
                select(WebhookDelivery, WebhookEndpoint)
                .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                .where(WebhookDelivery.id == task.delivery.id)
                .execution_options(populate_existing=True)
            )
            if self.store.dialect == "postgresql":
                # Both rows: two attempts for one endpoint must not both read the old count.
                statement = statement.with_for_update(key_share=True)
            found = (await tx.session.execute(statement)).first()
            if found is None:
                return Recorded(delivery=None, applied=False)
            delivery, endpoint = found
            number = await tx.session.scalar(
                select(func.coalesce(func.max(WebhookAttempt.number), 0)).where(
                    WebhookAttempt.delivery_id == delivery.id
                )
            )
            await tx.execute(
                insert(WebhookAttempt),
                {
                    "id": uuid7(),
                    "delivery_id": delivery.id,
                    "number": int(number or 0) + 1,
                    "started_at": outcome.started_at,
                    "response_code": outcome.response_code,
                    "response_body": outcome.response_body,
                    "duration_ms": outcome.duration_ms,
                    "error": outcome.error,
                },
            )
            applied = delivery.status == "pending" and delivery.next_attempt_at == task.lease_until
            if not applied:
                return Recorded(delivery=await self._one(tx, delivery.id), applied=False)
            status: DeliveryStatus
            if outcome.verdict == "succeeded":
                status, next_at = "succeeded", None
            elif outcome.verdict == "failed" and outcome.next_attempt_at is not None:
                status, next_at = "pending", outcome.next_attempt_at
            else:
                status, next_at = "failed", None
            await tx.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery.id)
                .values(
                    status=status,
                    attempts=WebhookDelivery.attempts + 1,
                    next_attempt_at=next_at,
                    last_attempt_at=outcome.started_at,
                    response_code=outcome.response_code,
                    response_body=outcome.response_body,
                    duration_ms=outcome.duration_ms,
                    error=outcome.error,
                )
                .execution_options(synchronize_session=False)
            )
            changes = _failure_state(
                endpoint, outcome, settings, gave_up=status == "failed", now=now
            )
            if changes:
                await tx.session.execute(
                    update(WebhookEndpoint)
                    .where(WebhookEndpoint.id == endpoint.id)
                    .values(**changes, version=WebhookEndpoint.version + 1, updated_at=now)
                    .execution_options(synchronize_session=False)
                )
            return Recorded(
                delivery=await self._one(tx, delivery.id),
                applied=True,
                disabled_reason=changes.get("disabled_reason"),
            )

    async def _record_fast(
        self, task: DeliveryTask, outcome: AttemptRecord, now: datetime, settings: WebhookSettings
    ) -> Recorded:
        """:meth:`record` on PostgreSQL in four round trips: begin, lock the delivery and its
        endpoint, log the attempt and apply it (one statement), commit."""
        delivery_id = task.delivery.id
        logged = {
            "attempt_id": uuid7(),
            "delivery_id": delivery_id,
            "started_at": outcome.started_at,
            "code": outcome.response_code,
            "body": outcome.response_body,
            "duration": outcome.duration_ms,
            "failure": outcome.error,
        }
        async with driver_transaction(self.store.reads) as tx:
            locked = await tx.fetch(_LOCK_FOR_RECORD, {"delivery_id": delivery_id})
            if not locked:
                return Recorded(delivery=None, applied=False)
            state = locked[0]
            applied = state.status == "pending" and state.next_attempt_at == task.lease_until
            if not applied:
                await tx.fetch(_LOG_ONLY, logged)
                rows = await tx.fetch(_ONE, {"delivery_id": delivery_id})
                return Recorded(delivery=_delivery(rows[0]), applied=False)
            status: DeliveryStatus
            if outcome.verdict == "succeeded":
                status, next_at = "succeeded", None
            elif outcome.verdict == "failed" and outcome.next_attempt_at is not None:
                status, next_at = "pending", outcome.next_attempt_at
            else:
                status, next_at = "failed", None
            rows = await tx.fetch(
                _LOG_AND_APPLY, {**logged, "new_status": status, "next_at": next_at}
            )
            changes = _failure_state(state, outcome, settings, gave_up=status == "failed", now=now)
            if changes:
                # Transitions only (a first failure, a recovery, disabling): rare, so built here.
                await tx.fetch(
                    DriverQuery(
                        update(WebhookEndpoint)
                        .where(WebhookEndpoint.id == task.endpoint.id)
                        .values(**changes, version=WebhookEndpoint.version + 1, updated_at=now)
                        .returning(WebhookEndpoint.id)
                    ),
                    {},
                )
        return Recorded(
            delivery=_delivery(rows[0]),
            applied=True,
            disabled_reason=changes.get("disabled_reason"),
        )

    async def _one(self, tx: Transaction, delivery_id: uuid.UUID) -> DeliveryRead | None:
        row = (
            await tx.session.execute(_deliveries().where(WebhookDelivery.id == delivery_id))
        ).first()
        return None if row is None else _delivery(row)

    # The delivery log

    async def _owned_endpoint(self, tx: Transaction, actor: Actor, endpoint_id: uuid.UUID) -> Any:
        user_id = require_user(actor)
        row = (
            await tx.session.execute(
                select(WebhookEndpoint.id, WebhookEndpoint.enabled).where(
                    WebhookEndpoint.id == endpoint_id, WebhookEndpoint.owner_id == user_id
                )
            )
        ).first()
        if row is None:
            raise NotFound("webhook endpoint", endpoint_id)
        return row

    async def get(self, actor: Actor, delivery_id: uuid.UUID) -> DeliveryRead:
        """One delivery of one of the actor's endpoints."""
        user_id = require_user(actor)
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(
                    _deliveries()
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.owner_id == user_id)
                )
            ).first()
        if row is None:
            raise NotFound("webhook delivery", delivery_id)
        return _delivery(row)

    async def list(
        self,
        actor: Actor,
        endpoint_id: uuid.UUID,
        *,
        status: DeliveryStatus | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page[DeliveryRead]:
        """An endpoint's deliveries, newest first (its owner only)."""
        order, after = keyset(
            "-created", {"created": WebhookDelivery.created_at}, WebhookDelivery.id, cursor
        )
        statement = _deliveries().where(WebhookDelivery.endpoint_id == endpoint_id)
        if status is not None:
            statement = statement.where(WebhookDelivery.status == status)
        if after is not None:
            statement = statement.where(after)
        async with self._tx(write=False) as tx:
            await self._owned_endpoint(tx, actor, endpoint_id)
            rows = (await tx.session.execute(statement.order_by(*order).limit(limit + 1))).all()
        items = [_delivery(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor("-created", items[-1].created_at, items[-1].id)
        return Page[DeliveryRead](items=tuple(items), next_cursor=next_cursor)

    async def attempts(
        self,
        actor: Actor,
        endpoint_id: uuid.UUID,
        *,
        delivery_id: uuid.UUID | None = None,
        cursor: str | None = None,
        limit: int = 20,
    ) -> Page[AttemptRead]:
        """An endpoint's attempts (of one delivery, if given), newest first (owner only)."""
        order, after = keyset(
            "-started", {"started": WebhookAttempt.started_at}, WebhookAttempt.id, cursor
        )
        statement = (
            select(
                WebhookAttempt.id,
                WebhookAttempt.delivery_id,
                WebhookDelivery.event_id,
                OutboxEvent.type.label("event_type"),
                WebhookAttempt.number,
                WebhookAttempt.started_at,
                WebhookAttempt.response_code,
                WebhookAttempt.response_body,
                WebhookAttempt.duration_ms,
                WebhookAttempt.error,
            )
            .join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
        )
        if delivery_id is not None:
            statement = statement.where(WebhookAttempt.delivery_id == delivery_id)
        if after is not None:
            statement = statement.where(after)
        async with self._tx(write=False) as tx:
            await self._owned_endpoint(tx, actor, endpoint_id)
            rows = (await tx.session.execute(statement.order_by(*order).limit(limit + 1))).all()
        items = [AttemptRead.model_validate(row._asdict()) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor("-started", items[-1].started_at, items[-1].id)
        return Page[AttemptRead](items=tuple(items), next_cursor=next_cursor)

    async def redeliver(
        self, actor: Actor, delivery_id: uuid.UUID, *, now: datetime | None = None
    ) -> DeliveryRead:
        """Send a delivery again, whatever its state: pending, due now, a fresh retry schedule.

        The attempt log keeps counting; an attempt in flight when this runs is logged but no
        longer decides the delivery's state. A disabled endpoint raises Conflict.
        """
        now = now or utcnow()
        user_id = require_user(actor)
        async with self._tx() as tx:
            found = (
                await tx.session.execute(
                    select(WebhookDelivery.id, WebhookEndpoint.enabled, WebhookEndpoint.id)
                    .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                    .where(WebhookDelivery.id == delivery_id, WebhookEndpoint.owner_id == user_id)
                )
            ).first()
            if found is None:
                raise NotFound("webhook delivery", delivery_id)
            if not found.enabled:
                raise Conflict(
                    f"webhook endpoint {found[2]} is disabled; enable it before redelivering"
                )
            await tx.session.execute(
                update(WebhookDelivery)
                .where(WebhookDelivery.id == delivery_id)
                .values(status="pending", attempts=0, next_attempt_at=now)
                .execution_options(synchronize_session=False)
            )
            result = await self._one(tx, delivery_id)
        assert result is not None  # the row is locked by this transaction's update
        return result
