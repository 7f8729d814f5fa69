"""The ``gw2wvw`` command line: one Typer app with a group per domain.

Distributions that extend the CLI (``gw2wvw-api``, ``gw2wvw-worker``) register a callable in the
``gw2wvw.cli`` entry-point group; it receives the root app and adds its commands.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Annotated

from gw2wvw._extras import requires
from gw2wvw._version import __version__

with requires("cli", "the gw2wvw command line"):
    import typer
from gw2wvw.cli._output import OneLineErrors
from gw2wvw.cli.account import app as account_app
from gw2wvw.cli.build import app as build_app
from gw2wvw.cli.db import app as db_app
from gw2wvw.cli.event import app as event_app
from gw2wvw.cli.fight import app as fight_app
from gw2wvw.cli.gamedata import app as gamedata_app
from gw2wvw.cli.roles import app as roles_app
from gw2wvw.cli.squad import app as squad_app

app = typer.Typer(
    name="gw2wvw",
    help="Plan Guild Wars 2 World-vs-World squads and share builds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=OneLineErrors,
    add_completion=False,
)
app.add_typer(account_app, name="account")
app.add_typer(build_app, name="build")
app.add_typer(gamedata_app, name="gamedata")
app.add_typer(db_app, name="db")
app.add_typer(event_app, name="event")
app.add_typer(roles_app, name="roles")
app.add_typer(squad_app, name="squad")
app.add_typer(fight_app, name="fight")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"gw2wvw {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Plan Guild Wars 2 World-vs-World squads and share builds."""


def _load_plugins() -> None:
    for entry in entry_points(group="gw2wvw.cli"):
        entry.load()(app)


def main() -> None:
    """Run the CLI (the ``gw2wvw`` console script)."""
    _load_plugins()
    app()
