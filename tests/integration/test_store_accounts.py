"""Users and API tokens on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import Select, select, text

from gw2wvw.store import (
    ANONYMOUS,
    Actor,
    BuildCreate,
    CompositionCreate,
    Conflict,
    NotFound,
    Store,
    TokenCreate,
    Unauthenticated,
    UserCreate,
    UserRead,
    UserUpdate,
    ValidationFailed,
)
from gw2wvw.store.tables import ApiToken, BuildRow, CompositionRow, OutboxEvent, User
from tests.integration.conftest import sign_up

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
T0 = datetime(2031, 5, 17, 12, 0, 0, 123456, tzinfo=UTC)


def who(actor: Actor | None) -> tuple[uuid.UUID | None, str | None] | None:
    """The user an actor stands for (its token's id and scopes aside)."""
    return None if actor is None else (actor.user_id, actor.name)


def a_composition(build_id: uuid.UUID) -> CompositionCreate:
    return CompositionCreate.model_validate(
        {
            "name": "c",
            "parties": [{"members": [{"build_id": str(build_id), "role": "stab-support"}]}],
        }
    )


async def count(store: Store, table: type, **where: object) -> int:
    async with store.transaction(write=False) as tx:
        statement: Select[Any] = select(table)
        for column, value in where.items():
            statement = statement.where(getattr(table, column) == value)
        return len((await tx.session.execute(statement)).all())


# Users


async def test_create_and_look_up_users(store: Store) -> None:
    plain = await store.users.create(UserCreate(name="Alice"))
    named = await store.users.create(UserCreate(name="bob.b-2", display_name="Bob B"))
    assert (plain.name, plain.display_name) == ("Alice", "Alice")
    assert (named.name, named.display_name) == ("bob.b-2", "Bob B")
    assert Actor(user_id=plain.id, name=plain.name).authenticated
    assert not ANONYMOUS.authenticated
    assert plain.created_at.tzinfo is not None
    assert await store.users.get(plain.id) == plain
    for spelling in ("alice", "ALICE", "Alice"):
        assert await store.users.get_by_name(spelling) == plain
    with pytest.raises(NotFound):
        await store.users.get(uuid.uuid4())
    with pytest.raises(NotFound):
        await store.users.get_by_name("carol")


@pytest.mark.parametrize("taken", ["alice", "ALICE", "aLiCe"])
async def test_a_taken_name_in_any_case_is_a_conflict(store: Store, taken: str) -> None:
    first = await store.users.create(UserCreate(name="Alice"))
    with pytest.raises(Conflict, match="is taken"):
        await store.users.create(UserCreate(name=taken))
    assert (await store.users.list()).items == (first,)


async def test_concurrent_sign_ups_of_one_name_give_one_account(store: Store) -> None:
    results = await asyncio.gather(
        *(store.users.create(UserCreate(name=name)) for name in ("dave", "Dave", "DAVE", "dAve")),
        return_exceptions=True,
    )
    made = [r for r in results if isinstance(r, UserRead)]
    assert len(made) == 1
    assert all(isinstance(r, Conflict) for r in results if r is not made[0])
    assert (await store.users.list()).items == (made[0],)


async def test_list_users_by_name_with_text_and_cursor(store: Store) -> None:
    names = ["Zed", "amber", "Bart", "carl_x", "Carmen", "Dora", "ebba"]
    made = {name: await store.users.create(UserCreate(name=name)) for name in names}
    everyone = await store.users.list()
    assert [u.name for u in everyone.items] == sorted(names, key=str.casefold)
    assert everyone.next_cursor is None

    walked: list[UserRead] = []
    cursor = None
    while True:
        page = await store.users.list(cursor=cursor, limit=3)
        assert len(page.items) <= 3
        walked += page.items
        # Another sign-up behind the cursor does not disturb the walk.
        await store.users.create(UserCreate(name=f"aaa{len(walked)}"))
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert [u.name for u in walked] == sorted(names, key=str.casefold)

    assert [u.name for u in (await store.users.list(text="CAR")).items] == ["carl_x", "Carmen"]
    # ``_`` is a literal, not a LIKE wildcard.
    assert [u.name for u in (await store.users.list(text="l_")).items] == ["carl_x"]
    assert (await store.users.list(text="nobody")).items == ()
    paged = await store.users.list(text="a", limit=2)
    assert [u.name for u in paged.items] == ["aaa3", "aaa6"]
    assert paged.next_cursor is not None
    with pytest.raises(ValidationFailed) as bad:
        await store.users.list(cursor="not a cursor")
    assert bad.value.errors[0].path == "/cursor"
    assert made["Zed"] in (await store.users.list(text="zed")).items


async def test_update_the_display_name(store: Store, alice: Actor) -> None:
    before = await store.users.get(alice.user_id)  # type: ignore[arg-type]
    changed = await store.users.update(alice, UserUpdate(display_name="Alice A."))
    assert changed == before.model_copy(update={"display_name": "Alice A."})
    assert await store.users.update(alice, UserUpdate()) == changed
    with pytest.raises(Unauthenticated):
        await store.users.update(ANONYMOUS, UserUpdate(display_name="x"))
    ghost = Actor(user_id=uuid.uuid4(), name="ghost")
    with pytest.raises(NotFound):
        await store.users.update(ghost, UserUpdate(display_name="x"))


async def test_passwords_authenticate_and_change(store: Store) -> None:
    """The one test that pays for Argon2 (each hash or check takes a tenth of a second)."""
    carol = await store.users.create(UserCreate(name="Carol", password="correct horse"))
    async with store.transaction(write=False) as tx:
        stored = await tx.session.scalar(select(User.password_hash).where(User.id == carol.id))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    assert "correct horse" not in stored

    # Hashing runs off the event loop: other tasks keep running meanwhile.
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    beat = asyncio.create_task(ticker())
    started = time.perf_counter()
    actor = await store.users.authenticate("CAROL", "correct horse")
    elapsed = time.perf_counter() - started
    beat.cancel()
    assert actor == Actor(user_id=carol.id, name="Carol")
    assert ticks >= elapsed / 0.005 / 4

    assert await store.users.authenticate("carol", "wrong horse") is None
    assert await store.users.authenticate("nobody", "correct horse") is None

    with pytest.raises(ValidationFailed) as missing:
        await store.users.update(actor, UserUpdate(password="battery staple"))
    with pytest.raises(ValidationFailed) as wrong:
        await store.users.update(
            actor, UserUpdate(password="battery staple", current_password="wrong horse")
        )
    assert [(e.path, e.code) for e in (*missing.value.errors, *wrong.value.errors)] == [
        ("/current_password", "missing"),
        ("/current_password", "wrong_password"),
    ]
    assert await store.users.authenticate("carol", "correct horse") == actor
    await store.users.update(
        actor, UserUpdate(password="battery staple", current_password="correct horse")
    )
    assert await store.users.authenticate("carol", "correct horse") is None
    assert await store.users.authenticate("carol", "battery staple") == actor


async def test_an_account_without_a_password_never_authenticates(store: Store) -> None:
    await store.users.create(UserCreate(name="tokenonly"))
    # Not even with the password of the decoy hash that keeps timings even.
    assert await store.users.authenticate("tokenonly", "not a real password") is None


async def test_deleting_a_user_takes_everything_they_own(store: Store, bob: Actor) -> None:
    carol = await sign_up(store, "carol")
    token = await store.tokens.create(carol, TokenCreate())
    build = await store.builds.create(
        carol, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="public")
    )
    # A composition using one's own build: the build's RESTRICT must not block the account.
    composition = await store.compositions.create(carol, a_composition(build.id))
    kept = await store.builds.create(bob, BuildCreate(name="bob's", chat_code=FIREBRAND))

    await store.users.delete(carol)
    with pytest.raises(NotFound):
        await store.users.get(carol.user_id)  # type: ignore[arg-type]
    assert await store.tokens.authenticate(token.token) is None
    with pytest.raises(NotFound):
        await store.builds.get(ANONYMOUS, build.id)
    with pytest.raises(NotFound):
        await store.compositions.get(carol, composition.id)
    assert await count(store, ApiToken, user_id=carol.user_id) == 0
    assert await count(store, BuildRow, owner_id=carol.user_id) == 0
    assert await count(store, CompositionRow, owner_id=carol.user_id) == 0
    # The events stay (a relay may still owe them), no longer tied to the account.
    assert await count(store, OutboxEvent, owner_id=carol.user_id) == 0
    assert await count(store, OutboxEvent) == 3
    assert (await store.builds.get(bob, kept.id)).owner.name == "bob"

    with pytest.raises(NotFound):
        await store.users.delete(carol)
    with pytest.raises(Unauthenticated):
        await store.users.delete(ANONYMOUS)


