"""Stored compositions on SQLite and PostgreSQL: members, validation, visibility, versions,
paging, evaluation and events."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import ValidationError as PydanticError

from gw2wvw.builds import Build
from gw2wvw.gamedata import GameData
from gw2wvw.squad import RolesTable, Targets, load_roles
from gw2wvw.squad.roles import bundled_roles_text, parse_roles
from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    BuildCreate,
    BuildPatch,
    BuildQuery,
    BuildRead,
    CompositionCreate,
    CompositionPatch,
    CompositionQuery,
    CompositionRead,
    Conflict,
    MemberIn,
    MemberRead,
    NotFound,
    PermissionDenied,
    Store,
    Unauthenticated,
    ValidationFailed,
    VersionConflict,
    open_store,
)
from gw2wvw.store.pagination import encode_cursor

# Published WvW builds (sources: the pack's wvw-roles-reference.json and codes.txt).
FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
SCOURGE = "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]"
# Ev3nt1ne/gw2-chatlinks-go tests (also in tests/unit/test_cli_build.py): a valid Renegade,
# an elite specialization the roles table has no archetype for.
RENEGADE = "[&DQkPPQMZPyrcEdwRBhIGEisSKxLUEdQRyhHKEQUCAwLUESsSBhIGEisS1BECawBaAAA=]"

ROLES = load_roles()
STAB = "firebrand-stab"
DAMAGE = "berserker-damage"
STRIP = "scourge-strip"
HEALER = "scrapper-heal-superspeed"
STAB_ONLY = Targets.model_validate(
    {"party": {"stability": {"weight": 1, "target": 2}}, "squad": {}}
)


def test_the_archetypes_used_here_exist() -> None:
    for ident in (STAB, DAMAGE, STRIP, HEALER, "reaper-damage", "chronomancer-boon"):
        assert ident in ROLES.by_id


def arch(archetype: str, **fields: object) -> dict[str, object]:
    return {"archetype": archetype, **fields}


def built(build: BuildRead | uuid.UUID, role: str, **fields: object) -> dict[str, object]:
    ident = build.id if isinstance(build, BuildRead) else build
    return {"build_id": str(ident), "role": role, **fields}


def new(name: str = "squad", *parties: list[dict[str, object]], **fields: object) -> Any:
    """A CompositionCreate; ``parties`` default to one party of two archetypes."""
    chosen = parties or ([arch(STAB), arch(DAMAGE)],)
    return CompositionCreate.model_validate(
        {"name": name, "parties": [{"members": p} for p in chosen], **fields}
    )


def build_of(code: str = FIREBRAND, **fields: object) -> BuildCreate:
    return BuildCreate.model_validate({"name": "b", "chat_code": code, **fields})


async def composition_events(store: Store) -> list[Any]:
    return [e for e in await store.outbox.list() if e.type.startswith("composition.")]


async def ids(store: Store, actor: Actor, **query: object) -> list[uuid.UUID]:
    page = await store.compositions.list(actor, CompositionQuery.model_validate(query))
    return [c.id for c in page.items]


async def test_create_with_archetype_and_stored_build_members(
    store: Store, alice: Actor, bob: Actor
) -> None:
    own = await store.builds.create(alice, build_of())
    theirs_public = await store.builds.create(bob, build_of(SCOURGE, visibility="public"))
    theirs_unlisted = await store.builds.create(bob, build_of(SCOURGE, visibility="unlisted"))
    created = await store.compositions.create(
        alice,
        new(
            "Friday zerg",
            [built(own, "stab-support", player="Ann", commander=True), arch(HEALER)],
            [built(theirs_public, "strip"), built(theirs_unlisted, "strip"), arch(DAMAGE)],
            description="push bay",
            mode="havoc",
            visibility="public",
            tags=("Zerg", "wvw", "zerg"),
        ),
    )
    assert (created.owner.id, created.owner.name) == (alice.user_id, "alice")
    assert (created.name, created.description, created.mode) == ("Friday zerg", "push bay", "havoc")
    assert created.tags == ("zerg", "wvw")
    assert (created.version, created.visibility, created.targets) == (1, "public", None)
    assert created.created_at == created.updated_at
    assert created.parties[0].members == (
        MemberRead(
            player="Ann", archetype=None, build_id=own.id, role="stab-support", commander=True
        ),
        MemberRead(player=None, archetype=HEALER, build_id=None, role=None, commander=False),
    )
    assert [m.build_id for m in created.parties[1].members] == [
        theirs_public.id,
        theirs_unlisted.id,
        None,
    ]
    assert await store.compositions.get(alice, created.id) == created
    (event,) = await composition_events(store)
    assert (event.type, event.owner_id) == ("composition.created", alice.user_id)
    assert CompositionRead.model_validate(event.payload) == created


async def test_unknown_and_invisible_builds_are_refused_at_their_member(
    store: Store, alice: Actor, bob: Actor
) -> None:
    private = await store.builds.create(bob, build_of())
    with pytest.raises(ValidationFailed) as caught:
        await store.compositions.create(
            alice,
            new(
                "c",
                [arch(STAB)],
                [arch(DAMAGE), built(private, "stab-support"), built(uuid.uuid4(), "strip")],
            ),
        )
    assert [(e.path, e.code) for e in caught.value.errors] == [
        ("/parties/1/members/1/build_id", "unknown_build"),
        ("/parties/1/members/2/build_id", "unknown_build"),
    ]
    # The message does not tell a private build from one that does not exist.
    assert str(private.id) in caught.value.errors[0].message
    assert "private" not in caught.value.errors[0].message
    assert await ids(store, alice, owner="alice") == []
    assert await composition_events(store) == []


@pytest.mark.parametrize(
    ("parties", "fields", "expected"),
    [
        pytest.param(
            [[arch(STAB, player="Ann"), arch(DAMAGE, player="ann")]],
            {},
            [("", "value_error", "players appear twice: ann")],
            id="same-player-twice",
        ),
        pytest.param(
            [[arch(STAB, commander=True)], [arch(DAMAGE, commander=True)]],
            {},
            [("", "value_error", "one commander, not 2")],
            id="two-commanders",
        ),
        pytest.param(
            [[arch(STAB), arch("firebrand-dps"), arch("not-a-thing")]],
            {},
            [
                ("/parties/0/members/1/archetype", "unknown_archetype", "firebrand-dps"),
                ("/parties/0/members/2/archetype", "unknown_archetype", "not-a-thing"),
            ],
            id="unknown-archetypes",
        ),
        pytest.param(
            [[arch(STAB)]],
            {"mode": "custom"},
            [("", "value_error", "mode custom needs targets")],
            id="custom-without-targets",
        ),
    ],
)
async def test_invalid_squads_are_refused_with_paths(
    store: Store,
    alice: Actor,
    parties: list[list[dict[str, object]]],
    fields: dict[str, object],
    expected: list[tuple[str, str, str]],
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await store.compositions.create(alice, new("bad", *parties, **fields))
    got = caught.value.errors
    assert [(e.path, e.code) for e in got] == [(path, code) for path, code, _ in expected]
    for error, (_, _, words) in zip(got, expected, strict=True):
        assert words in error.message
    assert await ids(store, alice, owner="alice") == []
    assert await composition_events(store) == []


@pytest.mark.parametrize(
    ("member", "words"),
    [
        ({}, "either an archetype or a build_id"),
        ({"archetype": STAB, "build_id": str(uuid.uuid4())}, "either an archetype or a build_id"),
        ({"build_id": str(uuid.uuid4())}, "needs the role it plays"),
        ({"archetype": STAB, "role": "healer"}, "an archetype has its own role"),
    ],
)
def test_a_member_is_an_archetype_or_a_build_with_a_role(
    member: dict[str, object], words: str
) -> None:
    with pytest.raises(PydanticError, match=words):
        MemberIn.model_validate(member)


def _without_revenant_damage() -> RolesTable:
    """The bundled roles table less the archetypes a Renegade build plays, so that such a
    build matches none (every build matches one of the bundled table)."""
    document = json.loads(bundled_roles_text())
    gone = {"renegade-damage", "revenant-core"}
    document["archetypes"] = [a for a in document["archetypes"] if a["id"] not in gone]
    document["specializations"] = {
        name: entry
        for name, entry in document["specializations"].items()
        if entry.get("default") not in gone
    }
    return parse_roles(document)


@pytest.fixture
async def narrow(database_url: str, store: Store) -> AsyncIterator[Store]:
    """The test's database, with a roles table in which a Renegade build plays nothing."""
    del store  # only for its emptied database
    async with open_store(database_url, roles=_without_revenant_damage()) as opened:
        yield opened


