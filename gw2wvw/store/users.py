"""`UserRepository`: accounts with names, display names and Argon2 password hashes."""

from __future__ import annotations

import asyncio
import functools
import uuid
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update

from gw2wvw.store.base import Repository, require_user
from gw2wvw.store.compositions import CompositionRepository
from gw2wvw.store.errors import Conflict, ErrorDetail, NotFound, ValidationFailed
from gw2wvw.store.ids import uuid7
from gw2wvw.store.pagination import encode_cursor, keyset
from gw2wvw.store.schemas import Actor, Page, UserCreate, UserRead, UserUpdate
from gw2wvw.store.tables import ApiToken, BuildRow, CompositionRow, User, utcnow

HASHER = PasswordHasher()
"""Argon2id with the library's defaults (memory-hard: 64 MiB, 3 passes)."""


@functools.cache
def _decoy() -> str:
    """A throwaway hash: verifying against it when the name is unknown keeps a failed sign-in as
    slow as a wrong password, so response times do not reveal which names exist. Made on first
    use: hashing takes ~0.1 s, which every process would pay at import otherwise."""
    return HASHER.hash("not a real password")


def _verify(stored: str | None, password: str) -> None:
    """Check ``password`` against ``stored`` (the decoy when None); raises VerificationError."""
    HASHER.verify(stored or _decoy(), password)


def _read(row: Any) -> UserRead:
    return UserRead(
        id=row.id, name=row.name, display_name=row.display_name, created_at=row.created_at
    )


async def _matches(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored`` (a decoy hash is checked when there is none)."""
    try:
        await asyncio.to_thread(_verify, stored, password)
    except (VerificationError, InvalidHashError):
        return False
    return bool(stored)


class UserRepository(Repository):
    """Sign-up, look-up, password checks and account changes."""

    async def create(self, new: UserCreate) -> UserRead:
        """Create an account; raises Conflict when the name (in any case) is taken."""
        user_id = uuid7()
        # Argon2 takes a CPU-bound ~0.1 s: off the event loop, so other requests keep moving.
        password_hash = (
            await asyncio.to_thread(HASHER.hash, new.password) if new.password is not None else None
        )
        async with self._tx() as tx:
            taken = await tx.session.scalar(
                select(User.id).where(User.name_key == new.name.casefold())
            )
            if taken is not None:
                raise Conflict(f"the user name {new.name!r} is taken")
            await tx.session.execute(
                insert(User).values(
                    id=user_id,
                    name=new.name,
                    name_key=new.name.casefold(),
                    display_name=new.display_name or new.name,
                    password_hash=password_hash,
                    created_at=utcnow(),
                )
            )
            row = (await tx.session.execute(select(User).where(User.id == user_id))).scalar_one()
        return _read(row)

    async def get(self, user_id: uuid.UUID) -> UserRead:
        """An account by id."""
        async with self._tx(write=False) as tx:
            row = (await tx.session.execute(select(User).where(User.id == user_id))).scalar()
        if row is None:
            raise NotFound("user", user_id)
        return _read(row)

    async def get_by_name(self, name: str) -> UserRead:
        """An account by name, in any case."""
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(select(User).where(User.name_key == name.casefold()))
            ).scalar()
        if row is None:
            raise NotFound("user", name)
        return _read(row)

    async def list(
        self, text: str | None = None, cursor: str | None = None, limit: int = 20
    ) -> Page[UserRead]:
        """Accounts by name, optionally those whose name contains ``text``."""
        order, after = keyset("name", {"name": User.name_key}, User.id, cursor)
        statement = select(User).order_by(*order).limit(limit + 1)
        if text:
            statement = statement.where(User.name_key.contains(text.casefold(), autoescape=True))
        if after is not None:
            statement = statement.where(after)
        async with self._tx(write=False) as tx:
            rows = (await tx.session.execute(statement)).scalars().all()
        items = [_read(row) for row in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            next_cursor = encode_cursor("name", rows[limit - 1].name_key, rows[limit - 1].id)
        return Page[UserRead](items=tuple(items), next_cursor=next_cursor)

    async def authenticate(self, name: str, password: str) -> Actor | None:
        """The actor for a correct name and password, or None."""
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(
                    select(User.id, User.name, User.password_hash).where(
                        User.name_key == name.casefold()
                    )
                )
            ).first()
        if row is None or not await _matches(row.password_hash, password):
            if row is None:
                await _matches(None, password)  # as slow as a wrong password
            return None
        return Actor(user_id=row.id, name=row.name)

    async def update(self, actor: Actor, changes: UserUpdate) -> UserRead:
        """Change the actor's own display name or password.

        A new password needs the current one (``current_password``; an account that has none
        may set one) and revokes every API token of the account but the one in use.
        """
        user_id = require_user(actor)
        values: dict[str, Any] = {}
        if changes.display_name is not None:
            values["display_name"] = changes.display_name
        if changes.password is not None:
            async with self._tx(write=False) as tx:
                stored = await tx.session.scalar(
                    select(User.password_hash).where(User.id == user_id)
                )
            if stored:
                if changes.current_password is None:
                    raise ValidationFailed(
                        [
                            ErrorDetail(
                                "/current_password",
                                "missing",
                                "give your current password to set a new one",
                            )
                        ]
                    )
                if not await _matches(stored, changes.current_password):
                    raise ValidationFailed(
                        [
                            ErrorDetail(
                                "/current_password",
                                "wrong_password",
                                "that is not your current password",
                            )
                        ]
                    )
            values["password_hash"] = await asyncio.to_thread(HASHER.hash, changes.password)
        async with self._tx() as tx:
            if values:
                await tx.session.execute(update(User).where(User.id == user_id).values(**values))
            if "password_hash" in values:
                # Whoever holds another token (a leak, an old device) is signed out with it.
                others = [ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None)]
                if actor.token_id is not None:
                    others.append(ApiToken.id != actor.token_id)
                await tx.session.execute(
                    update(ApiToken).where(*others).values(revoked_at=utcnow())
                )
            row = (await tx.session.execute(select(User).where(User.id == user_id))).scalar()
        if row is None:
            raise NotFound("user", user_id)
        return _read(row)

    async def delete(self, actor: Actor) -> None:
        """Delete the actor's own account with everything it owns."""
        user_id = require_user(actor)
        async with self._tx() as tx:
            # Others' compositions never hold an account back: members using its builds
            # become the archetypes those builds play.
            owned = await tx.session.scalars(
                select(BuildRow.id).where(BuildRow.owner_id == user_id)
            )
            await CompositionRepository(self.store, tx).detach(
                list(owned), owned_by_others_than=user_id
            )
            # Compositions first: their members RESTRICT the deletion of the builds they use, and
            # PostgreSQL checks that while the cascade from users is still under way.
            await tx.session.execute(
                delete(CompositionRow).where(CompositionRow.owner_id == user_id)
            )
            result = await tx.session.execute(delete(User).where(User.id == user_id))
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise NotFound("user", user_id)
