"""The bundled WvW roles table, its agreement with the pack's reference, and user tables."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from gw2wvw.builds import Build, SkillBar, validate
from gw2wvw.gamedata import GameData
from gw2wvw.squad import roles
from gw2wvw.squad.roles import (
    BOONS,
    Archetype,
    ArchetypeNotFound,
    Citation,
    RolesError,
    RolesTable,
    bundled_roles_text,
    check_roles,
    load_roles,
    parse_roles,
    roles_json_schema,
)

SCHEMA_FILE = Path(roles.__file__).with_name("roles.schema.json")
CONSTRUCTED = "constructed by gw2wvw from the"

STAPLES = (
    "Firebrand",
    "Scrapper",
    "Tempest",
    "Druid",
    "Chronomancer",
    "Spellbreaker",
    "Scourge",
    "Reaper",
    "Herald",
    "Willbender",
    "Catalyst",
    "Virtuoso",
    "Harbinger",
    "Untamed",
    "Soulbeast",
    "Deadeye",
    "Specter",
    "Mechanist",
    "Vindicator",
)
ELITES_2025 = (
    "Luminary",
    "Paragon",
    "Amalgam",
    "Galeshot",
    "Antiquary",
    "Evoker",
    "Troubadour",
    "Ritualist",
    "Conduit",
)

# Every (archetype, boon) where the table departs from the reference; a new one must be added
# here on purpose, with its departure text in the table.
DEPARTURES = {
    ("druid-heal", "protection"): False,
    ("luminary-stab", "might"): False,
    ("amalgam-damage", "might"): False,
    ("evoker-damage", "quickness"): False,
}
"""(archetype, boon) -> whether the table gives the boon."""

ADDED = (
    "weaver-damage",
    "renegade-damage",
    "mirage-damage",
    "daredevil-damage",
    "bladesworn-damage",
    *(f"{p.lower()}-core" for p in ("Guardian", "Warrior", "Engineer", "Ranger", "Thief")),
    *(f"{p.lower()}-core" for p in ("Elementalist", "Mesmer", "Necromancer", "Revenant")),
)
"""Archetypes gw2wvw adds to the reference's 34, so every specialization can be placed."""


@pytest.fixture(scope="module")
def table() -> RolesTable:
    return load_roles()


@pytest.fixture(scope="module")
def reference(pack_dir: Path) -> dict[str, dict[str, Any]]:
    document = json.loads((pack_dir / "wvw-roles-reference.json").read_text(encoding="utf-8"))
    return {a["id"]: a for a in document["archetypes"]}


def _citations(archetype: Archetype) -> Iterator[tuple[str, bool, Citation]]:
    """(boon, whether the archetype gives it, citation) for every citation of the archetype."""
    for boon, source in archetype.party.boons.items():
        for citation in source.sources:
            yield boon, True, citation
    for boon, entry in archetype.not_provided.items():
        for citation in entry.sources:
            yield boon, False, citation


def _cited(archetype: Archetype, boon: str) -> set[str]:
    """Names cited for a boon the archetype gives."""
    source = archetype.party.boons.get(boon)
    return {c.name for c in source.sources} if source is not None else set()


def _carried(build: Build, data: GameData) -> tuple[set[int], set[int]]:
    """The skills and traits a build has, computed here independently of roles.py."""
    skills = {
        s
        for bar in (build.skills.terrestrial, build.skills.aquatic)
        for _, s in bar.slots()
        if s is not None
    }
    if build.legends is not None:
        inactive = build.legends.inactive_utilities
        skills |= {s for s in (*inactive.terrestrial, *inactive.aquatic) if s is not None}
        for legend_id in (*build.legends.terrestrial, *build.legends.aquatic):
            if legend_id is not None:
                legend = data.legends[legend_id]
                skills |= {legend.swap, legend.heal, legend.elite, *legend.utilities}
    profession = data.professions[build.profession]
    for weapon in build.weapons:
        skills |= {s.id for s in profession.weapons[weapon].skills}
    lines = [line for line in build.specializations if line is not None]
    line_ids = {line.id for line in lines}
    skills |= {
        s.id
        for s in data.skills.values()
        if s.specialization in line_ids and (s.slot or "").startswith("Profession")
    }
    traits = {t for line in lines for t in line.traits if t is not None}
    traits |= {t for line in lines for t in data.specializations[line.id].minor_traits}
    return skills, traits


