"""Calibration: turn fight logs into the figures table the squad model plans with.

Each squad member of a log becomes a *sample* of its archetype: its specialization's default
archetype, or the healer variant when its healing power says healer gear. A sample holds what EI
measured of the player: boon generation to its party, itself and the rest of the squad, strips,
cleanses, healing and damage, weighted by the player's share of the fight.

Priors (used where few players or none were measured) come from the same samples:

- a boon an archetype is documented to give (its roles-table entry cites a reason) gets the
  time-weighted mean generation of that boon over the sampled players of its class (supports,
  i.e. healers, stability anchors and boon supports, or everyone else) whose archetypes are
  documented to give it; a boon it is not documented to give has a prior of 0;
- strips, cleanses, healing and damage get ``rating * per-point``, the 0-3 rating of the roles
  table times the least-squares slope (through 0) of the measured metric over the sampled players'
  ratings.

Measurement and prior combine by :class:`gw2wvw.squad.figures.Rule`; a boon the roles table or
the reference marks as not given in WvW, and a boon no archetype is documented to give in WvW
(alacrity), is 0 whatever a log shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gw2wvw.fights.schema import BuffGeneration, Log, Player
from gw2wvw.squad.figures import (
    METRICS,
    ArchetypeFigures,
    BoonFigures,
    Estimate,
    Fight,
    Figures,
    Metric,
    Rule,
)
from gw2wvw.squad.roles import BOONS, Archetype, Boon, RolesTable

BOON_IDS: Mapping[Boon, int] = {
    "might": 740,
    "fury": 725,
    "quickness": 1187,
    "alacrity": 30328,
    "protection": 717,
    "regeneration": 718,
    "vigor": 726,
    "aegis": 743,
    "stability": 1122,
    "swiftness": 719,
    "resistance": 26980,
    "resolution": 873,
    "superspeed": 5974,
}
"""Elite Insights' buff id of every boon."""

Kind = Literal["party", "self"]
"""Whom a generation figure is for: the rest of the member's party, or the member."""

KINDS: tuple[Kind, ...] = ("party", "self")

_RATINGS: Mapping[Metric, tuple[str, str]] = {
    "strips": ("squad", "strip"),
    "cleanses": ("party", "cleanse"),
    "healing": ("party", "healing"),
    "damage": ("squad", "damage"),
}
"""The roles-table rating each metric's prior scales with."""

DESCRIPTION = (
    "Per-archetype generation figures in Elite Insights units (percent uptime; average stacks "
    "for might and stability): 'party' is what each other party member receives (EI group "
    "generation), 'self' what the member gives itself; 'other_parties' what a party got from "
    "its squad's other parties (EI off-group generation received, mean over the measured "
    "parties); strips and cleanses per minute, healing and "
    "damage per second. value = (players * measured + prior_players * prior) / (players + "
    "prior_players); boons the roles table or the reference marks as not given in WvW are 0. "
    "Made by gw2wvw.fights.calibrate from the fights listed here."
)


@dataclass
class Sample:
    """What one squad member of one fight measured, for its archetype."""

    archetype: str
    weight: float
    """The player's share of the fight (active time over duration)."""
    generation: dict[Kind, dict[Boon, float]] = field(default_factory=dict)
    """Generation per kind (a kind is absent when the log cannot tell it)."""
    metrics: dict[Metric, float] = field(default_factory=dict)
    """Per-member metrics the log has (absent when an extension was not running)."""


def _generation(entries: list[BuffGeneration] | None) -> dict[Boon, float] | None:
    if entries is None:
        return None
    by_id = {e.id: e.buff_data[0].generation for e in entries if e.buff_data}
    return {boon: float(by_id.get(buff, 0.0)) for boon, buff in BOON_IDS.items()}


def archetype_of(player: Player, roles: RolesTable, rule: Rule) -> Archetype | None:
    """The archetype a logged player counts as: the default of its specialization, or the
    healer variant when its healing power reaches the rule's threshold; None when the roles
    table has nothing for its specialization."""
    options = roles.of_specialization(player.profession)
    if not options:
        return None
    if (player.healing or 0) >= rule.healer_healing_power:
        healers = [a for a in options if a.fills("healer")]
        if healers:
            return healers[0]
    return options[0]


def _active_seconds(player: Player, duration_s: float) -> float:
    active = player.active_times[0] / 1000 if player.active_times else duration_s
    return min(max(active, 0.0), duration_s)


