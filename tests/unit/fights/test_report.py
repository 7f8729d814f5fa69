"""A fight's report: the parties' measured uptimes, the members' output, what the log lacks.

Expectations are computed from the raw JSON with the json module, not through the decoder.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from typing import Any

import msgspec
import pytest

from gw2wvw.fights import Log
from gw2wvw.fights.calibrate import BOON_IDS
from gw2wvw.fights.report import FightReport, report
from gw2wvw.squad.roles import BOONS
from tests.unit.fights.conftest import ALPINE, EBG


def _raw(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def _raw_parties(path: Path) -> dict[int, list[dict[str, Any]]]:
    groups: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for player in _raw(path)["players"]:
        if not player.get("notInSquad") and not player.get("friendlyNPC"):
            groups[player["group"]].append(player)
    return groups


def _raw_uptime(player: dict[str, Any], buff: int, field: str = "uptime") -> float:
    for entry in player.get("buffUptimes") or ():
        if entry["id"] == buff:
            value: float = entry["buffData"][0].get(field, 0.0)
            return value
    return 0.0


@pytest.mark.parametrize("path", [EBG, ALPINE], ids=["ebg", "alpine"])
def test_party_uptime_is_the_mean_of_its_squad_members_uptimes(path: Path) -> None:
    from gw2wvw.fights import read_log

    made = report(read_log(path), source=path.name)
    expected = _raw_parties(path)
    assert [p.group for p in made.parties] == sorted(expected)
    for party in made.parties:
        members = expected[party.group]
        assert [m.name for m in party.members] == [m["name"] for m in members]
        assert party.measured == len(members)
        for boon in BOONS:
            mean = sum(_raw_uptime(m, BOON_IDS[boon]) for m in members) / len(members)
            assert party.uptime[boon] == pytest.approx(mean, abs=0.01), (party.group, boon)
        for boon in ("might", "stability"):
            mean = sum(_raw_uptime(m, BOON_IDS[boon], "presence") for m in members) / len(members)
            assert party.presence[boon] == pytest.approx(mean, abs=0.01)


def test_the_fight_its_squad_and_the_players_outside_it(ebg: Log, alpine: Log) -> None:
    fight = report(ebg, source=EBG.name)
    assert fight.source == EBG.name
    assert fight.map == "Eternal Battlegrounds"
    assert fight.map_id == 38
    assert fight.duration_s == pytest.approx(93.485)
    assert fight.start is not None
    assert fight.start.utcoffset() == timedelta(hours=-5)
    assert (fight.start.hour, fight.start.minute) == (16, 38)
    assert fight.commander == "Anon8.1296"
    assert [len(p.members) for p in fight.parties] == [5, 5, 4, 5]
    assert len(fight.players()) == 19
    assert len(fight.outside) == 24
    assert all(p.archetype is None and p.group == 51 for p in fight.outside)
    assert fight.party(3) is not None
    assert fight.party(1) is None
    small = report(alpine)
    assert [p.group for p in small.parties] == [1]
    assert small.commander == "Anon3.1111"
    assert small.recorded_by == "Player 0"
    assert [p.name for p in small.outside] == ["Elementalist pl-3029", "Mesmer pl-3475"]


def test_members_carry_their_archetype_time_and_generation(ebg: Log) -> None:
    fight = report(ebg)
    raw = next(p for p in _raw(EBG)["players"] if p["name"] == "Player 3")
    firebrand = fight.players()[3]
    assert (firebrand.specialization, firebrand.archetype) == ("Firebrand", "firebrand-stab")
    assert firebrand.account == "Anon3.1111"
    assert firebrand.active_s == pytest.approx(90.222)
    for kind, block in [
        ("self", "selfBuffs"),
        ("party", "groupBuffs"),
        ("other_parties", "offGroupBuffs"),
        ("squad", "squadBuffs"),
    ]:
        given = {b["id"]: b["buffData"][0]["generation"] for b in raw[block]}
        for boon, buff in BOON_IDS.items():
            assert firebrand.generation[kind][boon] == given.get(buff, 0.0), (kind, boon)  # type: ignore[index]
    assert firebrand.stats["strips"] == raw["support"][0]["boonStrips"]
    assert firebrand.stats["cleanses"] == raw["support"][0]["condiCleanse"]
    assert firebrand.stats["damage"] == raw["dpsAll"][0]["damage"]


def test_what_the_log_lacks_is_said_not_guessed(ebg: Log, alpine: Log) -> None:
    # The EBG export has no defenses, statsAll or Healing Stats blocks.
    fight = report(ebg)
    assert "downed" not in fight.players()[0].stats
    assert "healing" not in fight.players()[0].stats
    lacks = "\n".join(fight.missing)
    assert "downs and deaths (defenses): not in the log for Player 0" in lacks
    assert "healing (the Healing Stats extension)" in lacks
    # The extension ran for Players 0, 1 and 4 of the Alpine fight: the others have no healing.
    small = report(alpine)
    healing = [m.name for m in small.players() if "healing" in m.stats]
    assert healing == ["Player 0", "Player 1", "Player 4"]
    line = next(m for m in small.missing if m.startswith("healing"))
    assert line.endswith("Player 2, Player 3, Player 5, Player 6")


def test_healing_and_barrier_go_to_the_other_squad_members(alpine: Log) -> None:
    players = _raw(ALPINE)["players"]
    squad = [i for i, p in enumerate(players) if not p["notInSquad"]]
    made = report(alpine).players()
    conduit, druid = made[0], made[1]
    # The Conduit healed only itself; the Druid healed Player 6 too (self-healing counts not).
    assert conduit.stats["healing"] == 0
    healing = players[1]["extHealingStats"]["outgoingHealingAllies"]
    expected = sum(healing[i][0]["healing"] for i in squad if i != 1)
    assert druid.stats["healing"] == pytest.approx(expected) == 531
    barrier = players[0].get("extBarrierStats")
    if barrier is None:
        assert "barrier" not in conduit.stats
    defenses = players[0]["defenses"][0]
    assert conduit.stats["downed"] == defenses["downCount"]
    assert conduit.stats["deaths"] == defenses["deadCount"]
    assert conduit.stats["downs"] == players[0]["statsAll"][0]["downed"]


def test_a_report_round_trips_through_json(ebg: Log, alpine: Log) -> None:
    for log in (ebg, alpine):
        made = report(log, source="x.json")
        assert FightReport.model_validate(made.model_dump(mode="json")) == made
        assert FightReport.model_validate_json(made.model_dump_json()) == made


def test_a_member_without_uptimes_is_left_out_of_the_mean_and_named(ebg: Log) -> None:
    players = list(ebg.players)
    players[0] = msgspec.structs.replace(players[0], buff_uptimes=None, group_buffs=None)
    fight = report(msgspec.structs.replace(ebg, players=players))
    party = fight.parties[0]
    assert party.measured == 4
    others = party.members[1:]
    assert party.uptime["quickness"] == pytest.approx(
        sum(m.uptime["quickness"] for m in others) / 4
    )
    assert party.members[0].uptime == {}
    assert "party" not in party.members[0].generation
    assert "boon uptime (buffUptimes): not in the log for Player 0" in fight.missing


def test_a_party_without_any_uptime_has_none_and_no_tag_is_said(ebg: Log) -> None:
    players = [
        msgspec.structs.replace(p, buff_uptimes=None, has_commander_tag=False)
        if p.group == 2
        else msgspec.structs.replace(p, has_commander_tag=False)
        for p in ebg.players
    ]
    fight = report(msgspec.structs.replace(ebg, players=players, time_start_std="yesterday"))
    assert fight.parties[0].uptime == {}
    assert fight.parties[0].measured == 0
    assert fight.commander is None
    assert fight.start is None
    assert "commander: no squad member has the commander tag" in fight.missing


def test_an_unknown_specialization_has_no_archetype(ebg: Log) -> None:
    players = list(ebg.players)
    players[1] = msgspec.structs.replace(players[1], profession="Paladin")
    fight = report(msgspec.structs.replace(ebg, players=players))
    assert fight.players()[1].archetype is None
    assert any(line.startswith("an archetype") and "Player 1" in line for line in fight.missing)


def test_a_generation_list_ei_left_out_is_nothing_given(alpine: Log) -> None:
    # EI omits groupBuffs and squadBuffs for a player who gave others no buff: Player 2.
    mesmer = report(alpine).players()[2]
    assert mesmer.generation["party"] == dict.fromkeys(BOONS, 0.0)
    assert mesmer.generation["squad"] == dict.fromkeys(BOONS, 0.0)
    assert mesmer.generation["self"]["resolution"] > 0
