"""The snapshot file: API-shaped records trimmed to facts, and its reading and writing.

A snapshot is one JSON document holding, per endpoint, the records of the official API with only
the fields gw2wvw uses (ids, names, enumerations, relations). Records are sorted by id and written
one per line so that a refreshed snapshot diffs well.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Final

from gw2wvw.errors import Gw2WvwError
from gw2wvw.gamedata.data import GameData
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

FORMAT: Final = 1
"""The snapshot format this version reads and writes."""

ENDPOINTS: Final = (
    "professions",
    "specializations",
    "traits",
    "skills",
    "legends",
    "pets",
    "itemstats",
)
"""The API v2 endpoints a snapshot holds, in the order they are synced."""

FILENAME: Final = "gamedata.json"
"""The file name of a snapshot inside a snapshot directory."""

Record = dict[str, Any]
"""One API record, as decoded JSON."""

_BAR_SLOTS: Final = frozenset({"Heal", "Utility", "Elite"})


class SnapshotError(Gw2WvwError):
    """A snapshot file is missing, unreadable or not in the expected shape."""


def _pick(record: Mapping[str, Any], keys: Iterable[str]) -> Record:
    return {k: record[k] for k in keys if record.get(k) is not None}


def _trim_profession(record: Mapping[str, Any]) -> Record:
    out = _pick(record, ("id", "name", "code", "flags", "specializations", "skills_by_palette"))
    out["weapons"] = {
        name: {
            **_pick(weapon, ("specialization", "flags")),
            "skills": [
                _pick(skill, ("id", "slot", "offhand", "attunement"))
                for skill in weapon.get("skills", ())
            ],
        }
        for name, weapon in record.get("weapons", {}).items()
    }
    # Only the bar slots a build can choose; the API's profession and downed skills are noise here.
    out["skills"] = [
        _pick(skill, ("id", "slot", "type"))
        for skill in record.get("skills", ())
        if skill.get("slot") in _BAR_SLOTS
    ]
    return out


def _trim_skill(record: Mapping[str, Any]) -> Record:
    out = _pick(record, ("id", "name", "slot", "type", "specialization"))
    out["professions"] = list(record.get("professions", ()))
    # The live API says "None" for skills that belong to no weapon.
    if record.get("weapon_type") not in (None, "None"):
        out["weapon_type"] = record["weapon_type"]
    return out


def _trimmer(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], Record]:
    return lambda record: _pick(record, keys)


TRIMMERS: Final[Mapping[str, Callable[[Mapping[str, Any]], Record]]] = {
    "professions": _trim_profession,
    "specializations": _trimmer(
        ("id", "name", "profession", "elite", "minor_traits", "major_traits")
    ),
    "traits": _trimmer(("id", "name", "tier", "order", "slot", "specialization")),
    "skills": _trim_skill,
    "legends": _trimmer(("id", "code", "swap", "heal", "elite", "utilities")),
    "pets": _trimmer(("id", "name")),
    "itemstats": lambda r: {
        **_pick(r, ("id", "name")),
        "attributes": [
            _pick(a, ("attribute", "multiplier", "value")) for a in r.get("attributes", ())
        ],
    },
}
"""Per endpoint, the function that keeps a record's facts and drops everything else."""


def _sort_key(record: Mapping[str, Any]) -> tuple[int, str]:
    ident = record["id"]
    return (ident, "") if isinstance(ident, int) else (0, str(ident))


def dumps(info: SnapshotInfo, records: Mapping[str, Iterable[Mapping[str, Any]]]) -> str:
    """Serialise trimmed records and their provenance as snapshot text (deterministic)."""
    lines = [
        "{",
        f'"format": {FORMAT},',
        '"info": '
        + json.dumps(
            {"build_id": info.build_id, "fetched_at": info.fetched_at, "source": info.source},
            sort_keys=True,
        )
        + ",",
    ]
    for index, endpoint in enumerate(ENDPOINTS):
        rows = sorted((TRIMMERS[endpoint](r) for r in records[endpoint]), key=_sort_key)
        body = ",\n".join(json.dumps(r, sort_keys=True, separators=(",", ":")) for r in rows)
        tail = "" if index == len(ENDPOINTS) - 1 else ","
        lines.append(f'"{endpoint}": [\n{body}\n]{tail}')
    lines.append("}")
    return "\n".join(lines) + "\n"


def _profession(r: Mapping[str, Any]) -> Profession:
    return Profession(
        id=r["id"],
        name=r["name"],
        code=r["code"],
        flags=frozenset(r.get("flags", ())),
        specializations=tuple(r["specializations"]),
        weapons={
            name: Weapon(
                type=name,
                flags=frozenset(w["flags"]),
                specialization=w.get("specialization"),
                skills=tuple(
                    WeaponSkill(s["id"], s["slot"], s.get("offhand"), s.get("attunement"))
                    for s in w["skills"]
                ),
            )
            for name, w in r["weapons"].items()
        },
        skills=tuple(ProfessionSkill(s["id"], s["slot"], s.get("type")) for s in r["skills"]),
        skills_by_palette=dict(r["skills_by_palette"]),
    )


def parse(document: Mapping[str, Any]) -> GameData:
    """Build :class:`GameData` from a decoded snapshot document."""
    try:
        if document.get("format") != FORMAT:
            raise SnapshotError(
                f"unsupported snapshot format {document.get('format')!r} (expected {FORMAT})"
            )
        info = document["info"]
        return GameData(
            info=SnapshotInfo(info["build_id"], info["fetched_at"], info["source"]),
            professions=[_profession(r) for r in document["professions"]],
            specializations=[
                Specialization(
                    r["id"],
                    r["name"],
                    r["profession"],
                    r["elite"],
                    tuple(r["minor_traits"]),
                    tuple(r["major_traits"]),
                )
                for r in document["specializations"]
            ],
            traits=[
                Trait(r["id"], r["name"], r["tier"], r["order"], r["slot"], r.get("specialization"))
                for r in document["traits"]
            ],
            skills=[
                Skill(
                    r["id"],
                    r["name"],
                    r.get("slot"),
                    r.get("type"),
                    tuple(r.get("professions", ())),
                    r.get("specialization"),
                    r.get("weapon_type"),
                )
                for r in document["skills"]
            ],
            legends=[
                Legend(r["id"], r["code"], r["swap"], r["heal"], r["elite"], tuple(r["utilities"]))
                for r in document["legends"]
            ],
            pets=[Pet(r["id"], r["name"]) for r in document["pets"]],
            itemstats=[
                ItemStat(
                    r["id"],
                    r["name"],
                    tuple(
                        ItemStatAttribute(a["attribute"], a["multiplier"], a["value"])
                        for a in r["attributes"]
                    ),
                )
                for r in document["itemstats"]
            ],
        )
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SnapshotError(f"malformed snapshot: {type(exc).__name__}: {exc}") from exc


def loads(text: str | bytes) -> GameData:
    """Parse snapshot text into :class:`GameData`."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise SnapshotError(f"snapshot is not valid JSON: {exc}") from exc
    if not isinstance(document, dict):
        raise SnapshotError("snapshot must be a JSON object")
    return parse(document)
