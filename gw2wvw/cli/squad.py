"""``gw2wvw squad``: build the best squad for a size or a roster, and evaluate compositions."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from gw2wvw.cli._context import current_gamedata
from gw2wvw.cli._output import console, fail, print_json

if TYPE_CHECKING:
    from pydantic import ValidationError

    from gw2wvw.squad import (
        Composition,
        Evaluation,
        Figures,
        Lock,
        RolesTable,
        RosterPlayer,
        SquadPlan,
    )

# gw2wvw.squad loads the solver (HiGHS): the commands import it when they run, not at CLI start.

MODES_SHOWN = ("zerg", "guild_raid", "havoc", "roaming")
"""The modes named in ``--help`` (a test keeps them equal to ``gw2wvw.squad.MODES``)."""

app = typer.Typer(help="Build and evaluate WvW squads.", no_args_is_help=True)

_LOCK = re.compile(
    r"^(?P<player>[^=]+?)\s*=\s*(?P<archetype>[A-Za-z0-9 -]*?)\s*(?:@\s*(?P<party>\d+))?$"
)


def _validation_message(exc: ValidationError, what: str) -> str:
    first = exc.errors()[0]
    where = "/" + "/".join(str(p) for p in first["loc"])
    more = exc.error_count() - 1
    return f"invalid {what} at {where}: {first['msg']}" + (f" (and {more} more)" if more else "")


def _roles(path: Path | None) -> RolesTable:
    from gw2wvw.squad import RolesError, load_roles

    try:
        return load_roles(path)
    except RolesError as exc:
        fail(str(exc))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {path}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{path} is not UTF-8 text")


def parse_roster(path: Path) -> list[RosterPlayer]:
    """Read a roster: JSON (a list of players) or CSV (player, then what they play: archetype
    ids or specialization names such as ``Firebrand``).

    In CSV, an archetype may carry a preference as ``id:weight``, and a player name starting
    with ``*`` is the commander. A first row starting with ``player`` is a header.
    """
    from pydantic import ValidationError

    from gw2wvw.squad import RosterPlayer

    text = _read(path)
    try:
        if path.suffix.lower() == ".json" or text.lstrip().startswith(("[", "{")):
            document: Any = json.loads(text)
            players = document.get("players") if isinstance(document, dict) else document
            if not isinstance(players, list):
                fail(f'{path}: a JSON roster is a list of players or {{"players": [...]}}')
            return [RosterPlayer.model_validate(p) for p in players]
        roster = []
        for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
            cells = [c.strip() for c in row if c.strip()]
            if not cells or (number == 1 and cells[0].casefold() == "player"):
                continue
            name, options = cells[0], cells[1:]
            preferences = {}
            archetypes = []
            for option in options:
                archetype, _, weight = option.partition(":")
                archetypes.append(archetype)
                if weight:
                    try:
                        preferences[archetype] = float(weight)
                    except ValueError:
                        fail(f"{path} line {number}: preference {weight!r} is not a number")
            roster.append(
                RosterPlayer(
                    name=name.lstrip("*"),
                    archetypes=tuple(archetypes),
                    preferences=preferences,
                    commander=name.startswith("*"),
                )
            )
        return roster
    except json.JSONDecodeError as exc:
        fail(f"{path} is not valid JSON: {exc}")
    except ValidationError as exc:
        fail(_validation_message(exc, f"roster in {path}"))


def parse_lock(text: str) -> Lock:
    """Read ``PLAYER=ARCHETYPE[@PARTY]`` (``PLAYER=@PARTY`` locks only the party)."""
    from pydantic import ValidationError

    from gw2wvw.squad import Lock

    match = _LOCK.match(text.strip())
    if match is None:
        fail(f"--lock {text!r} is not PLAYER=ARCHETYPE[@PARTY]")
    try:
        return Lock(
            player=match["player"].strip(),
            archetype=match["archetype"] or None,
            party=int(match["party"]) if match["party"] else None,
        )
    except ValidationError as exc:
        fail(_validation_message(exc, f"--lock {text!r}"))


def _boon_table(evaluation: Evaluation) -> Table:
    """Boons down, parties across: the predicted uptime (percent) or stacks, green at target,
    yellow short, red under half of it."""
    from gw2wvw.squad.roles import BOONS

    table = Table(title="Predicted per party (Elite Insights units)", title_justify="left")
    table.add_column("boon")
    table.add_column("target", justify="right")
    for party in evaluation.parties:
        table.add_column(str(party.number), justify="right")
    first = evaluation.parties[0]
    rows: list[tuple[str, str, list[tuple[float, float | None]]]] = []
    for boon in BOONS:
        if all(p.boons[boon].predicted == 0 for p in evaluation.parties) and (
            first.boons[boon].target is None
        ):
            continue
        unit = "" if first.boons[boon].unit == "stacks" else " %"
        wanted = first.boons[boon].target
        rows.append(
            (
                boon + ("" if unit else " (stacks)"),
                "-" if wanted is None else f"{wanted:g}{unit}",
                [(p.boons[boon].predicted, p.boons[boon].achieved) for p in evaluation.parties],
            )
        )
    cleanses = first.metrics["cleanses"].target
    rows.append(
        (
            "cleanses a minute",
            "-" if cleanses is None else f"{cleanses:g}",
            [
                (p.metrics["cleanses"].total, p.metrics["cleanses"].achieved)
                for p in evaluation.parties
            ],
        )
    )
    for name, target, cells in rows:
        shown = []
        for amount, achieved in cells:
            colour = "white"
            if achieved is not None:
                colour = "green" if achieved >= 1 else "yellow" if achieved >= 0.65 else "red"
            shown.append(f"[{colour}]{amount:.1f}[/{colour}]")
        table.add_row(name, target, *shown)
    return table


def _structure_table(evaluation: Evaluation) -> Table:
    """Per party: who fills each function, and what the mode's structure misses."""
    from gw2wvw.squad.roles import FUNCTION_NAMES

    table = Table(title="Structure", title_justify="left")
    for column in ("party", "members", "functions", "missing"):
        table.add_column(column)
    for party in evaluation.parties:
        functions = ", ".join(
            f"{FUNCTION_NAMES[f]} {len(members)}" for f, members in party.functions.items()
        )
        missing = ", ".join(party.missing) or "-"
        table.add_row(str(party.number), str(party.members), functions, missing)
    return table


