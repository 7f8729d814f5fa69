"""``gw2wvw squad post`` and chat codes on the command line: whole at any terminal width,
``--codes`` one a line, ``--output`` a composition file, and ``roles list`` at 80 columns."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gw2wvw.cli import _output, app
from gw2wvw.squad import BOONS, Composition, load_roles
from tests.support.discord_server import violations

runner = CliRunner()
CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"


@pytest.fixture
def columns() -> Iterator[Any]:
    """Set the console's width for one test, as COLUMNS sets it for a terminal."""
    console = _output.console
    saved = console._width

    def set_width(width: int) -> None:
        console._width = width

    yield set_width
    console._width = saved


def gw2wvw(*args: str) -> Result:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.fixture(scope="module")
def squad_file(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A 50-player squad written by ``squad build --output``, and its codes from ``--codes``."""
    path = tmp_path_factory.mktemp("post") / "squad.json"
    result = gw2wvw("squad", "build", "--size", "50", "--output", str(path), "--codes")
    return path, result.stdout.splitlines()


def test_build_codes_prints_one_code_a_line_and_output_writes_the_composition(
    squad_file: tuple[Path, list[str]],
) -> None:
    path, codes = squad_file
    assert len(codes) == 50
    assert all(code.startswith("[&") and code.endswith("]") for code in codes)
    composition = Composition.model_validate_json(path.read_text())
    assert composition.size == 50
    roles = load_roles()
    expected = [
        roles.resolve(m.archetype or "").example.chat_code
        for p in composition.parties
        for m in p.members
    ]
    assert codes == expected
    evaluated = gw2wvw("squad", "evaluate", str(path), "--codes")
    assert evaluated.stdout.splitlines() == codes


@pytest.mark.parametrize("width", [60, 200])
def test_post_text_and_markdown_keep_every_code_whole_at_any_width(
    squad_file: tuple[Path, list[str]], columns: Any, width: int
) -> None:
    columns(width)
    path, codes = squad_file
    for post_format in ("text", "markdown"):
        out = gw2wvw("squad", "post", str(path), "--format", post_format).stdout
        for code, members in Counter(codes).items():
            assert out.count(code) == members, post_format
        assert "Party 10" in out
        assert "Findings" in out


def test_post_discord_prints_payloads_within_discords_limits(
    squad_file: tuple[Path, list[str]],
) -> None:
    path, codes = squad_file
    messages = json.loads(gw2wvw("squad", "post", str(path), "--format", "discord").stdout)
    assert len(messages) > 1
    for message in messages:
        assert violations(message) == []
    everything = json.dumps(messages)
    for code, members in Counter(codes).items():
        assert everything.count(f"`{code}`") == members


@pytest.mark.parametrize("width", [60, 200])
def test_build_tables_print_codes_whole(columns: Any, width: int) -> None:
    columns(width)
    out = gw2wvw("squad", "build", "--size", "10").stdout
    codes = gw2wvw("squad", "build", "--size", "10", "--codes").stdout.splitlines()
    lines = out.splitlines()
    for code in codes:
        assert any(code in line for line in lines), code
    decoded = gw2wvw("build", "decode", CODE).stdout.splitlines()
    assert f"Chat code {CODE}" in decoded


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "html"], "--format 'html' is not one of discord, markdown, text"),
        ([], "is neither a file nor a composition id"),
    ],
)
def test_post_refuses_bad_input_in_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["squad", "post", "no-such-file", *args])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_post_refuses_an_invalid_composition_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"parties": [{"members": [{"archetype": "no-such"}]}]}')
    result = runner.invoke(app, ["squad", "post", str(path)])
    assert result.exit_code == 2
    assert "no-such" in result.stderr
    path.write_text('{"parties": []}')
    result = runner.invoke(app, ["squad", "post", str(path)])
    assert result.exit_code == 2
    assert "invalid composition" in result.stderr


def test_roles_list_at_80_columns_breaks_no_function_or_boon(columns: Any) -> None:
    columns(80)
    lines = gw2wvw("roles", "list").stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    start = lines.index(next(line for line in lines if "───" in line)) + 1
    end = lines.index(next(line for line in lines if line.startswith("gives:")))
    body = lines[start:end]
    cells = [cell.strip() for line in body for cell in line.split("  ") if cell.strip()]
    boon = re.compile(rf"^({'|'.join(BOONS)}) \d+(\.\d|%)$")
    roles = load_roles()
    words = {f for a in roles.archetypes for f in a.functions} | {"prior", "-"}
    # Every cell is whole: an id, a function, a boon with its amount, or how figures were got.
    for cell in cells:
        assert (
            cell in roles
            or cell in words
            or boon.match(cell)
            or re.match(r"^\d+\.\d logged$", cell)
        ), cell
    for archetype in roles.archetypes:
        row = next(line for line in body if line.split()[0] == archetype.id)
        assert archetype.functions[0] in [cell.strip() for cell in row.split("  ")]


@pytest.mark.parametrize("width", ["60", "200"])
def test_a_real_terminal_width_from_columns_never_cuts_a_code(width: str) -> None:
    env = {**os.environ, "COLUMNS": width}
    script = "from gw2wvw.cli import main; main()"

    def run(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", script, *args], capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    codes = run("squad", "build", "--size", "10", "--codes").splitlines()
    assert len(codes) == 10
    lines = run("squad", "build", "--size", "10").splitlines()
    for code in codes:
        assert any(code in line for line in lines), code
    assert max(len(line) for line in lines if "[&" not in line) <= int(width)
    assert f"Chat code {CODE}" in run("build", "decode", CODE).splitlines()
