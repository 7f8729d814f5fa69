"""``gw2wvw build``: decode, encode and validate build chat codes."""

import typer

app = typer.Typer(help="Decode, encode and validate build chat codes.", no_args_is_help=True)
