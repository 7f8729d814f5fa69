"""Core library: chat-code decoding against base64, build resolution and validation, data load."""

from __future__ import annotations

import base64
import itertools

from benchmarks._timing import compare, median_time
from gw2wvw import gamedata
from gw2wvw.builds import Build, validate
from gw2wvw.chatcode import decode
from gw2wvw.gamedata.snapshot import loads
from tests.fixtures import known_codes


def main() -> None:
    """Print decodes/s and its ratio to base64, builds validated/s, and snapshot load time."""
    codes = [c.code for c in known_codes()]
    bodies = [c[2:-1] for c in codes]
    cycle_codes, cycle_bodies = itertools.cycle(codes), itertools.cycle(bodies)

    decode_s, b64_s, ratio = compare(
        lambda: decode(next(cycle_codes)),
        lambda: base64.b64decode(next(cycle_bodies)),
        calls=20_000,
    )
    print(f"chat code decode        {1 / decode_s:>12,.0f} /s   {decode_s * 1e6:7.2f} us")
    print(f"base64.b64decode        {1 / b64_s:>12,.0f} /s   {b64_s * 1e6:7.2f} us")
    print(f"  decode / b64decode    {ratio:>12.1f} x   (aim: under 15x)")

    data = gamedata.load()
    valid = [c for c in codes if c.startswith("[&DQ")]
    cycle_valid = itertools.cycle(valid)

    def resolve_and_validate() -> None:
        validate(Build.from_chat_code(next(cycle_valid), data), data)

    full_s, _, full_ratio = compare(
        resolve_and_validate, lambda: decode(next(cycle_codes)), calls=2_000
    )
    print(f"decode+resolve+validate {1 / full_s:>12,.0f} /s   {full_s * 1e6:7.2f} us")
    print(f"  / bare decode         {full_ratio:>12.1f} x")

    text = gamedata.bundled_snapshot_text()
    load_s = median_time(lambda: loads(gamedata.bundled_snapshot_text()))
    parse_s = median_time(lambda: loads(text))
    print(
        f"bundled snapshot load   {load_s * 1e3:>12.1f} ms  "
        f"(read + parse; parse alone {parse_s * 1e3:.1f} ms)"
    )
