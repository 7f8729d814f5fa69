"""``gw2wvw build``: decode, encode and validate build chat codes."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from gw2wvw.cli._context import current_gamedata
from gw2wvw.cli._output import console, fail, print_json

if TYPE_CHECKING:
    from pydantic import ValidationError

    from gw2wvw.builds import Build, ValidationReport
    from gw2wvw.builds.view import BuildView
    from gw2wvw.gamedata import GameData

# The models, the game data and rich's tables are imported by the commands that use them: every
# command of the CLI (and its --help) loads this module.

app = typer.Typer(help="Decode, encode and validate build chat codes.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _pydantic_message(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = "/" + "/".join(str(p) for p in first["loc"])
    more = exc.error_count() - 1
    return f"invalid build JSON at {where}: {first['msg']}" + (
        f" (and {more} more)" if more else ""
    )


def _read(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        fail(f"cannot read {source}: {exc.strerror or exc}")
    except UnicodeDecodeError:
        fail(f"{source} is not UTF-8 text")


def _build_from_text(text: str, data: GameData) -> Build:
    from pydantic import ValidationError

    from gw2wvw.builds import Build, BuildError
    from gw2wvw.builds.view import BuildView
    from gw2wvw.chatcode import ChatCodeError

    text = text.strip()
    try:
        if text.startswith("[&"):
            return Build.from_chat_code(text, data)
        if '"skill_names"' in text:  # the shape decode --json prints: its ids make the build
            return BuildView.model_validate_json(text).to_build()
        return Build.model_validate_json(text)
    except (ChatCodeError, BuildError) as exc:
        fail(str(exc))
    except ValidationError as exc:
        if exc.title in ("Build", "BuildView") and any(
            e["type"] == "json_invalid" for e in exc.errors()
        ):
            fail("input is neither a chat code ([&...]) nor valid build JSON")
        fail(_pydantic_message(exc))


def _load_input(source: str, data: GameData) -> Build:
    text = source if source.strip().startswith("[&") else _read(source)
    return _build_from_text(text, data)


def _skill(skill_id: int | None, described: BuildView) -> str:
    if skill_id is None:
        return "-"
    return f"{described.skill_names.get(skill_id, '?')} ({skill_id})"


def _print_build(described: BuildView) -> None:
    from rich.table import Table

    table = Table(show_header=False, box=None, pad_edge=False)
    table.add_column(style="bold")
    table.add_column(overflow="fold")
    table.add_row("Profession", described.profession)
    for index, line in enumerate(described.specializations, start=1):
        if line.id is None:
            table.add_row(f"Line {index}", "-")
            continue
        traits = " / ".join(
            f"{name} ({tid})" if tid is not None else "-"
            for tid, name in zip(line.traits, line.trait_names, strict=True)
        )
        elite = " · elite" if line.elite else ""
        table.add_row(f"Line {index}", f"{line.name or '?'} ({line.id}){elite}: {traits}")
    for medium, bar in (
        ("Land", described.skills.terrestrial),
        ("Water", described.skills.aquatic),
    ):
        skills = [bar.heal, *bar.utilities, bar.elite]
        table.add_row(f"{medium} skills", ", ".join(_skill(s, described) for s in skills))
    if described.weapons:
        table.add_row("Weapons", ", ".join(described.weapons))
    if described.pets is not None:
        pets = described.pets

        def pet(pet_id: int | None) -> str:
            return "-" if pet_id is None else f"{described.pet_names.get(pet_id, '?')} ({pet_id})"

        table.add_row("Land pets", ", ".join(pet(p) for p in pets.terrestrial))
        table.add_row("Water pets", ", ".join(pet(p) for p in pets.aquatic))
    if described.legends is not None:
        legends = described.legends

        def legend(legend_id: str | None) -> str:
            if legend_id is None:
                return "-"
            return f"{described.legend_names.get(legend_id, '?')} ({legend_id})"

        table.add_row("Land legends", ", ".join(legend(x) for x in legends.terrestrial))
        table.add_row("Water legends", ", ".join(legend(x) for x in legends.aquatic))
    if described.skill_overrides:
        overrides = ", ".join(_skill(s, described) for s in described.skill_overrides)
        table.add_row("Skill overrides", overrides)
    if described.stats is not None:
        table.add_row("Stats", f"{described.stats_name or '?'} ({described.stats})")
    console.print(table)
    # The code goes on a line of its own, never folded by the table: it is pasted into the
    # game whole (a narrow terminal wraps it for the eye; copying still takes all of it).
    console.print(f"Chat code {described.chat_code or '-'}", soft_wrap=True, highlight=False)


def _print_report(report: ValidationReport) -> None:
    from rich.table import Table

    if not report.issues:
        console.print("[green]valid[/green]: no problems found")
        return
    table = Table("severity", "code", "path", "message")
    for issue in report.issues:
        colour = "red" if issue.severity == "error" else "yellow"
        table.add_row(
            f"[{colour}]{issue.severity}[/{colour}]", issue.code, issue.path, issue.message
        )
    console.print(table)
    verdict = "[green]valid[/green]" if report.valid else "[red]invalid[/red]"
    errors, warnings = len(report.errors), len(report.warnings)
    console.print(
        f"{verdict}: {errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    )


@app.command()
def decode(
    code: Annotated[str, typer.Argument(help="A build chat code, e.g. '[&DQEQ...]'.")],
    json_output: JsonOption = False,
) -> None:
    """Decode a build chat code and show it with names."""
    from gw2wvw.builds.view import describe

    data = current_gamedata()
    described = describe(_build_from_text(code, data), data)
    if json_output:
        print_json(described.model_dump(mode="json"))
    else:
        _print_build(described)


@app.command()
def encode(
    source: Annotated[
        str,
        typer.Argument(help="Build JSON (or what build decode --json prints) file, or -."),
    ] = "-",
) -> None:
    """Encode a build written as JSON (or decode's --json output) into its chat code."""
    from gw2wvw.builds import BuildError

    data = current_gamedata()
    build = _build_from_text(_read(source), data)
    try:
        typer.echo(build.to_chat_code(data))
    except BuildError as exc:
        fail(str(exc))


@app.command(name="validate")
def validate_command(
    source: Annotated[
        str, typer.Argument(help="A chat code, a build JSON file, or - for standard input.")
    ],
    json_output: JsonOption = False,
) -> None:
    """Validate a build; exit 0 when valid, 1 when invalid, 2 when the input is unusable."""
    from gw2wvw.builds import validate
    from gw2wvw.builds.view import describe

    data = current_gamedata()
    build = _load_input(source, data)
    report = validate(build, data)
    if json_output:
        print_json(
            {
                "valid": report.valid,
                "issues": [i.model_dump(mode="json") for i in report.issues],
                "build": json.loads(describe(build, data).model_dump_json()),
            }
        )
    else:
        _print_report(report)
    if not report.valid:
        raise typer.Exit(1)