async def test_a_build_that_matches_no_archetype_is_refused(narrow: Store, alice: Actor) -> None:
    store = narrow
    renegade = await store.builds.create(alice, build_of(RENEGADE))
    with pytest.raises(ValidationFailed) as caught:
        await store.compositions.create(
            alice, new("c", [arch(STAB)], [arch(DAMAGE), built(renegade, "boon-support")])
        )
    assert [(e.path, e.code) for e in caught.value.errors] == [
        ("/parties/1/members/1/build_id", "no_matching_archetype")
    ]
    assert await composition_events(store) == []


async def test_anonymous_actors_cannot_write(store: Store, alice: Actor) -> None:
    created = await store.compositions.create(alice, new(visibility="public"))
    with pytest.raises(Unauthenticated):
        await store.compositions.create(ANONYMOUS, new())
    with pytest.raises(Unauthenticated):
        await store.compositions.update(ANONYMOUS, created.id, CompositionPatch(name="x"))
    with pytest.raises(Unauthenticated):
        await store.compositions.delete(ANONYMOUS, created.id)
    assert (await store.compositions.get(ANONYMOUS, created.id)).version == 1


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
    created = await store.compositions.create(alice, new(visibility=visibility))
    actor = {"owner": alice, "other": bob, "anonymous": ANONYMOUS}[who]
    if by_id:
        assert (await store.compositions.get(actor, created.id)).id == created.id
        assert (await store.compositions.composition(actor, created.id)).name == "squad"
    else:
        for read in (
            store.compositions.get,
            store.compositions.composition,
            store.compositions.evaluate,
        ):
            with pytest.raises(NotFound) as missing:
                await read(actor, created.id)
            with pytest.raises(NotFound) as never:
                await read(actor, uuid.uuid4())
            # Indistinguishable from an id that never existed.
            assert type(missing.value) is type(never.value)
            assert str(missing.value) == f"composition {created.id} not found"
    for query in ({}, {"owner": "alice"}, {"owner": "ALICE"}, {"mode": "zerg"}, {"text": "sq"}):
        assert await ids(store, actor, **query) == ([created.id] if listed else [])


