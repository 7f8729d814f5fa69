"""``gw2wvw gamedata``: inspect and refresh the game data."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gw2wvw.cli._output import console, fail, print_json
from gw2wvw.gamedata.snapshot import ENDPOINTS, FILENAME

if TYPE_CHECKING:
    from gw2wvw import gamedata

# The sync client (httpx), the settings and the progress bar are imported by the commands.

app = typer.Typer(help="Inspect and refresh the game data.", no_args_is_help=True)


def _summary(data: gamedata.GameData, path: str) -> dict[str, Any]:
    return {
        "build_id": data.info.build_id,
        "fetched_at": data.info.fetched_at,
        "source": data.info.source,
        "path": path,
        "counts": {endpoint: len(getattr(data, endpoint)) for endpoint in ENDPOINTS},
    }


def _shown_path(path: Path | None) -> str:
    if path is None:
        return "(bundled)"
    return str(path / FILENAME if path.is_dir() else path)


def _print_summary(title: str, summary: dict[str, Any]) -> None:
    table = Table(title=title, show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    for key in ("build_id", "fetched_at", "source", "path"):
        # Text, not str: a source or path must never be read as rich markup.
        table.add_row(key.replace("_", " "), Text(str(summary[key])))
    for endpoint, count in summary["counts"].items():
        table.add_row(endpoint, Text(str(count)))
    console.print(table)


def _sync_with_progress(out_dir: Path, api_url: str, concurrency: int) -> gamedata.GameData:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from gw2wvw.gamedata.sync import sync

    columns = (
        TextColumn("{task.description:<16}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console) as bar:
        # Every endpoint gets its row up front, so the rows keep the sync order.
        tasks = {endpoint: bar.add_task(endpoint, total=None) for endpoint in ENDPOINTS}

        def advance(endpoint: str, done: int, total: int) -> None:
            bar.update(tasks[endpoint], completed=done, total=total)

        return asyncio.run(
            sync(out_dir, api_url=api_url, concurrency=concurrency, progress=advance)
        )


@app.command("sync")
def sync_command(
    api_url: Annotated[
        str | None,
        typer.Option(
            "--api-url",
            help="Base URL of the GW2 API (default: GW2WVW_GW2_API_URL, else the official API).",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Directory for gamedata.json (default: gamedata/ in the user data dir).",
            show_default=False,
        ),
    ] = None,
    concurrency: Annotated[
        int, typer.Option("--concurrency", min=1, max=16, help="Requests in flight at once.")
    ] = 4,
    json_output: Annotated[
        bool, typer.Option("--json", help="Print the summary as JSON, without a progress bar.")
    ] = False,
) -> None:
    """Fetch the game data from the GW2 API and replace the synced snapshot."""
    from gw2wvw.gamedata.errors import SyncError
    from gw2wvw.gamedata.sync import sync
    from gw2wvw.settings import Settings

    settings = Settings()
    out_dir = out if out is not None else settings.data_dir / "gamedata"
    url = api_url if api_url is not None else settings.gw2_api_url
    try:
        if json_output:
            data = asyncio.run(sync(out_dir, api_url=url, concurrency=concurrency))
        else:
            data = _sync_with_progress(out_dir, url, concurrency)
    except ValueError as exc:
        fail(str(exc), code=2)
    except SyncError as exc:
        fail(str(exc), code=1)
    summary = _summary(data, str(out_dir / FILENAME))
    if json_output:
        print_json(summary)
    else:
        _print_summary("Synced game data", summary)
        console.print(
            Text(f"Use it with: GW2WVW_GAMEDATA_PATH={out_dir}", style="dim"), soft_wrap=True
        )


@app.command("info")
def info_command(
    path: Annotated[
        Path | None,
        typer.Argument(
            help="A snapshot file or a directory holding one "
            "(default: GW2WVW_GAMEDATA_PATH, else the bundled snapshot).",
            show_default=False,
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Show the game build, fetch time, source and record counts of a snapshot."""
    from gw2wvw import gamedata
    from gw2wvw.settings import Settings

    if path is None:
        path = Settings().gamedata_path
    try:
        data = gamedata.load(path)
    except gamedata.SnapshotError as exc:
        fail(str(exc), code=2)
    summary = _summary(data, _shown_path(path))
    if json_output:
        print_json(summary)
    else:
        _print_summary("Game data snapshot", summary)
