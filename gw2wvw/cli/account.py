"""``gw2wvw account gw2``: what a GW2 account's builds let its player bring to a raid night."""

from __future__ import annotations

import asyncio
import os
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from gw2wvw.cli._output import console, fail, print_json

# The account reader (httpx), the settings and the roles table are imported by the command.

app = typer.Typer(help="Read your GW2 account.", no_args_is_help=True)


@app.command("gw2")
def gw2_command(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="Base URL of the GW2 API (default: GW2WVW_GW2_API_URL, else the official API).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the account as JSON.")] = False,
) -> None:
    """Read the account of the GW2 API key in GW2_API_KEY: characters, builds, suggestions.

    The key is read from the environment, not an argument, so that it stays out of the shell
    history and the process list.
    """
    from gw2wvw.gw2account import Gw2ApiError, InvalidKeyError, suggest, to_account
    from gw2wvw.gw2account.client import read_account
    from gw2wvw.settings import Settings
    from gw2wvw.squad.roles import load_roles

    key = os.environ.get("GW2_API_KEY", "").strip()
    if not key:
        fail("set GW2_API_KEY to a GW2 API key with account, characters and builds", code=2)
    url = api_url if api_url is not None else Settings().gw2_api_url
    try:
        account = to_account(asyncio.run(read_account(key, api_url=url)))
    except (ValueError, InvalidKeyError) as exc:  # MissingScopesError is a ValueError too
        fail(str(exc), code=2)
    except Gw2ApiError as exc:
        fail(str(exc), code=1)
    suggestions = suggest(account, load_roles())
    if json_output:
        print_json(
            {
                "account": account.model_dump(mode="json"),
                "suggestions": [s.model_dump(mode="json") for s in suggestions],
            }
        )
        return
    table = Table(title=f"Builds of {account.name}", title_justify="left")
    for column in ("where", "name", "elite", "chat code"):
        table.add_column(column)
    for build in account.builds():
        where = f"{build.character} #{build.tab}" if build.source == "tab" else "storage"
        table.add_row(
            Text(where),
            Text(build.name),
            Text(build.elite_specialization or ""),
            Text(build.chat_code or f"({build.problem})"),
        )
    console.print(table)
    for suggestion in suggestions:
        console.print(
            Text(f"{suggestion.specialization}: {', '.join(suggestion.archetypes)}"),
            soft_wrap=True,
        )
