"""``gw2wvw squad build`` and ``gw2wvw squad evaluate``: tables a commander can paste from, the
documented JSON, rosters and locks by specialization name, user figures, and one-line errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from gw2wvw.cli import _output, app
from gw2wvw.cli.squad import parse_lock
from gw2wvw.squad import Lock, SquadRequest, build_squad, load_figures
from tests.unit.squad.conftest import BOONS, STACKED, balanced_sizes

runner = CliRunner()


@pytest.fixture
def columns() -> Iterator[Any]:
    """Set the console's width for one test (the terminal of whoever runs the tests differs)."""
    console = _output.console
    saved = console._width

    def set_width(width: int) -> None:
        console._width = width

    yield set_width
    console._width = saved


def squad(*args: str) -> Result:
    return runner.invoke(app, ["squad", *args])


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def one_line_error(result: Result, *expected: str) -> None:
    """Exit 2 with one line on standard error that says ``expected``."""
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert result.stderr.count("\n") == 1, result.stderr
    for text in expected:
        assert text in result.stderr


# -- the table -----------------------------------------------------------------------------------


def test_build_prints_whole_chat_codes_at_80_columns(columns: Any) -> None:
    plan = build_squad(SquadRequest(size=25, mode="zerg"))
    columns(80)
    result = squad("build", "--size", "25", "--mode", "zerg")
    assert result.exit_code == 0, result.output
    out = result.stdout
    for number in range(1, len(plan.parties) + 1):
        assert f"Party {number}" in out
    codes = {m.chat_code for party in plan.parties for m in party}
    cut = sorted(code for code in codes if code not in out)
    assert not cut, f"chat codes broken or cut at 80 columns: {cut}"
    for party in plan.parties:
        for member in party:
            assert member.specialization_name in out
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "Solver: optimal" in out
    assert "Score" in out


def test_build_table_shows_structure_boons_bench_and_findings(tmp_path: Path, columns: Any) -> None:
    columns(120)
    roster = write(
        tmp_path,
        "roster.csv",
        "*Boss,Firebrand\nAnn,Tempest\nBob,druid\nCid,Scourge\nDee,Spellbreaker\nEve,Weaver\n",
    )
    result = squad("build", "--roster", str(roster), "--size", "5")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "(commander)" in out
    assert "Structure" in out
    assert "Predicted per party" in out
    for boon in ("stability", "quickness", "protection"):
        assert boon in out
    assert "bench" in out
    assert "all 5 slots are taken" in out


