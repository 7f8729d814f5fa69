"""``gw2wvw db``: upgrade, downgrade and inspect the database schema."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from gw2wvw.cli._output import console, fail, print_json

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine

# SQLAlchemy, Alembic and the store are imported when a db command runs, not when the CLI starts.

app = typer.Typer(help="Upgrade, downgrade and inspect the database schema.", no_args_is_help=True)

T = TypeVar("T")

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLite or PostgreSQL URL (default: GW2WVW_DATABASE_URL, else the embedded file).",
        show_default=False,
    ),
]


def _run(url: str | None, action: Callable[[AsyncEngine], Awaitable[T]]) -> T:
    from gw2wvw.settings import Settings
    from gw2wvw.store.engine import create_engine, normalise_url
    from gw2wvw.store.errors import StoreError

    target = url or Settings().resolved_database_url()
    try:
        normalise_url(target)
    except StoreError as error:  # not a URL, or not a database gw2wvw speaks: bad input
        fail(str(error))
    if target.startswith("sqlite") and ":///" in target:
        folder = Path(target.split(":///", 1)[1]).parent
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            fail(f"cannot create {folder}: {error.strerror or error}", code=1)

    async def run() -> T:
        engine = create_engine(target)
        try:
            return await action(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except StoreError as error:
        fail(str(error), code=1)
    except Exception as error:  # Alembic reports an unknown revision as a plain exception.
        if type(error).__module__.startswith("alembic"):
            fail(str(error))
        raise


@app.command()
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: UrlOption = None,
) -> None:
    """Upgrade the schema (default: to the newest revision)."""
    from gw2wvw.store import migrate

    _run(database_url, lambda engine: migrate.upgrade(engine, revision))
    console.print(f"upgraded to {revision}")


@app.command()
def downgrade(
    revision: Annotated[str, typer.Argument(help="Target revision, or base to remove all.")],
    database_url: UrlOption = None,
) -> None:
    """Downgrade the schema to a revision."""
    from gw2wvw.store import migrate

    _run(database_url, lambda engine: migrate.downgrade(engine, revision))
    console.print(f"downgraded to {revision}")


@app.command()
def current(
    database_url: UrlOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the database's revision and the newest one this version ships."""
    from gw2wvw.store import migrate

    revision = _run(database_url, migrate.current)
    head = migrate.head()
    if json_output:
        print_json({"current": revision, "head": head, "up_to_date": revision == head})
        return
    state = "up to date" if revision == head else f"behind (newest is {head})"
    console.print(f"{revision or 'empty (never migrated)'}: {state}")
