"""Calibration: the bundled figures are what the code makes of the pack's logs, by its rule."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gw2wvw.fights import Log, decode_log
from gw2wvw.fights.calibrate import BOON_IDS, archetype_of, bundled, calibrate, samples
from gw2wvw.squad import figures as figures_module
from gw2wvw.squad.figures import Estimate, Figures, Rule, dump_figures, load_figures
from gw2wvw.squad.roles import BOONS, load_roles
from tests.unit.fights.conftest import ALPINE, EBG

BUNDLED = Path(figures_module.__file__).with_name("figures.json")


@pytest.fixture(scope="module")
def reference(pack_dir: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((pack_dir / "wvw-roles-reference.json").read_bytes())
    return document


@pytest.fixture(scope="module")
def made(reference: dict[str, Any], ebg: Log, alpine: Log) -> Figures:
    return bundled([(EBG.name, ebg), (ALPINE.name, alpine)], reference)


def test_the_bundled_figures_are_what_calibration_makes_of_the_pack(made: Figures) -> None:
    text = dump_figures(made)
    if os.environ.get("GW2WVW_UPDATE_FIGURES"):
        BUNDLED.write_text(text, encoding="utf-8")
    assert BUNDLED.read_text(encoding="utf-8") == text
    assert load_figures() == made


def test_the_fights_are_named_with_their_provenance(made: Figures) -> None:
    assert [f.map for f in made.fights] == ["Eternal Battlegrounds", "Blue Alpine Borderlands"]
    assert [f.squad_players for f in made.fights] == [19, 7]
    assert all("WvW_Analytics" in f.source for f in made.fights)
    assert made.allies == {}  # a plan counts what the squad gives itself, not the pugs around it


def _raw_player(path: Path, name: str) -> dict[str, Any]:
    players: list[dict[str, Any]] = json.loads(path.read_bytes())["players"]
    return next(p for p in players if p["name"] == name)


def test_a_sample_is_what_the_log_says_of_the_player(ebg: Log) -> None:
    found = samples(ebg, load_roles())
    assert len(found) == 19
    # Player 3 is the Firebrand of group 2: 90,222 ms active of a 93,485 ms fight.
    raw = _raw_player(EBG, "Player 3")
    firebrand = found[3]
    assert firebrand.archetype == "firebrand-stab"
    assert firebrand.weight == pytest.approx(90222 / 93485)
    group = {b["id"]: b["buffData"][0]["generation"] for b in raw["groupBuffs"]}
    assert firebrand.generation["party"]["stability"] == group[BOON_IDS["stability"]]
    assert firebrand.generation["party"]["quickness"] == 0.0  # not in the log: none given
    minutes = 90222 / 60000
    assert firebrand.metrics["cleanses"] == pytest.approx(
        raw["support"][0]["condiCleanse"] / minutes
    )


def test_healing_counts_only_for_players_the_extension_recorded(alpine: Log) -> None:
    found = samples(alpine, load_roles())
    recorded = [s.archetype for s in found if "healing" in s.metrics]
    # The Healing Stats extension ran for Players 0, 1 and 4 only (usedExtensions).
    assert recorded == ["conduit-support", "druid-heal", "reaper-damage"]


def test_healer_gear_makes_the_healer_variant(ebg: Log) -> None:
    roles = load_roles()
    firebrand = ebg.players[3]
    assert archetype_of(firebrand, roles, Rule()).id == "firebrand-stab"  # type: ignore[union-attr]
    healer = msgspec.structs.replace(firebrand, healing=1200)
    assert archetype_of(healer, roles, Rule()).id == "firebrand-heal"  # type: ignore[union-attr]
    # A specialization without a healer variant stays itself, whatever its gear.
    amalgam = msgspec.structs.replace(ebg.players[4], healing=1500)
    assert archetype_of(amalgam, roles, Rule()).id == "amalgam-damage"  # type: ignore[union-attr]
    nobody = msgspec.structs.replace(firebrand, profession="Paladin")
    assert archetype_of(nobody, roles, Rule()) is None


def _combined(estimate: Estimate, k: float) -> float:
    assert estimate.measured is not None
    n = estimate.players
    return (n * estimate.measured + k * estimate.prior) / (n + k)


def test_every_figure_follows_the_stated_rule(made: Figures) -> None:
    k = made.rule.prior_players
    checked = 0
    for figures in made.archetypes.values():
        estimates = [e for b in figures.boons.values() for e in (b.party, b.self_)]
        estimates += [figures.strips, figures.cleanses, figures.healing, figures.damage]
        for estimate in estimates:
            if estimate.basis == "not in WvW":
                assert estimate.value == 0
            elif estimate.players == 0:
                assert estimate.basis == "prior"
                assert estimate.value == estimate.prior
            else:
                assert estimate.value == pytest.approx(_combined(estimate, k), abs=2e-3)
                checked += 1
    assert checked > 100


def test_boons_not_given_in_wvw_count_nothing(made: Figures) -> None:
    roles = load_roles()
    for archetype in roles.archetypes:
        alacrity = made.of(archetype.id).boon("alacrity")
        assert alacrity.party.value == 0, archetype.id
        assert alacrity.self_.value == 0, archetype.id
        for boon in archetype.not_provided:
            assert made.of(archetype.id).boon(boon).party.value == 0, (archetype.id, boon)
    # The Scourges of the EBG fight did give themselves alacrity (3.4 %): it is recorded, not used.
    scourge = made.of("scourge-strip").boon("alacrity").self_
    assert scourge.basis == "not in WvW"
    assert scourge.measured == pytest.approx(3.414)


def test_priors_come_from_the_class_mean_of_documented_providers(made: Figures) -> None:
    roles = load_roles()
    herald = roles["herald-boon"]  # no Herald in either log
    for boon in BOONS:
        party = made.of(herald.id).boon(boon).party
        if boon in herald.not_provided or boon == "alacrity":
            continue
        if herald.gives(boon):
            assert party.value == made.priors["support party"].get(boon, 0.0), boon
        else:
            assert party.value == 0.0, boon
    # Strips and damage scale with the roles table's 0-3 rating.
    per_point = made.priors["per rating point"]
    assert made.of("herald-boon").damage.value == pytest.approx(2 * per_point["damage"])
    assert made.of("chronomancer-strip").strips.value == pytest.approx(3 * per_point["strips"])


def test_an_unlogged_variant_starts_from_its_specialization_measured(made: Figures) -> None:
    heal, stab = made.of("firebrand-heal"), made.of("firebrand-stab")
    measured = stab.boon("stability").party.measured
    assert heal.boon("stability").party.prior == pytest.approx(measured, abs=1e-3)
    assert heal.boon("stability").party.players == 0


def test_other_parties_is_what_the_ebg_parties_got_from_each_other(made: Figures) -> None:
    raw = json.loads(EBG.read_bytes())
    squad = [p for p in raw["players"] if not p["notInSquad"]]
    groups = sorted({p["group"] for p in squad})
    for boon in ("stability", "quickness", "swiftness"):
        buff = BOON_IDS[boon]
        received = []
        for group in groups:
            others = [p for p in squad if p["group"] != group]
            received.append(
                sum(
                    next(
                        (
                            b["buffData"][0]["generation"]
                            for b in p["offGroupBuffs"]
                            if b["id"] == buff
                        ),
                        0.0,
                    )
                    for p in others
                )
            )
        assert made.other_parties[boon] == pytest.approx(sum(received) / len(received), abs=1e-3)
    assert made.other_parties_measured == 4  # the Alpine fight is one party: nothing to measure


def test_calibrating_more_fights_pools_them_by_the_same_rule(made: Figures, ebg: Log) -> None:
    again = calibrate([("again", ebg)], load_roles(), base=made)
    before, after = made.of("paragon-support"), again.of("paragon-support")
    old, new = before.boon("quickness").party, after.boon("quickness").party
    assert new.players == pytest.approx(2 * old.players)  # the same three Paragons once more
    assert new.measured == pytest.approx(old.measured, abs=1e-3)
    assert new.prior == old.prior  # the base table's prior is kept
    assert new.value == pytest.approx(_combined(new, made.rule.prior_players), abs=2e-3)
    # Twice the evidence pulls the figure further from the prior, towards the measurement.
    assert abs(new.value - new.measured) < abs(old.value - old.measured)  # type: ignore[operator]
    assert [f.source for f in again.fights][-1] == "again"
    assert again.other_parties_measured == 8
    assert again.allies
    assert again.allies["swiftness"] > 0


def test_a_fight_with_an_unknown_specialization_skips_that_player(ebg: Log) -> None:
    raw = json.loads(EBG.read_bytes())
    raw["players"][0]["profession"] = "Stormcaller"
    log = decode_log(json.dumps(raw).encode())
    assert len(samples(log, load_roles())) == 18
