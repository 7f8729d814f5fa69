"""Every check a developer or CI runs: ``nox`` runs them all, ``nox -s NAME`` one of them."""

from __future__ import annotations

import glob
import os
import tempfile
from pathlib import Path

import nox

nox.options.default_venv_backend = "uv"
nox.options.reuse_existing_virtualenvs = True
nox.options.error_on_missing_interpreters = True
nox.options.sessions = ["lint", "typecheck", "tests", "wheels"]

ROOT = Path(__file__).parent
PACKAGES = ["gw2wvw", "gw2wvw_api/gw2wvw_api", "gw2wvw_worker/gw2wvw_worker"]


def sync(session: nox.Session) -> None:
    """Install the locked workspace (all three packages and the dev group) into the session."""
    session.run_install(
        "uv",
        "sync",
        "--locked",
        "--all-packages",
        "--group",
        "dev",
        env={"UV_PROJECT_ENVIRONMENT": session.virtualenv.location},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Ruff lint and format check, and the import-layering contracts."""
    sync(session)
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the three packages."""
    sync(session)
    session.run("mypy", "--strict", *PACKAGES)


@nox.session
def tests(session: nox.Session) -> None:
    """The whole test suite with branch coverage; fails under 90 %."""
    sync(session)
    session.run(
        "pytest",
        "--cov",
        "--cov-branch",
        "--cov-report=term-missing:skip-covered",
        *session.posargs,
    )


@nox.session(reuse_venv=False)
def wheels(session: nox.Session) -> None:
    """Build all distributions, then use the core wheel alone in a fresh environment."""
    out = tempfile.mkdtemp(prefix="gw2wvw-dist-")
    session.run("uv", "build", "--all-packages", "--out-dir", out, external=True)
    built = sorted(os.path.basename(p) for p in glob.glob(f"{out}/*"))
    session.log(f"built: {', '.join(built)}")
    for name in ("gw2wvw", "gw2wvw_api", "gw2wvw_worker"):
        for suffix in ("-py3-none-any.whl", ".tar.gz"):
            if not any(b.startswith(name + "-") and b.endswith(suffix) for b in built):
                session.error(f"missing {name}*{suffix}")
    (core,) = glob.glob(f"{out}/gw2wvw-*.whl")
    session.install(core)
    # Run from an empty directory so that only the installed wheel can be imported.
    session.chdir(tempfile.mkdtemp(prefix="gw2wvw-check-"))
    session.run("python", str(ROOT / "tests" / "wheel_smoke.py"))
    session.run("gw2wvw", "--version")