def _print_evaluation(evaluation: Evaluation) -> None:
    console.print(_structure_table(evaluation))
    console.print(_boon_table(evaluation))
    squad = ", ".join(
        f"{name} {total.total:.0f}" + (f"/{total.target:.0f}" if total.target else "")
        for name, total in evaluation.squad.items()
    )
    console.print(f"Squad ({evaluation.members} of {evaluation.slots} slots): {squad}")
    colours = {"critical": "red", "warning": "yellow", "info": "blue"}
    for finding in evaluation.findings:
        colour = colours[finding.severity]
        console.print(Text.assemble((f"{finding.severity:>8} ", colour), finding.message))
    lost = sum(p.points for p in evaluation.penalties)
    penalties = f" ({lost:.1f} lost to broken rules)" if lost else ""
    console.print(f"[bold]Score {evaluation.score:.1f}[/bold] / 100{penalties}")


def _print_plan(plan: SquadPlan) -> None:
    if plan.status == "infeasible":
        console.print(f"[red]infeasible[/red]: {plan.reason}")
        return
    for number, party in enumerate(plan.parties, start=1):
        table = Table(title=f"Party {number}", title_justify="left")
        for column in ("#", "player", "archetype", "functions"):
            table.add_column(column, overflow="fold")
        for slot, member in enumerate(party, start=1):
            player = (member.player or "-") + (" (commander)" if member.commander else "")
            table.add_row(str(slot), player, member.name, ", ".join(member.functions))
        console.print(table)
        # A chat code is pasted into the game whole: on a line of its own, never wrapped by rich
        # (a narrow terminal folds it for the eye, and copying still takes all of it).
        for slot, member in enumerate(party, start=1):
            console.print(f"  {slot} {member.chat_code}", soft_wrap=True, highlight=False)
    for benched in plan.bench:
        console.print(Text.assemble(("bench ", "magenta"), f"{benched.player}: {benched.reason}"))
    assert plan.evaluation is not None
    _print_evaluation(plan.evaluation)
    gap = "" if plan.status == "optimal" else f", gap {plan.gap:.2%}"
    console.print(
        f"Solver: {plan.status}{gap}, objective {plan.objective:.2f} "
        f"(preferences {plan.preference_points:.2f}), {plan.solve_seconds:.2f} s"
    )


