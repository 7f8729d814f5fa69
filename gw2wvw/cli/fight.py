"""``gw2wvw fight``: read Elite Insights logs, review them against a plan, calibrate figures."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from gw2wvw.cli._output import console, fail, print_json

if TYPE_CHECKING:
    from gw2wvw.fights import Log
    from gw2wvw.fights.night import NightReport
    from gw2wvw.fights.report import FightReport, Stat
    from gw2wvw.fights.review import Review
    from gw2wvw.squad import Composition, Figures, RolesTable

app = typer.Typer(help="Review WvW fights from Elite Insights logs.", no_args_is_help=True)

Logs = Annotated[list[Path], typer.Argument(help="Elite Insights JSON logs (.json, .gz, .zip).")]
RolesOption = Annotated[Path | None, typer.Option("--roles", help="A roles table JSON file.")]
FiguresOption = Annotated[
    Path | None,
    typer.Option("--figures", help="A figures table instead of the bundled one."),
]
ModeOption = Annotated[
    str | None, typer.Option("--mode", help="zerg, guild_raid, havoc or roaming.")
]


def _logs(paths: list[Path]) -> list[tuple[Path, Log]]:
    """Every log read, with a progress bar when there are several; one bad file fails all."""
    from gw2wvw.fights import FightLogError, read_log

    read: list[tuple[Path, Log]] = []
    with Progress(console=console, transient=True, disable=len(paths) < 2) as progress:
        task = progress.add_task("reading logs", total=len(paths))
        for path in paths:
            try:
                read.append((path, read_log(path)))
            except FightLogError as exc:
                fail(" ".join(str(exc).split()))
            progress.advance(task)
    return read


def _roles(path: Path | None) -> RolesTable:
    from gw2wvw.cli.squad import _roles as roles

    return roles(path)


def _figures(path: Path | None) -> Figures:
    from gw2wvw.cli.squad import _figures as figures
    from gw2wvw.squad import load_figures

    return figures(path) or load_figures()


def _mode(mode: str | None) -> Any:
    from gw2wvw.squad import MODES

    if mode is not None and mode not in MODES:
        fail(f"--mode {mode!r} is not one of {', '.join(MODES)}")
    return mode


def _plan(source: str, table: RolesTable) -> Composition:
    """The plan to review against: a composition file, or a stored composition's id."""
    import uuid

    from pydantic import ValidationError

    from gw2wvw.cli.squad import _read, _stored, _validation_message
    from gw2wvw.squad import Composition

    path = Path(source)
    if not path.exists():
        try:
            ident = uuid.UUID(source)
        except ValueError:
            fail(f"--plan {source} is neither a file nor a composition id")
        return _stored(ident, table)[0]
    try:
        return Composition.model_validate_json(_read(path))
    except ValidationError as exc:
        fail(_validation_message(exc, f"composition in {path}"))


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f}" if abs(value) < 100 else f"{value:.0f}"


def _print_review(fight: FightReport, reviewed: Review) -> None:
    when = f", {fight.start:%Y-%m-%d %H:%M}" if fight.start is not None else ""
    console.print(
        f"[bold]{fight.map}[/bold]{when}, {fight.duration_s:.0f} s, "
        f"{len(fight.players())} in the squad, {len(fight.outside)} outside it; "
        f"commander {fight.commander or 'unknown'}",
        highlight=False,
    )
    planned = reviewed.plan is not None
    for party in reviewed.parties:
        measured = fight.party(party.group) if party.group is not None else None
        title = f"party {party.party} / group {party.group}" if planned else f"group {party.group}"
        if measured is not None:
            console.print(
                f"{title}: "
                + ", ".join(f"{m.name} ({m.specialization})" for m in measured.members),
                highlight=False,
            )
        table = Table()
        table.add_column("goal")
        if planned:
            table.add_column("planned", justify="right")
        table.add_column("measured", justify="right")
        if planned:
            table.add_column("gap", justify="right")
        table.add_column("target", justify="right")
        for goal, row in party.goals.items():
            cells: list[str] = [goal]
            if planned:
                cells.append(_number(row.planned))
            cells.append(_number(row.measured))
            if planned:
                cells.append(_number(row.gap))
            cells.append(_number(row.target))
            table.add_row(*cells)
        console.print(table)
        for label, names in (
            ("missing", party.missing),
            ("moved", party.moved),
            ("unplanned", party.unplanned if planned else ()),
            ("lacked", party.lacked),
        ):
            if names:
                console.print(f"  {label}: {', '.join(names)}", highlight=False)
        for change in party.changed:
            console.print(
                f"  changed: {change.player} planned {change.planned}, "
                f"played {change.specialization}",
                highlight=False,
            )
    for finding in reviewed.findings:
        console.print(f"- {finding}", highlight=False, markup=False)
    for line in fight.missing:
        console.print(f"[dim]not computed: {line}[/dim]", highlight=False)