def _named_traits(data: GameData, *names: str) -> set[int]:
    return {t.id for t in data.traits.values() if t.name in names}


# -- the bundled table ------------------------------------------------------------------------


def test_bundled_table_loads_once_and_is_big_enough(table: RolesTable) -> None:
    assert load_roles() is table
    assert len(table) >= 24
    assert len(table) == len(table.by_id)
    assert "firebrand-stab" in table
    assert "no-such-archetype" not in table
    assert table["firebrand-stab"].profession == "Guardian"
    assert json.loads(bundled_roles_text())["$schema"] == "./roles.schema.json"
    assert table.schema_ == "./roles.schema.json"


def test_every_profession_is_covered(table: RolesTable, data: GameData) -> None:
    assert {a.profession for a in table.archetypes} == set(data.professions)


@pytest.mark.parametrize("name", STAPLES + ELITES_2025)
def test_staples_and_2025_elites_are_present(name: str, table: RolesTable, data: GameData) -> None:
    spec = data.specialization_named(name)
    assert spec is not None
    assert spec.elite
    played = [a for a in table.archetypes if a.specialization == spec.id]
    assert played, f"no archetype plays {name}"
    assert all(a.profession == spec.profession for a in played)


def test_bundled_table_agrees_with_the_game_data(table: RolesTable, data: GameData) -> None:
    assert check_roles(table, data) == []


def test_bundled_table_passes_the_user_table_checks(data: GameData) -> None:
    reloaded = parse_roles(json.loads(bundled_roles_text()), data)
    assert [a.id for a in reloaded.archetypes] == [a.id for a in load_roles().archetypes]


@pytest.mark.parametrize("archetype_id", [a.id for a in load_roles().archetypes])
def test_example_decodes_validates_and_plays_the_archetype(
    archetype_id: str, table: RolesTable, data: GameData
) -> None:
    archetype = table[archetype_id]
    build = Build.from_chat_code(archetype.example.chat_code, data)
    report = validate(build, data)
    assert report.valid, report.errors
    assert build.profession == archetype.profession
    assert build.specializations[2] is not None
    assert build.specializations[2].id == archetype.specialization
    if archetype.example.constructed:
        assert archetype.example.source.startswith(CONSTRUCTED)
        # gw2wvw wrote the code, so it is the canonical encoding of its own build.
        assert build.to_chat_code(data) == archetype.example.chat_code
    else:
        assert not archetype.example.source.startswith(CONSTRUCTED)


@pytest.mark.parametrize("archetype_id", [a.id for a in load_roles().archetypes])
def test_citations_exist_and_belong(archetype_id: str, table: RolesTable, data: GameData) -> None:
    archetype = table[archetype_id]
    build = Build.from_chat_code(archetype.example.chat_code, data)
    skills, traits = _carried(build, data)
    for boon, _, citation in _citations(archetype):
        where = f"{boon}: {citation.name} ({citation.id})"
        if citation.type == "skill":
            skill = data.skills[citation.id]
            assert skill.name == citation.name, where
            assert archetype.profession in skill.professions, where
            assert skill.specialization in (None, archetype.specialization), where
            assert (citation.id in skills) == citation.in_build, where
        else:
            trait = data.traits[citation.id]
            assert trait.name == citation.name, where
            spec = data.specializations[trait.specialization or 0]
            assert spec.profession == archetype.profession, where
            assert not spec.elite or spec.id == archetype.specialization, where
            assert (citation.id in traits) == citation.in_build, where
        assert citation.reach is None or citation.reach == "self" or 1 <= citation.reach <= 50


def test_every_given_boon_has_a_reason(table: RolesTable) -> None:
    for archetype in table.archetypes:
        for boon, source in archetype.party.boons.items():
            where = f"{archetype.id} {boon}"
            if any(c.in_build for c in source.sources):
                continue
            # Without a source in the example build only two reasons remain: the WvW log saw it,
            # or it comes from a mechanic the pack has no id for (tome chapters, for one).
            assert "wvw log" in source.evidence or "not in pack" in source.notes, where
            assert source.notes, where


def test_archetype_helpers(table: RolesTable) -> None:
    firebrand = table["firebrand-stab"]
    assert firebrand.gives("quickness")
    assert not firebrand.gives("alacrity")
    assert firebrand.capability("cleanse") == 3
    assert firebrand.capability("strip") == 0
    assert firebrand.fills("stability")
    assert not firebrand.fills("healer")
    assert firebrand.support
    assert not firebrand.offensive
    catalyst = table["catalyst-boon-damage"]
    assert catalyst.support
    assert catalyst.offensive