def samples(log: Log, roles: RolesTable, rule: Rule | None = None) -> list[Sample]:
    """A sample for every squad member of ``log`` whose specialization the roles table knows."""
    rule = rule or Rule()
    duration = log.duration_ms / 1000
    squad = [(i, p) for i, p in enumerate(log.players) if not p.not_in_squad and not p.friendly_npc]
    group_size: dict[int, int] = defaultdict(int)
    for _, player in squad:
        group_size[player.group] += 1
    found: list[Sample] = []
    for index, player in squad:
        archetype = archetype_of(player, roles, rule)
        active = _active_seconds(player, duration)
        if archetype is None or active <= 0:
            continue
        sample = Sample(archetype.id, active / duration)
        mates = group_size[player.group] - 1
        own = _generation(player.self_buffs)
        if own is not None:
            sample.generation["self"] = own
        party = _generation(player.group_buffs)
        if party is not None and mates > 0:
            sample.generation["party"] = party
        sample.metrics = _metrics(log, index, player, squad, active)
        found.append(sample)
    return found


def _metrics(
    log: Log, index: int, player: Player, squad: list[tuple[int, Player]], active: float
) -> dict[Metric, float]:
    minutes = active / 60
    metrics: dict[Metric, float] = {}
    if player.support:
        metrics["strips"] = player.support[0].boon_strips / minutes
        metrics["cleanses"] = player.support[0].condi_cleanse / minutes
    if player.dps_all:
        # EI's dps divides by the whole fight; per active second is fair to late joiners.
        metrics["damage"] = player.dps_all[0].damage / active
    healing = player.ext_healing_stats
    if healing is not None and healing.outgoing_healing_allies and _recorded(log, player):
        allies = healing.outgoing_healing_allies
        total = sum(
            allies[i][0].healing
            for i, mate in squad
            if mate.group == player.group and i != index and i < len(allies) and allies[i]
        )
        metrics["healing"] = total / active
    return metrics


def _recorded(log: Log, player: Player) -> bool:
    """Whether the Healing Stats extension recorded ``player`` (EI writes zeros for others)."""
    if log.used_extensions is None:
        return True
    return any(
        "healing" in e.name.casefold() and player.name in e.running_extension
        for e in log.used_extensions
    )


