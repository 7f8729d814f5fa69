"""``gw2wvw roles list``: the roles table as a rich table or JSON, and user tables."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import _output, app
from gw2wvw.squad.roles import load_roles

runner = CliRunner()


@pytest.fixture(autouse=True)
def wide_console() -> Iterator[None]:
    """A console wide enough that no id of the table wraps, whatever terminal runs the tests."""
    console = _output.console
    saved = console._width
    console._width = 250
    yield
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


def test_list_json_is_every_archetype_as_in_the_table() -> None:
    result = runner.invoke(app, ["roles", "list", "--json"])
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    table = load_roles()
    assert [a["id"] for a in listed] == [a.id for a in table.archetypes]
    assert listed[0] == table.archetypes[0].model_dump(mode="json")
    tempest = next(a for a in listed if a["id"] == "tempest-heal")
    assert tempest["party"]["boons"]["alacrity"]["departure"]
    assert tempest["example"]["constructed"] is True


def test_list_table_shows_names_boons_and_ratings() -> None:
    result = runner.invoke(app, ["roles", "list"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"WvW roles ({len(load_roles())} archetypes)" in out
    row = next(line for line in out.splitlines() if "firebrand-stab" in line)
    # Specialization by name, stack estimates, the 0-3 ratings and the confidence.
    assert "Guardian" in row
    assert "Firebrand" in row
    assert "might 5" in row
    assert "stability 3" in row
    assert "2/0/3" in row
    assert "0/2/1" in row
    assert "high" in row
    tempest = next(line for line in out.splitlines() if "tempest-heal" in line)
    assert "alacrity*" in tempest
    holosmith = next(line for line in out.splitlines() if "holosmith-damage" in line)
    assert " - " in holosmith


def test_list_reads_a_user_table(tmp_path: Path) -> None:
    path = _user_table(tmp_path, "herald-boon", "scourge-strip")
    result = runner.invoke(app, ["roles", "list", "--roles", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert [a["id"] for a in json.loads(result.stdout)] == ["herald-boon", "scourge-strip"]
    result = runner.invoke(app, ["roles", "list", "--roles", str(path)])
    assert result.exit_code == 0
    assert "Herald" in result.stdout
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