# -- functions and specialization names -------------------------------------------------------


def test_every_specialization_and_core_profession_has_its_place(
    table: RolesTable, data: GameData
) -> None:
    elites = {s.name for s in data.specializations.values() if s.elite}
    assert len(elites) == 36
    named = set(table.specializations)
    assert named == elites | set(data.professions)
    for name, entry in table.specializations.items():
        if entry.default is None:
            assert entry.no_squad_role, name  # a reason, in words
            continue
        archetype = table[entry.default]
        spec = data.specialization_named(name)
        if spec is not None and spec.elite:
            assert archetype.specialization == spec.id, name
        else:
            assert archetype.profession == name
            assert not data.specializations[archetype.specialization].elite, name


@pytest.mark.parametrize("archetype_id", ADDED)
def test_added_archetypes_are_low_confidence_damage_slots(
    archetype_id: str, table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    archetype = table[archetype_id]
    assert archetype_id not in reference
    assert archetype.confidence == "low"
    assert archetype.functions == ("damage",)
    assert archetype.party.boons == {}  # no source in the pack says they give any


def test_supports_declare_the_functions_a_commander_counts(table: RolesTable) -> None:
    healers = {a.id for a in table.archetypes if a.fills("healer")}
    anchors = {a.id for a in table.archetypes if a.fills("stability")}
    assert {"druid-heal", "tempest-heal", "scrapper-heal-superspeed", "firebrand-heal"} <= healers
    assert anchors == {"firebrand-stab", "firebrand-heal", "luminary-stab"}
    for archetype in table.archetypes:
        assert archetype.functions, archetype.id
        if archetype.role in ("healer", "stab-support", "boon-support"):
            assert archetype.support, archetype.id
        if archetype.role in ("strip", "damage", "roamer"):
            assert archetype.offensive, archetype.id


def test_variants_of_one_specialization_are_distinct_archetypes(table: RolesTable) -> None:
    firebrands = table.of_specialization("Firebrand")
    assert [a.id for a in firebrands] == ["firebrand-stab", "firebrand-heal"]
    assert firebrands[0].functions != firebrands[1].functions
    assert [a.id for a in table.of_specialization("chronomancer")] == [
        "chronomancer-boon",
        "chronomancer-strip",
    ]
    assert table.of_specialization("Nobody") == ()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Firebrand", "firebrand-stab"),
        ("firebrand", "firebrand-stab"),
        ("FIREBRAND-HEAL", "firebrand-heal"),
        ("Paragon", "paragon-support"),
        ("Necromancer", "necromancer-core"),
        ("  Scrapper ", "scrapper-heal-superspeed"),
        ("druid-heal", "druid-heal"),
    ],
)
def test_names_resolve_case_insensitively(name: str, expected: str, table: RolesTable) -> None:
    assert table.resolve(name).id == expected
    assert table.find(name) is table[expected]


def test_unknown_names_list_the_close_matches(table: RolesTable) -> None:
    with pytest.raises(ArchetypeNotFound) as caught:
        table.resolve("Firebrnd")
    assert caught.value.matches[0] == "Firebrand"
    assert "did you mean Firebrand" in str(caught.value)
    assert table.find("Firebrnd") is None
    with pytest.raises(ArchetypeNotFound, match=r"no archetype or specialization named 'zzz'$"):
        table.resolve("zzz")


def test_a_specialization_without_a_squad_role_says_why() -> None:
    document = _document("tempest-heal")
    document["specializations"] = {
        "Tempest": {"default": "tempest-heal"},
        "Weaver": {"no_squad_role": "no Weaver build in this guild's plans"},
    }
    table = parse_roles(document)
    with pytest.raises(ArchetypeNotFound, match="Weaver has no WvW squad role: no Weaver"):
        table.resolve("weaver")
    assert table.find("Weaver") is None
    assert table.resolve("tempest").id == "tempest-heal"


