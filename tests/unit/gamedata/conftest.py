"""Fixtures of the game-data tests: a real fake-API server and small API-shaped records."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import pytest

from tests.support.gw2api import FakeGw2Api, Record

ServeFn = Callable[..., FakeGw2Api]

TRAIT_COUNT = 250
"""More than one batch of 200, so the sync must split its requests."""

ODD_LEGEND_ID = "Legend 9/&,?x"
"""A string id with characters that must be percent-encoded in a query."""


def _profession(name: str, code: int, specs: list[int], heal: int) -> Record:
    return {
        "id": name,
        "name": name,
        "code": code,
        "icon": "https://render.guildwars2.com/dropped-by-the-trimmer.png",
        "flags": [],
        "specializations": specs,
        "weapons": {
            "Sword": {
                "flags": ["Mainhand"],
                "skills": [{"id": heal + 1000, "slot": "Weapon_1"}],
            }
        },
        "skills": [
            {"id": heal, "slot": "Heal", "type": "Heal"},
            {"id": heal + 1, "slot": "Profession_1", "type": "Profession"},
        ],
        "training": [{"id": 1, "category": "dropped"}],
        "skills_by_palette": [[4572, heal]],
    }


def _legend(ident: str, code: int, base: int) -> Record:
    return {
        "id": ident,
        "code": code,
        "swap": base,
        "heal": base + 1,
        "elite": base + 2,
        "utilities": [base + 3, base + 4, base + 5],
    }


def sample_records() -> dict[str, list[Record]]:
    """API-shaped records for every endpoint: small, but enough to parse as a snapshot."""
    traits = [
        {
            "id": 1000 + n,
            "name": f"Trait {n}",
            "description": "dropped by the trimmer",
            "tier": n % 3 + 1,
            "order": n % 3,
            "slot": "Major",
            "specialization": 12,
        }
        for n in range(TRAIT_COUNT)
    ]
    return {
        "professions": [
            _profession("Guardian", 1, [42], 9083),
            _profession("Revenant", 9, [12, 52], 27220),
        ],
        "specializations": [
            {
                "id": ident,
                "name": name,
                "profession": profession,
                "elite": elite,
                "minor_traits": [1000, 1001, 1002],
                "major_traits": list(range(1003, 1012)),
                "icon": "dropped",
            }
            for ident, name, profession, elite in (
                (42, "Zeal", "Guardian", False),
                (12, "Invocation", "Revenant", False),
                (52, "Herald", "Revenant", True),
            )
        ],
        "traits": traits,
        "skills": [
            {
                "id": 27220,
                "name": "Facet of Light",
                "slot": "Heal",
                "type": "Heal",
                "professions": ["Revenant"],
                "specialization": 52,
                "weapon_type": "None",
            },
            {"id": 9083, "name": "Receive the Light", "slot": "Heal", "professions": ["Guardian"]},
        ],
        "legends": [
            _legend("Legend1", 1, 28000),
            _legend("Legend2", 2, 29000),
            _legend(ODD_LEGEND_ID, 9, 30000),
        ],
        "pets": [{"id": 1, "name": "Juvenile Jungle Stalker"}, {"id": 2, "name": "Juvenile Boar"}],
        "itemstats": [
            {
                "id": 584,
                "name": "Minstrel's",
                "attributes": [{"attribute": "Toughness", "multiplier": 0.3, "value": 0}],
            }
        ],
    }


@pytest.fixture
def serve() -> Iterator[ServeFn]:
    """Start fake API servers on demand; all of them stop when the test ends."""
    started: list[FakeGw2Api] = []

    def start(records: Mapping[str, Sequence[Record]], *, build_id: int = 4242) -> FakeGw2Api:
        server = FakeGw2Api(records, build_id=build_id).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def records() -> dict[str, list[Record]]:
    """A fresh copy of :func:`sample_records` that a test may change before serving it."""
    return sample_records()


@pytest.fixture
def api(serve: ServeFn, records: dict[str, list[Record]]) -> FakeGw2Api:
    """A running fake API serving :func:`records` with build 4242."""
    return serve(records)


@pytest.fixture
def fast() -> dict[str, Any]:
    """Sync options that keep retries and timeouts short."""
    return {"request_timeout": 0.3, "backoff_base": 0.001, "max_delay": 1.0}
