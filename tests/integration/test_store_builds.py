"""Stored builds on SQLite and PostgreSQL: validation, visibility, versions, paging, events."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from gw2wvw.builds import Build
from gw2wvw.gamedata import GameData
from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    BuildCreate,
    BuildPatch,
    BuildQuery,
    BuildRead,
    CompositionCreate,
    Conflict,
    NotFound,
    PermissionDenied,
    Store,
    Unauthenticated,
    ValidationFailed,
    VersionConflict,
)
from tests.integration.conftest import sign_up

# Published WvW builds (sources: the pack's wvw-roles-reference.json and codes.txt).
FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
LEGACY_RANGER = "[&DQQIGiA/Nyp5AC4XpQGlAbUAvAC8AKwBLhYuFjsuFS8AAAAAAAAAAAAAAAA=]"
BAD_PET = "[&DQQILxk+BRsJEwAAvQAAALkAAADmEgAAtBIAADxAAAAAAAAAAAAAAAAAAAA=]"


def new(name: str = "fb", code: str = FIREBRAND, **fields: object) -> BuildCreate:
    return BuildCreate.model_validate({"name": name, "chat_code": code, **fields})


async def events(store: Store) -> list[tuple[str, object]]:
    return [(e.type, e.payload.get("id")) for e in await store.outbox.list()]


async def test_create_from_a_chat_code(store: Store, alice: Actor) -> None:
    created = await store.builds.create(alice, new(tags=("Zerg", "support", "zerg")))
    assert created.owner.name == "alice"
    assert created.profession == "Guardian"
    assert created.elite_specialization == 62
    assert created.chat_code == FIREBRAND
    assert created.tags == ("zerg", "support")
    assert created.version == 1
    assert created.visibility == "private"
    assert created.created_at == created.updated_at
    assert created.created_at.tzinfo is not None
    assert await store.builds.get(alice, created.id) == created
    (event,) = await store.outbox.list()
    assert event.type == "build.created"
    assert event.owner_id == alice.user_id
    assert BuildRead.model_validate(event.payload) == created


async def test_create_without_tags_stores_what_it_answers(store: Store, alice: Actor) -> None:
    # On PostgreSQL this is one statement that reads nothing back: the answer, the stored row
    # and the event must still agree, and the owner's name comes from the database.
    misnamed = alice.model_copy(update={"name": "not alice"})
    created = await store.builds.create(misnamed, new(description="d", visibility="public"))
    assert created.owner.name == "alice"
    assert (created.tags, created.version, created.description) == ((), 1, "d")
    assert await store.builds.get(alice, created.id) == created
    (event,) = await store.outbox.list()
    assert (event.type, event.owner_id) == ("build.created", alice.user_id)
    assert BuildRead.model_validate(event.payload) == created


async def test_create_for_a_removed_user_is_a_conflict(store: Store) -> None:
    gone = Actor(user_id=uuid.uuid4(), name="gone")
    with pytest.raises(Conflict):
        await store.builds.create(gone, new())
    assert await store.outbox.list() == []


async def test_create_from_a_build_and_canonicalise_legacy_codes(
    store: Store, alice: Actor, data: GameData
) -> None:
    build = Build.from_chat_code(LEGACY_RANGER, data)
    created = await store.builds.create(
        alice, BuildCreate(name="sb", build=build, description="pets!")
    )
    assert created.build == build
    # The stored code is the current form, which the legacy one decodes to.
    assert created.chat_code != LEGACY_RANGER
    assert Build.from_chat_code(created.chat_code, data) == build
    assert created.elite_specialization == 55


async def test_invalid_builds_are_refused_with_paths_and_nothing_is_stored(
    store: Store, alice: Actor, data: GameData
) -> None:
    with pytest.raises(ValidationFailed) as bad_pet:
        await store.builds.create(alice, new(code=BAD_PET))
    assert [(e.path, e.code) for e in bad_pet.value.errors] == [("/chat_code", "unknown_pet")]
    with pytest.raises(ValidationFailed) as garbage:
        await store.builds.create(alice, new(code="[&DQ"))
    assert garbage.value.errors[0].code == "invalid_chat_code"
    build = Build.from_chat_code(FIREBRAND, data).model_copy(update={"weapons": ("Rifle",)})
    with pytest.raises(ValidationFailed) as rifle:
        await store.builds.create(alice, BuildCreate(name="x", build=build))
    assert [(e.path, e.code) for e in rifle.value.errors] == [
        ("/build/weapons/0", "weapon_not_usable")
    ]
    with pytest.raises(Unauthenticated):
        await store.builds.create(ANONYMOUS, new())
    assert (await store.builds.list(alice, BuildQuery())).items == ()
    assert await store.outbox.list() == []


VISIBILITY_MATRIX = [
    # visibility, who, sees by id, sees in listings
    ("private", "owner", True, True),
    ("private", "other", False, False),
    ("private", "anonymous", False, False),
    ("unlisted", "owner", True, True),
    ("unlisted", "other", True, False),
    ("unlisted", "anonymous", True, False),
    ("public", "owner", True, True),
    ("public", "other", True, True),
    ("public", "anonymous", True, True),
]


@pytest.mark.parametrize(("visibility", "who", "by_id", "listed"), VISIBILITY_MATRIX)
async def test_visibility_matrix(
    store: Store,
    alice: Actor,
    bob: Actor,
    visibility: str,
    who: str,
    by_id: bool,
    listed: bool,
) -> None:
    created = await store.builds.create(alice, new(visibility=visibility))
    actor = {"owner": alice, "other": bob, "anonymous": ANONYMOUS}[who]
    if by_id:
        assert (await store.builds.get(actor, created.id)).id == created.id
    else:
        with pytest.raises(NotFound) as missing:
            await store.builds.get(actor, created.id)
        # Indistinguishable from an id that never existed.
        with pytest.raises(NotFound) as never:
            await store.builds.get(actor, uuid.uuid4())
        assert type(missing.value) is type(never.value)
    for query in (BuildQuery(), BuildQuery(owner="alice"), BuildQuery(owner="ALICE")):
        ids = [b.id for b in (await store.builds.list(actor, query)).items]
        assert ids == ([created.id] if listed else [])


async def test_listing_filters(store: Store, alice: Actor, bob: Actor) -> None:
    fb = await store.builds.create(
        alice, new("Firebrand 100%_stab", visibility="public", tags=("zerg",))
    )
    sc = await store.builds.create(alice, new("Scourge strip", SCOURGE, visibility="public"))
    theirs = await store.builds.create(
        bob, new("Bob's firebrand", visibility="public", tags=("zerg",))
    )

    async def ids(**filters: object) -> list[uuid.UUID]:
        page = await store.builds.list(ANONYMOUS, BuildQuery.model_validate(filters))
        return [b.id for b in page.items]

    assert await ids() == [theirs.id, sc.id, fb.id]
    assert await ids(owner="alice") == [sc.id, fb.id]
    assert await ids(profession="Necromancer") == [sc.id]
    assert await ids(elite_specialization=62) == [theirs.id, fb.id]
    assert await ids(tag="ZERG") == [theirs.id, fb.id]
    assert await ids(text="FIREBRAND") == [theirs.id, fb.id]
    assert await ids(text="100%_") == [fb.id]
    assert await ids(text="%") == [fb.id]  # a literal percent sign, not a wildcard
    assert await ids(text="_") == [fb.id]
    # Issue 13: names match in any case; an unknown name is an error with a hint, not [].
    assert await ids(profession="necromancer") == [sc.id]
    assert await ids(owner="ALICE") == [sc.id, fb.id]
    for filters, path, code, hint in (
        ({"owner": "nobody"}, "/owner", "unknown_user", "no user named 'nobody'"),
        ({"profession": "Necromacner"}, "/profession", "unknown_profession", "'Necromancer'?"),
        (
            {"elite_specialization": 13},
            "/elite_specialization",
            "unknown_elite_specialization",
            "13",
        ),
        (
            {"elite_specialization": 2**31 - 1},
            "/elite_specialization",
            "unknown_elite_specialization",
            "2147483647",
        ),
    ):
        with pytest.raises(ValidationFailed) as caught:
            await ids(**filters)
        ((where, found, message),) = [(e.path, e.code, e.message) for e in caught.value.errors]
        assert (where, found) == (path, code)
        assert hint in message
    assert await ids(sort="name") == [theirs.id, fb.id, sc.id]
    assert await ids(sort="-name") == [sc.id, fb.id, theirs.id]
    assert await ids(sort="created") == [fb.id, sc.id, theirs.id]
    await store.builds.update(alice, fb.id, BuildPatch(description="newer"))
    assert (await ids(sort="-updated"))[0] == fb.id


async def collect(store: Store, actor: Actor, query: BuildQuery) -> list[BuildRead]:
    items: list[BuildRead] = []
    cursor = None
    while True:
        page = await store.builds.list(actor, query.model_copy(update={"cursor": cursor}))
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["created", "-created", "name", "-name", "updated", "-updated"])
async def test_cursor_pages_walk_every_row_once(store: Store, alice: Actor, sort: str) -> None:
    made = [
        await store.builds.create(alice, new(f"build {n % 3}", visibility="public"))
        for n in range(7)
    ]
    seen = await collect(store, alice, BuildQuery(sort=sort, limit=2))  # type: ignore[arg-type]
    assert sorted(b.id for b in seen) == sorted(b.id for b in made)
    key = sort.lstrip("-")
    values = [(getattr(b, f"{key}_at" if key != "name" else "name"), b.id) for b in seen]
    assert values == sorted(values, reverse=sort.startswith("-"))


async def test_cursor_pages_stay_correct_while_rows_are_inserted(
    store: Store, alice: Actor, bob: Actor
) -> None:
    before = [await store.builds.create(alice, new(f"b{n}", visibility="public")) for n in range(9)]
    query = BuildQuery(sort="-created", limit=3)
    first = await store.builds.list(bob, query)
    seen = list(first.items)
    cursor = first.next_cursor
    while cursor is not None:
        # Others keep writing while we page.
        await asyncio.gather(
            *(store.builds.create(alice, new("late", visibility="public")) for _ in range(3))
        )
        page = await store.builds.list(bob, query.model_copy(update={"cursor": cursor}))
        seen += page.items
        cursor = page.next_cursor
    ids = [b.id for b in seen]
    assert len(ids) == len(set(ids))
    assert ids == [b.id for b in reversed(before)]


async def test_bad_cursors_are_validation_errors(store: Store, alice: Actor) -> None:
    for n in range(3):
        await store.builds.create(alice, new(f"b{n}"))
    page = await store.builds.list(alice, BuildQuery(limit=1))
    assert page.next_cursor is not None
    with pytest.raises(ValidationFailed, match="sorted by '-created', not 'name'"):
        await store.builds.list(alice, BuildQuery(limit=1, sort="name", cursor=page.next_cursor))
    for garbage in ("!!!", "e30", page.next_cursor[:-3]):
        with pytest.raises(ValidationFailed) as caught:
            await store.builds.list(alice, BuildQuery(cursor=garbage))
        assert caught.value.errors[0].path == "/cursor"


async def test_updates_replace_or_patch_and_bump_the_version(
    store: Store, alice: Actor, data: GameData
) -> None:
    created = await store.builds.create(alice, new(tags=("a",)))
    patched = await store.builds.update(
        alice, created.id, BuildPatch(name="renamed", tags=("b", "c")), expected_version=1
    )
    assert (patched.name, patched.tags, patched.version) == ("renamed", ("b", "c"), 2)
    assert patched.chat_code == FIREBRAND
    assert patched.updated_at > created.updated_at
    replaced = await store.builds.update(alice, created.id, new("scourge", SCOURGE))
    assert (replaced.profession, replaced.tags, replaced.version) == ("Necromancer", (), 3)
    assert (await store.builds.list(alice, BuildQuery(tag="b"))).items == ()
    types = [e.type for e in await store.outbox.list()]
    assert types == ["build.created", "build.updated", "build.updated"]
    with pytest.raises(ValidationFailed):
        await store.builds.update(alice, created.id, BuildPatch(chat_code=BAD_PET))
    assert (await store.builds.get(alice, created.id)).version == 3


async def test_a_stale_version_changes_nothing(store: Store, alice: Actor) -> None:
    created = await store.builds.create(alice, new())
    await store.builds.update(alice, created.id, BuildPatch(name="v2"))
    with pytest.raises(VersionConflict) as caught:
        await store.builds.update(alice, created.id, BuildPatch(name="v3"), expected_version=1)
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    current = await store.builds.get(alice, created.id)
    assert (current.name, current.version) == ("v2", 2)
    with pytest.raises(VersionConflict):
        await store.builds.delete(alice, created.id, expected_version=1)
    assert [e.type for e in await store.outbox.list()] == ["build.created", "build.updated"]


async def test_concurrent_updates_of_one_version_give_one_winner(
    store: Store, alice: Actor
) -> None:
    created = await store.builds.create(alice, new())
    results = await asyncio.gather(
        *(
            store.builds.update(alice, created.id, BuildPatch(name=f"n{i}"), expected_version=1)
            for i in range(8)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, BuildRead)]
    assert len(winners) == 1
    assert all(isinstance(r, VersionConflict) for r in results if r not in winners)
    final = await store.builds.get(alice, created.id)
    assert (final.name, final.version) == (winners[0].name, 2)


async def test_unversioned_concurrent_patches_all_apply(store: Store, alice: Actor) -> None:
    created = await store.builds.create(alice, new())
    await asyncio.gather(
        *(store.builds.update(alice, created.id, BuildPatch(name=f"n{i}")) for i in range(5))
    )
    assert (await store.builds.get(alice, created.id)).version == 6


async def test_others_cannot_change_builds(store: Store, alice: Actor, bob: Actor) -> None:
    public = await store.builds.create(alice, new(visibility="public"))
    private = await store.builds.create(alice, new())
    with pytest.raises(PermissionDenied):
        await store.builds.update(bob, public.id, BuildPatch(name="mine"))
    with pytest.raises(PermissionDenied):
        await store.builds.delete(bob, public.id)
    with pytest.raises(NotFound):
        await store.builds.update(bob, private.id, BuildPatch(name="mine"))
    with pytest.raises(NotFound):
        await store.builds.delete(bob, private.id)
    with pytest.raises(Unauthenticated):
        await store.builds.delete(ANONYMOUS, public.id)


async def test_delete_emits_the_last_state_and_detaches_compositions(
    store: Store, alice: Actor
) -> None:
    used = await store.builds.create(alice, new("used"))
    spare = await store.builds.create(alice, new("spare"))
    squad = await store.compositions.create(
        alice,
        CompositionCreate.model_validate(
            {
                "name": "c",
                "parties": [{"members": [{"build_id": str(used.id), "role": "stab-support"}]}],
            }
        ),
    )
    # Deleting what one owns always works: the composition keeps the archetype it played.
    assert await store.builds.delete(alice, used.id) == [squad.id]
    kept = await store.compositions.get(alice, squad.id)
    assert kept.parties[0].members[0].archetype == "firebrand-stab"
    assert await store.builds.delete(alice, spare.id, expected_version=1) == []
    with pytest.raises(NotFound):
        await store.builds.get(alice, spare.id)
    last = (await store.outbox.list())[-1]
    assert (last.type, last.payload["name"]) == ("build.deleted", "spare")


async def test_the_event_commits_with_the_change_and_not_without_it(
    store: Store, alice: Actor
) -> None:
    class Boom(Exception):
        pass

    async def doomed() -> None:
        async with store.unit_of_work() as uow:
            created = await uow.builds.create(alice, new("doomed"))
            assert (await uow.builds.get(alice, created.id)).name == "doomed"
            assert [e.type for e in await uow.outbox.list()] == ["build.created"]
            raise Boom

    with pytest.raises(Boom):
        await doomed()
    assert (await store.builds.list(alice, BuildQuery())).items == ()
    assert await store.outbox.list() == []
    async with store.unit_of_work() as uow:
        kept = await uow.builds.create(alice, new("kept"))
        await uow.builds.update(alice, kept.id, BuildPatch(name="kept twice"))
    assert [e.type for e in await store.outbox.list()] == ["build.created", "build.updated"]


async def test_a_user_deleted_takes_their_builds(store: Store) -> None:
    carol = await sign_up(store, "carol")
    created = await store.builds.create(carol, new(visibility="public"))
    await store.users.delete(carol)
    with pytest.raises(NotFound):
        await store.builds.get(ANONYMOUS, created.id)