# -- the JSON ------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [50, 12, 7])
def test_build_json_has_the_documented_shape(size: int) -> None:
    result = squad("build", "--size", str(size), "--mode", "zerg", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["status"] == "optimal"
    assert isinstance(plan["objective"], float)
    assert plan["gap"] == 0
    assert plan["unfilled"] == 0
    assert plan["bench"] == []
    assert [len(p) for p in plan["parties"]] == balanced_sizes(size)
    for party in plan["parties"]:
        for member in party:
            assert {"player", "archetype", "name", "profession", "specialization"} <= set(member)
            assert member["player"] is None
            assert member["specialization_name"]
            assert member["functions"]
            assert set(member["functions"]) <= {"healer", "stability", "boons", "strip", "damage"}
            assert member["chat_code"].startswith("[&")
            assert member["chat_code"].endswith("]")
    evaluation = plan["evaluation"]
    assert 0 <= evaluation["score"] <= 100
    assert plan["objective"] == pytest.approx(evaluation["score"] + plan["preference_points"])
    assert len(evaluation["parties"]) == len(plan["parties"])
    for party in evaluation["parties"]:
        assert set(party["boons"]) == set(BOONS)
        for boon, uptime in party["boons"].items():
            assert uptime["unit"] == ("stacks" if boon in STACKED else "% uptime")
            assert 0 <= uptime["predicted"] <= (25 if boon in STACKED else 100)
        assert set(party["functions"]) >= {"healer", "stability"} or party["members"] < 4
    assert {f["severity"] for f in evaluation["findings"]} <= {"critical", "warning", "info"}


def test_json_roster_by_specialization_with_bench_and_unfilled(tmp_path: Path) -> None:
    players = [
        {"name": "Boss", "archetypes": ["Firebrand"], "commander": True},
        {"name": "Ann", "archetypes": ["Tempest", "Weaver"], "preferences": {"Weaver": 1}},
        {"name": "Bob", "archetypes": ["druid"]},
        {"name": "Cid", "archetypes": ["Scourge", "Necromancer"]},
        {"name": "Dee", "archetypes": ["spellbreaker"]},
        {"name": "Eve", "archetypes": ["Mirage", "Chronomancer"]},
        {"name": "Fay", "archetypes": ["Renegade"]},
    ]
    roster = write(tmp_path, "roster.json", json.dumps({"players": players}))
    result = squad("build", "--roster", str(roster), "--size", "5", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    members = {m["player"]: m for party in plan["parties"] for m in party}
    assert members["Boss"]["commander"] is True
    assert members["Boss"]["specialization_name"] == "Firebrand"
    assert len(members) == 5
    assert len(plan["bench"]) == 2
    assert all(b["reason"] for b in plan["bench"])
    assert {b["player"] for b in plan["bench"]} | set(members) == {p["name"] for p in players}
    short = squad("build", "--roster", str(roster), "--size", "10", "--json")
    assert short.exit_code == 0, short.output
    short_plan = json.loads(short.stdout)
    assert short_plan["unfilled"] == 3
    assert short_plan["slots"] == 10
    unfilled = [f for f in short_plan["evaluation"]["findings"] if f["code"] == "unfilled_slots"]
    assert [f["severity"] for f in unfilled] == ["warning"]


def test_csv_roster_with_header_preferences_commander_and_a_lock(tmp_path: Path) -> None:
    roster = write(
        tmp_path,
        "roster.csv",
        "player,archetypes\n"
        "*Boss,Luminary\n"
        "Ann,Firebrand,Tempest:1\n"
        "Bob,druid,Scrapper\n"
        "Cid,Scourge,reaper-damage\n"
        "Dee,Spellbreaker\n"
        "Eve,Herald,Renegade\n"
        "Fay,Chronomancer\n"
        "Gus,Weaver\n"
        "Hal,Bladesworn,Daredevil\n"
        "Ivy,Tempest\n",
    )
    result = squad("build", "--roster", str(roster), "--lock", "Ann=Firebrand@1", "--json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    first = {m["player"]: m for m in plan["parties"][0]}
    assert first["Ann"]["archetype"] == "firebrand-stab"
    members = {m["player"]: m for party in plan["parties"] for m in party}
    assert members["Boss"]["commander"] is True
    assert len(members) + len(plan["bench"]) == 10


def test_a_lock_to_something_the_player_did_not_list_exits_2(tmp_path: Path) -> None:
    roster = write(tmp_path, "roster.csv", "Ann,Tempest\nBob,druid\n")
    one_line_error(squad("build", "--roster", str(roster), "--lock", "Ann=Firebrand"), "Ann")


def test_lock_syntax() -> None:
    assert parse_lock("Ann=Firebrand@1") == Lock(player="Ann", archetype="Firebrand", party=1)
    assert parse_lock("Ann=firebrand-stab@3") == Lock(
        player="Ann", archetype="firebrand-stab", party=3
    )
    assert parse_lock(" Bob = tempest-heal ") == Lock(player="Bob", archetype="tempest-heal")
    assert parse_lock("Cid=@2") == Lock(player="Cid", party=2)


def test_an_infeasible_request_exits_1_with_the_reason(tmp_path: Path) -> None:
    roster = write(tmp_path, "roster.csv", "a,Reaper\nb,Reaper\n")
    result = squad("build", "--roster", str(roster), "--lock", "a=@1", "--lock", "b=@2")
    assert result.exit_code == 1
    assert "b is locked to party 2" in result.stdout


# -- user figures ----------------------------------------------------------------------------------


def bundled_figures() -> dict[str, Any]:
    text = resources.files("gw2wvw.squad").joinpath("figures.json").read_text(encoding="utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


PARTY = ["tempest-heal", "firebrand-stab", "paragon-support", "spellbreaker-strip", "scourge-strip"]


def test_figures_file_changes_the_prediction(tmp_path: Path) -> None:
    source = write(
        tmp_path,
        "comp.json",
        json.dumps({"parties": [{"members": [{"archetype": a} for a in PARTY]}]}),
    )
    document = bundled_figures()
    stability = document["archetypes"]["firebrand-stab"]["boons"]["stability"]
    stability["party"]["value"] += 1.0
    figures = write(tmp_path, "figures.json", json.dumps(document))
    plain = json.loads(squad("evaluate", str(source), "--json").stdout)
    result = squad("evaluate", str(source), "--json", "--figures", str(figures))
    assert result.exit_code == 0, result.output
    changed = json.loads(result.stdout)
    before = plain["parties"][0]["boons"]["stability"]["predicted"]
    after = changed["parties"][0]["boons"]["stability"]["predicted"]
    # The four other members each get one stack more of the Firebrand's: 4/5 of a stack a member.
    assert after - before == pytest.approx(4 / 5, abs=2e-3)
    assert changed["parties"][0]["boons"]["might"] == plain["parties"][0]["boons"]["might"]


def test_build_plans_with_the_figures_file(tmp_path: Path) -> None:
    document = bundled_figures()
    for archetype in document["archetypes"].values():
        archetype["boons"].pop("quickness", None)
    document["other_parties"].pop("quickness", None)
    figures = write(tmp_path, "figures.json", json.dumps(document))
    result = squad("build", "--size", "5", "--json", "--figures", str(figures))
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    for party in plan["evaluation"]["parties"]:
        assert party["boons"]["quickness"]["predicted"] == 0
    bundled = json.loads(squad("build", "--size", "5", "--json").stdout)
    assert any(p["boons"]["quickness"]["predicted"] > 0 for p in bundled["evaluation"]["parties"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, "cannot read"),
        ("{not json", "is not valid JSON"),
        (
            '{"archetypes": {"firebrand-stab": {"strips": {"value": -3, "basis": "prior"}}}}',
            "invalid figures table at /archetypes/firebrand-stab/strips/value",
        ),
        ('{"archetypes": 3}', "invalid figures table"),
    ],
)
def test_bad_figures_files_exit_2_with_one_line(
    tmp_path: Path, text: str | None, expected: str
) -> None:
    path = tmp_path / "figures.json"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    one_line_error(squad("build", "--size", "5", "--figures", str(path)), expected)
    source = write(
        tmp_path, "comp.json", json.dumps({"parties": [{"members": [{"archetype": "Tempest"}]}]})
    )
    one_line_error(squad("evaluate", str(source), "--figures", str(path)), expected)


# -- bad input -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--size", "5", "--mode", "raid"], ["--mode 'raid' is not one of", "zerg", "roaming"]),
        ([], ["give --size, --roster or both"]),
        (["--size", "51"], ["less than or equal to 50"]),
        (["--size", "6", "--mode", "roaming"], ["roaming", "6"]),
        (["--size", "5", "--lock", "nobody"], ["is not PLAYER=ARCHETYPE[@PARTY]"]),
        (["--size", "5", "--lock", "a=@1"], ["a size request has no roster"]),
        (["--size", "5", "--roles", "/nonexistent.json"], ["cannot read /nonexistent.json"]),
    ],
)
def test_bad_build_input_exits_2_with_one_line(args: list[str], expected: list[str]) -> None:
    one_line_error(squad("build", *args), *expected)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("r.csv", "a,Firebrnd\n", ["Firebrnd", "did you mean", "Firebrand"]),
        ("r.csv", "a,scourge-stirp\n", ["scourge-stirp", "scourge-strip"]),
        ("r.json", '[{"name": "a", "archetypes": ["Druidd"]}]', ["Druidd", "Druid"]),
        ("r.csv", "a,Reaper:lots\n", ["preference 'lots' is not a number"]),
        ("r.csv", "a\n", ["invalid roster"]),
        ("r.json", "{broken", ["is not valid JSON"]),
        ("r.json", '{"players": 3}', ["a JSON roster is a list of players"]),
    ],
)
def test_bad_rosters_exit_2_with_one_line(
    tmp_path: Path, name: str, text: str, expected: list[str]
) -> None:
    roster = write(tmp_path, name, text)
    one_line_error(squad("build", "--roster", str(roster)), *expected)


