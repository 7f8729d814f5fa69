"""``gw2wvw gamedata``: inspect and refresh the game data."""

import typer

app = typer.Typer(help="Inspect and refresh the game data.", no_args_is_help=True)
