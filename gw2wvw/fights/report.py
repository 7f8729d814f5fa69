"""`FightReport`: what one fight's log says of the squad, party by party, in EI's units.

A party is an Elite Insights group of squad members. Its measured uptime of a boon is the mean,
over its squad members that carry ``buffUptimes``, of their phase-0 uptime: percent for duration
boons, average stacks for might and stability (whose ``presence``, percent of time with any
stack, is kept too). EI measures ``buffUptimes`` over the whole fight, so a member there for half
of it counts half its boon time: the mean is already weighted by time in fight, and it is what
:mod:`gw2wvw.squad.evaluation` predicts (a mean over the party's members).

Everything beyond identity and group is optional in a log; what the report cannot compute it
leaves ``None`` (or empty) and says in :attr:`FightReport.missing`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.fights.calibrate import BOON_IDS, archetype_of
from gw2wvw.fights.schema import BuffGeneration, Log, Player
from gw2wvw.squad.figures import Rule
from gw2wvw.squad.roles import BOONS, STACKING_BOONS, Boon, RolesTable, load_roles

GenerationKind = Literal["self", "party", "other_parties", "squad"]
"""Whom a member's generation went to (EI ``selfBuffs``, ``groupBuffs``, ``offGroupBuffs``,
``squadBuffs``)."""

GENERATION_KINDS: tuple[GenerationKind, ...] = ("self", "party", "other_parties", "squad")
"""Every generation kind, in the order tables show them."""

Stat = Literal[
    "strips", "cleanses", "healing", "barrier", "damage", "downs", "kills", "downed", "deaths"
]
"""A member's per-fight totals: boon strips, condition cleanses of others, healing and barrier
to other squad members, damage, enemies downed and killed, times downed and dead."""

STATS: tuple[Stat, ...] = (
    "strips",
    "cleanses",
    "healing",
    "barrier",
    "damage",
    "downs",
    "kills",
    "downed",
    "deaths",
)
"""Every per-member total, in the order tables show them."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlayerReport(_Model):
    """One player of the fight: who, in which party, and what EI measured of them."""

    name: str
    """The character's name."""
    account: str
    specialization: str
    """The elite specialization (or core profession) EI names."""
    group: int
    archetype: str | None
    """The roles table's archetype for the specialization (the healer variant in healer gear);
    None when the table has none (or for players outside the squad)."""
    commander: bool
    active_s: float = Field(ge=0)
    """Seconds the player was in the fight."""
    uptime: dict[Boon, float] = Field(default_factory=dict)
    """The player's own boon uptime (empty when the log has none for them)."""
    generation: dict[GenerationKind, dict[Boon, float]] = Field(default_factory=dict)
    """What the player generated, per target kind (a kind the log lacks is absent)."""
    stats: dict[Stat, float] = Field(default_factory=dict)
    """Per-fight totals (a total the log cannot tell is absent)."""


class PartyReport(_Model):
    """One party (EI group) of the squad: its members and the boons they had."""

    group: int
    members: tuple[PlayerReport, ...]
    uptime: dict[Boon, float]
    """Mean boon uptime over the members that carry uptimes (percent; stacks for might and
    stability); empty when none does."""
    presence: dict[Boon, float]
    """For might and stability, the mean percent of time with at least one stack."""
    measured: int = Field(ge=0)
    """How many members' uptimes the means are over."""


class FightReport(_Model):
    """A fight: where, when, how long, who led, the squad by party and the players outside it."""

    version: Literal[1] = 1
    source: str
    """Where the log comes from (a file name, a permalink)."""
    fight_name: str
    map: str
    map_id: int | None
    start: datetime | None
    duration_s: float = Field(gt=0)
    elite_insights_version: str | None
    recorded_by: str | None
    commander: str | None
    """The account (or, without one, the name) of the squad member with the commander tag."""
    parties: tuple[PartyReport, ...]
    outside: tuple[PlayerReport, ...]
    """Players in the log but not in the squad (EI's ``notInSquad``): kept apart, never in a
    party."""
    missing: list[str]
    """What the report could not compute, and why."""

    def players(self) -> tuple[PlayerReport, ...]:
        """Every squad member, party by party."""
        return tuple(m for p in self.parties for m in p.members)

    def party(self, group: int) -> PartyReport | None:
        """The party of EI group ``group``, if the squad had one."""
        return next((p for p in self.parties if p.group == group), None)


