"""Load with wrk (Debian's ``wrk``: ``apt-get install -y wrk``): one thread, keep-alive connections.

wrk is a C load generator; with one thread on loopback it is not the bottleneck of a Python
server, so the server's own speed is what gets measured.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

THREADS = 1
CONNECTIONS = 32
SECONDS = 5

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass(frozen=True)
class Load:
    """What one wrk run measured."""

    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx_3xx: int
    errors: int


def require_wrk() -> str:
    """The path of wrk, or exit with how to install it."""
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("the HTTP benchmark needs wrk: apt-get install -y wrk")
    return path


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s)", text)
    if match is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> Load:
    """The figures of wrk's ``--latency`` report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Load(
        rps=rps,
        p50_ms=_ms(p50.group(1)) if p50 else 0.0,
        p99_ms=_ms(p99.group(1)) if p99 else 0.0,
        non_2xx_3xx=int(bad.group(1)) if bad else 0,
        errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None, body: str = ""
) -> Load:
    """Load ``url`` with wrk for ``SECONDS`` and return what it measured."""
    argv = [
        require_wrk(),
        f"-t{THREADS}",
        f"-c{CONNECTIONS}",
        f"-d{SECONDS}s",
        "--latency",
    ]
    for name, value in (headers or {}).items():
        argv += ["-H", f"{name}: {value}"]
    with tempfile.TemporaryDirectory(prefix="gw2wvw-wrk-") as scratch:
        if method != "GET" or body:
            script = Path(scratch) / "request.lua"
            script.write_text(f"wrk.method = {_lua(method)}\nwrk.body = {_lua(body)}\n")
            argv += ["-s", str(script)]
        out = subprocess.run([*argv, url], capture_output=True, text=True, check=True)
    return parse(out.stdout)


def _lua(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