@pytest.mark.parametrize(
    ("specializations", "path", "message"),
    [
        ({"Tempest": {}}, "/specializations/Tempest", "give either default or no_squad_role"),
        (
            {"Tempest": {"default": "druid-heal"}},
            "/specializations/Tempest/default",
            "no archetype 'druid-heal'",
        ),
        (
            {"tempest-heal": {"default": "tempest-heal"}},
            "/specializations/tempest-heal",
            "is also an archetype id",
        ),
    ],
)
def test_specialization_map_errors_have_paths(
    specializations: dict[str, Any], path: str, message: str
) -> None:
    document = _document("tempest-heal")
    document["specializations"] = specializations
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert any(p == path and message in m for p, m in caught.value.errors), caught.value.errors


def test_a_specialization_map_that_disagrees_with_the_game(data: GameData) -> None:
    document = _document("tempest-heal", "druid-heal")
    document["specializations"] = {
        "Tempest": {"default": "druid-heal"},
        "Stormcaller": {"default": "tempest-heal"},
    }
    with pytest.raises(RolesError) as caught:
        parse_roles(document, data)
    assert set(caught.value.errors) == {
        ("/specializations/Tempest/default", "druid-heal is not a Tempest archetype"),
        (
            "/specializations/Stormcaller",
            "'Stormcaller' is neither an elite specialization nor a profession",
        ),
    }


def test_functions_are_one_or_two_and_distinct() -> None:
    for functions, message in (
        ([], "at least 1 item"),
        (["healer", "stability", "boons"], "at most 2 items"),
        (["healer", "healer"], "lists a function twice"),
        (["tank"], "Input should be"),
    ):
        document = _document("tempest-heal")
        document["archetypes"][0]["functions"] = functions
        with pytest.raises(RolesError) as caught:
            parse_roles(document)
        assert any(message in m for _, m in caught.value.errors), (functions, caught.value.errors)


# -- the WvW facts the pack's notes checked --------------------------------------------------


def test_scrapper_party_stability_is_mass_momentum_not_applied_force(
    table: RolesTable, data: GameData
) -> None:
    scrappers = [a for a in table.archetypes if a.specialization == 43]
    assert len(scrappers) >= 2
    for scrapper in scrappers:
        assert "Applied Force" not in _cited(scrapper, "stability")
        # Kinetic Accelerators' quickness is PvE-only: no scrapper gives quickness in WvW.
        assert not scrapper.gives("quickness")
    heal = table["scrapper-heal-superspeed"]
    assert "Mass Momentum" in _cited(heal, "stability")
    assert heal.party.boons["stability"].wvw_duration_s["Mass Momentum"] == 3
    assert {c.name for c in heal.not_provided["quickness"].sources} == {"Kinetic Accelerators"}


def test_mechanist_and_pve_only_alacrity(table: RolesTable, data: GameData) -> None:
    for archetype in table.archetypes:
        if archetype.specialization == 70:
            assert not archetype.gives("alacrity")
            assert "Mech Frame: Channeling Conduits" in {
                c.name for c in archetype.not_provided["alacrity"].sources
            }
    pve_only = _named_traits(
        data,
        "Grace of the Land",
        "Mirage Mantle",
        "New Genes",
        "Feverish Pulse",
        "Daring Dragon",
        "Elemental Bastion",
        "Orders from Above",
        "Mech Frame: Channeling Conduits",
    )
    assert len(pve_only) >= 7
    for archetype in table.archetypes:
        source = archetype.party.boons.get("alacrity")
        if source is not None:
            assert not {c.id for c in source.sources} & pve_only, archetype.id


def test_liberators_vow_is_quickness_not_resistance(table: RolesTable) -> None:
    firebrands = [a for a in table.archetypes if a.specialization == 62]
    assert len(firebrands) == 2
    for firebrand in firebrands:
        quickness = firebrand.party.boons["quickness"]
        assert "Liberator's Vow" in {c.name for c in quickness.sources if c.in_build}
        assert quickness.wvw_duration_s["Liberator's Vow"] == 1
        resistance = firebrand.party.boons["resistance"]
        assert "Liberator's Vow" not in {c.name for c in resistance.sources}
        assert "Stoic Demeanor" in {c.name for c in resistance.sources}
        assert resistance.wvw_duration_s["Stoic Demeanor"] == 1.5


