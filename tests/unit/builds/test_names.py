"""Names beside ids: in validation issues, and in the described build, which reads back."""

from __future__ import annotations

from typing import Any

import pytest

from gw2wvw.builds import Build, validate
from gw2wvw.builds.view import BuildView, describe
from gw2wvw.gamedata import GameData
from tests.unit.builds.test_validation import FIREBRAND, RENEGADE, UNTAMED


def names(build: Build, data: GameData) -> dict[tuple[str, str], str | None]:
    return {(i.code, i.path): i.name for i in validate(build, data).issues}


def changed(code: str, data: GameData, **update: Any) -> Build:
    return Build.model_validate({**Build.from_chat_code(code, data).model_dump(), **update})


def test_issues_name_the_trait_skill_weapon_or_stats_at_their_path(data: GameData) -> None:
    firebrand = Build.from_chat_code(FIREBRAND, data).model_dump()
    firebrand["specializations"][0]["traits"] = [2101, None, 999999]
    firebrand["skills"]["terrestrial"]["utilities"] = [9128, 9128, None]
    found = names(
        Build.model_validate(
            {**firebrand, "weapons": ["Axe", "Rifle"], "stats": 1, "skill_overrides": [999999]}
        ),
        data,
    )
    assert found[("trait_wrong_specialization", "/specializations/0/traits/0")] == (
        "Liberator's Vow"
    )
    assert found[("duplicate_skill", "/skills/terrestrial/utilities/1")] == "Sanctuary"
    assert found[("weapon_not_usable", "/weapons/1")] == "Rifle"
    # Nothing to name: an unknown id, an empty slot, a whole trait line.
    assert found[("unknown_trait", "/specializations/0/traits/2")] is None
    assert found[("trait_missing", "/specializations/0/traits/1")] is None
    assert found[("skill_missing", "/skills/terrestrial/utilities/2")] is None
    assert found[("unknown_stats", "/stats")] is None
    assert found[("unknown_skill", "/skill_overrides/0")] is None


def test_issues_name_specializations_legends_and_their_skills(data: GameData) -> None:
    renegade = Build.from_chat_code(RENEGADE, data)
    lines = list(renegade.model_dump()["specializations"])
    lines[2] = {"id": 27, "traits": [None, None, None]}  # Dragonhunter: a guardian's line
    legends = renegade.model_dump()["legends"]
    legends["terrestrial"] = ["Legend1", "Legend1"]
    legends["inactive_utilities"]["terrestrial"] = [9128, None, None]
    found = names(
        Build.model_validate(
            {**renegade.model_dump(), "specializations": lines, "legends": legends}
        ),
        data,
    )
    assert found[("specialization_wrong_profession", "/specializations/2/id")] == "Dragonhunter"
    assert found[("duplicate_legend", "/legends/terrestrial/1")] == "Legendary Dragon Stance"
    assert found[("legend_not_allowed", "/legends/terrestrial/0")] == "Legendary Dragon Stance"
    assert found[("skill_wrong_profession", "/legends/inactive_utilities/terrestrial/0")] == (
        "Sanctuary"
    )


def test_issues_about_pets_and_professions(data: GameData) -> None:
    guardian_with_pets = changed(FIREBRAND, data, pets={"terrestrial": [1, 2]})
    assert names(guardian_with_pets, data)[("pets_not_allowed", "/pets")] is None
    unknown_pet = changed(UNTAMED, data, pets={"terrestrial": [999, None]})
    assert names(unknown_pet, data)[("unknown_pet", "/pets/terrestrial/0")] is None
    nobody = Build(profession="Bard")
    assert names(nobody, data)[("unknown_profession", "/profession")] is None


@pytest.mark.parametrize("code", [FIREBRAND, RENEGADE, UNTAMED])
def test_a_described_build_reads_back_as_the_same_build(code: str, data: GameData) -> None:
    build = Build.from_chat_code(code, data)
    text = describe(build, data).model_dump_json()
    assert BuildView.model_validate_json(text).to_build() == build


def test_describe_and_validate_use_the_bundled_data_by_default(data: GameData) -> None:
    build = Build.from_chat_code(FIREBRAND, data)
    assert describe(build) == describe(build, data)
    assert validate(build) == validate(build, data)
    assert describe(build).specializations[2].name == "Firebrand"
