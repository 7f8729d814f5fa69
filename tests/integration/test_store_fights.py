"""Stored fights on SQLite and PostgreSQL: pending to ready or failed once, visibility,
filters, paging, deletion and the ``fight.imported`` event."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError as PydanticError

from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    FightCreate,
    FightQuery,
    FightRead,
    NotFound,
    PermissionDenied,
    Store,
    Unauthenticated,
    ValidationFailed,
)

ORIGINAL = b'{"fightName": "not parsed here"}'
START = datetime(2025, 11, 4, 21, 38, tzinfo=UTC)


async def pending(
    store: Store, actor: Actor, visibility: str = "private", source: str = "a.json"
) -> FightRead:
    """A stored, unparsed fight."""
    new = FightCreate.model_validate({"source": source, "visibility": visibility})
    return await store.fights.create(actor, new, gzip.compress(ORIGINAL), len(ORIGINAL))


async def ready(store: Store, actor: Actor, map: str, start: datetime) -> FightRead:
    """A parsed fight on ``map`` that started at ``start``."""
    fight = await pending(store, actor)
    return await store.fights.mark_ready(
        fight.id, {"map": map}, map=map, started_at=start, duration_s=90.0
    )


async def test_a_fight_is_stored_pending_with_its_original(store: Store, alice: Actor) -> None:
    fight = await pending(store, alice)
    assert fight.status == "pending"
    assert fight.owner.name == "alice"
    assert (fight.report, fight.reason, fight.map, fight.started_at) == (None, None, None, None)
    assert fight.size == len(ORIGINAL)
    assert fight.visibility == "private"
    source, original = await store.fights.original(fight.id)
    assert source == "a.json"
    assert gzip.decompress(original) == ORIGINAL
    assert await store.fights.pending() == [fight.id]


async def test_anonymous_actors_cannot_store_fights(store: Store) -> None:
    with pytest.raises(Unauthenticated):
        await pending(store, ANONYMOUS)


async def test_ready_carries_the_report_and_emits_fight_imported_once(
    store: Store, alice: Actor
) -> None:
    fight = await pending(store, alice)
    done = await store.fights.mark_ready(
        fight.id, {"parties": []}, map="Eternal Battlegrounds", started_at=START, duration_s=85.5
    )
    assert done.status == "ready"
    assert done.report == {"parties": []}
    assert (done.map, done.started_at, done.duration_s) == ("Eternal Battlegrounds", START, 85.5)
    assert done.version == 2
    assert await store.fights.get(alice, fight.id) == done
    # A job run twice (a retry after a lost acknowledgement) changes nothing and emits nothing.
    again = await store.fights.mark_ready(
        fight.id, {"other": 1}, map="elsewhere", started_at=None, duration_s=1.0
    )
    assert again == done
    assert (await store.fights.mark_failed(fight.id, "too late")) == done
    events = [e for e in await store.outbox.list() if e.type.startswith("fight.")]
    assert [e.type for e in events] == ["fight.imported"]
    assert events[0].owner_id == alice.user_id
    assert events[0].payload["id"] == str(fight.id)
    assert events[0].payload["status"] == "ready"
    assert events[0].payload["report"] is None  # subscribers fetch it by the fight's URL
    assert await store.fights.pending() == []


async def test_failed_keeps_the_reason_and_emits_nothing(store: Store, alice: Actor) -> None:
    fight = await pending(store, alice)
    failed = await store.fights.mark_failed(fight.id, "a.json is not JSON")
    assert (failed.status, failed.reason, failed.report) == ("failed", "a.json is not JSON", None)
    assert (
        await store.fights.mark_ready(fight.id, {}, map="x", started_at=None, duration_s=1.0)
    ) == failed
    assert not [e for e in await store.outbox.list() if e.type.startswith("fight.")]


@pytest.mark.parametrize("visibility", ["private", "unlisted", "public"])
async def test_visibility_follows_the_rules_of_builds(
    store: Store, alice: Actor, bob: Actor, visibility: str
) -> None:
    fight = await pending(store, alice, visibility)
    assert (await store.fights.get(alice, fight.id)).id == fight.id
    for other in (bob, ANONYMOUS):
        if visibility == "private":
            with pytest.raises(NotFound):
                await store.fights.get(other, fight.id)
        else:
            assert (await store.fights.get(other, fight.id)).id == fight.id
    listed = {f.id for f in (await store.fights.list(bob, FightQuery())).items}
    assert listed == ({fight.id} if visibility == "public" else set())
    by_owner = await store.fights.list(bob, FightQuery(owner="ALICE"))
    assert {f.id for f in by_owner.items} == listed
    own = await store.fights.list(alice, FightQuery(owner="alice"))
    assert [f.id for f in own.items] == [fight.id]


async def test_filters_by_map_status_and_start(store: Store, alice: Actor) -> None:
    ebg = await ready(store, alice, "Eternal Battlegrounds", START)
    later = await ready(store, alice, "Alpine Borderlands", START + timedelta(days=30))
    waiting = await pending(store, alice)

    async def ids(**filters: object) -> list[object]:
        page = await store.fights.list(alice, FightQuery.model_validate(filters))
        return [f.id for f in page.items]

    assert await ids() == [waiting.id, later.id, ebg.id]
    assert await ids(map="eternal battlegrounds") == [ebg.id]
    assert await ids(status="pending") == [waiting.id]
    assert await ids(status="ready", sort="created") == [ebg.id, later.id]
    assert await ids(started_after=START + timedelta(days=1)) == [later.id]
    assert await ids(started_before=START + timedelta(days=1)) == [ebg.id]
    assert await ids(started_after=START, started_before=START + timedelta(seconds=1)) == [ebg.id]
    # Listings never carry reports: they can be large.
    assert all(f.report is None for f in (await store.fights.list(alice, FightQuery())).items)


async def test_naive_times_and_numbers_are_refused() -> None:
    with pytest.raises(PydanticError, match="UTC offset"):
        FightQuery(started_after=datetime(2025, 1, 1))
    for number in (1700000000, "1700000000", " -1.5"):
        with pytest.raises(PydanticError, match="ISO 8601"):
            FightQuery.model_validate({"started_before": number})
    parsed = FightQuery.model_validate({"started_after": "2025-11-04T21:38:00Z"})
    assert parsed.started_after == START


async def test_pages_follow_the_cursor(store: Store, alice: Actor) -> None:
    made = [(await pending(store, alice, source=f"{n}.json")).id for n in range(5)]
    seen: list[object] = []
    cursor = None
    while True:
        page = await store.fights.list(alice, FightQuery(limit=2, cursor=cursor))
        seen += [f.id for f in page.items]
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert seen == made[::-1]


async def test_an_unknown_owner_is_an_error(store: Store, alice: Actor) -> None:
    with pytest.raises(ValidationFailed, match="no user named 'nobody'"):
        await store.fights.list(alice, FightQuery(owner="nobody"))


async def test_only_the_owner_deletes(store: Store, alice: Actor, bob: Actor) -> None:
    fight = await pending(store, alice, "public")
    with pytest.raises(PermissionDenied):
        await store.fights.delete(bob, fight.id)
    with pytest.raises(Unauthenticated):
        await store.fights.delete(ANONYMOUS, fight.id)
    await store.fights.delete(alice, fight.id)
    with pytest.raises(NotFound):
        await store.fights.get(alice, fight.id)
    with pytest.raises(NotFound):
        await store.fights.original(fight.id)
    with pytest.raises(NotFound):
        await store.fights.delete(alice, fight.id)
    # A job that finds its fight gone has nothing to mark.
    with pytest.raises(NotFound):
        await store.fights.mark_failed(fight.id, "gone")


async def test_deleting_the_account_deletes_its_fights(
    store: Store, alice: Actor, bob: Actor
) -> None:
    mine = await pending(store, alice, "public")
    theirs = await pending(store, bob, "public")
    await store.users.delete(alice)
    with pytest.raises(NotFound):
        await store.fights.get(bob, mine.id)
    assert [f.id for f in (await store.fights.list(bob, FightQuery())).items] == [theirs.id]