def test_unreadable_rosters_exit_2(tmp_path: Path) -> None:
    one_line_error(squad("build", "--roster", str(tmp_path / "none.csv")), "cannot read")
    binary = tmp_path / "bin.csv"
    binary.write_bytes(b"\xff\xfe")
    one_line_error(squad("build", "--roster", str(binary)), "not UTF-8")


# -- evaluate ------------------------------------------------------------------------------------


def test_evaluate_json_gives_every_partys_every_boon_in_ei_units(tmp_path: Path) -> None:
    parties = [
        PARTY,
        ["druid-heal", "Luminary", "Chronomancer", "Reaper", "untamed-strip"],
        ["Weaver"],
    ]
    source = write(
        tmp_path,
        "comp.json",
        json.dumps(
            {
                "mode": "zerg",
                "parties": [{"members": [{"archetype": a} for a in p]} for p in parties],
            }
        ),
    )
    result = squad("evaluate", str(source), "--json")
    assert result.exit_code == 0, result.output
    evaluation = json.loads(result.stdout)
    figures = load_figures()
    assert len(evaluation["parties"]) == 3
    for party, names in zip(evaluation["parties"], parties, strict=True):
        assert set(party["boons"]) == set(BOONS)
        for boon in BOONS:
            uptime = party["boons"][boon]
            assert uptime["unit"] == ("stacks" if boon in STACKED else "% uptime")
            assert {"predicted", "target", "from_party", "from_squad", "contributions"} <= set(
                uptime
            )
        # Every member's contribution, by hand, for the party's quickness.
        n = len(names)
        for contribution in party["boons"]["quickness"]["contributions"]:
            given = figures.of(contribution["archetype"]).boon("quickness")
            share = ((n - 1) * given.party.value + given.self_.value) / n
            assert contribution["amount"] == pytest.approx(share, abs=1e-3)
    assert {"strips", "cleanses", "healing", "damage"} <= set(evaluation["squad"])
    assert "no healer" not in " ".join(
        f["message"] for f in evaluation["findings"] if f["party"] == 1
    )


def test_evaluate_table_speaks_a_commanders_words(tmp_path: Path, columns: Any) -> None:
    columns(120)
    no_healer = ["Firebrand", "Chronomancer", "Scourge", "Spellbreaker", "Reaper"]
    source = write(
        tmp_path,
        "comp.json",
        json.dumps(
            {
                "parties": [
                    {"members": [{"archetype": a} for a in PARTY]},
                    {"members": [{"archetype": a} for a in no_healer]},
                ]
            }
        ),
    )
    result = squad("evaluate", str(source))
    assert result.exit_code == 0, result.output
    assert "party 2: no healer" in result.stdout
    assert "party 1: no healer" not in result.stdout
    assert "Score" in result.stdout


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"parties": []}', ["invalid composition"]),
        ('{"parties": [{"members": [{"archetype": "Firebrnd"}]}]}', ["Firebrnd", "Firebrand"]),
        ("not json", ["invalid composition"]),
    ],
)
def test_bad_compositions_exit_2_with_one_line(
    tmp_path: Path, text: str, expected: list[str]
) -> None:
    source = write(tmp_path, "comp.json", text)
    one_line_error(squad("evaluate", str(source)), *expected)
