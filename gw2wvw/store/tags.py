"""Tag rows shared by builds and compositions, and the link rows that index them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, delete, exists, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from gw2wvw.store.tables import Tag


async def tag_ids(session: AsyncSession, dialect: str, names: Sequence[str]) -> list[int]:
    """Ids of the named tags, creating the missing ones (safely under concurrent writers)."""
    if not names:
        return []
    rows = [{"name": n} for n in names]
    statement: Any
    if dialect == "postgresql":
        statement = postgresql.insert(Tag).values(rows).on_conflict_do_nothing()
    else:
        statement = sqlite.insert(Tag).values(rows).on_conflict_do_nothing()
    await session.execute(statement)
    result = await session.execute(select(Tag.id, Tag.name).where(Tag.name.in_(names)))
    by_name = {name: ident for ident, name in result.all()}
    return [by_name[n] for n in names]


async def replace_links(
    session: AsyncSession,
    dialect: str,
    link: type[Any],
    owner_column: InstrumentedAttribute[uuid.UUID],
    owner_id: uuid.UUID,
    names: Sequence[str],
) -> None:
    """Make ``owner_id``'s link rows in ``link`` name exactly the tags ``names``."""
    await session.execute(delete(link).where(owner_column == owner_id))
    ids = await tag_ids(session, dialect, names)
    if ids:
        await session.execute(
            insert(link), [{owner_column.key: owner_id, "tag_id": ident} for ident in ids]
        )


def has_tag(
    link: type[Any], owner_column: InstrumentedAttribute[uuid.UUID], row_id: Any, name: str
) -> ColumnElement[bool]:
    """A WHERE clause: the row ``row_id`` carries the tag ``name``."""
    return exists(
        select(1)
        .select_from(link)
        .join(Tag, Tag.id == link.tag_id)
        .where(owner_column == row_id, Tag.name == name)
    )
