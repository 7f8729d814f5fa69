"""`validate` reports every problem at once, each at its JSON pointer with a stable code."""

from __future__ import annotations

from typing import Any

import pytest

from gw2wvw.builds import ISSUE_CODES, Build, ValidationReport, validate
from gw2wvw.builds.model import InactiveUtilities, Legends, Pets, SkillBar, Skills, TraitLine
from gw2wvw.gamedata import GameData

# A WvW Firebrand support build, github:JinJieXiaoWang/gw2-wvw-log-analyzer
# frontend/src/data/builds.json @ef35021 (cited by the pack's wvw-roles-reference.json).
FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
# A Renegade with Shiro on land and Jalis/Shiro in water, Ev3nt1ne/gw2-chatlinks-go tests.
RENEGADE = "[&DQkPPQMZPyrcEdwRBhIGEisSKxLUEdQRyhHKEQUCAwLUESsSBhIGEisS1BECawBaAAA=]"
# A Ranger (Untamed) with four pets, Ev3nt1ne/gw2-chatlinks-go tests.
UNTAMED = "[&DQQIOyAuSBuhABQblgGWAbYAmgC4ALgAlwHtAB9CFQwAAAAAAAAAAAAAAAACIwAFAAA=]"


@pytest.fixture(scope="module")
def firebrand(data: GameData) -> Build:
    return Build.from_chat_code(FIREBRAND, data)


def issues(report: ValidationReport) -> set[tuple[str, str]]:
    return {(i.code, i.path) for i in report.issues}


def change(build: Build, **update: Any) -> Build:
    return Build.model_validate({**build.model_dump(), **update})


def test_the_published_builds_are_valid_without_warnings(data: GameData) -> None:
    for code in (FIREBRAND, RENEGADE, UNTAMED):
        report = validate(Build.from_chat_code(code, data), data)
        assert report.issues == ()
        assert report.valid


def spec(data: GameData, name: str) -> int:
    found = data.specialization_named(name)
    assert found is not None
    return found.id


def trait(data: GameData, spec_name: str, tier: int, order: int) -> int:
    line = data.specializations[spec(data, spec_name)]
    return next(
        t
        for t in line.major_traits
        if data.traits[t].tier == tier and data.traits[t].order == order
    )


def test_trait_line_problems(data: GameData, firebrand: Build) -> None:
    valor = firebrand.specializations[0]
    assert valor is not None
    weaver = spec(data, "Weaver")
    build = change(
        firebrand,
        specializations=[
            {"id": spec(data, "Dragonhunter"), "traits": valor.traits},
            {"id": weaver, "traits": [None, None, None]},
            {
                "id": spec(data, "Firebrand"),
                "traits": [999999, trait(data, "Firebrand", 3, 0), None],
            },
        ],
    )
    found = issues(validate(build, data))
    assert ("elite_not_in_third_line", "/specializations/0/id") in found
    assert ("specialization_wrong_profession", "/specializations/1/id") in found
    assert ("multiple_elite_specializations", "/specializations/1/id") in found
    assert ("multiple_elite_specializations", "/specializations/2/id") in found
    # Valor's traits sit under Dragonhunter now.
    for tier in range(3):
        assert ("trait_wrong_specialization", f"/specializations/0/traits/{tier}") in found
    assert ("unknown_trait", "/specializations/2/traits/0") in found
    assert ("trait_wrong_tier", "/specializations/2/traits/1") in found
    assert ("trait_missing", "/specializations/2/traits/2") in found
    assert ("trait_missing", "/specializations/1/traits/0") in found


def test_minor_and_duplicate_and_unknown_specializations(data: GameData, firebrand: Build) -> None:
    valor = data.specializations[spec(data, "Valor")]
    build = change(
        firebrand,
        specializations=[
            {"id": valor.id, "traits": [valor.minor_traits[0], None, None]},
            {"id": valor.id, "traits": [None, None, None]},
            {"id": 4242, "traits": [None, None, None]},
        ],
    )
    found = issues(validate(build, data))
    assert ("trait_not_major", "/specializations/0/traits/0") in found
    assert ("duplicate_specialization", "/specializations/1/id") in found
    assert ("unknown_specialization", "/specializations/2/id") in found
    empty = change(firebrand, specializations=[None, None, None])
    assert ("specialization_missing", "/specializations/0") in issues(validate(empty, data))


