"""Turning the official API's builds into gw2wvw builds, and what is suggested from them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gw2wvw import gamedata
from gw2wvw.builds import BuildError
from gw2wvw.gw2account import api_build, suggest, to_account
from gw2wvw.gw2account.client import KeyInfo, RawAccount
from gw2wvw.squad.roles import bundled_roles_text, parse_roles
from tests.support.gw2accounts import FIREBRAND, HERALD, REAPER


def _raw(storage: list[Any], tabs: list[Any] | None = None) -> RawAccount:
    return RawAccount(
        key=KeyInfo("id", "key", ("account", "builds", "characters")),
        account={"name": "Ann.1234"},
        characters=[{"name": "Ann", "profession": "Guardian", "level": "80"}],
        build_tabs={"Ann": tabs or []},
        build_storage=storage,
    )


def test_a_slot_that_is_not_a_build_is_kept_with_its_problem() -> None:
    account = to_account(_raw([None, {"name": "odd", "specializations": [{"id": 13}]}]))
    empty, odd = account.build_storage
    assert (empty.name, empty.build, empty.problem) == (
        "Build storage 1",
        None,
        "the API gave no build here",
    )
    # No profession anywhere: not a build, but its name is kept.
    assert odd.name == "odd"
    assert odd.build is None
    assert odd.problem is not None
    assert "not a build" in odd.problem
    assert account.characters[0].level is None


def test_a_build_the_game_data_cannot_encode_has_no_chat_code() -> None:
    unknown = {**FIREBRAND, "specializations": [{"id": 9999, "traits": [1, 2, 3]}]}
    (built,) = to_account(_raw([unknown])).build_storage
    assert built.build is not None
    assert built.chat_code is None
    assert built.problem is not None


def test_tabs_without_numbers_are_counted() -> None:
    account = to_account(_raw([], tabs=[{"build": FIREBRAND}, "junk"]))
    first, second = account.characters[0].builds
    assert (first.tab, first.active, first.chat_code is not None) == (1, False, True)
    assert (second.tab, second.build) == (2, None)


def test_zero_ids_and_short_lists_are_empty_slots() -> None:
    build = api_build(
        {
            "profession": "Guardian",
            "specializations": [{"id": 0, "traits": []}],
            "skills": {"heal": 0, "utilities": [9128], "elite": True},
            "aquatic_skills": None,
        }
    )
    assert build.specializations == (None, None, None)
    assert build.skills.terrestrial.utilities == (9128, None, None)
    assert build.skills.terrestrial.elite is None


def test_a_profession_from_the_character_fills_a_build_without_one() -> None:
    record = {k: v for k, v in REAPER.items() if k != "profession"}
    assert api_build(record, "Necromancer").profession == "Necromancer"
    with pytest.raises(BuildError):
        api_build(record)


def test_specializations_without_a_squad_role_are_not_suggested() -> None:
    document = json.loads(bundled_roles_text())
    document["archetypes"] = [a for a in document["archetypes"] if a["profession"] != "Revenant"]
    document["specializations"] = {
        name: entry
        for name, entry in document["specializations"].items()
        if not entry["default"].startswith(
            ("revenant", "herald", "vindicator", "conduit", "renegade")
        )
    }
    roles = parse_roles(document, gamedata.load())
    suggestions = suggest(to_account(_raw([HERALD, REAPER, REAPER])), roles)
    assert [(s.specialization, s.builds) for s in suggestions] == [("Reaper", 2)]
