"""Reading Elite Insights logs: plain JSON, gzip or a zip holding one JSON, with size limits.

Only the fields of :mod:`gw2wvw.fights.schema` are decoded; the rest of a log (rotations, replay
data) is skipped by msgspec without being built into Python objects. Every way a file can fail to
be a World vs World log raises :class:`FightLogError` saying what is wrong.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from pathlib import Path

from gw2wvw._extras import requires

with requires("fights", "gw2wvw.fights"):
    import msgspec

from gw2wvw.errors import Gw2WvwError
from gw2wvw.fights.schema import Log

DEFAULT_MAX_BYTES = 512 * 1024 * 1024
"""The largest decompressed log read by default (a 50-player log with replay data is ~100 MB)."""

_CHUNK = 1024 * 1024
_decoder = msgspec.json.Decoder(Log)


class FightLogError(Gw2WvwError, ValueError):
    """A file is not a readable Elite Insights log of a World vs World fight."""


def _inflate_gzip(data: bytes, name: str, limit: int) -> bytes:
    """The decompressed bytes of a gzip stream, refusing more than ``limit`` of them."""
    out = bytearray()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as stream:
            while chunk := stream.read(_CHUNK):
                out += chunk
                if len(out) > limit:
                    raise FightLogError(f"{name} decompresses to more than {limit:,} bytes")
    except (OSError, EOFError, zlib.error) as error:
        raise FightLogError(f"{name} is not a readable gzip file ({error})") from error
    return bytes(out)


def _inflate_zip(data: bytes, name: str, limit: int) -> bytes:
    """The one JSON file of a zip archive, refusing more than ``limit`` decompressed bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as error:
        raise FightLogError(f"{name} is not a readable zip file ({error})") from error
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir()]
        logs = [i for i in members if i.filename.lower().endswith(".json")] or members
        if len(logs) != 1:
            found = ", ".join(i.filename for i in members[:5]) or "nothing"
            raise FightLogError(f"{name} must hold exactly one JSON log; it holds {found}")
        out = bytearray()
        try:
            # The sizes in the archive's directory are the sender's claim: count what comes out.
            with archive.open(logs[0]) as stream:
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    if len(out) > limit:
                        raise FightLogError(f"{name} decompresses to more than {limit:,} bytes")
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error, NotImplementedError) as error:
            raise FightLogError(f"{name} is not a readable zip file ({error})") from error
    return bytes(out)


def _check(log: Log, name: str) -> Log:
    """Refuse logs that are not World vs World fights or have nothing to review."""
    fight = log.fight_name
    if "world vs world" not in fight.casefold() and "wvw" not in fight.casefold():
        raise FightLogError(
            f"{name} is a log of {fight!r}, not of a World vs World fight; "
            "gw2wvw reviews WvW fights only"
        )
    if log.duration_ms <= 0:
        raise FightLogError(f"{name} records a fight of {log.duration_ms:g} ms")
    if not any(not p.not_in_squad for p in log.players):
        raise FightLogError(f"{name} has no squad member (every player is outside the squad)")
    return log


def decode_log(data: bytes, *, name: str = "the log", max_bytes: int = DEFAULT_MAX_BYTES) -> Log:
    """Decode a log from its bytes: JSON, gzip (``.json.gz``) or a zip holding one JSON.

    Raises :class:`FightLogError` for a file that is not a complete Elite Insights log of a
    World vs World fight, or that decompresses to more than ``max_bytes``.
    """
    if data[:2] == b"\x1f\x8b":
        data = _inflate_gzip(data, name, max_bytes)
    elif data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a zip, or an empty one
        data = _inflate_zip(data, name, max_bytes)
    elif len(data) > max_bytes:
        raise FightLogError(f"{name} has more than {max_bytes:,} bytes")
    if not data.strip():
        raise FightLogError(f"{name} is empty")
    try:
        log = _decoder.decode(data)
    except msgspec.ValidationError as error:
        where = str(error).replace(" - at `", " at `")
        raise FightLogError(f"{name} is not an Elite Insights log: {where}") from error
    except msgspec.DecodeError as error:
        what = "is truncated" if "truncated" in str(error) else "is not JSON"
        raise FightLogError(f"{name} {what} ({error})") from error
    return _check(log, name)


def read_log(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Log:
    """Read the log at ``path`` (see :func:`decode_log`)."""
    source = Path(path)
    try:
        data = source.read_bytes()
    except OSError as error:
        raise FightLogError(f"cannot read {source}: {error.strerror or error}") from error
    return decode_log(data, name=str(source), max_bytes=max_bytes)
