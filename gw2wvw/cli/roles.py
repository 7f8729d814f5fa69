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
    from gw2wvw.squad.figures import Figures
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


def _gives(archetype: Archetype, figures: Figures) -> str:
    """The boons the figures say the archetype gives the rest of its party, largest first."""
    from gw2wvw.squad.roles import BOONS, STACKING_BOONS

    mine = figures.of(archetype.id)
    given = []
    for boon in BOONS:
        amount = mine.boon(boon).party.value
        # A stack is worth about 10 % of uptime when ranking what to show first.
        weight = amount * 10 if boon in STACKING_BOONS else amount
        if amount >= 0.05:
            text = f"{boon} {amount:.1f}" if boon in STACKING_BOONS else f"{boon} {amount:.0f}%"
            given.append((weight, text))
    given.sort(key=lambda g: -g[0])
    # One boon a line: a narrow terminal then never breaks a boon from its amount.
    return "\n".join(text for _, text in given[:4]) or "-"


def _basis(archetype: Archetype, figures: Figures) -> str:
    """How much of the archetype's figures was measured: players seen in fight logs."""
    mine = figures.of(archetype.id)
    players = max((e.players for b in mine.boons.values() for e in (b.party, b.self_)), default=0.0)
    return f"{players:.1f} logged" if players else "prior"


def _print_table(table: RolesTable, figures: Figures) -> None:
    from rich import box
    from rich.table import Table

    grid = Table(
        box=box.SIMPLE_HEAD,
        title=f"WvW roles ({len(table)} archetypes)",
        title_justify="left",
        caption="gives: what each other party member gets (EI group generation; stacks for "
        "might and stability); logged: players measured in real fights, prior otherwise",
        caption_justify="left",
    )
    # No cell is wrapped: ids are what rosters and locks name, and a boon or function broken
    # from its amount or its neighbour misleads. Multi-part cells hold one part a line, so the
    # table fits 80 columns (the longest id, function pair and boon set the widths).
    grid.add_column("id", no_wrap=True, overflow="ignore")
    grid.add_column("functions", no_wrap=True, overflow="ignore")
    grid.add_column("gives", no_wrap=True, overflow="ignore")
    grid.add_column("figures", no_wrap=True, overflow="ignore")
    for archetype in table.archetypes:
        # Text, not str: a user's table must never be read as rich markup.
        grid.add_row(
            Text(archetype.id),
            Text("\n".join(archetype.functions)),
            Text(_gives(archetype, figures)),
            Text(_basis(archetype, figures)),
        )
    console.print(grid)


@app.command("list")
def list_command(roles: RolesOption = None, json_output: JsonOption = False) -> None:
    """List the archetypes of the roles table with what they give their party and squad."""
    from gw2wvw.squad.figures import load_figures

    data = current_gamedata()
    table = load_table(roles, data)
    if json_output:
        print_json([archetype.model_dump(mode="json") for archetype in table.archetypes])
    else:
        _print_table(table, load_figures())