async def test_a_name_without_a_user_id_is_anonymous(store: Store, alice: Actor) -> None:
    shown = await store.compositions.create(alice, new("shown", visibility="public"))
    await store.compositions.create(alice, new("unlisted", visibility="unlisted"))
    await store.compositions.create(alice, new("private"))
    impostor = Actor(name="alice")
    assert await ids(store, impostor, owner="alice") == [shown.id]
    assert await ids(store, impostor) == [shown.id]


async def test_listing_filters(store: Store, alice: Actor, bob: Actor) -> None:
    fb = await store.builds.create(alice, build_of(visibility="public"))
    zerg = await store.compositions.create(
        alice, new("Zerg 100%_stab", visibility="public", tags=("zerg",))
    )
    havoc = await store.compositions.create(
        alice,
        new("Havoc", [built(fb, "stab-support"), arch(STRIP)], mode="havoc", visibility="public"),
    )
    theirs = await store.compositions.create(
        bob,
        new("Bob's zerg", [arch(STRIP), arch(HEALER)], visibility="public", tags=("ZERG", "pug")),
    )
    await store.compositions.create(bob, new("hidden zerg", tags=("zerg",)))

    async def found(**query: object) -> list[uuid.UUID]:
        return await ids(store, ANONYMOUS, **query)

    assert await found() == [theirs.id, havoc.id, zerg.id]
    assert await found(owner="alice") == [havoc.id, zerg.id]
    assert await found(owner="Bob") == [theirs.id]
    assert await found(mode="havoc") == [havoc.id]
    assert await found(mode="HAVOC") == [havoc.id]
    assert await found(mode="roaming") == []
    for query, path, hint in (
        ({"owner": "nobody"}, "/owner", "nobody"),
        ({"mode": "havok"}, "/mode", "did you mean 'havoc'?"),
    ):
        with pytest.raises(ValidationFailed) as caught:
            await found(**query)
        assert [e.path for e in caught.value.errors] == [path]
        assert hint in caught.value.errors[0].message
    # Archetype filters look at archetype members, not at what stored builds resolve to.
    assert await found(archetype=STRIP) == [theirs.id, havoc.id]
    assert await found(archetype=STAB) == [zerg.id]
    assert await found(tag="Zerg") == [theirs.id, zerg.id]
    assert await found(tag="pug", owner="bob") == [theirs.id]
    assert await found(text="ZERG") == [theirs.id, zerg.id]
    assert await found(text="%") == [zerg.id]  # a literal percent sign, not a wildcard
    assert await found(text="_") == [zerg.id]
    assert await found(sort="name") == [theirs.id, havoc.id, zerg.id]
    assert await found(sort="-name") == [zerg.id, havoc.id, theirs.id]
    assert await found(sort="created") == [zerg.id, havoc.id, theirs.id]
    await store.compositions.update(alice, zerg.id, CompositionPatch(description="newer"))
    assert await found(sort="-updated") == [zerg.id, theirs.id, havoc.id]
    assert await found(sort="updated") == [havoc.id, theirs.id, zerg.id]
    # The owner lists their own private ones too, and only when asking for their own.
    hidden = await ids(store, bob, owner="bob", tag="zerg")
    assert len(hidden) == 2
    assert await ids(store, alice, owner="bob", tag="zerg") == [theirs.id]