def test_herald_quickness_is_elevated_compassion_and_no_alacrity(
    table: RolesTable, data: GameData
) -> None:
    herald = table["herald-boon"]
    assert 1746 in {c.id for c in herald.party.boons["quickness"].sources}
    assert data.traits[1746].name == "Elevated Compassion"
    assert "Core Value" not in _cited(herald, "quickness")
    herald_traits = set(data.specializations[52].major_traits) | set(
        data.specializations[52].minor_traits
    )
    for archetype in table.archetypes:
        entries = [archetype.party.boons.get("alacrity"), archetype.not_provided.get("alacrity")]
        for entry in entries:
            if entry is not None:
                assert not {c.id for c in entry.sources} & herald_traits, archetype.id
    assert not herald.gives("alacrity")
    assert "Core Value" in herald.not_provided["alacrity"].reason


def test_tempest_protection_is_hardy_conduit_and_gale_song(table: RolesTable) -> None:
    tempest = table["tempest-heal"]
    protection = _cited(tempest, "protection")
    assert {"Hardy Conduit", "Gale Song"} <= protection
    assert "Harmonious Conduit" not in protection
    assert "Harmonious Conduit" in {c.name for c in tempest.not_provided["stability"].sources}


def test_martial_cadence_is_stability_in_wvw(table: RolesTable) -> None:
    citing = [
        (a.id, boon, given)
        for a in table.archetypes
        for boon, given, c in _citations(a)
        if c.name == "Martial Cadence"
    ]
    assert {boon for _, boon, _ in citing} == {"stability"}
    assert {a for a, _, _ in citing} == {"spellbreaker-strip", "paragon-support"}


def test_pve_only_facts_are_not_counted(table: RolesTable) -> None:
    pve_only = {
        ("Let Loose", "quickness"),
        ('"Eye of the Storm!"', "stability"),
        ('"Aftershock!"', "aegis"),
        ('"Feel the Burn!"', "fury"),
        ("Kinetic Accelerators", "quickness"),
        ("Kinetic Accelerators", "fury"),
    }
    for archetype in table.archetypes:
        for boon, given, citation in _citations(archetype):
            if given:
                assert (citation.name, boon) not in pve_only, archetype.id


# -- agreement with the pack's reference -------------------------------------------------------


