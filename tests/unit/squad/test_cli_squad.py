"""``gw2wvw squad build`` and ``gw2wvw squad evaluate``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.cli.squad import parse_lock
from gw2wvw.squad import Lock

runner = CliRunner()
CORE = ("stability", "quickness", "alacrity", "might", "healing")


@pytest.mark.parametrize(("size", "parties"), [(50, [5] * 10), (35, [5] * 7), (12, [4, 4, 4])])
def test_build_json_has_the_documented_shape(size: int, parties: list[int]) -> None:
    result = runner.invoke(app, ["squad", "build", "--size", str(size), "--mode", "zerg", "--json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["status"] == "optimal"
    assert isinstance(plan["objective"], float)
    assert [len(p) for p in plan["parties"]] == parties
    for party in plan["parties"]:
        for member in party:
            assert {"player", "archetype", "profession", "specialization", "chat_code"} <= set(
                member
            )
            assert member["player"] is None
            assert member["chat_code"].startswith("[&DQ")
    evaluation = plan["evaluation"]
    assert 0 <= evaluation["score"] <= 100
    assert isinstance(evaluation["findings"], list)
    assert len(evaluation["parties"]) == len(parties)
    for party in evaluation["parties"]:
        assert all(party["coverage"][boon] is True for boon in CORE)


def test_build_table_shows_parties_coverage_and_findings() -> None:
    result = runner.invoke(app, ["squad", "build", "--size", "10"])
    assert result.exit_code == 0, result.output
    assert "Party 1" in result.stdout
    assert "Party 2" in result.stdout
    assert "Coverage" in result.stdout
    assert "stability" in result.stdout
    assert "Solver: optimal" in result.stdout
    assert "Score" in result.stdout


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_roster_with_header_preferences_commander_and_locks(tmp_path: Path) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        "player,archetypes\n"
        "*Boss,firebrand-stab\n"
        "Ann,tempest-heal:1,scourge-strip\n"
        "Bob,scourge-strip,reaper-damage\n"
        "Cid,herald-boon,vindicator-support\n"
        "Dee,reaper-damage\n"
        "Eve,spellbreaker-strip,berserker-damage\n",
    )
    result = runner.invoke(
        app,
        ["squad", "build", "--roster", str(roster), "--lock", "Cid=herald-boon", "--json"],
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    members = {m["player"]: m for party in plan["parties"] for m in party}
    assert members["Boss"]["commander"] is True
    assert members["Cid"]["archetype"] == "herald-boon"
    assert members["Ann"]["archetype"] in ("tempest-heal", "scourge-strip")
    assert [len(p) for p in plan["parties"]] == [3, 3]
    table = runner.invoke(app, ["squad", "build", "--roster", str(roster), "--size", "5"])
    assert "Bench:" in table.stdout
    assert "(commander)" in table.stdout


def test_json_roster_and_party_lock(tmp_path: Path) -> None:
    players = [
        {"name": f"p{i}", "archetypes": ["firebrand-stab", "tempest-heal", "reaper-damage"]}
        for i in range(10)
    ]
    roster = write(tmp_path, "roster.json", json.dumps({"players": players}))
    result = runner.invoke(
        app, ["squad", "build", "--roster", str(roster), "--lock", "p7=@2", "--json"]
    )
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert "p7" in [m["player"] for m in plan["parties"][1]]


def test_an_infeasible_request_exits_1_with_the_reason(tmp_path: Path) -> None:
    roster = write(tmp_path, "roster.csv", "a,reaper-damage\nb,reaper-damage\n")
    result = runner.invoke(
        app,
        ["squad", "build", "--roster", str(roster), "--lock", "a=@1", "--lock", "b=@2"],
    )
    assert result.exit_code == 1
    assert "b is locked to party 2, but 2 players make 1 party" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--size", "5", "--mode", "raid"], "--mode 'raid' is not one of"),
        ([], "give --size, --roster or both"),
        (["--size", "51"], "less than or equal to 50"),
        (["--size", "5", "--lock", "nobody"], "is not PLAYER=ARCHETYPE[@PARTY]"),
        (["--size", "5", "--lock", "a=@1"], "a size request has no roster"),
        (["--size", "5", "--roles", "/nonexistent.json"], "cannot read /nonexistent.json"),
    ],
)
def test_bad_build_input_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["squad", "build", *args])
    assert result.exit_code == 2
    assert message in result.output


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("r.csv", "a,not-an-archetype\n", "no archetype 'not-an-archetype'"),
        ("r.csv", "a,reaper-damage:lots\n", "preference 'lots' is not a number"),
        ("r.csv", "a\n", "invalid roster"),
        ("r.json", "{broken", "is not valid JSON"),
        ("r.json", '{"players": 3}', "a JSON roster is a list of players"),
    ],
)
def test_bad_rosters_exit_2(tmp_path: Path, name: str, text: str, message: str) -> None:
    roster = write(tmp_path, name, text)
    result = runner.invoke(app, ["squad", "build", "--roster", str(roster)])
    assert result.exit_code == 2
    assert message in result.output


def test_unreadable_roster_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["squad", "build", "--roster", str(tmp_path / "none.csv")])
    assert result.exit_code == 2
    assert "cannot read" in result.output
    binary = write(tmp_path, "bin.csv", "")
    binary.write_bytes(b"\xff\xfe")
    result = runner.invoke(app, ["squad", "build", "--roster", str(binary)])
    assert "not UTF-8" in result.output


def test_lock_syntax() -> None:
    assert parse_lock("Ann=firebrand-stab@3") == Lock(
        player="Ann", archetype="firebrand-stab", party=3
    )
    assert parse_lock(" Bob = tempest-heal ") == Lock(player="Bob", archetype="tempest-heal")
    assert parse_lock("Cid=@2") == Lock(player="Cid", party=2)


def test_evaluate_a_hand_written_composition(tmp_path: Path) -> None:
    composition = {
        "name": "Tuesday",
        "mode": "zerg",
        "parties": [
            {
                "members": [
                    {"player": "Boss", "archetype": "firebrand-stab", "commander": True},
                    {"archetype": "tempest-heal"},
                    {"archetype": "reaper-damage"},
                ]
            },
            {"members": [{"archetype": "reaper-damage"}]},
        ],
    }
    source = write(tmp_path, "comp.json", json.dumps(composition))
    result = runner.invoke(app, ["squad", "evaluate", str(source), "--json"])
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.stdout)
    assert evaluation["parties"][0]["coverage"]["stability"] is True
    assert evaluation["parties"][1]["coverage"]["stability"] is False
    assert "party 2 has no stability" in [f["message"] for f in evaluation["findings"]]
    table = runner.invoke(app, ["squad", "evaluate", str(source)])
    assert "party 2 has no stability" in table.stdout
    assert "Score" in table.stdout


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"parties": []}', "invalid composition"),
        ('{"parties": [{"members": [{"archetype": "nope"}]}]}', "no archetype 'nope'"),
        ("not json", "invalid composition"),
    ],
)
def test_bad_compositions_exit_2(tmp_path: Path, text: str, message: str) -> None:
    source = write(tmp_path, "comp.json", text)
    result = runner.invoke(app, ["squad", "evaluate", str(source)])
    assert result.exit_code == 2
    assert message in result.output
