"""Fights: Elite Insights logs of WvW fights, their reports, plan against reality, and the boon
figures measured from them.

Reading needs the ``fights`` extra (msgspec). The report, night, review and calibration names
are imported on first use, so ``import gw2wvw.fights`` loads the decoder only.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gw2wvw.fights.reading import DEFAULT_MAX_BYTES, FightLogError, decode_log, read_log
from gw2wvw.fights.schema import Log, Player

if TYPE_CHECKING:
    from gw2wvw.fights.calibrate import calibrate
    from gw2wvw.fights.night import NightError, NightReport, PartyNight, PlayerNight, night
    from gw2wvw.fights.report import FightReport, PartyReport, PlayerReport, report
    from gw2wvw.fights.review import (
        GoalReview,
        PartyReview,
        Review,
        ReviewError,
        composition_of,
        review,
        review_fight,
    )

_LAZY: dict[str, str] = {
    "FightReport": "gw2wvw.fights.report",
    "PartyReport": "gw2wvw.fights.report",
    "PlayerReport": "gw2wvw.fights.report",
    "report": "gw2wvw.fights.report",
    "NightReport": "gw2wvw.fights.night",
    "NightError": "gw2wvw.fights.night",
    "PartyNight": "gw2wvw.fights.night",
    "PlayerNight": "gw2wvw.fights.night",
    "night": "gw2wvw.fights.night",
    "Review": "gw2wvw.fights.review",
    "ReviewError": "gw2wvw.fights.review",
    "PartyReview": "gw2wvw.fights.review",
    "GoalReview": "gw2wvw.fights.review",
    "review": "gw2wvw.fights.review",
    "review_fight": "gw2wvw.fights.review",
    "composition_of": "gw2wvw.fights.review",
    "calibrate": "gw2wvw.fights.calibrate",
}

__all__ = [
    "DEFAULT_MAX_BYTES",
    "FightLogError",
    "FightReport",
    "GoalReview",
    "Log",
    "NightError",
    "NightReport",
    "PartyNight",
    "PartyReport",
    "PartyReview",
    "Player",
    "PlayerNight",
    "PlayerReport",
    "Review",
    "ReviewError",
    "calibrate",
    "composition_of",
    "decode_log",
    "night",
    "read_log",
    "report",
    "review",
    "review_fight",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    try:
        module = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'gw2wvw.fights' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, for ``dir()`` and completion."""
    return sorted({*globals(), *__all__})