def test_every_reference_archetype_is_kept(
    table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    order = {"low": 0, "medium": 1, "high": 2}
    for archetype_id, ref in reference.items():
        archetype = table[archetype_id]
        assert archetype.profession == ref["profession"]
        assert archetype.specialization == ref["specialization"]["id"]
        assert archetype.role == ref["role"].replace("utility/portal", "utility")
        assert order[archetype.confidence] <= order[ref["confidence"]], archetype_id
        for name, rating in ref["capabilities"].items():
            assert archetype.capability(name) == rating["rating"], (archetype_id, name)
        ref_example = ref["example_chat_code"]
        if ref_example is None:
            assert archetype.example.constructed, archetype_id
        else:
            assert not archetype.example.constructed, archetype_id
            assert archetype.example.chat_code == ref_example["code"]
            assert archetype.example.source == ref_example["source"]
        assert set(ref["sources"]) <= set(archetype.sources)


def test_boons_agree_with_the_reference_except_departures(
    table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    found: dict[tuple[str, str], bool] = {}
    for archetype_id, ref in reference.items():
        archetype = table[archetype_id]
        for boon in BOONS:
            ref_entry = ref["party_boons"].get(boon)
            ref_given = bool(ref_entry and ref_entry["provided"])
            entry = archetype.party.boons.get(boon) or archetype.not_provided.get(boon)
            if entry is not None and entry.departure is not None:
                # A departure must really depart, and say so in words.
                assert archetype.gives(boon) != ref_given, (archetype_id, boon)
                assert len(entry.departure) > 40
                found[(archetype_id, boon)] = archetype.gives(boon)
            else:
                assert archetype.gives(boon) == ref_given, (archetype_id, boon)
    assert found == DEPARTURES


def test_departures_keep_their_evidence(
    table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    for (archetype_id, boon), given in DEPARTURES.items():
        archetype = table[archetype_id]
        ref_entry = reference[archetype_id]["party_boons"][boon]
        if given:
            source = archetype.party.boons[boon]
            assert source.evidence == "API facts, no WvW split (unconfirmed)"
            assert "no WvW split" in (source.departure or "")
            assert ref_entry["notes"] in source.notes
            assert any(c.in_build for c in source.sources)
        else:
            entry = archetype.not_provided[boon]
            assert entry.reason.startswith("Not taken in the example build.")
            assert ref_entry["notes"] in entry.reason
            assert not any(c.in_build for c in entry.sources)


def test_not_provided_keeps_the_reference_evidence(
    table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    for archetype_id, ref in reference.items():
        archetype = table[archetype_id]
        for boon, ref_entry in ref["party_boons"].items():
            if ref_entry["provided"] or (archetype_id, boon) in DEPARTURES:
                continue
            entry = archetype.not_provided[boon]
            assert ref_entry["notes"] in entry.reason
            assert [c.id for c in entry.sources] == [s["id"] for s in ref_entry["sources"]]


def test_given_boons_keep_the_reference_citations_and_durations(
    table: RolesTable, reference: dict[str, dict[str, Any]]
) -> None:
    for archetype_id, ref in reference.items():
        archetype = table[archetype_id]
        for boon, ref_entry in ref["party_boons"].items():
            source = archetype.party.boons.get(boon)
            if source is None or source.departure is not None:
                continue
            ids = {c.id: c for c in source.sources}
            for ref_source in ref_entry["sources"]:
                citation = ids[ref_source["id"]]
                reach = ref_source.get("squaded_reach")
                expected = None if reach is None else reach if reach == "self" else int(reach)
                assert citation.reach == expected, (archetype_id, boon, citation.name)
            assert ref_entry["notes"] in source.notes
            for name, seconds in ref_entry.get("wvw_duration_s", {}).items():
                assert source.wvw_duration_s[name] == seconds


# -- the schema file -------------------------------------------------------------------------


def test_schema_file_is_the_models_schema() -> None:
    expected = json.dumps(roles_json_schema(), indent=2, sort_keys=True) + "\n"
    assert SCHEMA_FILE.read_text(encoding="utf-8") == expected
    assert "$schema" in roles_json_schema()["properties"]


# -- user tables -------------------------------------------------------------------------------


def _document(*archetype_ids: str) -> dict[str, Any]:
    """A small user table made of bundled archetypes, as plain JSON objects."""
    bundled = load_roles()
    return {
        "version": 2,
        "archetypes": [bundled[i].model_dump(mode="json") for i in archetype_ids],
    }


def test_load_roles_reads_a_user_file(tmp_path: Path, data: GameData) -> None:
    path = tmp_path / "roles.json"
    path.write_text(json.dumps(_document("tempest-heal", "scourge-strip")), encoding="utf-8")
    loaded = load_roles(path, data)
    assert [a.id for a in loaded.archetypes] == ["tempest-heal", "scourge-strip"]
    assert loaded is not load_roles(path)  # a user file is read each time, not cached
    assert loaded["tempest-heal"] == load_roles()["tempest-heal"]


def test_parse_roles_accepts_python_objects(data: GameData) -> None:
    table = parse_roles(_document("herald-boon"), data)
    assert table["herald-boon"].gives("quickness")
    assert table.schema_ is None


def _mutate(document: dict[str, Any], change: Callable[[dict[str, Any]], object]) -> None:
    change(document["archetypes"][0])


FIREBRAND = "firebrand-stab"
SHAPE_ERRORS = [
    pytest.param(
        lambda a: a["party"]["boons"].update(mightiness={"evidence": "x"}),
        "/archetypes/0/party/boons/mightiness",
        "Input should be 'might'",
        id="unknown boon key",
    ),
    pytest.param(
        lambda a: a["squad"]["strip"].update(tier=4),
        "/archetypes/0/squad/strip/tier",
        "less than or equal to 3",
        id="tier 4",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"].update(stacks=3),
        "/archetypes/0/party/boons/stability/stacks",
        "Extra inputs are not permitted",
        id="stacks are the figures' now",
    ),
    pytest.param(
        lambda a: a.update(id="Not An Id"),
        "/archetypes/0/id",
        "should match pattern",
        id="malformed id",
    ),
    pytest.param(
        lambda a: a.update(colour="blue"),
        "/archetypes/0/colour",
        "Extra inputs are not permitted",
        id="unknown field",
    ),
]


@pytest.mark.parametrize(("change", "path", "message"), SHAPE_ERRORS)
def test_shape_errors_have_precise_paths(
    change: Callable[[dict[str, Any]], object], path: str, message: str
) -> None:
    document = _document(FIREBRAND)
    _mutate(document, change)
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert [p for p, _ in caught.value.errors] == [path]
    assert message in caught.value.errors[0][1]


def test_a_version_1_table_is_refused_with_the_version() -> None:
    document = _document("herald-boon")
    document["version"] = 1
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert [p for p, _ in caught.value.errors] == ["/version"]


def test_duplicate_ids_are_reported_at_the_second() -> None:
    document = _document(FIREBRAND, "herald-boon", FIREBRAND)
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert caught.value.errors == [
        ("/archetypes/2/id", "archetype id 'firebrand-stab' appears twice")
    ]


def test_every_problem_is_listed_at_once() -> None:
    document = _document(FIREBRAND, "herald-boon")
    document["archetypes"][0]["squad"]["cc"]["tier"] = -1
    document["archetypes"][1]["role"] = "tank"
    document["archetypes"][1]["functions"] = ["tank"]
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert {p for p, _ in caught.value.errors} == {
        "/archetypes/0/squad/cc/tier",
        "/archetypes/1/role",
        "/archetypes/1/functions/0",
    }


def test_empty_and_non_object_tables_are_rejected() -> None:
    with pytest.raises(RolesError) as caught:
        parse_roles({"archetypes": []})
    assert [p for p, _ in caught.value.errors] == ["/archetypes"]
    with pytest.raises(RolesError) as caught:
        parse_roles(["not", "a", "table"])
    assert [p for p, _ in caught.value.errors] == [""]


def test_error_message_shows_five_problems_and_counts_the_rest() -> None:
    document = _document(FIREBRAND)
    for boon in ("aegis", "protection", "resistance", "resolution", "regeneration", "vigor"):
        document["archetypes"][0]["party"]["boons"][boon]["stacks"] = 1
    with pytest.raises(RolesError) as caught:
        parse_roles(document)
    assert len(caught.value.errors) == 6
    text = str(caught.value)
    assert text.startswith("invalid roles table: /archetypes/0/party/boons/aegis/stacks")
    assert text.endswith("(and 1 more)")
    assert "\n" not in text


GAME_ERRORS = [
    pytest.param(
        lambda a: a.update(profession="Paladin"),
        "/archetypes/0/profession",
        "'Paladin' is no profession",
        id="unknown profession",
    ),
    pytest.param(
        lambda a: a.update(specialization=60),  # Scourge, a Necromancer line
        "/archetypes/0/specialization",
        "60 is no Guardian specialization",
        id="spec of another profession",
    ),
    pytest.param(
        lambda a: a["example"].update(chat_code="[&notacode]"),
        "/archetypes/0/example/chat_code",
        "does not decode",
        id="example does not decode",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"][0].update(id=999_999),
        "/archetypes/0/party/boons/stability/sources/0",
        'skill 999999 ("Stand Your Ground!") does not exist',
        id="cited skill does not exist",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["aegis"]["sources"][0].update(id=999_998),
        "/archetypes/0/party/boons/aegis/sources/0",
        "trait 999998 (Communal Defenses) does not exist",
        id="cited trait does not exist",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"][0].update(name="Stand Tall"),
        "/archetypes/0/party/boons/stability/sources/0",
        "skill 9153 is '\"Stand Your Ground!\"', not 'Stand Tall'",
        id="cited skill misnamed",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["aegis"]["sources"][0].update(name="Communal Defense"),
        "/archetypes/0/party/boons/aegis/sources/0",
        "trait 1684 is 'Communal Defenses', not 'Communal Defense'",
        id="cited trait misnamed",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"].append(
            {"type": "skill", "id": 14403, "name": '"For Great Justice!"'}
        ),
        "/archetypes/0/party/boons/stability/sources/4",
        '"For Great Justice!" is not a Guardian skill',
        id="skill of another profession",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"].append(
            {"type": "skill", "id": 9152, "name": '"Hold the Line!"'}
        ),
        "/archetypes/0/party/boons/stability/sources/4",
        '"Hold the Line!" (9152) is not in the example build',
        id="skill said to be in the build is not",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"].append(
            {"type": "trait", "id": 1667, "name": "Martial Cadence"}
        ),
        "/archetypes/0/party/boons/stability/sources/4",
        "Martial Cadence is not a Guardian trait",
        id="trait of another profession",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"].append(
            {"type": "trait", "id": 2410, "name": "Shimmering Stances", "in_build": False}
        ),
        "/archetypes/0/party/boons/stability/sources/4",
        "belongs to another elite specialization (Luminary)",
        id="trait of another elite",
    ),
    pytest.param(
        lambda a: a["party"]["boons"]["stability"]["sources"].append(
            {"type": "trait", "id": 2116, "name": "Legendary Lore"}
        ),
        "/archetypes/0/party/boons/stability/sources/4",
        "Legendary Lore (2116) is not taken in the example build",
        id="trait said to be taken is not",
    ),
    pytest.param(
        lambda a: a["not_provided"].update(
            fury={
                "reason": "x",
                "sources": [{"type": "skill", "id": 12345678, "name": "Nothing"}],
            }
        ),
        "/archetypes/0/not_provided/fury/sources/0",
        "does not exist",
        id="not-provided citation does not exist",
    ),
]


