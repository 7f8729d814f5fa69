"""Start-up: each command imports only what it needs (checked in a fresh interpreter).

``gw2wvw --help`` and the codec commands must answer in a fraction of a second, so they must not
load the database layer, the migrations, the web framework or the solver.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gw2wvw.cli.squad import MODES_SHOWN
from gw2wvw.squad import MODES

FIREBRAND = "[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAAAAAAAAAAAAAEBQBXADUAMQAA]"
HEAVY = ("sqlalchemy", "alembic", "fastapi", "starlette", "highspy", "arq", "asyncpg", "httpx")

_RUN = """
import json, sys
from gw2wvw.cli import main
report, sys.argv = sys.argv[1], ["gw2wvw", *sys.argv[2:]]
try:
    main()
except SystemExit as exit:
    code = exit.code
else:
    code = 0
with open(report, "w") as out:
    json.dump({"code": code, "modules": sorted(sys.modules)}, out)
"""


def _modules_after(tmp_path: Path, *args: str) -> set[str]:
    """The modules a fresh interpreter has loaded after ``gw2wvw ARGS`` ran."""
    report = tmp_path / "modules.json"
    subprocess.run(
        [sys.executable, "-c", _RUN, str(report), *args],
        check=True,
        capture_output=True,
        # The plugins' entry points must load too: that is where FastAPI and arq could leak in.
        timeout=60,
    )
    result = json.loads(report.read_text())
    assert result["code"] == 0, result
    return set(result["modules"])


def _heavy(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


@pytest.mark.parametrize(
    "args",
    [
        ("--help",),
        ("--version",),
        ("build", "--help"),
        ("build", "decode", FIREBRAND),
        ("build", "decode", "--json", FIREBRAND),
        ("build", "validate", FIREBRAND),
        ("squad", "--help"),
        ("db", "--help"),
    ],
    ids=lambda args: " ".join(a if not a.startswith("[&") else "CODE" for a in args),
)
def test_light_commands_load_no_database_web_framework_or_solver(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    modules = _modules_after(tmp_path, *args)
    # The plugins were loaded (``serve`` and ``worker`` are in the help), yet stayed light.
    assert "gw2wvw_api.cli" in modules
    assert "gw2wvw_worker.cli" in modules
    assert _heavy(modules) == []
    assert "gw2wvw.store" not in modules
    assert "gw2wvw.squad" not in modules


def test_the_squad_commands_still_load_the_solver(tmp_path: Path) -> None:
    # The other side of the laziness: a command that needs the solver gets it.
    modules = _modules_after(tmp_path, "squad", "build", "--size", "5", "--json")
    assert "highspy" in modules


def test_the_modes_in_the_help_are_the_squad_modes() -> None:
    assert MODES_SHOWN == MODES
