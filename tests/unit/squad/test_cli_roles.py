"""``gw2wvw roles list``: the roles table as a table that fits a terminal, as JSON, and user
tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import _output, app
from gw2wvw.squad import load_figures, load_roles

runner = CliRunner()


@pytest.fixture
def width() -> Iterator[Any]:
    """Set the console's width for one test (the terminal of whoever runs the tests differs)."""
    console = _output.console
    saved = console._width

    def set_width(columns: int) -> None:
        console._width = columns

    yield set_width
    console._width = saved


def _user_table(tmp_path: Path, *ids: str, change: Any = None) -> Path:
    archetypes = [load_roles()[i].model_dump(mode="json") for i in ids]
    if change is not None:
        change(archetypes)
    path = tmp_path / "roles.json"
    path.write_text(json.dumps({"archetypes": archetypes}), encoding="utf-8")
    return path


def test_roles_is_a_command_group() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "roles" in result.stdout
    result = runner.invoke(app, ["roles"])
    assert "list" in result.stdout


def test_list_json_is_every_archetype_with_its_functions() -> None:
    result = runner.invoke(app, ["roles", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    table = load_roles()
    assert len(listed) == 48
    assert [a["id"] for a in listed] == [a.id for a in table.archetypes]
    assert listed[0] == table.archetypes[0].model_dump(mode="json")
    vocabulary = {"healer", "stability", "boons", "strip", "damage"}
    for archetype in listed:
        assert 1 <= len(archetype["functions"]) <= 2
        assert set(archetype["functions"]) <= vocabulary
    by_id = {a["id"]: a for a in listed}
    assert by_id["firebrand-heal"]["functions"] == ["healer", "stability"]
    assert by_id["firebrand-stab"]["functions"] == ["stability"]
    # Every function of the vocabulary is filled by some archetype.
    assert {f for a in listed for f in a["functions"]} == vocabulary


@pytest.mark.parametrize("columns", [80, 100])
def test_list_table_fits_the_terminal_and_shows_every_id_whole(columns: int, width: Any) -> None:
    width(columns)
    result = runner.invoke(app, ["roles", "list"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert max(len(line) for line in out.splitlines()) <= columns
    assert f"WvW roles ({len(load_roles())} archetypes)" in out
    # An id is what a roster or a lock names: a commander copies it whole from this table.
    cut = [a.id for a in load_roles().archetypes if a.id not in out]
    assert not cut, f"ids broken across lines at {columns} columns: {cut}"


def test_list_table_shows_functions_and_what_each_gives(width: Any) -> None:
    width(200)
    result = runner.invoke(app, ["roles", "list"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    figures = load_figures()
    for archetype in load_roles().archetypes:
        at = next(i for i, line in enumerate(lines) if f" {archetype.id} " in line)
        row = lines[at]
        # One function a line: the first beside the id, a second under it.
        for offset, function in enumerate(archetype.functions):
            assert f" {function} " in lines[at + offset]
        given = figures.of(archetype.id)
        best = max(
            (b for b in given.boons if given.boon(b).party.value >= 0.05),
            key=lambda b: given.boon(b).party.value * (10 if b in ("might", "stability") else 1),
            default=None,
        )
        if best is None:
            assert " - " in row
        else:
            assert best in row


def test_list_reads_a_user_table(tmp_path: Path, width: Any) -> None:
    width(200)
    path = _user_table(tmp_path, "herald-boon", "scourge-strip")
    result = runner.invoke(app, ["roles", "list", "--roles", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [a["id"] for a in json.loads(result.stdout)] == ["herald-boon", "scourge-strip"]
    result = runner.invoke(app, ["roles", "list", "--roles", str(path)])
    assert result.exit_code == 0
    assert "herald-boon" in result.stdout
    assert "firebrand-stab" not in result.stdout


def test_user_table_that_disagrees_with_the_game_data_exits_2(tmp_path: Path) -> None:
    # The shape is valid but the game data disagrees: exit 2 before any table is printed.
    path = _user_table(tmp_path, "herald-boon", change=lambda a: a[0].update(specialization=999))
    result = runner.invoke(app, ["roles", "list", "--roles", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "/archetypes/0/specialization" in result.stderr
    assert "999 is no Revenant specialization" in result.stderr


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (None, "cannot read"),
        ("{not json", "is not valid JSON"),
        ('{"archetypes": []}', "is not a valid roles table: /archetypes: Tuple should have"),
        ("[1, 2]", "is not a valid roles table: /: Input should be a valid dictionary"),
        (
            '{"archetypes": [], "specializations": {"Firebrand": {}}}',
            "give either default or no_squad_role",
        ),
    ],
)
def test_bad_user_table_exits_2_with_one_line(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    path = tmp_path / "roles.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["roles", "list", "--roles", str(path)])
    assert result.exit_code == 2
    assert expected in result.stderr
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1


def test_a_function_outside_the_vocabulary_is_refused(tmp_path: Path) -> None:
    path = _user_table(
        tmp_path, "druid-heal", change=lambda a: a[0].update(functions=["healer", "dancing"])
    )
    result = runner.invoke(app, ["roles", "list", "--roles", str(path), "--json"])
    assert result.exit_code == 2
    assert "/archetypes/0/functions/1" in result.stderr
    assert result.stderr.count("\n") == 1


def test_many_problems_are_counted_on_one_line(tmp_path: Path) -> None:
    def break_ratings(archetypes: list[dict[str, Any]]) -> None:
        for capability in ("strip", "cc", "damage"):
            archetypes[0]["squad"][capability]["tier"] = 7
        archetypes[0]["party"]["healing"]["tier"] = 9

    path = _user_table(tmp_path, "druid-heal", change=break_ratings)
    result = runner.invoke(app, ["roles", "list", "--roles", str(path), "--json"])
    assert result.exit_code == 2
    assert str(path) in result.stderr
    assert "(and 1 more)" in result.stderr
    assert result.stderr.count("\n") == 1