@pytest.mark.parametrize(("change", "path", "message"), GAME_ERRORS)
def test_game_data_errors_have_precise_paths(
    change: Callable[[dict[str, Any]], object], path: str, message: str, data: GameData
) -> None:
    document = _document(FIREBRAND)
    _mutate(document, change)
    parse_roles(copy.deepcopy(document))  # the shape is fine; only the game data disagrees
    with pytest.raises(RolesError) as caught:
        parse_roles(document, data)
    assert any(p == path and message in m for p, m in caught.value.errors), caught.value.errors


@pytest.mark.parametrize(
    ("code", "message"),
    [
        # A real Warrior code (the paragon example) for a Guardian archetype.
        ("[&DQILHjM3Sh55HXkdsACwAHYddh1+HX4d7gDuAAAAAAAAAAAAAAAAAAAAAAADWQBaAGcAAA==]", "Warrior"),
        # A Guardian code that plays Luminary, not Firebrand.
        (
            "[&DQENPy47URthHWEdeB14HRYBFgE2ATYBiRKJEgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]",
            "does not take specialization 62",
        ),
        # The firebrand example re-encoded with a dagger, which a guardian cannot wield.
        (
            "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAACBQAvAAA=]",
            "weapon_not_usable at /weapons/1",
        ),
    ],
)
def test_example_must_be_a_valid_build_of_the_archetype(
    code: str, message: str, data: GameData
) -> None:
    document = _document(FIREBRAND)
    example = document["archetypes"][0]["example"]
    example["chat_code"] = code
    # Citations would also fail against another build; keep only the check under test.
    document["archetypes"][0]["party"]["boons"] = {}
    with pytest.raises(RolesError) as caught:
        parse_roles(document, data)
    assert [p for p, _ in caught.value.errors] == ["/archetypes/0/example/chat_code"]
    assert message in caught.value.errors[0][1]


