"""Figures: how much each archetype gives, in Elite Insights' units, with where each number is from.

For every archetype and boon the table holds two generation figures, as EI measures them:

- ``party``: what each *other* member of its party receives on average (EI "group" generation),
- ``self``: what the member gives itself (EI "self" generation),

in percent uptime for duration boons and in average stacks for might and stability; and per
member: boon strips and condition cleanses (of allies) per minute, healing per second to its
party and damage per second. For the squad as a whole it holds what a party gets from the squad's
*other* parties (EI "off-group" generation received, averaged over the measured parties): a plan
counts on that much from the rest of any squad of two or more parties, and plans every party to
meet its targets with its own members on top of it, as a commander does.

Every figure combines what real fights measured with a prior by one rule (:class:`Rule`):
``value = (players * measured + prior_players * prior) / (players + prior_players)``, where
``players`` counts the measured players weighted by their share of the fight. A boon the roles
table marks as not given in WvW (PvE-only or unconfirmed) is 0 whatever was measured. The bundled
table is the output of :func:`gw2wvw.fights.calibrate.calibrate` on the fight logs and the
roles reference of the project's data pack; ``gw2wvw fight calibrate`` folds more fights in by
the same rule.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from gw2wvw.errors import Gw2WvwError
from gw2wvw.squad.roles import Boon

Basis = Literal["measured", "prior", "combined", "not in WvW"]
"""Where a figure comes from: fights only, the prior only, both, or forced to 0."""

Metric = Literal["strips", "cleanses", "healing", "damage"]
"""Per-member output besides boons: strips and cleanses per minute, healing and damage per
second."""

METRICS: tuple[Metric, ...] = ("strips", "cleanses", "healing", "damage")
"""Every per-member metric."""

METRIC_UNITS: Mapping[Metric, str] = {
    "strips": "boon strips per minute",
    "cleanses": "condition cleanses of allies per minute",
    "healing": "healing per second to its party",
    "damage": "damage per second",
}
"""The unit of each metric, in words."""


class FiguresError(Gw2WvwError, ValueError):
    """A figures file cannot be read or is malformed."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(_Model):
    """One figure: the value used, and the measurement and prior it combines."""

    value: float = Field(ge=0)
    basis: Basis
    measured: float | None = Field(default=None, ge=0)
    """The time-weighted mean over the measured players (None when nobody was measured)."""
    players: float = Field(default=0.0, ge=0)
    """How many players were measured, each weighted by its share of its fight."""
    prior: float = Field(default=0.0, ge=0)


ZERO = Estimate(value=0.0, basis="prior")
"""A figure with nothing measured and a prior of 0."""


class BoonFigures(_Model):
    """An archetype's generation of one boon to the rest of its party and to itself."""

    party: Estimate = ZERO
    self_: Estimate = Field(default=ZERO, alias="self")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)


class ArchetypeFigures(_Model):
    """Everything measured or assumed of one archetype."""

    boons: dict[Boon, BoonFigures] = Field(default_factory=dict)
    """Boons with any nonzero figure (a boon left out is 0)."""
    strips: Estimate = ZERO
    cleanses: Estimate = ZERO
    healing: Estimate = ZERO
    damage: Estimate = ZERO

    def boon(self, boon: Boon) -> BoonFigures:
        """The figures of ``boon`` (zeros when the archetype gives none)."""
        return self.boons.get(boon, _NO_BOON)

    def metric(self, name: Metric) -> float:
        """The value of a per-member metric."""
        estimate: Estimate = getattr(self, name)
        return estimate.value


_NO_BOON = BoonFigures()
_NOTHING = ArchetypeFigures()


class Fight(_Model):
    """A fight the figures were measured in."""

    name: str
    source: str
    """Where the log comes from."""
    map: str
    start: str | None = None
    duration_s: float = Field(gt=0)
    squad_players: int = Field(ge=0)
    """Squad members measured (players outside the squad carry no generation data)."""


class Rule(_Model):
    """How a measurement and the prior are combined (see the module docstring)."""

    prior_players: float = Field(default=2.0, gt=0)
    """The prior's weight, in players."""
    healer_healing_power: int = Field(default=1000, ge=0)
    """A logged player with at least this healing power plays its specialization's healer
    variant, when there is one."""


class Figures(_Model):
    """The figures table: how it was made, the fights behind it, and every archetype's figures."""

    version: Literal[1] = 1
    description: str = ""
    rule: Rule = Rule()
    fights: tuple[Fight, ...] = ()
    other_parties: dict[Boon, float] = Field(default_factory=dict)
    """What a party of a squad of two or more parties gets from the other parties."""
    other_parties_measured: int = Field(default=0, ge=0)
    """How many parties ``other_parties`` was measured on."""
    allies: dict[Boon, float] = Field(default_factory=dict)
    """What a party gets from allies outside the squad (0 in the bundled table: a plan counts
    only what the squad gives itself; ``fight calibrate`` measures it from its fights)."""
    priors: dict[str, dict[str, float]] = Field(default_factory=dict)
    """The priors' inputs, for the record: per-class boon generation and per-rating metrics."""
    archetypes: dict[str, ArchetypeFigures]

    def of(self, archetype_id: str) -> ArchetypeFigures:
        """The figures of an archetype (zeros for one the table does not know)."""
        return self.archetypes.get(archetype_id, _NOTHING)

    def from_allies(self, boon: Boon) -> float:
        """What a party gets of ``boon`` from allies outside the squad."""
        return self.allies.get(boon, 0.0)

    def from_other_parties(self, boon: Boon, parties: int) -> float:
        """What a party of a squad of ``parties`` parties gets of ``boon`` from the others."""
        return self.other_parties.get(boon, 0.0) if parties > 1 else 0.0


def parse_figures(document: bytes | str) -> Figures:
    """A figures table from JSON text; raises :class:`FiguresError` naming the first problem."""
    try:
        return Figures.model_validate_json(document)
    except ValidationError as error:
        first = error.errors()[0]
        where = "/".join(str(p) for p in first["loc"])
        raise FiguresError(f"invalid figures table at /{where}: {first['msg']}") from error


@functools.cache
def _bundled() -> Figures:
    text = resources.files(__package__).joinpath("figures.json").read_bytes()
    return Figures.model_validate_json(text)


def load_figures(path: str | Path | None = None) -> Figures:
    """The bundled figures table, or the one in the JSON file at ``path``."""
    if path is None:
        return _bundled()
    try:
        text = Path(path).read_bytes()
    except OSError as error:
        raise FiguresError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        json.loads(text)
    except ValueError as error:
        raise FiguresError(f"{path} is not valid JSON: {error}") from error
    return parse_figures(text)


def dump_figures(figures: Figures) -> str:
    """The JSON text of a figures table, as the bundled file is written (stable, diffable)."""
    document = figures.model_dump(mode="json", by_alias=True, exclude_defaults=False)
    return json.dumps(document, indent=1, sort_keys=False) + "\n"


__all__ = [
    "METRICS",
    "METRIC_UNITS",
    "ArchetypeFigures",
    "BoonFigures",
    "Estimate",
    "Fight",
    "Figures",
    "FiguresError",
    "Rule",
    "dump_figures",
    "load_figures",
    "parse_figures",
]
