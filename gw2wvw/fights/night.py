"""`night`: several fights' reports aggregated per player (account) and per party, by time.

The method is the one of the top-stats tools commanders know (``arcdps_top_stats_parser``):
totals are sums over the fights a player was in, and rates divide a total by the duration of the
fights the player was present in (per second for healing, barrier and damage, per minute for
counts). Boon uptime and generation are means over those fights weighted by each fight's
duration; a party's uptime weighs each fight by its members times its duration (its slot time).
Where the top-stats tool divides boon time by active time, this keeps a member's absent time as
time without boons, as one fight's report does, so that a night of one fight is that fight.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.errors import Gw2WvwError
from gw2wvw.fights.report import (
    GENERATION_KINDS,
    STATS,
    FightReport,
    GenerationKind,
    PlayerReport,
    Stat,
)
from gw2wvw.squad.roles import BOONS, Boon

PER_SECOND: frozenset[Stat] = frozenset({"healing", "barrier", "damage"})
"""Stats whose rate is per second; the others (counts) are per minute."""

RATE_UNITS: Mapping[Stat, str] = {
    s: "per second" if s in PER_SECOND else "per minute" for s in STATS
}
"""The unit of each stat's rate."""


class NightError(Gw2WvwError, ValueError):
    """A night needs at least one fight."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class NightFight(_Model):
    """One fight of the night."""

    source: str
    map: str
    start: datetime | None
    duration_s: float
    squad: int
    """Squad members in the fight."""


class PlayerNight(_Model):
    """One account over the night."""

    account: str
    """The account (the character's name when the log has no account)."""
    names: tuple[str, ...]
    """The characters it played, in the order first seen."""
    specializations: dict[str, float]
    """Seconds in fight per specialization played."""
    fights: int = Field(ge=0)
    present_s: float = Field(ge=0)
    """The total duration of the fights it was in."""
    active_s: float = Field(ge=0)
    commander: int = Field(ge=0)
    """How many of its fights it led."""
    uptime: dict[Boon, float]
    """Its boon uptime over the fights it was in, weighted by their duration."""
    generation: dict[GenerationKind, dict[Boon, float]]
    """Its generation per kind, weighted by the duration of the fights that tell it."""
    totals: dict[Stat, float]
    """Sums over the fights that tell each stat (a stat no fight tells is absent)."""
    rates: dict[Stat, float]
    """Each total over the duration of the fights that tell it (see :data:`RATE_UNITS`)."""


class PartyNight(_Model):
    """One party (EI group number) over the night."""

    group: int
    fights: int = Field(ge=0)
    accounts: tuple[str, ...]
    """Everyone who played in it, in the order first seen."""
    slot_s: float = Field(ge=0)
    """Members times duration, summed over the fights with uptimes."""
    uptime: dict[Boon, float]
    """Its measured uptime, each fight weighted by its slot time."""


class NightReport(_Model):
    """A night of fights: each fight, every account and every party."""

    fights: tuple[NightFight, ...]
    duration_s: float
    players: tuple[PlayerNight, ...]
    """Accounts, most time present first."""
    parties: tuple[PartyNight, ...]
    missing: list[str]
    """What some fight could not compute, with the fight's source."""


def _key(player: PlayerReport) -> str:
    return player.account or player.name


def _weighted(pairs: Sequence[tuple[float, Mapping[Boon, float]]]) -> dict[Boon, float]:
    weight = sum(w for w, _ in pairs)
    if weight <= 0:
        return {}
    return {b: sum(w * v.get(b, 0.0) for w, v in pairs) / weight for b in BOONS}


def _player(account: str, seen: Sequence[tuple[FightReport, PlayerReport]]) -> PlayerNight:
    names: dict[str, None] = {}
    specs: dict[str, float] = defaultdict(float)
    for _, p in seen:
        names[p.name] = None
        specs[p.specialization] += p.active_s
    uptime = _weighted([(f.duration_s, p.uptime) for f, p in seen if p.uptime])
    generation = {
        kind: _weighted(
            [(f.duration_s, p.generation[kind]) for f, p in seen if kind in p.generation]
        )
        for kind in GENERATION_KINDS
        if any(kind in p.generation for _, p in seen)
    }
    totals: dict[Stat, float] = {}
    rates: dict[Stat, float] = {}
    for stat in STATS:
        told = [(f.duration_s, p.stats[stat]) for f, p in seen if stat in p.stats]
        if not told:
            continue
        totals[stat] = sum(v for _, v in told)
        seconds = sum(d for d, _ in told)
        rates[stat] = totals[stat] / (seconds if stat in PER_SECOND else seconds / 60)
    return PlayerNight(
        account=account,
        names=tuple(names),
        specializations=dict(specs),
        fights=len(seen),
        present_s=sum(f.duration_s for f, _ in seen),
        active_s=sum(p.active_s for _, p in seen),
        commander=sum(p.commander for _, p in seen),
        uptime=uptime,
        generation=generation,
        totals=totals,
        rates=rates,
    )


def night(reports: Sequence[FightReport]) -> NightReport:
    """Aggregate the reports of a night's fights; raises :class:`NightError` without any."""
    if not reports:
        raise NightError("a night needs at least one fight")
    by_account: dict[str, list[tuple[FightReport, PlayerReport]]] = defaultdict(list)
    by_group: dict[int, list[tuple[float, Mapping[Boon, float]]]] = defaultdict(list)
    accounts: dict[int, dict[str, None]] = defaultdict(dict)
    fights: dict[int, int] = defaultdict(int)
    missing: list[str] = []
    for fight in reports:
        for party in fight.parties:
            fights[party.group] += 1
            for member in party.members:
                by_account[_key(member)].append((fight, member))
                accounts[party.group][_key(member)] = None
            if party.uptime:
                by_group[party.group].append((len(party.members) * fight.duration_s, party.uptime))
        missing += [f"{fight.source or fight.map}: {line}" for line in fight.missing]
    players = sorted(
        (_player(a, seen) for a, seen in by_account.items()),
        key=lambda p: (-p.present_s, p.account.casefold()),
    )
    parties = tuple(
        PartyNight(
            group=g,
            fights=fights[g],
            accounts=tuple(accounts[g]),
            slot_s=sum(w for w, _ in by_group[g]),
            uptime=_weighted(by_group[g]),
        )
        for g in sorted(fights)
    )
    return NightReport(
        fights=tuple(
            NightFight(
                source=f.source,
                map=f.map,
                start=f.start,
                duration_s=f.duration_s,
                squad=len(f.players()),
            )
            for f in reports
        ),
        duration_s=sum(f.duration_s for f in reports),
        players=tuple(players),
        parties=parties,
        missing=missing,
    )


__all__ = [
    "PER_SECOND",
    "RATE_UNITS",
    "NightError",
    "NightFight",
    "NightReport",
    "PartyNight",
    "PlayerNight",
    "night",
]