def test_skill_problems(data: GameData, firebrand: Build) -> None:
    tempest_heal = next(s.id for s in data.professions["Elementalist"].skills if s.slot == "Heal")
    dragonhunter_utility = next(
        s.id
        for s in data.professions["Guardian"].skills
        if s.slot == "Utility" and data.skills[s.id].specialization == spec(data, "Dragonhunter")
    )
    elite = firebrand.skills.terrestrial.elite
    build = change(
        firebrand,
        skills={
            "terrestrial": {
                "heal": tempest_heal,
                "utilities": [elite, dragonhunter_utility, dragonhunter_utility],
                "elite": 77777777,
            },
            "aquatic": {"heal": firebrand.skills.aquatic.heal, "utilities": [None, None, None]},
        },
    )
    found = issues(validate(build, data))
    assert ("skill_wrong_profession", "/skills/terrestrial/heal") in found
    assert ("skill_wrong_slot", "/skills/terrestrial/utilities/0") in found
    assert ("skill_requires_specialization", "/skills/terrestrial/utilities/1") in found
    assert ("duplicate_skill", "/skills/terrestrial/utilities/2") in found
    assert ("unknown_skill", "/skills/terrestrial/elite") in found
    # A half-filled aquatic bar warns about its empty slots.
    assert ("skill_missing", "/skills/aquatic/utilities/0") in found
    assert ("skill_missing", "/skills/aquatic/elite") in found


def test_an_entirely_empty_aquatic_bar_is_not_reported(data: GameData, firebrand: Build) -> None:
    build = change(firebrand, skills={"terrestrial": firebrand.skills.terrestrial.model_dump()})
    assert validate(build, data).issues == ()
    no_land = change(firebrand, skills={"aquatic": firebrand.skills.aquatic.model_dump()})
    assert ("skill_missing", "/skills/terrestrial/heal") in issues(validate(no_land, data))


def test_racial_skills_fit_any_profession(data: GameData, firebrand: Build) -> None:
    racial_heal = next(s.id for s in data.skills.values() if not s.professions and s.slot == "Heal")
    build = change(
        firebrand,
        skills={
            "terrestrial": {**firebrand.skills.terrestrial.model_dump(), "heal": racial_heal},
        },
    )
    assert validate(build, data).valid


def test_revenant_legend_problems(data: GameData) -> None:
    renegade = Build.from_chat_code(RENEGADE, data)
    assert renegade.legends is not None
    herald_legend = next(x for x in data.legends if data.legend_specialization(x) == 52)
    mallyx = data.legend_by_code(4)
    assert mallyx is not None
    build = renegade.model_copy(
        update={
            "legends": Legends(
                terrestrial=(herald_legend, herald_legend),
                aquatic=("Legend42", None),
                inactive_utilities=InactiveUtilities(terrestrial=(mallyx.utilities[0], None, None)),
            )
        }
    )
    found = issues(validate(build, data))
    assert ("legend_not_allowed", "/legends/terrestrial/0") in found
    assert ("duplicate_legend", "/legends/terrestrial/1") in found
    assert ("unknown_legend", "/legends/aquatic/0") in found
    # The land skills are Kalla's; Glint is active now.
    assert ("skill_not_of_legend", "/skills/terrestrial/heal") in found
    assert ("skill_not_of_legend", "/legends/inactive_utilities/terrestrial/0") in found
    missing = renegade.model_copy(update={"legends": None})
    assert ("legend_missing", "/legends/terrestrial/0") in issues(validate(missing, data))


def test_centaur_heal_counts_under_both_of_its_ids(data: GameData) -> None:
    centaur = data.legend_by_code(6)
    assert centaur is not None
    for heal in (centaur.heal, 29148):
        build = Build(
            profession="Revenant",
            skills=Skills(terrestrial=SkillBar(heal=heal)),
            legends=Legends(terrestrial=(centaur.id, None)),
        )
        assert ("skill_not_of_legend", "/skills/terrestrial/heal") not in issues(
            validate(build, data)
        )


