"""Alembic environment: runs on the connection gw2wvw hands over, or on GW2WVW_DATABASE_URL.

Migrations render in batch mode so that SQLite (which cannot alter most of a table in place)
and PostgreSQL run the same scripts.
"""

from __future__ import annotations

import asyncio
import os
from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from gw2wvw.store.engine import create_engine, normalise_url
from gw2wvw.store.tables import Base, UTCDateTime

config = context.config
target_metadata = Base.metadata


def _render_item(kind: str, item: Any, autogen_context: AutogenContext) -> str | Literal[False]:
    # Scripts name the plain column type, so they never depend on gw2wvw's own classes.
    if kind == "type" and isinstance(item, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _configure(**options: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
        **options,  # type: ignore[arg-type]
    )


def _run(connection: Connection) -> None:
    _configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    url = os.environ.get("GW2WVW_DATABASE_URL") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("set GW2WVW_DATABASE_URL (or sqlalchemy.url in alembic.ini)")
    return url


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await engine.dispose()


shared = config.attributes.get("connection")
if context.is_offline_mode():
    _configure(url=normalise_url(_url()), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
elif shared is not None:
    _run(shared)
else:
    asyncio.run(_run_online(_url()))