async def collect(store: Store, actor: Actor, query: CompositionQuery) -> list[CompositionRead]:
    items: list[CompositionRead] = []
    cursor = None
    while True:
        page = await store.compositions.list(actor, query.model_copy(update={"cursor": cursor}))
        assert len(page.items) <= query.limit
        items += page.items
        if page.next_cursor is None:
            return items
        cursor = page.next_cursor


@pytest.mark.parametrize("sort", ["created", "-created", "name", "-name", "updated", "-updated"])
async def test_cursor_pages_walk_every_row_once(store: Store, alice: Actor, sort: str) -> None:
    made = [
        await store.compositions.create(alice, new(f"comp {n % 3}", visibility="public"))
        for n in range(7)
    ]
    seen = await collect(store, alice, CompositionQuery(sort=sort, limit=2))
    assert sorted(c.id for c in seen) == sorted(c.id for c in made)
    key = sort.lstrip("-")
    values = [(getattr(c, f"{key}_at" if key != "name" else "name"), c.id) for c in seen]
    assert values == sorted(values, reverse=sort.startswith("-"))
    # Members come with every page.
    assert all(len(c.parties[0].members) == 2 for c in seen)


async def test_cursor_pages_stay_correct_while_rows_are_inserted(
    store: Store, alice: Actor, bob: Actor
) -> None:
    before = [
        await store.compositions.create(alice, new(f"c{n}", visibility="public")) for n in range(7)
    ]
    for sort in ("-created", "created"):
        query = CompositionQuery(sort=sort, limit=3)
        first = await store.compositions.list(bob, query)
        seen = list(first.items)
        cursor = first.next_cursor
        while cursor is not None:
            # Others keep writing while we page.
            await asyncio.gather(
                *(store.compositions.create(alice, new("late", visibility="public")) for _ in "ab")
            )
            page = await store.compositions.list(bob, query.model_copy(update={"cursor": cursor}))
            seen += page.items
            cursor = page.next_cursor
        got = [c.id for c in seen]
        assert len(got) == len(set(got))
        if sort == "-created":
            # Newest first: rows added behind the cursor never show up, none is repeated.
            assert got == [c.id for c in reversed(before)]
        else:
            # Oldest first: every row that existed comes first, in order, then the late ones.
            assert got[: len(before)] == [c.id for c in before]
            assert all(c.name == "late" for c in seen[len(before) :])


