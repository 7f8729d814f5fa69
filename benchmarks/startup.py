"""Start-up: how long a command takes from launch, with and without compiled bytecode.

Each command runs in a fresh interpreter; the baseline is the interpreter alone
(``python -c pass``), measured in the same interleaved rounds. Three states of the bytecode
cache (Python's ``PYTHONPYCACHEPREFIX`` points each at a directory of its own):

- ``compiled``: everything compiled, as after an install with compiled bytecode
  (``UV_COMPILE_BYTECODE=1``) and a first run that could write the project's own cache;
- ``deps only``: the dependencies compiled, the project's sources not (an editable install
  where ``PYTHONDONTWRITEBYTECODE`` is set, as on this machine and in CI);
- ``none``: nothing compiled (every module is compiled from source at every start).

"API ready" is the time from launching ``gw2wvw serve`` (the embedded default, on a database
migrated by an earlier start) until ``GET /healthz`` answers 200.
"""

from __future__ import annotations

import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from tests.support.live_server import REPO, free_port

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
ROUNDS = 5
GW2WVW = str(Path(sys.executable).with_name("gw2wvw"))
COMMANDS: dict[str, tuple[list[str], float | None]] = {
    "python -c pass (baseline)": ([sys.executable, "-c", "pass"], None),
    "gw2wvw --help": ([GW2WVW, "--help"], 0.3),
    "gw2wvw build decode CODE": ([GW2WVW, "build", "decode", FIREBRAND], 0.3),
}
API_AIM = 1.5


def _env(prefix: Path, data: Path, *, write: bool = False) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GW2WVW_")}
    env["PYTHONPYCACHEPREFIX"] = str(prefix)
    env["GW2WVW_DATA_DIR"] = str(data)
    if write:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _command(argv: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
    return time.perf_counter() - start


def _api_ready(env: dict[str, str]) -> float:
    """Seconds from launching ``gw2wvw serve`` until ``/healthz`` answers."""
    port = free_port()
    argv = [GW2WVW, "serve", "--port", str(port), "--log-level", "warning"]
    start = time.perf_counter()
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, cwd=REPO)
    try:
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"gw2wvw serve exited with {server.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, OSError):
                pass
            if time.perf_counter() - start > 60:
                raise RuntimeError("gw2wvw serve did not answer within 60 s")
            time.sleep(0.005)
    finally:
        server.terminate()
        server.wait(10)


def main() -> None:
    """Time every command in each bytecode state; print medians, ratios and aims."""
    scratch = Path(tempfile.mkdtemp(prefix="gw2wvw-bench-startup-"))
    data = scratch / "data"
    compiled, deps_only, none = scratch / "compiled", scratch / "deps-only", scratch / "none"
    none.mkdir()
    try:
        # Warm the compiled cache with a run of each command that may write it (this also
        # migrates the embedded database, so every timed start finds it current).
        warm = _env(compiled, data, write=True)
        for argv, _ in COMMANDS.values():
            _command(argv, warm)
        _api_ready(warm)
        shutil.copytree(compiled, deps_only)
        # The project's own sources are left uncompiled (the virtual environment, which may be
        # inside the clone, keeps its compiled files).
        mirror = deps_only / REPO.relative_to(REPO.anchor)
        for package in ("gw2wvw", "gw2wvw_api", "gw2wvw_worker", "benchmarks", "tests"):
            shutil.rmtree(mirror / package, ignore_errors=True)
        states = {"compiled": compiled, "deps only": deps_only, "none": none}
        tasks: dict[tuple[str, str], Callable[[], float]] = {}
        for state, prefix in states.items():
            env = _env(prefix, data)
            for label, (argv, _) in COMMANDS.items():
                tasks[(label, state)] = functools.partial(_command, argv, env)
            tasks[("API ready (gw2wvw serve)", state)] = functools.partial(_api_ready, env)
        times: dict[tuple[str, str], list[float]] = {key: [] for key in tasks}
        for _ in range(ROUNDS):
            for key, task in tasks.items():
                times[key].append(task())
        aims = {label: aim for label, (_, aim) in COMMANDS.items()}
        aims["API ready (gw2wvw serve)"] = API_AIM
        print(f"median of {ROUNDS} interleaved rounds; seconds (ratio to the bare interpreter)")
        print(f"{'command':<30}" + "".join(f"{state:>18}" for state in states) + f"{'aim':>8}")
        for label, aim in aims.items():
            cells = []
            for state in states:
                seconds = statistics.median(times[(label, state)])
                base = statistics.median(times[("python -c pass (baseline)", state)])
                cells.append(f"{seconds:>8.3f} s ({seconds / base:>4.1f}x)")
            shown = f"{aim:>6.1f} s" if aim is not None else ""
            print(f"{label:<30}" + "".join(f"{c:>18}" for c in cells) + f"{shown:>8}")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
