"""What every repository shares: transactions, events, and the store they belong to."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, Executable, Row, Select, insert, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from gw2wvw.store.errors import ErrorDetail, Unauthenticated, ValidationFailed
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import Actor
from gw2wvw.store.tables import Base, User, utcnow

if TYPE_CHECKING:
    from gw2wvw.store.store import Store


def visible_to(
    actor: Actor,
    visibility: InstrumentedAttribute[str],
    owner_id: InstrumentedAttribute[uuid.UUID],
    *,
    listed: bool,
) -> ColumnElement[bool]:
    """What ``actor`` may see of a table with a visibility and an owner: public rows (and
    unlisted ones when asked for by id, not in listings), and their own."""
    shown = ("public",) if listed else ("public", "unlisted")
    clause: ColumnElement[bool] = visibility.in_(shown)
    if actor.user_id is not None:
        clause = or_(clause, owner_id == actor.user_id)
    return clause


_Selected = TypeVar("_Selected", bound="Select[*tuple[Any, ...]]")


def owned_by(
    statement: _Selected, actor: Actor, owner: str, visibility: InstrumentedAttribute[str]
) -> _Selected:
    """``statement`` narrowed to the rows of the user named ``owner`` (in any case): all of
    them for the owner, their public ones for anyone else."""
    statement = statement.where(User.name_key == owner.casefold())
    if actor.user_id is None or actor.name is None or actor.name.casefold() != owner.casefold():
        statement = statement.where(visibility == "public")
    return statement


# Built once; composing an INSERT per call costs more than running it.
_EMIT = insert(Base.metadata.tables["outbox"])


class Transaction:
    """A session inside one database transaction, and the events it will commit with it."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def emit(self, event_type: str, owner_id: uuid.UUID | None, data: Any) -> uuid.UUID:
        """Append an event to the outbox; it commits, or not, with the change."""
        event_id = uuid7()
        await self.execute(
            _EMIT,
            {
                "id": event_id,
                "type": event_type,
                "owner_id": owner_id,
                "payload": data,
                "created_at": utcnow(),
            },
        )
        return event_id

    async def execute(self, statement: Executable, params: dict[str, Any]) -> Any:
        """Run a Core statement on this transaction's connection (cheaper than the ORM path)."""
        connection = await self.session.connection()
        return await connection.execute(statement, params)


class Repository:
    """Base of the repositories: where their transactions come from.

    Bound to the store, each call is its own transaction; bound to a unit of work, every call
    joins the unit's transaction and nothing commits until it ends.
    """

    def __init__(self, store: Store, transaction: Transaction | None = None) -> None:
        self.store = store
        self._joined = transaction

    def _tx(self, *, write: bool = True) -> AbstractAsyncContextManager[Transaction]:
        if self._joined is not None:
            return _join(self._joined)
        return self.store.transaction(write=write)

    async def _fetch_rows(self, statement: Executable, params: dict[str, Any]) -> list[Row[Any]]:
        """Rows of one read-only statement: in the unit of work's transaction when joined."""
        if self._joined is not None:
            return list((await self._joined.session.execute(statement, params)).all())
        return await self.store.fetch(statement, params)

    async def _check_owner(self, name: str) -> None:
        """Raise ValidationFailed at ``/owner`` unless a user of that name (any case) exists.

        Listings call it when a filter by owner found nothing: a misspelt name is an error,
        not an empty page.
        """
        found = await self._fetch_rows(select(User.id).where(User.name_key == name.casefold()), {})
        if not found:
            raise ValidationFailed(
                [ErrorDetail("/owner", "unknown_user", f"there is no user named {name!r}")]
            )


@asynccontextmanager
async def _join(transaction: Transaction) -> AsyncIterator[Transaction]:
    yield transaction


def require_user(actor: Actor) -> uuid.UUID:
    """The actor's user id; raises :class:`Unauthenticated` for anonymous actors."""
    if actor.user_id is None:
        raise Unauthenticated("sign in to do this")
    return actor.user_id