async def test_bad_cursors_are_validation_errors(store: Store, alice: Actor) -> None:
    for n in range(3):
        await store.compositions.create(alice, new(f"c{n}"))
    page = await store.compositions.list(alice, CompositionQuery(limit=1))
    assert page.next_cursor is not None
    with pytest.raises(ValidationFailed, match="sorted by '-created', not 'name'"):
        await store.compositions.list(
            alice, CompositionQuery(limit=1, sort="name", cursor=page.next_cursor)
        )
    made_up = [
        "!!!",
        page.next_cursor[:-3],
        # Well-formed, but not what this listing hands out: a naive time, a number for a time.
        encode_cursor("-created", "2031-01-01T00:00:00", uuid.uuid4()),
        encode_cursor("-created", 5, uuid.uuid4()),
        encode_cursor("name", 5, uuid.uuid4()),
    ]
    for cursor in made_up:
        sort = "name" if cursor == made_up[-1] else "-created"
        with pytest.raises(ValidationFailed) as caught:
            await store.compositions.list(alice, CompositionQuery(cursor=cursor, sort=sort))
        assert [e.path for e in caught.value.errors] == ["/cursor"]


async def test_patch_and_replace_bump_the_version_and_emit_the_new_state(
    store: Store, alice: Actor
) -> None:
    fb = await store.builds.create(alice, build_of())
    created = await store.compositions.create(alice, new("first", tags=("a",)))
    patched = await store.compositions.update(
        alice,
        created.id,
        CompositionPatch(name="renamed", tags=("b", "C", "b"), mode="custom", targets=STAB_ONLY),
        expected_version=1,
    )
    assert (patched.name, patched.tags, patched.mode) == ("renamed", ("b", "c"), "custom")
    assert (patched.targets, patched.version) == (STAB_ONLY, 2)
    assert patched.parties == created.parties  # untouched when not given
    assert patched.updated_at > created.updated_at
    assert patched.created_at == created.created_at
    assert await ids(store, alice, tag="a") == []
    assert await ids(store, alice, tag="c") == [created.id]

    regrouped = await store.compositions.update(
        alice,
        created.id,
        CompositionPatch(
            parties=({"members": [built(fb, "stab-support")]}, {"members": [arch(STRIP)]}),
            visibility="unlisted",
        ),
        expected_version=2,
    )
    assert regrouped.version == 3
    assert [[m.build_id or m.archetype for m in p.members] for p in regrouped.parties] == [
        [fb.id],
        [STRIP],
    ]
    assert (regrouped.name, regrouped.targets, regrouped.visibility) == (
        "renamed",
        STAB_ONLY,
        "unlisted",
    )
    assert await ids(store, alice, archetype=STAB) == []
    assert await ids(store, alice, archetype=STRIP) == [created.id]

    # A patch may clear the targets only if the mode does not need them.
    with pytest.raises(ValidationFailed, match="mode custom needs targets"):
        await store.compositions.update(alice, created.id, CompositionPatch(targets=None))
    cleared = await store.compositions.update(
        alice, created.id, CompositionPatch(mode="zerg", targets=None)
    )
    assert (cleared.mode, cleared.targets, cleared.version) == ("zerg", None, 4)

    replaced = await store.compositions.update(
        alice, created.id, new("replaced", [arch(HEALER)]), expected_version=4
    )
    assert (replaced.name, replaced.tags, replaced.visibility) == ("replaced", (), "private")
    assert (replaced.description, replaced.mode, replaced.version) == ("", "zerg", 5)
    assert [m.archetype for m in replaced.parties[0].members] == [HEALER]
    assert len(replaced.parties) == 1
    assert await store.compositions.get(alice, created.id) == replaced
    assert await ids(store, alice, tag="b") == []

    events = await composition_events(store)
    assert [e.type for e in events] == ["composition.created"] + ["composition.updated"] * 4
    assert [CompositionRead.model_validate(e.payload) for e in events] == [
        created,
        patched,
        regrouped,
        cleared,
        replaced,
    ]
    # The build is in use no longer, so it may go.
    await store.builds.delete(alice, fb.id)


