"""Typed game data: the bundled snapshot, user-synced snapshots and their records.

>>> from gw2wvw import gamedata
>>> data = gamedata.load()
>>> data.professions["Guardian"].code
1
"""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path

from gw2wvw.gamedata.data import GameData
from gw2wvw.gamedata.errors import SyncError
from gw2wvw.gamedata.model import (
    ItemStat,
    ItemStatAttribute,
    Legend,
    Pet,
    Profession,
    ProfessionSkill,
    Skill,
    SnapshotInfo,
    Specialization,
    Trait,
    Weapon,
    WeaponSkill,
)
from gw2wvw.gamedata.snapshot import FILENAME, SnapshotError, loads

__all__ = [
    "GameData",
    "ItemStat",
    "ItemStatAttribute",
    "Legend",
    "Pet",
    "Profession",
    "ProfessionSkill",
    "Skill",
    "SnapshotError",
    "SnapshotInfo",
    "Specialization",
    "SyncError",
    "Trait",
    "Weapon",
    "WeaponSkill",
    "bundled_snapshot_text",
    "load",
]


def bundled_snapshot_text() -> str:
    """The text of the snapshot shipped inside the package."""
    return resources.files(__package__).joinpath(FILENAME).read_text(encoding="utf-8")


@functools.cache
def _bundled() -> GameData:
    return loads(bundled_snapshot_text())


def load(path: str | Path | None = None) -> GameData:
    """Load game data: the bundled snapshot (parsed once per process) or a synced one.

    ``path`` may name a snapshot file or a directory written by ``gw2wvw gamedata sync``.
    Raises :class:`SnapshotError` when it is missing or malformed.
    """
    if path is None:
        return _bundled()
    target = Path(path)
    if target.is_dir():
        target = target / FILENAME
    try:
        text = target.read_bytes()
    except OSError as exc:
        raise SnapshotError(f"cannot read snapshot {target}: {exc.strerror or exc}") from exc
    return loads(text)
