"""A recorded-shape GW2 account for the stand-in official API (:mod:`tests.support.gw2api`).

The shapes follow the official API v2 with ``X-Schema-Version: 2019-12-19T00:00:00.000Z``, as the
GW2 wiki documents them (API:2/tokeninfo, API:2/account, API:2/characters,
API:2/characters/:id/buildtabs, API:2/account/buildstorage) and ArenaNet's api-cdi examples
(v2/characters/characters.js): ``tokeninfo`` is ``{id, name, permissions, type}``; a character
carries ``name, race, gender, profession, level, ...``; a build tab is ``{tab, is_active, build}``
and a build (also a storage slot) is ``{name, profession, specializations: [{id, traits: [3]}] x3,
skills: {heal, utilities: [3], elite}, aquatic_skills, pets?, legends?, aquatic_legends?}``, ids
``null`` where nothing is chosen. The ids are those of the bundled roles table's example builds
(firebrand-stab, druid-heal, herald-boon, reaper-damage), so their chat codes are known.
"""

from __future__ import annotations

from typing import Any

from tests.support.gw2api import FakeAccount

KEY = "0A1B2C3D-4E5F-6A7B-8C9D-0E1F2A3B4C5D6E7F8A9B-0C1D-2E3F-4A5B-6C7D8E9F0A1B"
"""The stand-in account's API key (the official format: 72 characters)."""

FIREBRAND = {
    "name": "Stab Firebrand",
    "profession": "Guardian",
    "specializations": [
        {"id": 13, "traits": [581, 1684, 589]},
        {"id": 46, "traits": [617, 610, 612]},
        {"id": 62, "traits": [2101, 2076, 2105]},
    ],
    "skills": {"heal": 41714, "utilities": [9128, 9253, 9153], "elite": 43357},
    "aquatic_skills": {"heal": 41714, "utilities": [9153, 9128, 9084], "elite": 43357},
}
FIREBRAND_CODE = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAAAA==]"
"""The chat code of :data:`FIREBRAND` (no weapons: the API's builds carry none)."""

DRUID = {
    "name": "",
    "profession": "Ranger",
    "specializations": [
        {"id": 30, "traits": [1075, 1016, 1064]},
        {"id": 25, "traits": [978, 964, 1038]},
        {"id": 5, "traits": [1868, 2053, 2058]},
    ],
    "skills": {"heal": 12489, "utilities": [12631, 12495, 12497], "elite": 12569},
    "aquatic_skills": {"heal": 31914, "utilities": [12631, 12495, 12491], "elite": 12569},
    "pets": {"terrestrial": [66, 5], "aquatic": [9, 47]},
}
DRUID_CODE = "[&DQQeFxkeBSWhAHkAuwC7ALkAuQC8AKwBlwGXAUIFCS8AAAAAAAAAAAAAAAAAAA==]"

HERALD = {
    "name": "Boon Herald",
    "profession": "Revenant",
    "specializations": [
        {"id": 3, "traits": [1784, 1774, 1791]},
        {"id": 12, "traits": [1822, 1817, 1825]},
        {"id": 52, "traits": [1716, 1738, 1746]},
    ],
    "skills": {"heal": 27220, "utilities": [28379, 27014, 26644], "elite": 27760},
    "aquatic_skills": {"heal": 27220, "utilities": [28379, 27014, 26644], "elite": 27760},
    "legends": ["Legend1", "Legend3"],
    "aquatic_legends": ["Legend1", "Legend3"],
}

REAPER = {
    "name": "Reaper",
    "profession": "Necromancer",
    "specializations": [
        {"id": 53, "traits": [914, 899, 903]},
        {"id": 50, "traits": [875, 894, 893]},
        {"id": 34, "traits": [2020, 2031, 2021]},
    ],
    "skills": {"heal": 30488, "utilities": [29666, 29414, 30670], "elite": 30105},
    "aquatic_skills": {"heal": 30488, "utilities": [29666, 29414, 30670], "elite": 30105},
}
REAPER_CODE = "[&DQg1NTIlIj7BEsES6xLrEvES8RKmEqYSAxMDEwAAAAAAAAAAAAAAAAAAAAAAAA==]"

EMPTY_GUARDIAN = {
    # A tab never filled in: the API answers nulls where nothing is chosen.
    "name": "",
    "profession": "Guardian",
    "specializations": [{"id": None, "traits": [None, None, None]}] * 3,
    "skills": {"heal": None, "utilities": [None, None, None], "elite": None},
    "aquatic_skills": {"heal": None, "utilities": [None, None, None], "elite": None},
}


def _character(name: str, profession: str) -> dict[str, Any]:
    return {
        "name": name,
        "race": "Norn",
        "gender": "Female",
        "flags": [],
        "profession": profession,
        "level": 80,
        "guild": "1F5F70AA-1DB6-E411-A2C4-00224D566B58",
        "age": 3600,
        "created": "2015-06-05T19:45:00Z",
        "deaths": 0,
        "build_tabs_unlocked": 2,
        "active_build_tab": 1,
    }


def account(
    permissions: tuple[str, ...] = ("account", "builds", "characters", "progression"),
    *,
    name: str = "Ann.1234",
) -> FakeAccount:
    """The stand-in account: a firebrand guardian (two tabs), a druid ranger, a herald in
    build storage and a reaper next to it."""
    return FakeAccount(
        tokeninfo={
            "id": KEY[:36],
            "name": "gw2wvw raid nights",
            "permissions": list(permissions),
            "type": "APIKey",
        },
        account={
            "id": "A9F9A8A1-2E3D-E411-8D43-AC162DC0E835",
            "name": name,
            "age": 4_000_000,
            "world": 2003,
            "guilds": ["1F5F70AA-1DB6-E411-A2C4-00224D566B58"],
            "created": "2013-08-24T18:00:00Z",
            "access": ["GuildWars2", "HeartOfThorns", "PathOfFire", "EndOfDragons"],
            "commander": True,
        },
        characters=[
            _character("Ann Lightbringer", "Guardian"),
            _character("Ann Of The Wild", "Ranger"),
        ],
        build_tabs={
            "Ann Lightbringer": [
                {"tab": 1, "is_active": True, "build": FIREBRAND},
                {"tab": 2, "is_active": False, "build": EMPTY_GUARDIAN},
            ],
            "Ann Of The Wild": [{"tab": 1, "is_active": True, "build": DRUID}],
        },
        build_storage=[HERALD, REAPER],
    )