async def test_invalid_changes_change_nothing(store: Store, alice: Actor, bob: Actor) -> None:
    hidden = await store.builds.create(bob, build_of())
    created = await store.compositions.create(alice, new())
    with pytest.raises(ValidationFailed) as caught:
        await store.compositions.update(
            alice,
            created.id,
            CompositionPatch(parties=({"members": [built(hidden, "stab-support")]},)),
        )
    assert caught.value.errors[0].path == "/parties/0/members/0/build_id"
    with pytest.raises(ValidationFailed):
        await store.compositions.update(
            alice, created.id, new("c", [arch(STAB, commander=True), arch(DAMAGE, commander=True)])
        )
    assert await store.compositions.get(alice, created.id) == created
    assert len(await composition_events(store)) == 1


async def test_a_stale_version_changes_nothing(store: Store, alice: Actor) -> None:
    created = await store.compositions.create(alice, new())
    await store.compositions.update(alice, created.id, CompositionPatch(name="v2"))
    with pytest.raises(VersionConflict) as caught:
        await store.compositions.update(
            alice, created.id, CompositionPatch(name="v3"), expected_version=1
        )
    assert (caught.value.expected, caught.value.actual) == (1, 2)
    current = await store.compositions.get(alice, created.id)
    assert (current.name, current.version) == ("v2", 2)
    with pytest.raises(VersionConflict):
        await store.compositions.delete(alice, created.id, expected_version=1)
    assert (await store.compositions.get(alice, created.id)).version == 2
    types = [e.type for e in await composition_events(store)]
    assert types == ["composition.created", "composition.updated"]


async def test_concurrent_updates_of_one_version_give_one_winner(
    store: Store, alice: Actor
) -> None:
    created = await store.compositions.create(alice, new())
    results = await asyncio.gather(
        *(
            store.compositions.update(
                alice,
                created.id,
                CompositionPatch(name=f"n{i}", parties=({"members": [arch(STAB)] * (i % 3 + 1)},)),
                expected_version=1,
            )
            for i in range(6)
        ),
        return_exceptions=True,
    )
    winners = [r for r in results if isinstance(r, CompositionRead)]
    assert len(winners) == 1
    assert all(isinstance(r, VersionConflict) for r in results if r is not winners[0])
    final = await store.compositions.get(alice, created.id)
    assert final == winners[0]
    assert final.version == 2
    assert len(await composition_events(store)) == 2


async def test_unversioned_concurrent_patches_all_apply(store: Store, alice: Actor) -> None:
    created = await store.compositions.create(alice, new())
    await asyncio.gather(
        *(
            store.compositions.update(alice, created.id, CompositionPatch(description=f"d{i}"))
            for i in range(5)
        )
    )
    assert (await store.compositions.get(alice, created.id)).version == 6
    assert len(await composition_events(store)) == 6


async def test_others_cannot_change_compositions(store: Store, alice: Actor, bob: Actor) -> None:
    public = await store.compositions.create(alice, new(visibility="public"))
    unlisted = await store.compositions.create(alice, new(visibility="unlisted"))
    private = await store.compositions.create(alice, new())
    for visible in (public, unlisted):
        with pytest.raises(PermissionDenied) as denied:
            await store.compositions.update(bob, visible.id, CompositionPatch(name="mine"))
        assert not isinstance(denied.value, Unauthenticated)
        with pytest.raises(PermissionDenied):
            await store.compositions.delete(bob, visible.id)
    with pytest.raises(NotFound):
        await store.compositions.update(bob, private.id, CompositionPatch(name="mine"))
    with pytest.raises(NotFound):
        await store.compositions.delete(bob, private.id)
    for kept in (public, unlisted, private):
        assert await store.compositions.get(alice, kept.id) == kept
    assert len(await composition_events(store)) == 3


