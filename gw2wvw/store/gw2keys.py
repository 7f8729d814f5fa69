"""`Gw2KeyRepository`: each user's official GW2 API key, encrypted at rest.

The key itself leaves the store only through :meth:`Gw2KeyRepository.secret`, for the code that
calls the official API with it; every other read gives :class:`Gw2KeyRead`, which has no key.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, insert, select, update

from gw2wvw.store.base import Repository, require_user
from gw2wvw.store.encryption import Cipher, EncryptionError
from gw2wvw.store.errors import NotFound
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import Actor
from gw2wvw.store.tables import Gw2Key, utcnow


class Gw2KeyRead(BaseModel):
    """A stored GW2 API key as anyone may see it: whose account, what it may read, never the key."""

    model_config = ConfigDict(frozen=True)

    account_name: str
    key_name: str
    permissions: tuple[str, ...]
    created_at: datetime
    updated_at: datetime


def _read(row: Gw2Key) -> Gw2KeyRead:
    return Gw2KeyRead(
        account_name=row.account_name,
        key_name=row.key_name,
        permissions=tuple(row.permissions.split()),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class Gw2KeyRepository(Repository):
    """Attach, read, use and delete a user's GW2 API key (one per user)."""

    def _cipher(self) -> Cipher:
        cipher = self.store.cipher
        if cipher is None:
            raise EncryptionError(
                "storing GW2 API keys needs an encryption key: set GW2WVW_ENCRYPTION_KEY"
            )
        return cipher

    async def put(
        self,
        actor: Actor,
        key: str,
        *,
        key_name: str,
        permissions: Sequence[str],
        account_name: str,
    ) -> tuple[Gw2KeyRead, bool]:
        """Store the actor's key (replacing any), encrypted; also says whether it is new.

        The caller has checked the key with the official API; ``key_name``, ``permissions``
        and ``account_name`` are what it answered.
        """
        user_id = require_user(actor)
        values = {
            "ciphertext": self._cipher().encrypt(key),
            "key_name": key_name[:200],
            "permissions": " ".join(permissions)[:300],
            "account_name": account_name[:100],
            "updated_at": utcnow(),
        }
        async with self._tx() as tx:
            changed = await tx.session.execute(
                update(Gw2Key).where(Gw2Key.user_id == user_id).values(**values)
            )
            created = changed.rowcount == 0  # type: ignore[attr-defined]
            if created:
                await tx.session.execute(
                    insert(Gw2Key).values(
                        id=uuid7(), user_id=user_id, created_at=values["updated_at"], **values
                    )
                )
            row = (
                await tx.session.execute(select(Gw2Key).where(Gw2Key.user_id == user_id))
            ).scalar_one()
        return _read(row), created

    async def _row(self, actor: Actor) -> Gw2Key:
        user_id = require_user(actor)
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(select(Gw2Key).where(Gw2Key.user_id == user_id))
            ).scalar()
        if row is None:
            raise NotFound("gw2 key", actor.name)
        return row

    async def get(self, actor: Actor) -> Gw2KeyRead:
        """The actor's stored key, without the key; :class:`NotFound` when there is none."""
        return _read(await self._row(actor))

    async def secret(self, actor: Actor) -> str:
        """The actor's key itself, decrypted, to call the official API with."""
        return self._cipher().decrypt((await self._row(actor)).ciphertext)

    async def delete(self, actor: Actor) -> None:
        """Delete the actor's key; :class:`NotFound` when there is none."""
        user_id = require_user(actor)
        async with self._tx() as tx:
            result = await tx.session.execute(delete(Gw2Key).where(Gw2Key.user_id == user_id))
        if result.rowcount == 0:  # type: ignore[attr-defined]
            raise NotFound("gw2 key", actor.name)