def test_unreadable_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.json"
    with pytest.raises(RolesError) as caught:
        load_roles(missing)
    [(path, message)] = caught.value.errors
    assert path == ""
    assert message.startswith(f"cannot read {missing}")
    assert str(caught.value) == f"invalid roles table: {message}"


def test_invalid_json(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"archetypes": [', encoding="utf-8")
    with pytest.raises(RolesError) as caught:
        load_roles(broken)
    [(path, message)] = caught.value.errors
    assert path == ""
    assert message.startswith(f"{broken} is not valid JSON")


def test_citations_follow_what_the_example_build_really_has(data: GameData) -> None:
    herald = load_roles()["herald-boon"]
    build = Build.from_chat_code(herald.example.chat_code, data)
    assert build.legends is not None
    changed = build.model_copy(
        update={
            # Without Invocation, Spirit Boon is gone; an empty line is only a warning.
            "specializations": (None, *build.specializations[1:]),
            "legends": build.legends.model_copy(
                update={
                    "aquatic": (None, None),
                    "inactive_utilities": build.legends.inactive_utilities.model_copy(
                        update={"aquatic": (None, None, None)}
                    ),
                }
            ),
            "skills": build.skills.model_copy(update={"aquatic": SkillBar()}),
            "weapons": (*build.weapons, "Dagger"),
        }
    )
    document = _document("herald-boon")
    document["archetypes"][0]["example"]["chat_code"] = changed.to_chat_code(data)
    with pytest.raises(RolesError) as caught:
        parse_roles(document, data)
    assert caught.value.errors == [
        ("/archetypes/0/example/chat_code", "weapon_not_usable at /weapons/3"),
        (
            "/archetypes/0/party/boons/stability/sources/0",
            "Spirit Boon (1774) is not taken in the example build",
        ),
    ]