def _start(text: str | None) -> datetime | None:
    """EI's ``timeStartStd`` (``2025-11-04 16:38:11 -05:00``) as a datetime."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S %z")
    except ValueError:
        return None


def _by_boon(entries: list[BuffGeneration]) -> dict[Boon, float]:
    by_id = {e.id: e.buff_data[0].generation for e in entries if e.buff_data}
    return {boon: float(by_id.get(buff, 0.0)) for boon, buff in BOON_IDS.items()}


class _Gaps:
    """Who lacks what, gathered while reading players, said once per block at the end."""

    def __init__(self) -> None:
        self.players: dict[str, list[str]] = defaultdict(list)

    def add(self, what: str, player: Player) -> None:
        self.players[what].append(player.name)

    def lines(self) -> list[str]:
        return [f"{what}: not in the log for {', '.join(w)}" for what, w in self.players.items()]


def _recorded_healing(log: Log, player: Player) -> bool:
    """Whether the Healing Stats extension recorded ``player`` (EI writes zeros for others)."""
    if log.used_extensions is None:
        return True
    return any(
        "healing" in e.name.casefold() and player.name in e.running_extension
        for e in log.used_extensions
    )


def _stats(log: Log, index: int, player: Player, squad: set[int], gaps: _Gaps) -> dict[Stat, float]:
    stats: dict[Stat, float] = {}
    if player.support:
        stats["strips"] = player.support[0].boon_strips
        stats["cleanses"] = player.support[0].condi_cleanse
    else:
        gaps.add("strips and cleanses (support)", player)
    if player.dps_all:
        stats["damage"] = player.dps_all[0].damage
    else:
        gaps.add("damage (dpsAll)", player)
    if player.stats_all:
        stats["downs"] = player.stats_all[0].downed
        stats["kills"] = player.stats_all[0].killed
    else:
        gaps.add("enemies downed and killed (statsAll)", player)
    if player.defenses:
        stats["downed"] = player.defenses[0].down_count
        stats["deaths"] = player.defenses[0].dead_count
    else:
        gaps.add("downs and deaths (defenses)", player)
    recorded = _recorded_healing(log, player)
    healing = player.ext_healing_stats
    if healing is not None and healing.outgoing_healing_allies and recorded:
        stats["healing"] = sum(
            row[0].healing
            for i, row in enumerate(healing.outgoing_healing_allies)
            if i != index and i in squad and row
        )
    else:
        gaps.add("healing (the Healing Stats extension)", player)
    barrier = player.ext_barrier_stats
    if barrier is not None and barrier.outgoing_barrier_allies and recorded:
        stats["barrier"] = sum(
            row[0].barrier
            for i, row in enumerate(barrier.outgoing_barrier_allies)
            if i != index and i in squad and row
        )
    else:
        gaps.add("barrier (the Healing Stats extension)", player)
    return stats


def _player(
    log: Log,
    index: int,
    player: Player,
    squad: set[int],
    roles: RolesTable,
    rule: Rule,
    gaps: _Gaps,
) -> PlayerReport:
    duration = log.duration_ms / 1000
    active = player.active_times[0] / 1000 if player.active_times else duration
    uptime: dict[Boon, float] = {}
    if player.buff_uptimes is not None:
        by_id = {e.id: e.buff_data[0] for e in player.buff_uptimes if e.buff_data}
        uptime = {b: float(by_id[i].uptime) if i in by_id else 0.0 for b, i in BOON_IDS.items()}
    inside = index in squad
    archetype = archetype_of(player, roles, rule) if inside else None
    generation: dict[GenerationKind, dict[Boon, float]] = {}
    if inside:
        if player.buff_uptimes is None:
            gaps.add("boon uptime (buffUptimes)", player)
        if archetype is None:
            gaps.add("an archetype (the roles table lacks the specialization)", player)
        blocks: tuple[tuple[GenerationKind, list[BuffGeneration] | None], ...] = (
            ("self", player.self_buffs),
            ("party", player.group_buffs),
            ("other_parties", player.off_group_buffs),
            ("squad", player.squad_buffs),
        )
        for kind, entries in blocks:
            if entries is not None:
                generation[kind] = _by_boon(entries)
            elif player.buff_uptimes is not None:
                # EI writes no generation list for targets a player gave no buff to.
                generation[kind] = dict.fromkeys(BOONS, 0.0)
        if len(generation) < len(blocks):
            gaps.add("boon generation (selfBuffs, groupBuffs ...)", player)
    return PlayerReport(
        name=player.name,
        account=player.account,
        specialization=player.profession,
        group=player.group,
        archetype=archetype.id if archetype is not None else None,
        commander=player.has_commander_tag,
        active_s=min(max(active, 0.0), duration),
        uptime=uptime,
        generation=generation,
        # Players outside the squad are no one's to account for: their gaps go unsaid.
        stats=_stats(log, index, player, squad, gaps if inside else _Gaps()),
    )


def _presence(player: Player, buff: int) -> float:
    for entry in player.buff_uptimes or ():
        if entry.id == buff and entry.buff_data:
            return entry.buff_data[0].presence
    return 0.0


def _party(group: int, members: Sequence[tuple[Player, PlayerReport]]) -> PartyReport:
    carried = [(p, r) for p, r in members if p.buff_uptimes is not None]
    n = len(carried)
    uptime: dict[Boon, float] = {}
    presence: dict[Boon, float] = {}
    if n:
        uptime = {b: sum(r.uptime[b] for _, r in carried) / n for b in BOONS}
        presence = {
            b: sum(_presence(p, BOON_IDS[b]) for p, _ in carried) / n
            for b in BOONS
            if b in STACKING_BOONS
        }
    return PartyReport(
        group=group,
        members=tuple(r for _, r in members),
        uptime=uptime,
        presence=presence,
        measured=n,
    )


def report(
    log: Log,
    *,
    source: str = "",
    roles: RolesTable | None = None,
    rule: Rule | None = None,
) -> FightReport:
    """The report of one fight's ``log`` (``source`` says where it comes from).

    ``roles`` (default: the bundled table) names each member's archetype; ``rule`` (default: the
    figures' rule) says from which healing power a member plays its healer variant.
    """
    roles = roles if roles is not None else load_roles()
    rule = rule or Rule()
    gaps = _Gaps()
    squad = {i for i, p in enumerate(log.players) if not p.not_in_squad and not p.friendly_npc}
    groups: dict[int, list[tuple[Player, PlayerReport]]] = defaultdict(list)
    outside: list[PlayerReport] = []
    for index, player in enumerate(log.players):
        if player.friendly_npc:
            continue
        made = _player(log, index, player, squad, roles, rule, gaps)
        if index in squad:
            groups[player.group].append((player, made))
        else:
            outside.append(made)
    parties = tuple(_party(g, groups[g]) for g in sorted(groups))
    tagged = [r for p in parties for r in p.members if r.commander]
    missing = gaps.lines()
    if not tagged:
        missing.append("commander: no squad member has the commander tag")
    name = log.fight_name.split(" - ", 1)[-1]
    return FightReport(
        source=source,
        fight_name=log.fight_name,
        map=name,
        map_id=log.map_id,
        start=_start(log.time_start_std),
        duration_s=log.duration_ms / 1000,
        elite_insights_version=log.elite_insights_version,
        recorded_by=log.recorded_by,
        commander=(tagged[0].account or tagged[0].name) if tagged else None,
        parties=parties,
        outside=tuple(outside),
        missing=missing,
    )


__all__ = [
    "GENERATION_KINDS",
    "STATS",
    "FightReport",
    "GenerationKind",
    "PartyReport",
    "PlayerReport",
    "Stat",
    "report",
]
