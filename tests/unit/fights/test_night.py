"""A night of fights: per account and per party, weighted by time, totals and rates."""

from __future__ import annotations

import pytest

from gw2wvw.fights import Log
from gw2wvw.fights.night import NightError, night
from gw2wvw.fights.report import FightReport, report


@pytest.fixture(scope="module")
def fights(ebg: Log, alpine: Log) -> tuple[FightReport, FightReport]:
    return report(ebg, source="ebg"), report(alpine, source="alpine")


def test_a_night_of_one_fight_is_that_fight(fights: tuple[FightReport, FightReport]) -> None:
    fight = fights[0]
    one = night([fight])
    assert one.duration_s == fight.duration_s
    assert [(f.source, f.squad) for f in one.fights] == [("ebg", 19)]
    assert [p.group for p in one.parties] == [2, 3, 4, 5]
    for party, measured in zip(one.parties, fight.parties, strict=True):
        assert party.uptime == pytest.approx(measured.uptime)
        assert party.slot_s == pytest.approx(len(measured.members) * fight.duration_s)
    firebrand = next(p for p in one.players if p.account == "Anon3.1111")
    member = fight.players()[3]
    assert firebrand.uptime == pytest.approx(member.uptime)
    assert firebrand.generation["party"] == pytest.approx(member.generation["party"])
    assert firebrand.totals["strips"] == member.stats["strips"]
    assert firebrand.rates["strips"] == pytest.approx(member.stats["strips"] / (93.485 / 60))
    assert firebrand.rates["damage"] == pytest.approx(member.stats["damage"] / 93.485)
    assert "healing" not in firebrand.totals  # the EBG export has no Healing Stats
    assert one.players[0].present_s == fight.duration_s


def test_an_account_in_two_fights_is_weighted_by_their_duration(
    fights: tuple[FightReport, FightReport],
) -> None:
    ebg, alpine = fights
    both = night(fights)
    assert both.duration_s == pytest.approx(93.485 + 67.66)
    # The anonymized account Anon0.1000 played a Spellbreaker at EBG and a Conduit in Alpine.
    first = next(p for p in both.players if p.account == "Anon0.1000")
    there, here = ebg.players()[0], alpine.players()[0]
    assert first.fights == 2
    assert first.names == ("Player 0",)
    assert set(first.specializations) == {"Spellbreaker", "Conduit"}
    assert first.present_s == pytest.approx(93.485 + 67.66)
    expected = (there.uptime["fury"] * 93.485 + here.uptime["fury"] * 67.66) / (93.485 + 67.66)
    assert first.uptime["fury"] == pytest.approx(expected)
    assert first.totals["damage"] == pytest.approx(there.stats["damage"] + here.stats["damage"])
    # Deaths are told by the Alpine fight only: their rate is over its duration alone.
    assert first.totals["deaths"] == here.stats["deaths"]
    assert first.rates["deaths"] == pytest.approx(here.stats["deaths"] / (67.66 / 60))
    assert [p.group for p in both.parties] == [1, 2, 3, 4, 5]
    assert both.parties[0].accounts == tuple(m.account for m in alpine.parties[0].members)
    assert all(line.startswith(("ebg: ", "alpine: ")) for line in both.missing)
    assert both.players[0].present_s >= both.players[-1].present_s


def test_a_party_in_two_fights_weighs_each_by_its_slot_time(ebg: Log) -> None:
    long, short = report(ebg, source="a"), report(ebg, source="b")
    twice = night([long, short])
    party = twice.parties[0]
    assert party.fights == 2
    assert party.uptime == pytest.approx(long.parties[0].uptime)
    assert party.slot_s == pytest.approx(2 * 5 * 93.485)


def test_a_night_needs_a_fight() -> None:
    with pytest.raises(NightError, match="at least one fight"):
        night([])


def test_a_party_without_uptimes_in_any_fight_has_none(ebg: Log) -> None:
    import msgspec

    players = [
        msgspec.structs.replace(p, buff_uptimes=None) if p.group == 2 else p for p in ebg.players
    ]
    one = night([report(msgspec.structs.replace(ebg, players=players))])
    assert one.parties[0].uptime == {}
    assert one.parties[0].slot_s == 0
    assert one.players[0].uptime == {}