async def test_delete_emits_the_last_state_and_frees_the_builds(store: Store, alice: Actor) -> None:
    fb = await store.builds.create(alice, build_of())
    created = await store.compositions.create(
        alice, new("doomed", [built(fb, "stab-support"), arch(DAMAGE)])
    )
    changed = await store.compositions.update(alice, created.id, CompositionPatch(name="last"))
    await store.compositions.delete(alice, created.id, expected_version=2)
    with pytest.raises(NotFound):
        await store.compositions.get(alice, created.id)
    with pytest.raises(NotFound):
        await store.compositions.delete(alice, created.id)
    last = (await composition_events(store))[-1]
    assert (last.type, last.owner_id) == ("composition.deleted", alice.user_id)
    assert CompositionRead.model_validate(last.payload) == changed
    # Its members went with it: the build is no longer in use.
    await store.builds.delete(alice, fb.id)
    assert (await store.builds.list(alice, BuildQuery())).items == ()


async def test_concurrent_deletes_delete_once(store: Store, alice: Actor) -> None:
    created = await store.compositions.create(alice, new())
    results = await asyncio.gather(
        *(store.compositions.delete(alice, created.id) for _ in range(4)),
        return_exceptions=True,
    )
    assert results.count(None) == 1
    # The losers learn it is gone (or, if they raced the winner's commit, that it changed).
    assert all(isinstance(r, NotFound | VersionConflict) for r in results if r is not None)
    types = [e.type for e in await composition_events(store)]
    assert types == ["composition.created", "composition.deleted"]


async def test_composition_and_evaluate_use_the_stored_builds(
    store: Store, alice: Actor, data: GameData
) -> None:
    fb = await store.builds.create(alice, build_of())
    created = await store.compositions.create(
        alice,
        new(
            "eval",
            [built(fb, "stab-support", player="Ann"), arch(DAMAGE)],
            [arch(STRIP), arch("reaper-damage")],
            visibility="public",
        ),
    )
    squad = await store.compositions.composition(alice, created.id)
    first = squad.parties[0].members[0]
    assert first.build == Build.from_chat_code(FIREBRAND, data)
    assert (first.archetype, first.role, first.player) == (None, "stab-support", "Ann")
    assert squad.parties[1].members[0].archetype == STRIP
    assert [[a.id for a in p] for p in squad.resolve(ROLES)] == [
        [STAB, DAMAGE],
        [STRIP, "reaper-damage"],
    ]

    # Others see the squad with the builds they may see.
    shared = await store.builds.create(alice, build_of(SCOURGE, visibility="unlisted"))
    public = await store.compositions.create(
        alice, new("shared", [built(shared, "strip")], visibility="public")
    )
    seen = await store.compositions.composition(ANONYMOUS, public.id)
    assert seen.parties[0].members[0].build == Build.from_chat_code(SCOURGE, data)

    # The Firebrand build stays private: others see the archetype it plays, not the build.
    with pytest.raises(NotFound):
        await store.builds.get(ANONYMOUS, fb.id)
    hidden = (await store.compositions.composition(ANONYMOUS, created.id)).parties[0].members[0]
    assert (hidden.build, hidden.archetype, hidden.player) == (None, STAB, "Ann")
    # Yet whoever sees the composition may evaluate it.
    evaluation = await store.compositions.evaluate(ANONYMOUS, created.id)
    assert ["stability" in p.functions for p in evaluation.parties] == [True, False]
    given = evaluation.parties[0].boons["stability"].contributions
    assert [(c.member, c.archetype, c.player) for c in given] == [(1, STAB, "Ann")]

    only_stab = await store.compositions.evaluate(alice, created.id, STAB_ONLY)
    assert [part.name for part in only_stab.parts] == ["party stability"]
    # With stability the only goal, the score is its achievement, party by party by members.
    achieved = [p.boons["stability"].achieved for p in only_stab.parties]
    assert achieved[0] > achieved[1]  # the Firebrand's party has more of it
    expected = (
        100 * sum(a * p.members for a, p in zip(achieved, only_stab.parties, strict=True)) / 4
    )
    assert only_stab.score == pytest.approx(expected, abs=0.01)

    # Stored targets are the default for evaluation.
    await store.compositions.update(
        alice, created.id, CompositionPatch(mode="custom", targets=STAB_ONLY)
    )
    stored = await store.compositions.evaluate(alice, created.id)
    assert stored.score == pytest.approx(expected, abs=0.01)


