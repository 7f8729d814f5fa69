"""Fight logs: ``decode_log`` + ``report`` of a 50-player log of over 50 MB, against
``orjson.loads`` of the same bytes in the same run (time and peak traced memory).

The log is made from the shared Alpine fight (a full EI export with rotations and replay data):
its players repeated to 50 in ten parties, each given per-second sample arrays and replay
positions the size a long fight has, so that most of the file is what the decoder must skip.
"""

from __future__ import annotations

import gc
import json
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from gw2wvw.fights import decode_log, report

LOG = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "fightlogs"
PLAYERS = 50
SAMPLES = 22_000
"""Samples per array (EI's replay positions are every 150 ms: 55 minutes of fighting)."""
RUNS = 3


def build_log() -> bytes:
    """A 50-player EI log of at least 50 MB made from the shared Alpine fight."""
    document: dict[str, Any] = json.loads((LOG / "alpine-2025-12-05.ei.json").read_bytes())
    squad = [p for p in document["players"] if not p["notInSquad"]]
    players = []
    for n in range(PLAYERS):
        player = json.loads(json.dumps(squad[n % len(squad)]))
        player["name"] = f"Player {n}"
        player["account"] = f"Bench{n}.{1000 + n}"
        player["group"] = n // 5 + 1
        player["hasCommanderTag"] = n == 0
        ramp = [n * 7 + i * 13 for i in range(SAMPLES)]
        for key in ("damage1S", "powerDamage1S", "conditionDamage1S", "damageTaken1S"):
            player[key] = [ramp]
        player["combatReplayData"] = {
            "positions": [
                [round(i * 0.37, 2), round(n * 1.9 + i * 0.11, 2)] for i in range(SAMPLES)
            ]
        }
        players.append(player)
    document["players"] = players
    document["usedExtensions"] = []
    data = json.dumps(document, separators=(",", ":")).encode()
    if len(data) < 50 * 1024 * 1024:
        raise RuntimeError(f"the benchmark log is only {len(data):,} bytes, not 50 MiB")
    return data


def _measure(work: Callable[[], object]) -> tuple[float, int]:
    """Best wall time of RUNS and the peak traced memory of one run, in bytes."""
    best = float("inf")
    for _ in range(RUNS):
        gc.collect()
        started = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - started)
        del result
    gc.collect()
    tracemalloc.start()
    result = work()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    del result
    return best, peak


def main() -> None:
    """Build the log, time both readers, print the numbers and the ratios."""
    data = build_log()
    size = len(data)
    ours, ours_peak = _measure(lambda: report(decode_log(data), source="bench"))
    theirs, theirs_peak = _measure(lambda: orjson.loads(data))
    made = report(decode_log(data), source="bench")
    mb = 1024 * 1024
    print(f"log: {size / mb:.1f} MB, {len(made.players())} squad members in {len(made.parties)}")
    print(f"decode_log + report: {ours * 1000:.0f} ms, peak {ours_peak / mb:.1f} MB")
    print(f"orjson.loads:        {theirs * 1000:.0f} ms, peak {theirs_peak / mb:.1f} MB")
    print(
        f"time ratio {ours / theirs:.2f} (aim <= 1), "
        f"memory {ours_peak / size:.2f}x the file (aim <= 2), "
        f"orjson {theirs_peak / size:.2f}x"
    )


if __name__ == "__main__":
    main()