def _figures(path: Path | None) -> Figures | None:
    from gw2wvw.squad import FiguresError, load_figures

    if path is None:
        return None
    try:
        return load_figures(path)
    except FiguresError as exc:
        fail(" ".join(str(exc).split()))


FiguresOption = Annotated[
    Path | None,
    typer.Option(
        "--figures",
        help="A figures table (from gw2wvw fight calibrate) instead of the bundled one.",
    ),
]


CodesOption = Annotated[
    bool,
    typer.Option("--codes", help="Print only the members' chat codes, one a line, in squad order."),
]


def _print_codes(codes: list[str]) -> None:
    # Plain writes: nothing may wrap, colour or mark up a code that is pasted into the game.
    sys.stdout.write("".join(f"{code}\n" for code in codes))


def plan_json(plan: SquadPlan) -> dict[str, Any]:
    """The documented JSON shape of a plan."""
    document = plan.model_dump(mode="json", exclude={"composition"})
    document["parties"] = [[m.model_dump(mode="json") for m in party] for party in plan.parties]
    return document


@app.command("build")
def build_command(
    size: Annotated[
        int | None, typer.Option("--size", min=1, max=50, help="Players (1-50).")
    ] = None,
    mode: Annotated[str, typer.Option("--mode", help=f"One of {', '.join(MODES_SHOWN)}.")] = "zerg",
    roster: Annotated[
        Path | None, typer.Option("--roster", help="Roster file: CSV or JSON.")
    ] = None,
    lock: Annotated[
        list[str] | None,
        typer.Option("--lock", help="PLAYER=ARCHETYPE[@PARTY]; repeat for more."),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", min=0.1, max=600, help="Solver seconds.")
    ] = 10.0,
    roles_file: Annotated[
        Path | None, typer.Option("--roles", help="A roles table JSON file.")
    ] = None,
    figures_file: FiguresOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
    codes: CodesOption = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            help="Also write the squad as a composition JSON file (for evaluate and post).",
        ),
    ] = None,
) -> None:
    """Build the best squad; exit 0 with a plan, 1 when no squad can meet the constraints."""
    from pydantic import ValidationError

    from gw2wvw.squad import MODES, SquadRequest, SquadRequestError, build_squad

    if mode not in MODES:
        fail(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    if size is None and roster is None:
        fail("give --size, --roster or both")
    table = _roles(roles_file)
    figures = _figures(figures_file)
    try:
        request = SquadRequest(
            size=size,
            roster=tuple(parse_roster(roster)) if roster is not None else None,
            mode=mode,
            locks=tuple(parse_lock(text) for text in lock or ()),
            time_limit=time_limit,
        )
        plan = build_squad(request, table, figures)
    except ValidationError as exc:
        fail(_validation_message(exc, "request"))
    except SquadRequestError as exc:
        fail(str(exc))
    if output is not None and plan.composition is not None:
        try:
            output.write_text(plan.composition.model_dump_json(indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            fail(f"cannot write {output}: {exc.strerror or exc}")
    if codes:
        _print_codes([m.chat_code for party in plan.parties for m in party])
    elif json_output:
        print_json(plan_json(plan))
    else:
        _print_plan(plan)
    if plan.status == "infeasible":
        raise typer.Exit(1)


@app.command("evaluate")
def evaluate_command(
    source: Annotated[Path, typer.Argument(help="A composition JSON file.")],
    roles_file: Annotated[
        Path | None, typer.Option("--roles", help="A roles table JSON file.")
    ] = None,
    figures_file: FiguresOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    codes: CodesOption = False,
) -> None:
    """Evaluate a composition: every party's predicted boons, its structure, findings, score."""
    from gw2wvw.squad import CompositionError, evaluate, squad_post

    table = _roles(roles_file)
    figures = _figures(figures_file)
    composition = _composition_file(source)
    try:
        evaluation = evaluate(composition, table, figures=figures)
        post = squad_post(composition, evaluation, table, current_gamedata())
    except CompositionError as exc:
        fail(str(exc))
    if codes:
        _print_codes(list(post.chat_codes))
    elif json_output:
        print_json(evaluation.model_dump(mode="json"))
    else:
        _print_evaluation(evaluation)


def _composition_file(source: Path) -> Composition:
    from pydantic import ValidationError

    from gw2wvw.squad import Composition

    try:
        return Composition.model_validate_json(_read(source))
    except ValidationError as exc:
        fail(_validation_message(exc, f"composition in {source}"))


def _stored(ident: uuid.UUID, table: RolesTable) -> tuple[Composition, Evaluation]:
    """A stored composition anyone may see (public or unlisted), and its evaluation."""
    from gw2wvw.settings import Settings
    from gw2wvw.store import ANONYMOUS, NotFound, StoreError, open_store

    async def load() -> tuple[Composition, Evaluation]:
        url = Settings().resolved_database_url()
        async with open_store(url, data=current_gamedata(), roles=table) as store:
            composition = await store.compositions.composition(ANONYMOUS, ident)
            return composition, await store.compositions.evaluate(ANONYMOUS, ident)

    try:
        return asyncio.run(load())
    except NotFound:
        fail(f"no public or unlisted composition {ident} in the store")
    except StoreError as exc:
        fail(str(exc), code=1)


@app.command("post")
def post_command(
    source: Annotated[
        str,
        typer.Argument(help="A composition JSON file, or the id of a stored composition."),
    ],
    post_format: Annotated[
        str, typer.Option("--format", help="discord (webhook payloads as JSON), markdown or text.")
    ] = "markdown",
    roles_file: Annotated[
        Path | None, typer.Option("--roles", help="A roles table JSON file.")
    ] = None,
) -> None:
    """Write a squad and its evaluation as a post: Discord messages, Markdown or text.

    An id reads the store ``GW2WVW_DATABASE_URL`` names (else the embedded file); only public
    and unlisted compositions are posted from it.
    """
    from gw2wvw.squad import POST_FORMATS, CompositionError, evaluate, render_post, squad_post

    if post_format not in POST_FORMATS:
        fail(f"--format {post_format!r} is not one of {', '.join(POST_FORMATS)}")
    table = _roles(roles_file)
    path = Path(source)
    try:
        ident = None if path.exists() else uuid.UUID(source)
    except ValueError:
        fail(f"{source} is neither a file nor a composition id")
    try:
        if ident is None:
            composition = _composition_file(path)
            evaluation = evaluate(composition, table)
        else:
            composition, evaluation = _stored(ident, table)
        post = squad_post(composition, evaluation, table, current_gamedata())
    except CompositionError as exc:
        fail(str(exc))
    rendered = render_post(post, post_format)
    if isinstance(rendered, str):
        sys.stdout.write(rendered)
    else:
        print_json(rendered)