def _mean(pairs: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """(time-weighted mean, total weight) of (weight, value) pairs, or None when empty."""
    weight = value = 0.0
    for w, v in pairs:
        weight += w
        value += w * v
    return (value / weight, weight) if weight > 0 else None


def _class(archetype: Archetype) -> str:
    return "support" if archetype.support else "other"


def _not_in_wvw(roles: RolesTable, reference: Mapping[str, Any] | None) -> set[tuple[str, str]]:
    """(archetype, boon) pairs the roles table or the reference marks as not given in WvW."""
    marked: set[tuple[str, str]] = {(a.id, b) for a in roles.archetypes for b in a.not_provided}
    # A boon no archetype is documented to give in WvW (alacrity: every source the reference
    # found is PvE-only or unconfirmed) is what some players gave themselves from gear, not a
    # squad role's output.
    given = {boon for a in roles.archetypes for boon in a.party.boons}
    marked |= {(a.id, boon) for a in roles.archetypes for boon in BOONS if boon not in given}
    for entry in (reference or {}).get("archetypes", ()):
        for boon, claim in entry.get("party_boons", {}).items():
            if not claim.get("provided", True):
                marked.add((entry["id"], boon))
    return marked


def priors(found: Sequence[Sample], roles: RolesTable) -> dict[str, dict[str, float]]:
    """The priors' inputs measured from ``found`` (see the module docstring)."""
    table: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        for group in ("support", "other", "all"):
            row: dict[str, float] = {}
            for boon in BOONS:
                mean = _mean(
                    (s.weight, s.generation[kind][boon])
                    for s in found
                    if kind in s.generation
                    and roles[s.archetype].gives(boon)
                    and group in ("all", _class(roles[s.archetype]))
                )
                if mean is not None:
                    row[boon] = round(mean[0], 3)
            table[f"{group} {kind}"] = row
    slopes: dict[str, float] = {}
    for metric, (_, name) in _RATINGS.items():
        top = bottom = 0.0
        for s in found:
            if metric in s.metrics:
                rating = roles[s.archetype].capability(name)  # type: ignore[arg-type]
                top += s.weight * s.metrics[metric] * rating
                bottom += s.weight * rating * rating
        slopes[metric] = round(top / bottom, 3) if bottom > 0 else 0.0
    table["per rating point"] = slopes
    return table


def _prior_boon(
    archetype: Archetype,
    kind: Kind,
    boon: Boon,
    inputs: Mapping[str, Mapping[str, float]],
    variants: Sequence[Sample],
) -> float:
    """The prior of a boon the archetype is documented to give (0 for any other): what the
    specialization's other variants measured, else the mean of the archetype's class."""
    if not archetype.gives(boon):
        return 0.0
    measured = _mean((s.weight, s.generation[kind][boon]) for s in variants if kind in s.generation)
    if measured is not None:
        return measured[0]
    own = inputs.get(f"{_class(archetype)} {kind}", {})
    return own.get(boon, inputs.get(f"all {kind}", {}).get(boon, 0.0))


def _combine(
    rule: Rule, prior: float, measured: tuple[float, float] | None, base: Estimate | None
) -> Estimate:
    """An estimate from a prior, this run's measurement and (when updating) the old estimate."""
    mean, players = measured if measured is not None else (0.0, 0.0)
    if base is not None and base.measured is not None and base.players > 0:
        total = base.players + players
        mean = (base.measured * base.players + mean * players) / total
        players = total
    # Rounded first, so that every figure of the file follows the rule from the file's numbers.
    mean, players, prior = round(mean, 3), round(players, 3), round(prior, 3)
    if players <= 0:
        return Estimate(value=prior, basis="prior", prior=prior)
    k = rule.prior_players
    value = (players * mean + k * prior) / (players + k)
    return Estimate(
        value=round(value, 3),
        basis="combined" if prior > 0 else "measured",
        measured=mean,
        players=players,
        prior=prior,
    )


def _fight(source: str, log: Log) -> Fight:
    name = log.fight_name.split(" - ", 1)[-1]
    return Fight(
        name=f"{name}, {log.time_start_std or 'time unknown'}",
        source=source,
        map=name,
        start=log.time_start_std,
        duration_s=round(log.duration_ms / 1000, 3),
        squad_players=sum(1 for p in log.players if not p.not_in_squad and not p.friendly_npc),
    )


def _parties(log: Log) -> list[tuple[list[Player], list[Player]]]:
    """Every party of ``log``'s squad with the rest of the squad: (party, others)."""
    squad = [p for p in log.players if not p.not_in_squad and not p.friendly_npc]
    groups: dict[int, list[Player]] = defaultdict(list)
    for player in squad:
        groups[player.group].append(player)
    return [(party, [p for p in squad if p.group != group]) for group, party in groups.items()]


def _received(party: list[Player], others: list[Player], buff: int) -> float:
    """What each member of ``party`` got on average from the squad's other parties."""
    return sum(_value(p.off_group_buffs, buff) for p in others)


def other_parties(logs: Sequence[Log]) -> tuple[dict[Boon, float], int]:
    """What a party got from its squad's other parties, per boon: the mean over every party of
    a squad of two or more parties whose members' off-group generation the logs carry; and how
    many parties that is."""
    totals: dict[Boon, float] = dict.fromkeys(BOONS, 0.0)
    measured = 0
    for log in logs:
        parties = _parties(log)
        if len(parties) < 2:
            continue
        for party, others in parties:
            if any(p.off_group_buffs is None for p in others):
                continue
            for boon, buff in BOON_IDS.items():
                totals[boon] += _received(party, others, buff)
            measured += 1
    if not measured:
        return {}, 0
    return {b: round(v / measured, 3) for b, v in totals.items() if v > 0}, measured


def allies(logs: Sequence[Log]) -> dict[Boon, float]:
    """What parties got from allies outside the squad: per boon, the part of each party's mean
    uptime that its squad's generation does not explain, averaged over parties by size."""
    totals: dict[Boon, float] = dict.fromkeys(BOONS, 0.0)
    members = 0
    for log in logs:
        for party, others in _parties(log):
            n = len(party)
            for boon, buff in BOON_IDS.items():
                uptime = sum(_uptime(p, buff) for p in party) / n
                own = (
                    sum(
                        (n - 1) * _value(p.group_buffs, buff) + _value(p.self_buffs, buff)
                        for p in party
                    )
                    / n
                )
                totals[boon] += n * max(0.0, uptime - own - _received(party, others, buff))
            members += n
    return {boon: round(v / members, 3) for boon, v in totals.items() if members and v > 0}


def _uptime(player: Player, buff: int) -> float:
    for entry in player.buff_uptimes or ():
        if entry.id == buff and entry.buff_data:
            return entry.buff_data[0].uptime
    return 0.0


def _value(entries: list[BuffGeneration] | None, buff: int) -> float:
    for entry in entries or ():
        if entry.id == buff and entry.buff_data:
            return entry.buff_data[0].generation
    return 0.0


def _variants(
    roles: RolesTable, archetype: Archetype, by_archetype: Mapping[str, list[Sample]]
) -> list[Sample]:
    """The samples of the other archetypes of ``archetype``'s specialization."""
    return [
        s
        for other in roles.archetypes
        if other is not archetype
        and (other.profession, other.specialization)
        == (archetype.profession, archetype.specialization)
        for s in by_archetype.get(other.id, ())
    ]


def calibrate(
    logs: Sequence[tuple[str, Log]],
    roles: RolesTable,
    *,
    reference: Mapping[str, Any] | None = None,
    base: Figures | None = None,
    measure_allies: bool = True,
) -> Figures:
    """A figures table from ``logs`` (pairs of a source label and the log).

    Without ``base`` the priors are measured from the same logs (this is how the bundled table
    is made, with ``measure_allies=False``); with ``base`` its priors are kept and its
    measurements are combined with the new ones by the same rule. ``reference`` (the pack's
    roles reference document) adds its not-in-WvW marks to those of ``roles``.
    """
    rule = base.rule if base is not None else Rule()
    found = [s for _, log in logs for s in samples(log, roles, rule)]
    inputs = base.priors if base is not None else priors(found, roles)
    marked = _not_in_wvw(roles, reference)
    by_archetype: dict[str, list[Sample]] = defaultdict(list)
    for sample in found:
        by_archetype[sample.archetype].append(sample)
    archetypes: dict[str, ArchetypeFigures] = {}
    for archetype in roles.archetypes:
        mine = by_archetype.get(archetype.id, [])
        old = base.of(archetype.id) if base is not None else None
        boons: dict[Boon, BoonFigures] = {}
        for boon in BOONS:
            estimates: dict[str, Estimate] = {}
            for kind in KINDS:
                measured = _mean(
                    (s.weight, s.generation[kind][boon]) for s in mine if kind in s.generation
                )
                before_mark = (
                    getattr(old.boon(boon), "self_" if kind == "self" else kind).basis
                    if old is not None
                    else None
                )
                # A figure the base table forced to 0 stays so (its reason is in the base).
                if (archetype.id, boon) in marked or before_mark == "not in WvW":
                    estimates[kind] = Estimate(
                        value=0.0,
                        basis="not in WvW",
                        measured=round(measured[0], 3) if measured else None,
                        players=round(measured[1], 3) if measured else 0.0,
                    )
                    continue
                if base is not None and old is not None:
                    before = getattr(old.boon(boon), "self_" if kind == "self" else kind)
                    prior = before.prior
                else:
                    variants = [] if mine else _variants(roles, archetype, by_archetype)
                    before, prior = None, _prior_boon(archetype, kind, boon, inputs, variants)
                estimates[kind] = _combine(rule, prior, measured, before)
            if any(e.value > 0 or e.measured for e in estimates.values()):
                boons[boon] = BoonFigures(party=estimates["party"], self_=estimates["self"])
        metrics: dict[str, Estimate] = {}
        for metric in METRICS:
            name = _RATINGS[metric][1]
            measured = _mean((s.weight, s.metrics[metric]) for s in mine if metric in s.metrics)
            if base is not None and old is not None:
                before = getattr(old, metric)
                prior = before.prior
            else:
                rating = archetype.capability(name)  # type: ignore[arg-type]
                before, prior = None, rating * inputs["per rating point"].get(metric, 0.0)
            metrics[metric] = _combine(rule, prior, measured, before)
        archetypes[archetype.id] = ArchetypeFigures(boons=boons, **metrics)
    fights = tuple(_fight(source, log) for source, log in logs)
    plain = [log for _, log in logs]
    received, parties = other_parties(plain)
    if base is not None:
        fights = base.fights + fights
        received, parties = _pooled(base, received, parties)
    given = allies(plain) if measure_allies else (dict(base.allies) if base is not None else {})
    return Figures(
        description=DESCRIPTION,
        rule=rule,
        fights=fights,
        other_parties=received,
        other_parties_measured=parties,
        allies=given,
        priors=dict(inputs),
        archetypes=archetypes,
    )


def _pooled(
    base: Figures, received: Mapping[Boon, float], parties: int
) -> tuple[dict[Boon, float], int]:
    """The base table's other-parties figures pooled with new ones, weighted by parties."""
    total = base.other_parties_measured + parties
    if total == 0:
        return {}, 0
    pooled = {
        boon: round(
            (
                base.other_parties.get(boon, 0.0) * base.other_parties_measured
                + received.get(boon, 0.0) * parties
            )
            / total,
            3,
        )
        for boon in BOONS
    }
    return {b: v for b, v in pooled.items() if v > 0}, total


def label(path: str, log: Log) -> str:
    """How a fight's source is named in a figures table: the file, and its provenance."""
    name = path.rsplit("/", 1)[-1]
    return f"{name}: {log.provenance}" if log.provenance else name


def bundled(logs: Sequence[tuple[str, Log]], reference: Mapping[str, Any]) -> Figures:
    """The figures table gw2wvw ships: the data pack's fight logs (``(file name, log)``
    pairs) and roles reference over the bundled roles table, with no allies outside the
    squad counted (a plan counts only what the squad gives itself)."""
    from gw2wvw.squad.roles import load_roles

    labelled = [(label(name, log), log) for name, log in logs]
    return calibrate(labelled, load_roles(), reference=reference, measure_allies=False)