async def test_a_build_in_another_users_composition_never_keeps_the_account(
    store: Store, bob: Actor
) -> None:
    # Issue 13, finding 6: Bob's composition used to pin Carol's account (Conflict).
    carol = await sign_up(store, "carol")
    build = await store.builds.create(
        carol, BuildCreate(name="fb", chat_code=FIREBRAND, visibility="unlisted")
    )
    theirs = await store.compositions.create(bob, a_composition(build.id))
    await store.users.delete(carol)
    with pytest.raises(NotFound):
        await store.users.get(carol.user_id)  # type: ignore[arg-type]
    kept = await store.compositions.get(bob, theirs.id)
    (member,) = kept.parties[0].members
    assert (member.archetype, member.build_id, member.role) == ("firebrand-stab", None, None)
    assert kept.version == 2
    # Bob was told: his composition changed.
    async with store.transaction(write=False) as tx:
        events = (
            await tx.session.execute(
                select(OutboxEvent.type, OutboxEvent.owner_id).order_by(OutboxEvent.id)
            )
        ).all()
    assert (events[-1].type, events[-1].owner_id) == ("composition.updated", bob.user_id)


# Tokens


async def test_a_token_is_shown_once_and_only_its_hash_is_stored(
    store: Store, alice: Actor
) -> None:
    issued = await store.tokens.create(alice, TokenCreate(name="bot"))
    secret = issued.token
    assert secret.startswith("gw2wvw_")
    assert secret.startswith(issued.prefix)
    assert len(issued.prefix) == len("gw2wvw_") + 4
    assert len(secret) > 40
    assert (issued.name, issued.last_used_at, issued.expires_at, issued.revoked_at) == (
        "bot",
        None,
        None,
        None,
    )
    async with store.transaction(write=False) as tx:
        rows = (await tx.session.execute(text("SELECT * FROM api_tokens"))).mappings().all()
    (row,) = rows
    assert row["token_hash"] == hashlib.sha256(secret.encode()).hexdigest()
    for column, value in row.items():
        assert secret not in str(value), column
        assert secret[len(issued.prefix) :] not in str(value), column
    listed = await store.tokens.list(alice)
    assert [t.id for t in listed] == [issued.id]
    assert "token" not in listed[0].model_dump()
    assert await store.tokens.get(alice, issued.id) == listed[0]
    second = await store.tokens.create(alice, TokenCreate())
    assert second.token != secret
    assert [t.id for t in await store.tokens.list(alice)] == [second.id, issued.id]


