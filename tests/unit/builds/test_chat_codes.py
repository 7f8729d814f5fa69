"""Chat code <-> Build through the bundled game data, on the published codes."""

from __future__ import annotations

import re

import pytest

from gw2wvw import chatcode
from gw2wvw.builds import Build, BuildError, validate
from gw2wvw.builds.chatcodes import build_to_template
from gw2wvw.builds.model import Legends, Pets, SkillBar, Skills, TraitLine
from gw2wvw.gamedata import GameData
from tests.fixtures import KnownCode, known_codes

CODES = known_codes()

# Codes whose source built them as test constructs the game cannot produce. Each is named with the
# finding validate must report, at the path of the offending value.
#  - GW2ToolBelt's 50-byte Guardian and Revenant variants add weapons [Axe, Dagger]; neither
#    profession can wield a dagger (the pack's PROVENANCE.md says so too).
#  - chatr's "invalid pet" code has pet 60, which is in no pet list.
#  - HsBuildCodes' "revenant" key pairs Alliance (Vindicator only) with Glint, which needs Herald;
#    no revenant can hold both, so its Glint and Glint's facets are refused.
ILLEGAL = {
    "[&DQEQLyo6GzkmDyYPihI2AUgBSAH+AP4AtRKJEgAAAAAAAAAAAAAAAAAAAAACBQAvAAA=]": {
        ("weapon_not_usable", "/weapons/1")
    },
    "[&DQkDJg8mPz3cEdwR1BHUESsSKxIGEgYSyhHKEQUCAgPUESsSBhIGEtQRKxICBQAvAAA=]": {
        ("weapon_not_usable", "/weapons/1")
    },
    "[&DQQILxk+BRsJEwAAvQAAALkAAADmEgAAtBIAADxAAAAAAAAAAAAAAAAAAAA=]": {
        ("unknown_pet", "/pets/terrestrial/0")
    },
    "[&DQkMKwMZRRncEQAABhIAACsSAADUEQAAyhEAAAcBAAAGEisS1BEAAAAAAAA=]": {
        ("legend_not_allowed", "/legends/terrestrial/1"),
        ("skill_requires_specialization", "/legends/inactive_utilities/terrestrial/0"),
        ("skill_requires_specialization", "/legends/inactive_utilities/terrestrial/1"),
        ("skill_requires_specialization", "/legends/inactive_utilities/terrestrial/2"),
    },
}

# Legacy revenant legend bytes (13-18) are rewritten with the current legend codes.
LEGACY_LEGEND_CODE = "[&DQkPFQMqND/cEdwRKxIrEgYSBhLUEdQRyhHKEQ4NDxAAAAAAAAAAAAAAAAAAAA==]"


def ids(known: KnownCode) -> str:
    return known.code[:28]


@pytest.mark.parametrize("known", CODES, ids=ids)
def test_profession_and_elite_match_the_source(known: KnownCode, data: GameData) -> None:
    build = Build.from_chat_code(known.code, data)
    assert build.profession == known.profession
    for line, expected in zip(build.specializations, known.specializations, strict=True):
        assert (line.id if line else 0) == expected
    assert build.weapons == tuple(data.weapon_type_named(w) for w in known.weapons)
    assert build.skill_overrides == known.overrides


@pytest.mark.parametrize("known", CODES, ids=ids)
def test_validation_flags_exactly_the_illegal_codes(known: KnownCode, data: GameData) -> None:
    report = validate(Build.from_chat_code(known.code, data), data)
    assert {(i.code, i.path) for i in report.errors} == ILLEGAL.get(known.code, set())
    assert report.valid is (known.code not in ILLEGAL)


@pytest.mark.parametrize("known", CODES, ids=ids)
def test_builds_write_back_the_canonical_code(known: KnownCode, data: GameData) -> None:
    build = Build.from_chat_code(known.code, data)
    written = build.to_chat_code(data)
    assert Build.from_chat_code(written, data) == build
    if known.code != LEGACY_LEGEND_CODE:
        assert written == chatcode.encode(chatcode.decode(known.code))


def test_legacy_legend_bytes_mean_the_core_legends(data: GameData) -> None:
    build = Build.from_chat_code(LEGACY_LEGEND_CODE, data)
    # The source's comments: 14 Dragon (Glint), 13 Assassin (Shiro), 15 Demon, 16 Dwarf.
    assert build.legends is not None
    names = [
        data.skills[data.legends[x].swap].name
        for x in (*build.legends.terrestrial, *build.legends.aquatic)
        if x is not None
    ]
    assert names == [
        "Legendary Dragon Stance",
        "Legendary Assassin Stance",
        "Legendary Demon Stance",
        "Legendary Dwarf Stance",
    ]
    assert chatcode.decode(build.to_chat_code(data)).legends.terrestrial == (1, 2)


def test_revenant_skills_follow_the_active_legend(data: GameData) -> None:
    # HsBuildCodes 'partial-revenant': Mallyx active; it names the heal and utilities 2 and 3.
    build = Build.from_chat_code(
        "[&DQkAAAAARQDcEdwRAAAAACsSAADUEQAAAAAAAAQCAwDUESsSAAAAAAAAAAA=]", data
    )
    bar = build.skills.terrestrial
    names = [data.skills[s].name if s else None for s in (bar.heal, *bar.utilities, bar.elite)]
    assert names == ["Empowering Misery", None, "Banish Enchantment", "Call to Anguish", None]


