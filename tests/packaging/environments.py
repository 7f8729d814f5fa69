"""Fresh virtual environments holding only the built wheels of one install command.

The wheels are built once per test session (``uv build --all-packages``), or taken from
``GW2WVW_WHEELHOUSE`` when ``nox -s wheels`` has built them already. Each environment is made
with ``uv venv`` and ``uv pip install`` of the local wheels; third-party packages come from the
package index at the versions of ``uv.lock`` (as constraints), so the uv cache serves them.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tests.support.live_server import REPO

INSTALLS: dict[str, str] = {
    "core": "gw2wvw",
    "squad": "gw2wvw[squad]",
    "store": "gw2wvw[store]",
    "postgres": "gw2wvw[postgres]",
    "redis": "gw2wvw[redis]",
    "sync": "gw2wvw[sync]",
    "webhooks": "gw2wvw[webhooks]",
    "cli": "gw2wvw[cli]",
    "fights": "gw2wvw[fights]",
    "all": "gw2wvw[all]",
    "api": "gw2wvw-api",
    "worker": "gw2wvw-worker",
    "server": "gw2wvw-api gw2wvw-worker",
}
"""Each environment the tests use, by name, and what ``pip install`` installs in it."""

DISTRIBUTIONS = {"gw2wvw": "gw2wvw", "gw2wvw-api": "gw2wvw_api", "gw2wvw-worker": "gw2wvw_worker"}
"""Our distributions and the prefix of their wheel files."""


def _run(command: list[str], cwd: Path | None = None) -> str:
    done = subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)
    if done.returncode != 0:
        raise AssertionError(f"{shlex.join(command)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def build_wheels(out: Path) -> Path:
    """Build every distribution's wheel and sdist into ``out``."""
    _run(["uv", "build", "--all-packages", "--out-dir", str(out), "-q"], cwd=REPO)
    return out


def locked_constraints(out: Path) -> Path:
    """The third-party versions of uv.lock as a constraints file."""
    text = _run(
        [
            "uv",
            "export",
            "--frozen",
            "--no-hashes",
            "--all-extras",
            "--all-packages",
            "--all-groups",
            "--no-emit-workspace",
            "--no-header",
            "-q",
        ],
        cwd=REPO,
    )
    out.write_text(text)
    return out


@dataclass(frozen=True)
class Environment:
    """A virtual environment made for one install command."""

    name: str
    path: Path

    @property
    def bin(self) -> Path:
        """Its scripts directory."""
        return self.path / "bin"

    @property
    def python(self) -> Path:
        """Its interpreter."""
        return self.bin / "python"

    def run(
        self, code: str, *, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        """Run Python ``code`` with this environment's interpreter."""
        return subprocess.run(
            [str(self.python), "-c", code],
            capture_output=True,
            text=True,
            cwd=cwd,
            env=self.environ(env),
            timeout=timeout,
            check=False,
        )

    def environ(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """The process environment with this environment's scripts first on PATH."""
        environ = {
            key: value
            for key, value in os.environ.items()
            # Nothing of the test runner's own environment may leak into the fresh one.
            if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "UV_PROJECT_ENVIRONMENT")
        }
        environ["PATH"] = f"{self.bin}{os.pathsep}{environ.get('PATH', '')}"
        environ["VIRTUAL_ENV"] = str(self.path)
        return {**environ, **(extra or {})}

    def distributions(self) -> dict[str, int]:
        """Installed distribution name -> bytes of its installed files."""
        done = self.run(_SIZES, cwd=self.path)
        assert done.returncode == 0, done.stderr
        return dict(json.loads(done.stdout))


_SIZES = """
import json, importlib.metadata as m
sizes = {}
for d in m.distributions():
    files = [f.locate() for f in d.files or ()]
    sizes[d.metadata["Name"]] = sum(p.stat().st_size for p in files if p.is_file())
print(json.dumps(sizes))
"""


def requirements(command: str, wheelhouse: Path) -> list[str]:
    """The requirements of ``pip install`` arguments, with our distributions as local wheels."""
    wheels = {}
    for name, prefix in DISTRIBUTIONS.items():
        (wheel,) = wheelhouse.glob(f"{prefix}-*.whl")
        wheels[name] = wheel
    wanted = []
    for argument in shlex.split(command):
        name, _, extras = argument.partition("[")
        assert name in wheels, f"{argument}: not one of our distributions"
        wanted.append(f"{name}{'[' + extras if extras else ''} @ {wheels[name].as_uri()}")
    if not any(w.startswith(("gw2wvw ", "gw2wvw[")) for w in wanted):
        # The API and the worker depend on the core: it must come from this build too.
        wanted.append(f"gw2wvw @ {wheels['gw2wvw'].as_uri()}")
    return wanted


def create(name: str, where: Path, wheelhouse: Path, constraints: Path) -> Environment:
    """A fresh environment at ``where`` holding what ``pip install INSTALLS[name]`` installs."""
    _run(["uv", "venv", "-q", "--python", sys.executable, str(where)])
    _run(
        [
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            str(where / "bin" / "python"),
            "--constraints",
            str(constraints),
            *requirements(INSTALLS[name], wheelhouse),
        ]
    )
    return Environment(name, where)
