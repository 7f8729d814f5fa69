"""The part of Elite Insights' JSON output that gw2wvw reads, as typed msgspec structs.

Field names are EI's (``JsonLog``, ``JsonPlayer``, ``JsonBuffsUptime``,
``JsonPlayerBuffsGeneration``, ``JsonStatistics``, ``JsonExtHealingStats`` ...). Everything else
in a log (rotations, replay data, per-second damage arrays) is skipped by the decoder without
being built into objects. Beyond a player's identity and group every field is optional, because EI
leaves blocks out when an arcdps extension was not running and older versions lack some.
Lists that EI writes once per phase are read at phase 0, the whole fight.
"""

from __future__ import annotations

from gw2wvw._extras import requires

with requires("fights", "gw2wvw.fights"):
    import msgspec


class _Struct(msgspec.Struct, rename="camel", frozen=True, forbid_unknown_fields=False):
    """Read-only, camelCase field names, unknown fields skipped."""


class UptimeData(_Struct, frozen=True):
    """A boon's uptime on a player in one phase: percent, or average stacks for might and
    stability (``presence`` is then the percent of time with any stack)."""

    uptime: float = 0.0
    presence: float = 0.0


class BuffUptime(_Struct, frozen=True):
    """A buff's uptime on a player, per phase."""

    id: int
    buff_data: list[UptimeData] = []


class GenerationData(_Struct, frozen=True):
    """What a player generated of a buff in one phase, in the units of its uptime."""

    generation: float = 0.0
    overstack: float = 0.0
    wasted: float = 0.0


class BuffGeneration(_Struct, frozen=True):
    """A player's generation of a buff to a set of targets, per phase."""

    id: int
    buff_data: list[GenerationData] = []


class Support(_Struct, frozen=True):
    """A player's support statistics in one phase."""

    condi_cleanse: float = 0.0
    condi_cleanse_self: float = 0.0
    boon_strips: float = 0.0
    resurrects: float = 0.0
    stun_break: float = 0.0


class Dps(_Struct, frozen=True):
    """A player's damage against all targets in one phase."""

    dps: float | None = None
    damage: float = 0.0
    power_damage: float = 0.0
    condi_damage: float = 0.0
    breakbar_damage: float = 0.0


class Gameplay(_Struct, frozen=True):
    """A player's gameplay statistics in one phase (``statsAll``)."""

    killed: int = 0
    downed: int = 0
    dist_to_com: float | None = None
    stack_dist: float | None = None
    applied_crowd_control: int = 0


class Defenses(_Struct, frozen=True):
    """A player's defensive statistics in one phase."""

    damage_taken: float = 0.0
    down_count: int = 0
    dead_count: int = 0
    damage_barrier: float = 0.0
    received_crowd_control: int = 0


class HealingData(_Struct, frozen=True):
    """Healing done in one phase (the Healing Stats extension)."""

    healing: float = 0.0
    hps: float = 0.0
    downed_healing: float = 0.0


class BarrierData(_Struct, frozen=True):
    """Barrier given in one phase (the Healing Stats extension)."""

    barrier: float = 0.0
    bps: float = 0.0


class ExtHealingStats(_Struct, frozen=True):
    """Outgoing healing to every player of the log (in ``players`` order), per phase."""

    outgoing_healing_allies: list[list[HealingData]] = []


class ExtBarrierStats(_Struct, frozen=True):
    """Outgoing barrier to every player of the log (in ``players`` order), per phase."""

    outgoing_barrier_allies: list[list[BarrierData]] = []


class Player(_Struct, frozen=True):
    """A player of the log: who, where in the squad, and what EI measured of them."""

    name: str
    profession: str
    """The elite specialization's name, or the profession's for a core build."""
    group: int
    account: str = ""
    has_commander_tag: bool = False
    not_in_squad: bool = False
    friendly_npc: bool = False
    active_times: list[float] = []
    healing: int | None = None
    concentration: int | None = None
    toughness: int | None = None
    condition: int | None = None
    buff_uptimes: list[BuffUptime] | None = None
    self_buffs: list[BuffGeneration] | None = None
    group_buffs: list[BuffGeneration] | None = None
    off_group_buffs: list[BuffGeneration] | None = None
    squad_buffs: list[BuffGeneration] | None = None
    support: list[Support] | None = None
    dps_all: list[Dps] | None = None
    stats_all: list[Gameplay] | None = None
    defenses: list[Defenses] | None = None
    ext_healing_stats: ExtHealingStats | None = None
    ext_barrier_stats: ExtBarrierStats | None = None


class Extension(_Struct, frozen=True):
    """An arcdps extension that was running, and for which players."""

    name: str = ""
    running_extension: list[str] = []


class Log(_Struct, frozen=True):
    """An Elite Insights log: the fight and its players."""

    fight_name: str
    duration_ms: float = msgspec.field(name="durationMS")
    players: list[Player]
    elite_insights_version: str | None = None
    trigger_id: int | None = msgspec.field(default=None, name="triggerID")
    map_id: int | None = msgspec.field(default=None, name="mapID")
    gw2_build: int | None = msgspec.field(default=None, name="gW2Build")
    time_start_std: str | None = None
    time_end_std: str | None = None
    recorded_by: str | None = None
    detailed_wvw: bool | None = msgspec.field(default=None, name="detailedWvW")
    used_extensions: list[Extension] | None = None
    provenance: str | None = msgspec.field(default=None, name="_provenance")
    """Where the log comes from, when whoever shared it said so (not an EI field)."""
