"""The hand-kept tables of gamedata.constants agree with the pack and the bundled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from gw2wvw import gamedata
from gw2wvw.gamedata.constants import (
    LEGACY_LEGEND_CODES,
    REVENANT_LEGEND_SKILLS,
    REVENANT_PALETTES,
    WEAPON_TYPE_IDS,
    WEAPON_TYPES_BY_ID,
)

CENTAUR = 6
"""The legend whose heal palette names another skill than /v2/legends (see constants.py)."""


def _extra(pack_dir: Path, name: str) -> list[dict[str, Any]]:
    value: list[dict[str, Any]] = json.loads((pack_dir / "extra" / name).read_text())
    return value


def test_revenant_legend_skills_match_the_pack_table(pack_dir: Path) -> None:
    table = _extra(pack_dir, "revenant_legend_palettes.json")

    assert {row["code"] for row in table} == set(REVENANT_LEGEND_SKILLS)
    for row in table:
        palettes, skills = zip(*row["palettes"], strict=True)
        assert palettes == REVENANT_PALETTES, row["legend"]
        assert skills == REVENANT_LEGEND_SKILLS[row["code"]], row["legend"]


def test_legend_codes_of_the_pack_table_match_the_bundled_legends(
    pack_dir: Path, data: gamedata.GameData
) -> None:
    table = _extra(pack_dir, "revenant_legend_palettes.json")

    assert {row["legend"] for row in table} == set(data.legends)
    for row in table:
        assert data.legends[row["legend"]].code == row["code"]
        legend = data.legend_by_code(row["code"])
        assert legend is not None
        assert legend.id == row["legend"]


def test_every_revenant_palette_skill_exists(data: gamedata.GameData) -> None:
    missing = {
        skill
        for skills in REVENANT_LEGEND_SKILLS.values()
        for skill in skills
        if skill not in data.skills
    }
    assert missing == set()


def test_palette_skills_are_the_legend_skills_except_centaurs_heal(
    data: gamedata.GameData,
) -> None:
    for code, (heal, *utilities, elite) in REVENANT_LEGEND_SKILLS.items():
        legend = data.legend_by_code(code)
        assert legend is not None
        assert tuple(utilities) == legend.utilities, legend.id
        assert elite == legend.elite, legend.id
        assert (heal == legend.heal) is (code != CENTAUR), legend.id


def test_legacy_legend_codes_name_current_legends(data: gamedata.GameData) -> None:
    assert sorted(LEGACY_LEGEND_CODES) == list(range(13, 19))
    assert sorted(LEGACY_LEGEND_CODES.values()) == list(range(1, 7))
    assert all(data.legend_by_code(code) is not None for code in LEGACY_LEGEND_CODES.values())


def test_weapon_type_ids_match_the_pack_table(pack_dir: Path) -> None:
    table = _extra(pack_dir, "weapon_type_palettes.json")

    assert {row["weapon_type"]: row["palette_ids_found"] for row in table} == {
        name: [ident] for name, ident in WEAPON_TYPE_IDS.items()
    }
    for row in table:
        if row["wiki_weapon_id"] is not None:
            assert WEAPON_TYPE_IDS[row["weapon_type"]] == row["wiki_weapon_id"]


def test_weapon_tables_are_inverse_and_cover_every_profession_weapon(
    data: gamedata.GameData,
) -> None:
    assert {v: k for k, v in WEAPON_TYPES_BY_ID.items()} == dict(WEAPON_TYPE_IDS)
    wielded = {name for profession in data.professions.values() for name in profession.weapons}
    assert wielded == set(WEAPON_TYPE_IDS)
