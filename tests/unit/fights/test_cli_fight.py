"""``gw2wvw fight report|composition|calibrate`` on the shared logs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.squad import Composition, load_figures
from gw2wvw.squad.figures import parse_figures
from tests.unit.fights.conftest import ALPINE, EBG

runner = CliRunner()


def test_report_prints_each_party_and_the_top_stats() -> None:
    result = runner.invoke(app, ["fight", "report", str(EBG), str(ALPINE)])
    assert result.exit_code == 0, result.output
    assert "Eternal Battlegrounds, 2025-11-04 16:38, 93 s, 19 in the squad" in result.stdout
    assert "group 3: Player 5 (Ritualist)" in result.stdout
    assert "- group 4: no healer in the fight" in result.stdout
    assert "top stats" in result.stdout
    assert "Anon0.1000" in result.stdout


def test_report_against_a_plan_shows_planned_measured_and_gap(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    made = runner.invoke(app, ["fight", "composition", str(EBG), "--output", str(plan)])
    assert made.exit_code == 0, made.output
    assert "19 members in 4 parties" in made.stdout
    assert Composition.model_validate_json(plan.read_text()).size == 19
    result = runner.invoke(app, ["fight", "report", str(EBG), "--plan", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    (reviewed,) = document["reviews"]
    assert reviewed["matched"] == 19
    assert [p["group"] for p in reviewed["parties"]] == [2, 3, 4, 5]
    assert document["fights"][0]["commander"] == "Anon8.1296"
    assert len(document["night"]["players"]) == 19
    shown = runner.invoke(app, ["fight", "report", str(EBG), "--plan", str(plan)])
    assert "party 1 / group 2" in shown.stdout
    assert "planned" in shown.stdout
    assert "gap" in shown.stdout


def test_calibrate_writes_figures_evaluate_can_use(tmp_path: Path) -> None:
    packed = tmp_path / "ebg.json.gz"
    packed.write_bytes(gzip.compress(EBG.read_bytes()))
    figures, plan = tmp_path / "figures.json", tmp_path / "plan.json"
    result = runner.invoke(app, ["fight", "calibrate", str(packed), "--output", str(figures)])
    assert result.exit_code == 0, result.output
    learned = parse_figures(figures.read_bytes())
    assert len(learned.fights) == len(load_figures().fights) + 1
    assert learned.fights[-1].source.startswith("ebg.json.gz")
    runner.invoke(app, ["fight", "composition", str(EBG), "--output", str(plan)])
    evaluated = runner.invoke(
        app, ["squad", "evaluate", str(plan), "--figures", str(figures), "--json"]
    )
    assert evaluated.exit_code == 0, evaluated.output
    assert len(json.loads(evaluated.stdout)["parties"]) == 4


def test_bad_files_and_options_fail_with_one_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_bytes(EBG.read_bytes()[:1000])
    for arguments in (
        ["fight", "report", str(broken)],
        ["fight", "report", str(tmp_path / "absent.json")],
        ["fight", "report", str(EBG), "--mode", "pve"],
        ["fight", "calibrate", str(EBG), "--output", str(tmp_path / "no" / "dir.json")],
    ):
        result = runner.invoke(app, arguments)
        assert result.exit_code == 2, arguments
        assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    result = runner.invoke(app, ["fight", "report", str(broken)])
    assert "is truncated" in result.stderr
    plan = tmp_path / "plan.json"
    plan.write_text('{"parties": []}')
    result = runner.invoke(app, ["fight", "report", str(EBG), "--plan", str(plan)])
    assert result.exit_code == 2
    assert "invalid composition" in result.stderr
    unknown = tmp_path / "unknown.json"
    unknown.write_text('{"parties": [{"members": [{"archetype": "paladin"}]}]}')
    result = runner.invoke(app, ["fight", "report", str(EBG), "--plan", str(unknown)])
    assert result.exit_code == 2
    assert "paladin" in result.stderr


def test_another_fight_against_a_plan_names_the_changes(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    runner.invoke(app, ["fight", "composition", str(EBG), "--output", str(plan)])
    # The anonymized accounts of the Alpine fight are those of the EBG plan, on other classes.
    result = runner.invoke(app, ["fight", "report", str(ALPINE), "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    assert "changed: Anon0.1000 planned spellbreaker-strip, played Conduit" in result.stdout
    assert "missing: Anon5.1185" not in result.stdout  # Anon5 fought, in another group
    assert "no group of the fight matched it" in result.stdout


def test_a_fight_of_unknown_specializations_has_no_composition(tmp_path: Path) -> None:
    document = json.loads(EBG.read_bytes())
    for player in document["players"]:
        player["profession"] = "Paladin"
    strange = tmp_path / "strange.json"
    strange.write_text(json.dumps(document))
    result = runner.invoke(
        app, ["fight", "composition", str(strange), "--output", str(tmp_path / "c.json")]
    )
    assert result.exit_code == 2
    assert "no squad member has a known archetype" in result.stderr
