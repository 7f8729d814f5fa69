"""Reading Elite Insights logs: the real fixtures, compressed forms, and every way to fail."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gw2wvw.fights import FightLogError, Log, decode_log, read_log
from tests.unit.fights.conftest import ALPINE, EBG


def _raw(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_bytes())
    return document


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, payload in members.items():
            archive.writestr(name, payload)
    return out.getvalue()


def test_the_real_logs_decode_with_their_squads(ebg: Log, alpine: Log) -> None:
    assert ebg.fight_name == "World vs World - Eternal Battlegrounds"
    assert (len(ebg.players), sum(not p.not_in_squad for p in ebg.players)) == (43, 19)
    assert sorted({p.group for p in ebg.players if not p.not_in_squad}) == [2, 3, 4, 5]
    assert ebg.duration_ms == 93485
    assert (len(alpine.players), sum(not p.not_in_squad for p in alpine.players)) == (9, 7)
    assert alpine.elite_insights_version == "3.16.1.0"
    assert alpine.used_extensions is not None
    assert alpine.used_extensions[0].running_extension == ["Player 0", "Player 1", "Player 4"]
    assert ebg.provenance is not None
    assert "WvW_Analytics" in ebg.provenance


@pytest.mark.parametrize("path", [EBG, ALPINE], ids=["ebg", "alpine"])
def test_decoded_values_are_the_files_values(path: Path) -> None:
    raw = _raw(path)
    log = read_log(path)
    for player, source in zip(log.players, raw["players"], strict=True):
        assert (player.name, player.profession, player.group) == (
            source["name"],
            source["profession"],
            source["group"],
        )
        assert player.has_commander_tag == source["hasCommanderTag"]
        expected = {b["id"]: b["buffData"][0]["uptime"] for b in source.get("buffUptimes", [])}
        got = {b.id: b.buff_data[0].uptime for b in player.buff_uptimes or []}
        assert got == expected
        for field, attribute in (("groupBuffs", "group_buffs"), ("selfBuffs", "self_buffs")):
            wanted = {b["id"]: b["buffData"][0]["generation"] for b in source.get(field, [])}
            entries = getattr(player, attribute) or []
            assert {b.id: b.buff_data[0].generation for b in entries} == wanted
        if "support" in source:
            assert player.support is not None
            assert player.support[0].boon_strips == source["support"][0]["boonStrips"]


def test_compressed_forms_decode_to_the_same_log(tmp_path: Path, ebg: Log) -> None:
    data = EBG.read_bytes()
    gz = tmp_path / "fight.json.gz"
    gz.write_bytes(gzip.compress(data))
    archive = tmp_path / "fight.zip"
    archive.write_bytes(_zip({"logs/fight.json": data}))
    assert read_log(gz) == ebg
    assert read_log(archive) == ebg
    assert decode_log(data) == ebg


def test_optional_blocks_may_be_missing() -> None:
    raw = _raw(EBG)
    for player in raw["players"]:
        for field in ("buffUptimes", "selfBuffs", "groupBuffs", "offGroupBuffs", "support"):
            player.pop(field, None)
        player.pop("dpsAll", None)
        player.pop("account", None)
    log = decode_log(json.dumps(raw).encode())
    assert all(p.buff_uptimes is None and p.support is None for p in log.players)
    assert log.players[0].account == ""


def _broken(**changes: Any) -> bytes:
    raw = _raw(EBG)
    for key, value in changes.items():
        raw[key] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"", "the log is empty"),
        (b"   \n", "the log is empty"),
        (b"<html>not json</html>", "the log is not JSON"),
        (EBG.read_bytes()[:5000], "the log is truncated"),
        (b'{"hello": 1}', "not an Elite Insights log: Object missing required field `fightName`"),
        (b"[1, 2, 3]", "not an Elite Insights log: Expected `object`, got `array`"),
        (
            _broken(players=[{"name": "x", "profession": "Firebrand", "group": "two"}]),
            "at `$.players[0].group`",
        ),
        (_broken(fightName="Vale Guardian"), "is a log of 'Vale Guardian', not of a World vs"),
        (_broken(durationMS=0), "records a fight of 0 ms"),
        (
            _broken(
                players=[{"name": "x", "profession": "Firebrand", "group": 51, "notInSquad": True}]
            ),
            "has no squad member",
        ),
    ],
    ids=[
        "empty",
        "blank",
        "html",
        "truncated",
        "other json",
        "array",
        "wrong type",
        "raid log",
        "no time",
        "no squad",
    ],
)
def test_bad_input_gets_a_typed_error_saying_what_is_wrong(payload: bytes, message: str) -> None:
    with pytest.raises(FightLogError) as caught:
        decode_log(payload)
    assert message in str(caught.value)


def test_a_gzip_bomb_is_refused_at_the_limit() -> None:
    bomb = gzip.compress(b" " * 3_000_000)  # 3 MB of spaces in a few kilobytes
    assert len(bomb) < 20_000
    with pytest.raises(FightLogError, match="decompresses to more than 1,000,000 bytes"):
        decode_log(bomb, max_bytes=1_000_000)


def test_a_zip_bomb_is_refused_at_the_limit() -> None:
    bomb = _zip({"fight.json": b" " * 3_000_000})
    with pytest.raises(FightLogError, match="decompresses to more than 1,000,000 bytes"):
        decode_log(bomb, name="bomb.zip", max_bytes=1_000_000)


def test_a_plain_file_over_the_limit_is_refused() -> None:
    with pytest.raises(FightLogError, match="has more than 1,000 bytes"):
        decode_log(EBG.read_bytes(), max_bytes=1_000)


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({}, "must hold exactly one JSON log; it holds nothing"),
        ({"a.json": b"{}", "b.json": b"{}"}, "it holds a.json, b.json"),
    ],
)
def test_a_zip_holds_exactly_one_log(members: dict[str, bytes], message: str) -> None:
    with pytest.raises(FightLogError, match=message):
        decode_log(_zip(members))


def test_a_zip_without_a_json_name_is_read_when_it_holds_one_file(ebg: Log) -> None:
    assert decode_log(_zip({"report": EBG.read_bytes()})) == ebg


def test_damaged_archives_are_refused() -> None:
    with pytest.raises(FightLogError, match="not a readable gzip file"):
        decode_log(b"\x1f\x8b" + b"\x00" * 30)
    with pytest.raises(FightLogError, match="not a readable zip file"):
        decode_log(b"PK\x03\x04" + b"\x00" * 30)


def test_an_unreadable_path(tmp_path: Path) -> None:
    with pytest.raises(FightLogError, match=r"cannot read .*missing\.json"):
        read_log(tmp_path / "missing.json")


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.binary(max_size=2000))
def test_no_bytes_raise_anything_but_a_fight_log_error(payload: bytes) -> None:
    with contextlib.suppress(FightLogError):
        decode_log(payload)


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=1, max_value=20_000))
def test_every_truncation_of_a_real_log_is_refused(cut: int) -> None:
    data = EBG.read_bytes()
    with pytest.raises(FightLogError):
        decode_log(data[: len(data) - cut])
