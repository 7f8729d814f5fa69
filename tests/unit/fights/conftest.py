"""The real fight logs of the data pack, copied into the fixtures (see their README)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gw2wvw.fights import Log, read_log

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "fightlogs"
EBG = LOGS / "ebg-2025-11-04.ei.json"
ALPINE = LOGS / "alpine-2025-12-05.ei.json"


@pytest.fixture(scope="session")
def ebg() -> Log:
    """The 43-player Eternal Battlegrounds fight (19 in the squad, parties 2-5)."""
    return read_log(EBG)


@pytest.fixture(scope="session")
def alpine() -> Log:
    """The 9-player Alpine Borderlands fight (7 in the squad, one party)."""
    return read_log(ALPINE)