async def test_the_events_commit_with_the_change_and_not_without_it(
    store: Store, alice: Actor
) -> None:
    class Boom(Exception):
        pass

    doomed: list[uuid.UUID] = []

    async def fail_halfway() -> None:
        async with store.unit_of_work() as uow:
            fb = await uow.builds.create(alice, build_of())
            created = await uow.compositions.create(
                alice, new("doomed", [built(fb, "stab-support")])
            )
            doomed.append(created.id)
            # Inside the unit, the change and its events are there.
            assert (await uow.compositions.get(alice, created.id)).name == "doomed"
            types = [e.type for e in await uow.outbox.list()]
            assert types == ["build.created", "composition.created"]
            raise Boom

    with pytest.raises(Boom):
        await fail_halfway()
    assert await ids(store, alice, owner="alice") == []
    assert (await store.builds.list(alice, BuildQuery())).items == ()
    assert await store.outbox.list() == []
    with pytest.raises(NotFound):
        await store.compositions.get(alice, doomed[0])

    async with store.unit_of_work() as uow:
        fb = await uow.builds.create(alice, build_of())
        kept = await uow.compositions.create(alice, new("kept", [built(fb, "stab-support")]))
        await uow.compositions.update(alice, kept.id, CompositionPatch(name="kept twice"))
    types = [e.type for e in await store.outbox.list()]
    assert types == ["build.created", "composition.created", "composition.updated"]
    assert (await store.compositions.get(alice, kept.id)).name == "kept twice"


async def test_a_used_build_cannot_change_into_one_that_plays_nothing(
    narrow: Store, alice: Actor
) -> None:
    store = narrow
    fb = await store.builds.create(alice, build_of())
    await store.compositions.create(alice, new("c", [built(fb, "stab-support")]))
    with pytest.raises(Conflict, match="matches no archetype"):
        await store.builds.update(alice, fb.id, BuildPatch(chat_code=RENEGADE))
    assert (await store.builds.get(alice, fb.id)).chat_code == FIREBRAND
    # A change that still plays the role is fine.
    renamed = await store.builds.update(alice, fb.id, BuildPatch(name="still a firebrand"))
    assert renamed.version == 2


async def test_a_build_made_private_later_does_not_lock_others_compositions(
    store: Store, alice: Actor, bob: Actor
) -> None:
    theirs = await store.builds.create(bob, build_of(visibility="public"))
    created = await store.compositions.create(
        alice, new("uses bob's", [built(theirs, "stab-support")], visibility="public")
    )
    await store.builds.update(bob, theirs.id, BuildPatch(visibility="private"))
    renamed = await store.compositions.update(alice, created.id, CompositionPatch(name="renamed"))
    assert renamed.parties == created.parties
    evaluation = await store.compositions.evaluate(alice, created.id)
    assert "stability" in evaluation.parties[0].functions
    # Nobody but bob sees his build's content any more; the member shows what it plays.
    member = (await store.compositions.composition(alice, created.id)).parties[0].members[0]
    assert (member.build, member.archetype) == (None, STAB)
    # Adding his (now private) build anew is refused.
    with pytest.raises(ValidationFailed) as refused:
        await store.compositions.create(alice, new("again", [built(theirs, "stab-support")]))
    assert refused.value.errors[0].code == "unknown_build"