def test_pets_and_legends_on_the_wrong_profession(data: GameData, firebrand: Build) -> None:
    build = firebrand.model_copy(
        update={
            "pets": Pets(terrestrial=(1, None)),
            "legends": Legends(terrestrial=("Legend1", None)),
        }
    )
    found = issues(validate(build, data))
    assert ("pets_not_allowed", "/pets") in found
    assert ("legends_not_allowed", "/legends") in found
    untamed = Build.from_chat_code(UNTAMED, data)
    unknown = untamed.model_copy(update={"pets": Pets(aquatic=(None, 999))})
    assert ("unknown_pet", "/pets/aquatic/1") in issues(validate(unknown, data))


@pytest.mark.parametrize(
    ("weapons", "expected"),
    [
        (["Axe", "Shield", "Mace", "Focus"], set()),
        (["Greatsword", "Hammer"], set()),
        (["Staff", "Scepter", "Torch"], set()),
        (["Greatsword", "Hammer", "Staff"], {("impossible_weapon_combination", "/weapons")}),
        (["Axe", "Mace", "Scepter"], {("impossible_weapon_combination", "/weapons")}),
        (["Hammer", "Shield", "Focus"], {("impossible_weapon_combination", "/weapons")}),
        (["Hammer", "Sword", "Pistol", "Scepter"], {("impossible_weapon_combination", "/weapons")}),
        (["Spear", "Trident", "Greatsword", "Hammer"], set()),
        (["Rifle"], {("weapon_not_usable", "/weapons/0")}),
        (["Lance"], {("unknown_weapon", "/weapons/0")}),
        (["Staff", "Staff"], {("duplicate_weapon", "/weapons/1")}),
    ],
)
def test_weapons(
    data: GameData, firebrand: Build, weapons: list[str], expected: set[tuple[str, str]]
) -> None:
    assert issues(validate(change(firebrand, weapons=weapons), data)) == expected


def test_overrides_stats_and_profession(data: GameData, firebrand: Build) -> None:
    build = change(firebrand, skill_overrides=[63335, 5], stats=1)
    found = issues(validate(build, data))
    assert found == {("unknown_skill", "/skill_overrides/1"), ("unknown_stats", "/stats")}
    minstrel = next(s.id for s in data.itemstats.values() if s.name == "Minstrel's")
    assert validate(change(firebrand, stats=minstrel), data).valid
    alien = validate(
        change(firebrand, profession="Commander", pets={"terrestrial": [1, None]}), data
    )
    assert issues(alien) == {("unknown_profession", "/profession")}


def test_every_reported_code_is_documented_and_errors_come_first(
    data: GameData, firebrand: Build
) -> None:
    build = change(
        firebrand,
        weapons=["Rifle"],
        specializations=[None, firebrand.specializations[1], firebrand.specializations[2]],
    )
    report = validate(build, data)
    assert [i.severity for i in report.issues] == ["error", "warning"]
    assert report.errors[0].code == "weapon_not_usable"
    assert report.warnings[0].code == "specialization_missing"
    assert not report.valid
    assert all(i.code in ISSUE_CODES for i in report.issues)
    assert "Rifle" in report.errors[0].message


def test_issue_messages_name_things(data: GameData, firebrand: Build) -> None:
    build = change(firebrand, weapons=["Rifle"], skills={"terrestrial": {"heal": 5503}})
    messages = {i.code: i.message for i in validate(build, data).issues}
    assert messages["weapon_not_usable"] == "a Guardian cannot wield a Rifle"
    assert "not Guardian" in messages["skill_wrong_profession"]


def test_inactive_utilities_of_an_empty_aquatic_legend_pair(data: GameData) -> None:
    build = Build(
        profession="Revenant",
        specializations=(None, None, TraitLine(id=spec(data, "Herald"))),
        legends=Legends(terrestrial=("Legend1", "Legend3")),
    )
    report = validate(build, data)
    assert not any(i.path.startswith("/legends") for i in report.errors)
