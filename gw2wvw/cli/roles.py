"""``gw2wvw roles``: the WvW roles table the squad tools plan with."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.text import Text

from gw2wvw.cli._context import current_gamedata
from gw2wvw.cli._output import console, fail, print_json

if TYPE_CHECKING:
    from gw2wvw.gamedata import GameData
    from gw2wvw.squad.roles import Archetype, RolesError, RolesTable

# gw2wvw.squad (and with it the solver) is imported when the command runs, not at CLI start.

app = typer.Typer(help="Show the WvW roles table.", no_args_is_help=True)

RolesOption = Annotated[
    Path | None,
    typer.Option(
        "--roles",
        help="A roles table JSON file to use instead of the bundled one.",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def load_table(path: Path | None, data: GameData) -> RolesTable:
    """The bundled roles table, or the one at ``path`` checked against ``data`` (exit 2 if bad)."""
    from gw2wvw.squad.roles import RolesError, load_roles

    if path is None:
        return load_roles()
    try:
        return load_roles(path, data)
    except RolesError as exc:
        fail(_one_line(path, exc))


def _one_line(path: Path, exc: RolesError) -> str:
    """The first problems of a user's table, naming the file, on one line."""
    where, what = exc.errors[0]
    if len(exc.errors) == 1 and not where and str(path) in what:
        message = what  # the file cannot be read or is not JSON; the text names it already
    else:
        shown = "; ".join(f"{where or '/'}: {what}" for where, what in exc.errors[:3])
        more = f" (and {len(exc.errors) - 3} more)" if len(exc.errors) > 3 else ""
        message = f"{path} is not a valid roles table: {shown}{more}"
    # Messages may quote the user's text; a one-line error must not break on its newlines.
    return " ".join(message.split())


def _boons(archetype: Archetype) -> str:
    from gw2wvw.squad.roles import BOONS, STACKING_BOONS

    shown = []
    for boon in BOONS:
        source = archetype.party.boons.get(boon)
        if source is None:
            continue
        text: str = boon
        if boon in STACKING_BOONS:
            text += f" {archetype.stacks(boon):g}"
        if source.departure is not None:
            text += "*"
        shown.append(text)
    return ", ".join(shown) or "-"


def _print_table(table: RolesTable, data: GameData) -> None:
    from rich import box
    from rich.table import Table

    from gw2wvw.squad.roles import PARTY_CAPABILITIES, SQUAD_CAPABILITIES

    grid = Table(
        box=box.SIMPLE_HEAD,
        title=f"WvW roles ({len(table)} archetypes)",
        title_justify="left",
        caption="might/stability: sustained stacks; * given against the pack's reference "
        "(see the boon's departure note)",
        caption_justify="left",
    )
    # Fold, never truncate: a hidden character of an id or a boon would mislead.
    for column in ("id", "profession", "specialization", "role"):
        grid.add_column(column, overflow="fold")
    grid.add_column("party boons", overflow="fold")
    # Stacked headers keep the two rating columns as narrow as their "2/0/3" values.
    grid.add_column("healing/\nbarrier/\ncleanse", justify="center")
    grid.add_column("strip/\ncc/\ndamage", justify="center")
    grid.add_column("confidence", overflow="fold")
    for archetype in table.archetypes:
        spec = data.specializations.get(archetype.specialization)
        party = "/".join(str(archetype.capability(c)) for c in PARTY_CAPABILITIES)
        squad = "/".join(str(archetype.capability(c)) for c in SQUAD_CAPABILITIES)
        # Text, not str: a user's table must never be read as rich markup.
        grid.add_row(
            Text(archetype.id),
            Text(archetype.profession),
            Text(spec.name if spec is not None else str(archetype.specialization)),
            Text(archetype.role),
            Text(_boons(archetype)),
            party,
            squad,
            Text(archetype.confidence),
        )
    console.print(grid)


@app.command("list")
def list_command(roles: RolesOption = None, json_output: JsonOption = False) -> None:
    """List the archetypes of the roles table with what they give their party and squad."""
    data = current_gamedata()
    table = load_table(roles, data)
    if json_output:
        print_json([archetype.model_dump(mode="json") for archetype in table.archetypes])
    else:
        _print_table(table, data)