async def test_authenticate_accepts_only_the_exact_live_token(store: Store, alice: Actor) -> None:
    issued = await store.tokens.create(alice, TokenCreate())
    secret = issued.token
    assert who(await store.tokens.authenticate(secret, now=T0)) == who(alice)
    for wrong in (
        "gw2wvw_" + "A" * 43,
        secret[:-1],
        secret + "x",
        secret.upper(),
        issued.prefix,
        "gw2wvw_",
        "",
        "Bearer " + secret,
        secret.removeprefix("gw2wvw_"),
        "gw2wvw_" + "x" * 300,
        secret + "x" * 200,
    ):
        assert await store.tokens.authenticate(wrong, now=T0) is None, wrong


async def test_revoked_tokens_stop_working(store: Store, alice: Actor) -> None:
    issued = await store.tokens.create(alice, TokenCreate())
    spare = await store.tokens.create(alice, TokenCreate())
    revoked = await store.tokens.revoke(alice, issued.id)
    assert revoked.revoked_at is not None
    assert await store.tokens.authenticate(issued.token) is None
    assert who(await store.tokens.authenticate(spare.token)) == who(alice)
    again = await store.tokens.revoke(alice, issued.id)
    assert again.revoked_at == revoked.revoked_at  # the first revocation stands
    assert [t.revoked_at is not None for t in await store.tokens.list(alice)] == [False, True]


