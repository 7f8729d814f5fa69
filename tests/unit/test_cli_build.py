"""``gw2wvw build decode|encode|validate`` and the root command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from gw2wvw import __version__, chatcode
from gw2wvw.cli import app

runner = CliRunner()

# Ev3nt1ne/gw2-chatlinks-go tests: a Galeshot ranger with three skill overrides.
GALESHOT = "[&DQQIKR46TilUHXkAmgAAAIMdmgB1HQAAWx0AAEI3ARMAAAAAAAAAAAAAAAACMwAJAQNn9wAAm/YAAOj2AAA=]"
# berdandy/chatr: a Ranger code whose first pet (60) does not exist.
BAD_PET = "[&DQQILxk+BRsJEwAAvQAAALkAAADmEgAAtBIAADxAAAAAAAAAAAAAAAAAAAA=]"
# Ev3nt1ne/gw2-chatlinks-go tests: a Renegade with legends on land and in water.
RENEGADE = "[&DQkPPQMZPyrcEdwRBhIGEisSKxLUEdQRyhHKEQUCAwLUESsSBhIGEisS1BECawBaAAA=]"


def test_version_and_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"gw2wvw {__version__}"
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "build" in result.stdout
    assert "gamedata" in result.stdout


def test_decode_json_has_the_documented_shape() -> None:
    result = runner.invoke(app, ["build", "decode", GALESHOT, "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["profession"] == "Ranger"
    assert [s["name"] for s in out["specializations"]] == [
        "Marksmanship",
        "Skirmishing",
        "Galeshot",
    ]
    assert [s["elite"] for s in out["specializations"]] == [False, False, True]
    assert all(len(s["traits"]) == 3 for s in out["specializations"])
    assert set(out["skills"]) == {"terrestrial", "aquatic"}
    assert set(out["skills"]["terrestrial"]) == {"heal", "utilities", "elite"}
    assert len(out["skills"]["aquatic"]["utilities"]) == 3
    assert out["weapons"] == ["Hammer", "Spear"]
    assert out["skill_overrides"] == [63335, 63131, 63208]
    assert out["pets"]["terrestrial"] == [66, 55]
    assert out["legends"] is None
    assert out["chat_code"] == GALESHOT
    assert out["skill_names"]["63335"] == "Unleashed Wild Swing"


def test_decode_table_names_things() -> None:
    result = runner.invoke(app, ["build", "decode", RENEGADE])
    assert result.exit_code == 0
    assert "Renegade (63)" in result.stdout
    assert "Legendary Renegade Stance (Legend5)" in result.stdout
    assert "Shortbow, Sword" in result.stdout


def test_decode_table_shows_pets_overrides_and_stats(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "decode", GALESHOT])
    assert "Unleashed Wild Swing (63335)" in result.stdout
    assert "Land pets" in result.stdout
    build = {"profession": "Guardian", "stats": 1130, "specializations": [None, None, None]}
    source = tmp_path / "build.json"
    source.write_text(json.dumps(build))
    result = runner.invoke(app, ["build", "validate", str(source)])
    assert result.exit_code == 0


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("[&DQEQ", "error: a chat code ends with ']'"),
        ("[&AgEAAA==]", "error: not a build template: type byte 0x02 (item link)"),
        ("[&DQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=]", "profession code 0"),
    ],
)
def test_decode_bad_codes_exit_2_with_one_line(code: str, message: str) -> None:
    result = runner.invoke(app, ["build", "decode", code])
    assert result.exit_code == 2
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_encode_reads_build_json_from_a_file_and_stdin(tmp_path: Path) -> None:
    decoded = json.loads(runner.invoke(app, ["build", "decode", RENEGADE, "--json"]).stdout)
    build = {
        "profession": decoded["profession"],
        "specializations": [
            {"id": s["id"], "traits": s["traits"]} for s in decoded["specializations"]
        ],
        "skills": decoded["skills"],
        "weapons": decoded["weapons"],
        "legends": decoded["legends"],
    }
    source = tmp_path / "renegade.json"
    source.write_text(json.dumps(build))
    result = runner.invoke(app, ["build", "encode", str(source)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == RENEGADE
    result = runner.invoke(app, ["build", "encode", "-"], input=json.dumps(build))
    assert result.stdout.strip() == RENEGADE
    assert chatcode.decode(result.stdout.strip()).legends.terrestrial == (5, 2)


def test_what_decode_json_prints_encodes_and_validates_again(tmp_path: Path) -> None:
    printed = runner.invoke(app, ["build", "decode", RENEGADE, "--json"]).stdout
    source = tmp_path / "renegade.json"
    source.write_text(printed)
    assert runner.invoke(app, ["build", "encode", str(source)]).stdout.strip() == RENEGADE
    assert runner.invoke(app, ["build", "validate", str(source)]).exit_code == 0
    # The names are ignored: only the ids make the build.
    edited = json.loads(printed)
    edited["specializations"][0]["name"] = "anything"
    edited["weapons"] = ["Rifle"]
    source.write_text(json.dumps(edited))
    result = runner.invoke(app, ["build", "validate", str(source)])
    assert result.exit_code == 1
    assert "weapon_not_usable" in result.stdout
    source.write_text(printed.replace('"skills":', '"skills": 1, "x":', 1))
    result = runner.invoke(app, ["build", "encode", str(source)])
    assert result.exit_code == 2
    assert "invalid build JSON at /skills" in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "neither a chat code"),
        ('{"profession": "Guardian", "weapons": [1]}', "invalid build JSON at /weapons/0"),
        (
            '{"specializations": []}',
            "invalid build JSON at /profession: Field required (and 3 more)",
        ),
        ('{"profession": "Guardian", "weapons": ["Lance"]}', "weapon type 'Lance' is unknown"),
    ],
)
def test_encode_bad_input_exits_2(tmp_path: Path, content: str, message: str) -> None:
    source = tmp_path / "build.json"
    source.write_text(content)
    result = runner.invoke(app, ["build", "encode", str(source)])
    assert result.exit_code == 2
    assert message in result.stderr


def test_unreadable_input_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "validate", str(tmp_path / "missing.json")])
    assert result.exit_code == 2
    assert "cannot read" in result.stderr
    binary = tmp_path / "binary"
    binary.write_bytes(b"\xff\xfe\x00")
    result = runner.invoke(app, ["build", "validate", str(binary)])
    assert result.exit_code == 2
    assert "not UTF-8" in result.stderr


def test_validate_exit_codes_and_json(tmp_path: Path) -> None:
    valid = runner.invoke(app, ["build", "validate", GALESHOT, "--json"])
    assert valid.exit_code == 0
    assert json.loads(valid.stdout)["valid"] is True
    invalid = runner.invoke(app, ["build", "validate", BAD_PET, "--json"])
    assert invalid.exit_code == 1
    out = json.loads(invalid.stdout)
    assert out["valid"] is False
    assert {"path": "/pets/terrestrial/0", "code": "unknown_pet"}.items() <= out["issues"][
        0
    ].items()
    assert out["build"]["chat_code"].startswith("[&DQQ")
    table = runner.invoke(app, ["build", "validate", BAD_PET])
    assert table.exit_code == 1
    assert "unknown_pet" in table.stdout
    assert "invalid: 1 error, 0 warnings" in table.stdout
    code_file = tmp_path / "code.txt"
    code_file.write_text(GALESHOT + "\n")
    assert runner.invoke(app, ["build", "validate", str(code_file)]).exit_code == 0
    assert runner.invoke(app, ["build", "validate", "-"], input=BAD_PET).exit_code == 1


def test_a_synced_snapshot_can_replace_the_bundled_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GW2WVW_GAMEDATA_PATH", str(tmp_path / "nowhere"))
    result = runner.invoke(app, ["build", "decode", GALESHOT])
    assert result.exit_code == 2
    assert "cannot read snapshot" in result.stderr


def test_what_decode_prints_encode_reads() -> None:
    # Issue 13: encode refused decode --json output ("Extra inputs are not permitted").
    from gw2wvw import gamedata
    from gw2wvw.builds import Build

    data = gamedata.load()
    for code in (
        GALESHOT,
        RENEGADE,
        "[&DQg1NTIlPDV+FgAAchYAAHMBAACBAAAAYBcAAAAAAAAAAAAAAAAAAAAAAAA=]",
    ):
        printed = runner.invoke(app, ["build", "decode", code, "--json"])
        assert printed.exit_code == 0, printed.output
        encoded = runner.invoke(app, ["build", "encode", "-"], input=printed.stdout)
        assert encoded.exit_code == 0, encoded.output
        assert encoded.stdout.strip() == Build.from_chat_code(code, data).to_chat_code(data)
        validated = runner.invoke(app, ["build", "validate", "-"], input=printed.stdout)
        assert validated.exit_code in (0, 1), validated.output