def _print_top(night: NightReport) -> None:
    table = Table(title="top stats (rates over the fights present)", title_justify="left")
    table.add_column("account", no_wrap=True)
    table.add_column("played", no_wrap=True)
    table.add_column("fights", justify="right")
    columns: tuple[tuple[str, Stat], ...] = (
        ("strips/m", "strips"),
        ("cleanses/m", "cleanses"),
        ("heal/s", "healing"),
        ("damage/s", "damage"),
    )
    for title, _ in columns:
        table.add_column(title, justify="right")
    table.add_column("deaths", justify="right")
    for player in sorted(night.players, key=lambda p: -p.totals.get("damage", 0.0)):
        played = max(player.specializations, key=lambda s: player.specializations[s])
        table.add_row(
            player.account,
            played,
            str(player.fights),
            *(_number(player.rates.get(stat)) for _, stat in columns),
            _number(player.totals.get("deaths")),
        )
    console.print(table)


@app.command("report")
def report_command(
    logs: Logs,
    plan: Annotated[
        str | None,
        typer.Option(
            "--plan",
            help="A composition JSON file, or a stored (public or unlisted) composition's id, "
            "to review against.",
        ),
    ] = None,
    mode: ModeOption = None,
    roles_file: RolesOption = None,
    figures_file: FiguresOption = None,
    json_output: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Report fights: per party the boons measured (against the plan with --plan), top stats."""
    from gw2wvw.fights.night import night
    from gw2wvw.fights.report import report
    from gw2wvw.fights.review import review, review_fight
    from gw2wvw.squad import CompositionError

    chosen = _mode(mode)
    table = _roles(roles_file)
    figures = _figures(figures_file)
    composition = _plan(plan, table) if plan is not None else None
    fights = [report(log, source=path.name, roles=table) for path, log in _logs(logs)]
    try:
        reviews = [
            review(composition, f, table, figures, mode=chosen)
            if composition is not None
            else review_fight(f, chosen or "zerg", table, figures)
            for f in fights
        ]
    except CompositionError as exc:
        fail(str(exc))
    together = night(fights)
    if json_output:
        print_json(
            {
                "fights": [f.model_dump(mode="json") for f in fights],
                "reviews": [r.model_dump(mode="json") for r in reviews],
                "night": together.model_dump(mode="json"),
            }
        )
        return
    for fight, reviewed in zip(fights, reviews, strict=True):
        _print_review(fight, reviewed)
    _print_top(together)


@app.command("composition")
def composition_command(
    log: Annotated[Path, typer.Argument(help="An Elite Insights JSON log.")],
    output: Annotated[Path, typer.Option("--output", help="Where to write the composition.")],
    mode: ModeOption = None,
    roles_file: RolesOption = None,
) -> None:
    """Write the composition of a fight's own parties (members by account and archetype)."""
    from gw2wvw.fights.report import report
    from gw2wvw.fights.review import ReviewError, composition_of

    chosen = _mode(mode)
    table = _roles(roles_file)
    ((path, read),) = _logs([log])
    try:
        made = composition_of(report(read, source=path.name, roles=table), mode=chosen or "zerg")
    except ReviewError as exc:
        fail(str(exc))
    _write(output, made.model_dump_json(indent=1, exclude_none=True) + "\n")
    console.print(f"wrote {output}: {made.size} members in {len(made.parties)} parties")


@app.command("calibrate")
def calibrate_command(
    logs: Logs,
    output: Annotated[Path, typer.Option("--output", help="Where to write the figures.")],
    roles_file: RolesOption = None,
    figures_file: Annotated[
        Path | None,
        typer.Option("--figures", help="The figures to update (default: the bundled ones)."),
    ] = None,
) -> None:
    """Fold fights into the boon figures by the documented rule and write the new table."""
    from gw2wvw.fights.calibrate import calibrate, label
    from gw2wvw.squad.figures import dump_figures

    table = _roles(roles_file)
    base = _figures(figures_file)
    read = _logs(logs)
    made = calibrate([(label(str(p), log), log) for p, log in read], table, base=base)
    _write(output, dump_figures(made))
    console.print(
        f"wrote {output}: {len(made.fights)} fights, "
        f"{sum(f.squad_players for f in made.fights[-len(read) :])} squad members added"
    )


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror or exc}")