async def test_expired_tokens_stop_working(store: Store, alice: Actor) -> None:
    issued = await store.tokens.create(alice, TokenCreate(expires_at=T0 + timedelta(hours=1)))
    assert issued.expires_at == T0 + timedelta(hours=1)
    assert who(await store.tokens.authenticate(issued.token, now=T0)) == who(alice)
    assert who(
        await store.tokens.authenticate(issued.token, now=T0 + timedelta(minutes=59))
    ) == who(alice)
    assert await store.tokens.authenticate(issued.token, now=T0 + timedelta(hours=1)) is None
    assert await store.tokens.authenticate(issued.token, now=T0 + timedelta(days=9)) is None
    # Another time zone is the same instant.
    plus_two = (T0 + timedelta(hours=1)).astimezone(timezone(timedelta(hours=2)))
    other = await store.tokens.create(alice, TokenCreate(expires_at=plus_two))
    assert other.expires_at == T0 + timedelta(hours=1)
    assert other.expires_at is not None
    assert other.expires_at.tzinfo == UTC


async def test_a_naive_expiry_is_a_validation_error(store: Store, alice: Actor) -> None:
    with pytest.raises(ValidationFailed) as caught:
        await store.tokens.create(alice, TokenCreate(expires_at=datetime(2031, 1, 1)))
    assert [(e.path, e.code) for e in caught.value.errors] == [("/expires_at", "naive_datetime")]
    assert await store.tokens.list(alice) == []


async def test_last_use_is_recorded_at_most_once_a_minute(store: Store, alice: Actor) -> None:
    issued = await store.tokens.create(alice, TokenCreate())

    async def last_used() -> datetime | None:
        return (await store.tokens.get(alice, issued.id)).last_used_at

    assert await last_used() is None
    await store.tokens.authenticate(issued.token, now=T0)
    assert await last_used() == T0
    await store.tokens.authenticate(issued.token, now=T0 + timedelta(seconds=59))
    assert await last_used() == T0
    await store.tokens.authenticate(issued.token, now=T0 + timedelta(seconds=60))
    assert await last_used() == T0 + timedelta(seconds=60)
    await store.tokens.authenticate(issued.token, now=T0 + timedelta(minutes=5))
    assert await last_used() == T0 + timedelta(minutes=5)
    # A failed attempt records nothing.
    await store.tokens.revoke(alice, issued.id)
    await store.tokens.authenticate(issued.token, now=T0 + timedelta(hours=1))
    assert await last_used() == T0 + timedelta(minutes=5)


async def test_tokens_are_private_to_their_owner(store: Store, alice: Actor, bob: Actor) -> None:
    mine = await store.tokens.create(alice, TokenCreate(name="mine"))
    theirs = await store.tokens.create(bob, TokenCreate(name="theirs"))
    assert [t.id for t in await store.tokens.list(alice)] == [mine.id]
    assert [t.id for t in await store.tokens.list(bob)] == [theirs.id]
    with pytest.raises(NotFound):
        await store.tokens.get(alice, theirs.id)
    with pytest.raises(NotFound):
        await store.tokens.revoke(alice, theirs.id)
    with pytest.raises(NotFound):
        await store.tokens.get(alice, uuid.uuid4())
    with pytest.raises(NotFound):
        await store.tokens.revoke(alice, uuid.uuid4())
    # Bob's token still works: the refused revocation changed nothing.
    assert who(await store.tokens.authenticate(theirs.token)) == who(bob)
    assert (await store.tokens.get(bob, theirs.id)).revoked_at is None
    anonymous: list[Callable[[], Awaitable[object]]] = [
        lambda: store.tokens.create(ANONYMOUS, TokenCreate()),
        lambda: store.tokens.list(ANONYMOUS),
        lambda: store.tokens.get(ANONYMOUS, mine.id),
        lambda: store.tokens.revoke(ANONYMOUS, mine.id),
    ]
    for call in anonymous:
        with pytest.raises(Unauthenticated):
            await call()


async def test_a_token_never_outranks_its_issuer_and_an_expiry_must_lie_ahead(
    store: Store, alice: Actor
) -> None:
    reader = await store.tokens.create(alice, TokenCreate(scopes=("read",)))
    actor = await store.tokens.authenticate(reader.token)
    assert actor is not None
    assert (actor.scopes, actor.token_id) == (frozenset({"read"}), reader.id)
    with pytest.raises(ValidationFailed) as caught:
        await store.tokens.create(actor, TokenCreate(scopes=("read", "write")))
    assert [(e.path, e.code) for e in caught.value.errors] == [("/scopes", "scope_not_held")]
    with pytest.raises(ValidationFailed) as past:
        await store.tokens.create(
            alice, TokenCreate(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    assert [(e.path, e.code) for e in past.value.errors] == [("/expires_at", "expired")]
    assert [t.id for t in await store.tokens.list(alice)] == [reader.id]
