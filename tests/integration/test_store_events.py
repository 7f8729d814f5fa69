"""Stored events (raid nights) and sign-ups on SQLite and PostgreSQL: validation, visibility,
versions, locking, paging and the outbox events each change writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError as PydanticError

from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    EventLocked,
    NotFound,
    PermissionDenied,
    RaidCreate,
    RaidPatch,
    RaidQuery,
    SignupIn,
    Store,
    Unauthenticated,
    ValidationFailed,
    VersionConflict,
)
from tests.integration.conftest import sign_up

START = datetime(2026, 12, 5, 20, 0, tzinfo=UTC)


def night(**changes: object) -> RaidCreate:
    """A public reset-night event, with ``changes``."""
    fields: dict[str, object] = {
        "name": "Reset night",
        "starts_at": START,
        "time_zone": "Europe/Berlin",
        "mode": "guild_raid",
        "size": 15,
        "guild_tag": "VIG",
        "visibility": "public",
    }
    return RaidCreate.model_validate({**fields, **changes})


async def types(store: Store) -> list[str]:
    """The types of the outbox events, oldest first."""
    return [event.type for event in await store.outbox.list()]


async def test_an_event_is_stored_in_utc_with_its_zone_and_announced(
    store: Store, alice: Actor
) -> None:
    event = await store.raids.create(
        alice, night(starts_at=datetime(2026, 12, 5, 21, 0, tzinfo=timezone(timedelta(hours=1))))
    )
    assert event.starts_at == START
    assert event.local_start.isoformat() == "2026-12-05T21:00:00+01:00"
    assert (event.mode, event.size, event.guild_tag, event.locked) == (
        "guild_raid",
        15,
        "VIG",
        False,
    )
    assert event.composition_id is None
    assert event.signups == 0
    assert event.version == 1
    assert await store.raids.get(ANONYMOUS, event.id) == event
    [created] = await store.outbox.list()
    assert created.type == "event.created"
    assert created.owner_id == alice.user_id
    assert created.payload["id"] == str(event.id)


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"size": 4}, "size"),
        ({"size": 51}, "size"),
        ({"mode": "custom"}, "mode"),
        ({"guild_tag": "TOOLONG"}, "guild_tag"),
        ({"starts_at": "2026-12-05T20:00:00"}, "starts_at"),
    ],
)
def test_bad_event_fields_are_refused(changes: dict[str, object], path: str) -> None:
    with pytest.raises(PydanticError) as caught:
        night(**changes)
    assert [e["loc"][0] for e in caught.value.errors()] == [path]


async def test_anonymous_cannot_announce(store: Store) -> None:
    with pytest.raises(Unauthenticated):
        await store.raids.create(ANONYMOUS, night())


async def test_private_events_are_the_owners_alone(store: Store, alice: Actor, bob: Actor) -> None:
    private = await store.raids.create(alice, night(visibility="private"))
    unlisted = await store.raids.create(alice, night(visibility="unlisted"))
    with pytest.raises(NotFound):
        await store.raids.get(bob, private.id)
    assert (await store.raids.get(bob, unlisted.id)).id == unlisted.id
    assert (await store.raids.list(bob, RaidQuery())).items == ()
    mine = await store.raids.list(alice, RaidQuery())
    assert {e.id for e in mine.items} == {private.id, unlisted.id}
    with pytest.raises(NotFound):
        await store.raids.sign_up(bob, private.id, SignupIn(specializations=("Firebrand",)))


async def test_listing_filters_and_pages_soonest_first(
    store: Store, alice: Actor, bob: Actor
) -> None:
    made = [
        await store.raids.create(
            alice, night(name=f"Night {n}", starts_at=START + timedelta(days=n))
        )
        for n in (3, 1, 2)
    ]
    other = await store.raids.create(bob, night(guild_tag="ABC", mode="zerg"))
    first = await store.raids.list(ANONYMOUS, RaidQuery(limit=2))
    assert [e.id for e in first.items] == [other.id, made[1].id]
    assert first.next_cursor is not None
    rest = await store.raids.list(ANONYMOUS, RaidQuery(limit=2, cursor=first.next_cursor))
    assert [e.id for e in rest.items] == [made[2].id, made[0].id]
    assert rest.next_cursor is None
    tagged = await store.raids.list(ANONYMOUS, RaidQuery(guild_tag="abc"))
    assert [e.id for e in tagged.items] == [other.id]
    zerg = await store.raids.list(ANONYMOUS, RaidQuery(mode="zerg"))
    assert [e.id for e in zerg.items] == [other.id]
    later = await store.raids.list(ANONYMOUS, RaidQuery(starts_after=START + timedelta(days=2)))
    assert [e.id for e in later.items] == [made[2].id, made[0].id]
    by_owner = await store.raids.list(ANONYMOUS, RaidQuery(owner="BOB", sort="-created"))
    assert [e.id for e in by_owner.items] == [other.id]
    with pytest.raises(ValidationFailed) as caught:
        await store.raids.list(ANONYMOUS, RaidQuery(owner="nobody"))
    assert caught.value.errors[0].path == "/owner"


async def test_update_checks_owner_and_version(store: Store, alice: Actor, bob: Actor) -> None:
    event = await store.raids.create(alice, night())
    with pytest.raises(PermissionDenied):
        await store.raids.update(bob, event.id, RaidPatch(name="Mine"))
    with pytest.raises(VersionConflict):
        await store.raids.update(alice, event.id, RaidPatch(name="Stale"), expected_version=7)
    changed = await store.raids.update(alice, event.id, RaidPatch(size=20), expected_version=1)
    assert (changed.size, changed.name, changed.version) == (20, "Reset night", 2)
    await store.raids.delete(alice, event.id, expected_version=2)
    with pytest.raises(NotFound):
        await store.raids.get(alice, event.id)
    assert await types(store) == ["event.created", "event.updated", "event.deleted"]


async def test_sign_ups_canonicalise_and_change_in_place(
    store: Store, alice: Actor, bob: Actor
) -> None:
    event = await store.raids.create(alice, night())
    first = await store.raids.sign_up(
        bob, event.id, SignupIn(specializations=("Firebrand", "scrapper-heal-superspeed"))
    )
    assert first.player == "bob"
    assert first.status == "coming"
    assert first.version == 1
    assert first.specializations[1] == "scrapper-heal-superspeed"
    assert first.specializations[0].startswith("firebrand")
    again = await store.raids.sign_up(
        bob,
        event.id,
        SignupIn(player="Bob Wayne", specializations=("firebrand",), status="late"),
        expected_version=1,
    )
    assert (again.id, again.version, again.player, again.status) == (
        first.id,
        2,
        "Bob Wayne",
        "late",
    )
    with pytest.raises(VersionConflict):
        await store.raids.sign_up(
            bob, event.id, SignupIn(specializations=("Firebrand",)), expected_version=1
        )
    assert [s.id for s in await store.raids.signups(ANONYMOUS, event.id)] == [first.id]
    assert (await store.raids.get(bob, event.id)).signups == 1
    with pytest.raises(ValidationFailed) as caught:
        await store.raids.sign_up(bob, event.id, SignupIn(specializations=("Firebrand", "Nope")))
    assert caught.value.errors[0].path == "/specializations/1"
    with pytest.raises(ValidationFailed) as taken:
        await store.raids.sign_up(
            alice, event.id, SignupIn(player="bob wayne", specializations=("Firebrand",))
        )
    assert taken.value.errors[0].code == "player_taken"
    await store.raids.withdraw(bob, event.id)
    with pytest.raises(NotFound):
        await store.raids.withdraw(bob, event.id)
    events = [e for e in await store.outbox.list() if e.type == "signup.changed"]
    assert [e.payload["change"] for e in events] == ["created", "updated", "withdrawn"]
    assert {e.owner_id for e in events} == {alice.user_id}  # the officer's webhooks hear it


async def test_a_locked_event_refuses_members_but_not_its_owner(
    store: Store, alice: Actor, bob: Actor
) -> None:
    event = await store.raids.create(alice, night())
    await store.raids.sign_up(bob, event.id, SignupIn(specializations=("Firebrand",)))
    with pytest.raises(PermissionDenied):
        await store.raids.set_locked(bob, event.id, True)
    locked = await store.raids.set_locked(alice, event.id, True)
    assert locked.locked
    assert locked.version == 2
    assert await store.raids.set_locked(alice, event.id, True) == locked  # nothing to do
    with pytest.raises(EventLocked):
        await store.raids.sign_up(bob, event.id, SignupIn(specializations=("Scourge",)))
    with pytest.raises(EventLocked):
        await store.raids.withdraw(bob, event.id)
    changed = await store.raids.sign_up(
        alice, event.id, SignupIn(specializations=("Scourge",), status="backup"), user="BOB"
    )
    assert changed.user.name == "bob"
    assert changed.status == "backup"
    await store.raids.sign_up(alice, event.id, SignupIn(specializations=("Firebrand",)))
    carol = await sign_up(store, "carol")
    with pytest.raises(PermissionDenied):
        await store.raids.sign_up(
            carol, event.id, SignupIn(specializations=("Scourge",)), user="bob"
        )
    with pytest.raises(NotFound):
        await store.raids.sign_up(
            alice, event.id, SignupIn(specializations=("Scourge",)), user="dan"
        )
    unlocked = await store.raids.set_locked(alice, event.id, False)
    assert not unlocked.locked
    await store.raids.sign_up(carol, event.id, SignupIn(specializations=("Scourge",)))
    assert [t for t in await types(store) if t.startswith("event.")] == [
        "event.created",
        "event.locked",
        "event.unlocked",
    ]


async def test_the_plan_is_saved_as_the_events_composition_and_re_planned_in_place(
    store: Store, alice: Actor, bob: Actor
) -> None:
    event = await store.raids.create(alice, night(size=10, mode="zerg"))
    with pytest.raises(ValidationFailed) as empty:
        await store.raids.plan(alice, event.id)
    assert empty.value.errors[0].code == "no_signups"
    kinds = [("Druid",), ("Firebrand",), ("Scourge",), ("Weaver",), ("Harbinger",)]
    for n in range(10):
        member = await sign_up(store, f"member{n}")
        await store.raids.sign_up(member, event.id, SignupIn(specializations=kinds[n % 5]))
    with pytest.raises(PermissionDenied):
        await store.raids.plan(bob, event.id)
    first = await store.raids.plan(alice, event.id)
    assert first.event.composition_id == first.composition.id
    assert [len(p.members) for p in first.composition.parties] == [5, 5]
    assert len(first.changes) == 10
    assert {c.kind for c in first.changes} == {"joined"}
    gone = await store.raids.signups(alice, event.id)
    leaver = Actor(user_id=gone[3].user.id, name=gone[3].user.name)
    await store.raids.withdraw(leaver, event.id)
    again = await store.raids.plan(alice, event.id)
    assert again.composition.id == first.composition.id
    assert again.composition.version == 2
    left, *moved = again.changes
    assert (left.player, left.kind, left.reason) == (gone[3].player, "left", "withdrew")
    # Nine players make parties of 5 and 4: at most one player changes party, none else.
    assert [(c.kind, c.reason) for c in moved] in (
        [],
        [("moved", "party 2 holds fewer players now")],
    )
    planned = [e for e in await store.outbox.list() if e.type == "event.planned"]
    assert len(planned) == 2
    assert planned[1].payload["changes"][0]["kind"] == "left"
    assert planned[1].owner_id == alice.user_id
    kinds_written = [t for t in await types(store) if t.startswith("composition.")]
    assert kinds_written == ["composition.created", "composition.updated"]