def test_pets_are_read_for_rangers(data: GameData) -> None:
    # berdandy/chatr expects 'Pets: Juvenile Tiger / Juvenile Rock Gazelle' for this code.
    build = Build.from_chat_code(
        "[&DQQePQgaSDd5AHgAARuWAbUAmgCsAbgADxvtAC87KhUAAAAAAAAAAAAAAAA=]", data
    )
    assert build.pets is not None
    assert [data.pets[p].name for p in build.pets.terrestrial if p] == [
        "Juvenile Tiger",
        "Juvenile Rock Gazelle",
    ]


def _template_code(data: GameData, **changes: object) -> str:
    base = chatcode.decode(CODES[1].code)
    fields = {
        "profession": base.profession,
        "specializations": base.specializations,
        "terrestrial": base.terrestrial,
        "aquatic": base.aquatic,
        "profession_block": base.profession_block,
        "weapons": base.weapons,
    }
    fields.update(changes)
    return chatcode.encode(chatcode.BuildTemplate(**fields))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"profession": 42}, "profession code 42 is unknown"),
        ({"weapons": (1234,)}, "weapon id 1234 is unknown"),
        (
            {"terrestrial": chatcode.SkillPalettes(65000, (0, 0, 0), 0)},
            re.escape("palette 65000 (terrestrial heal) names no Elementalist skill"),
        ),
        (
            {"specializations": (chatcode.SpecializationChoice(250, (1, 0, 0)),) * 3},
            "specialization 250 in line 1 is unknown",
        ),
    ],
)
def test_untranslatable_codes_raise_build_errors(
    data: GameData, changes: dict[str, object], message: str
) -> None:
    with pytest.raises(BuildError, match=message):
        Build.from_chat_code(_template_code(data, **changes), data)


def test_unknown_specialization_without_traits_is_left_to_validation(data: GameData) -> None:
    code = _template_code(
        data,
        specializations=(
            chatcode.SpecializationChoice(250, (0, 0, 0)),
            chatcode.SpecializationChoice(0, (0, 0, 0)),
            chatcode.SpecializationChoice(0, (0, 0, 0)),
        ),
    )
    build = Build.from_chat_code(code, data)
    assert build.specializations[0] == TraitLine(id=250)
    codes = {(i.code, i.path) for i in validate(build, data).errors}
    assert ("unknown_specialization", "/specializations/0/id") in codes


def test_unknown_legend_code_raises(data: GameData) -> None:
    revenant = chatcode.decode(CODES[28].code)
    block = chatcode.revenant_block(chatcode.RevenantLegends((99, 0), (0, 0), (0, 0, 0), (0, 0, 0)))
    code = chatcode.encode(
        chatcode.BuildTemplate(
            revenant.profession,
            revenant.specializations,
            revenant.terrestrial,
            revenant.aquatic,
            block,
        )
    )
    with pytest.raises(BuildError, match="legend code 99 is unknown"):
        Build.from_chat_code(code, data)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (Build(profession="Commander"), "profession 'Commander' is unknown"),
        (
            Build(
                profession="Guardian",
                specializations=(TraitLine(id=42, traits=(1, None, None)), None, None),
            ),
            "trait 1 is not a tier 1 trait of specialization 42",
        ),
        (
            Build(profession="Guardian", skills=Skills(terrestrial=SkillBar(heal=12345678))),
            "skill 12345678 has no Guardian palette id",
        ),
        (Build(profession="Guardian", weapons=("Lance",)), "weapon type 'Lance' is unknown"),
        (
            Build(profession="Revenant", legends=Legends(terrestrial=("Legend99", None))),
            "legend Legend99 is unknown",
        ),
        (
            Build(profession="Guardian", specializations=(TraitLine(id=300), None, None)),
            "does not fit in a chat code",
        ),
        (
            Build(profession="Ranger", pets=Pets(terrestrial=(300, None))),
            "does not fit in a chat code",
        ),
    ],
)
def test_builds_without_a_chat_code_raise_build_errors(
    build: Build, message: str, data: GameData
) -> None:
    with pytest.raises(BuildError, match=message):
        build.to_chat_code(data)


def test_pets_and_legends_are_ignored_for_other_professions(data: GameData) -> None:
    build = Build(profession="Guardian", pets=Pets(terrestrial=(1, 2)))
    assert chatcode.decode(build.to_chat_code(data)).profession_block == bytes(16)
    assert build_to_template(build, data).profession == 1


def test_codes_holding_impossible_builds_raise_build_errors(data: GameData) -> None:
    base = chatcode.decode(CODES[1].code)
    zero_override = chatcode.encode(base._replace(skill_overrides=(0,)))
    with pytest.raises(BuildError, match="impossible build: /skill_overrides/0"):
        Build.from_chat_code(zero_override, data)
    many_weapons = chatcode.encode(base._replace(weapons=(89,) * 17))
    with pytest.raises(BuildError, match="impossible build: /weapons"):
        Build.from_chat_code(many_weapons, data)
