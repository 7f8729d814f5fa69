"""Game facts the official API does not serve, kept as small documented tables.

Both tables were derived for the offline game-data pack (see its PROVENANCE.md) from the
HardstuckGuild/HsBuildCodes palette tables (Apache-2.0), berdandy/chatr (MIT) and the wiki tables
cross-checked in Ev3nt1ne/gw2-chatlinks-go (MIT). A test checks them against the pack.
"""

from types import MappingProxyType
from typing import Final

REVENANT_HEAL_PALETTE: Final = 4572
"""The palette id a revenant build code uses for the active legend's heal skill."""

REVENANT_UTILITY_PALETTES: Final = (4614, 4651, 4564)
"""The palette ids for the legend's first, second and third utility skill, in that order."""

REVENANT_ELITE_PALETTE: Final = 4554
"""The palette id a revenant build code uses for the legend's elite skill."""

REVENANT_PALETTES: Final = (
    REVENANT_HEAL_PALETTE,
    *REVENANT_UTILITY_PALETTES,
    REVENANT_ELITE_PALETTE,
)
"""The five shared revenant palette ids: heal, three utilities, elite."""

# Skill ids per legend code in REVENANT_PALETTES order. Centaur's (6) heal palette maps to
# Project Tranquility (29148), where /v2/legends names Ventari's Will (28427) as its heal; the
# palette table is what the game writes in codes, so both count as that legend's heal.
REVENANT_LEGEND_SKILLS: Final = MappingProxyType(
    {
        1: (27220, 28379, 27014, 26644, 27760),
        2: (26937, 29209, 28231, 27107, 28406),
        3: (27372, 28516, 26679, 26557, 27975),
        4: (28219, 27322, 27505, 27917, 28287),
        5: (45686, 42949, 40485, 41220, 45773),
        6: (29148, 26821, 27025, 27715, 27356),
        7: (62719, 62832, 62962, 62878, 62942),
        8: (77043, 77243, 77291, 76805, 76968),
    }
)
"""For each legend code, the skills behind the five revenant palettes."""

# Codes written before the 2023 template change use 13-18 for the six core-era legends. The
# mapping is inferred (GW2Treasures test comments, HsBuildCodes enum order, Renegade builds using
# 18); no source encodes it outright.
LEGACY_LEGEND_CODES: Final = MappingProxyType({13: 2, 14: 1, 15: 4, 16: 3, 17: 6, 18: 5})
"""Legacy legend byte -> current legend code."""

WEAPON_TYPE_IDS: Final = MappingProxyType(
    {
        "Axe": 5,
        "Dagger": 47,
        "Focus": 49,
        "Greatsword": 50,
        "Hammer": 51,
        "Longbow": 35,
        "Mace": 53,
        "Pistol": 54,
        "Rifle": 85,
        "Scepter": 86,
        "Shield": 87,
        "Shortbow": 107,
        "Spear": 265,
        "Speargun": 293,
        "Staff": 89,
        "Sword": 90,
        "Torch": 102,
        "Trident": 258,
        "Warhorn": 103,
    }
)
"""Weapon type name -> the id a build code's weapon array uses for it."""

WEAPON_TYPES_BY_ID: Final = MappingProxyType({v: k for k, v in WEAPON_TYPE_IDS.items()})
"""Weapon id of a build code -> weapon type name."""
