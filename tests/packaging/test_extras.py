"""What each install brings, in a fresh environment from the built wheels, and what it refuses.

The core alone must stay small (at most 8 distributions, gw2wvw included) and name the extra
to install when a module needing one is imported; each extra must bring exactly the modules
``gw2wvw._extras.EXTRAS`` says it does, and they must import.
"""

from __future__ import annotations

import json
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

from gw2wvw._extras import EXTRAS
from tests.packaging.conftest import EnvironmentFactory
from tests.packaging.environments import DISTRIBUTIONS

REPO = Path(__file__).resolve().parents[2]

MODULES = sorted({module for modules in EXTRAS.values() for module in modules})

NEEDS_AN_EXTRA = {
    "import gw2wvw.store": "store",
    "import gw2wvw.settings": "store",
    "import gw2wvw.cache": "redis",
    "import gw2wvw.gamedata.sync": "sync",
    "import gw2wvw.gw2account.client": "sync",
    "import gw2wvw.events": "webhooks",
    "import gw2wvw.cli": "cli",
    "gw2wvw.build_squad": "squad",
    "import gw2wvw.squad.solver": "squad",
    "import gw2wvw.fights": "fights",
    "gw2wvw.open_store": "store",
}
"""Statements that fail on the core alone, and the extra each error must name."""

USES = {
    "squad": "import gw2wvw.squad; gw2wvw.build_squad",
    "store": "import gw2wvw.store, gw2wvw.settings, gw2wvw.store.migrate",
    "postgres": "from gw2wvw.store.engine import normalise_url; normalise_url('postgresql://h/d')",
    "redis": "import gw2wvw.cache",
    "sync": "import gw2wvw.gamedata.sync",
    "webhooks": "import gw2wvw.events",
    "cli": "import gw2wvw.cli",
    "fights": "import gw2wvw.fights",
}
"""What each extra makes work."""

_REFUSALS = """
import json, gw2wvw
found = {}
for statement in json.loads(STATEMENTS):
    try:
        exec(statement)
        found[statement] = None
    except gw2wvw.MissingExtraError as error:
        found[statement] = [error.extra, str(error)]
print(json.dumps(found))
"""

_FOUND = """
import importlib.util, json
print(json.dumps([m for m in json.loads(MODULES) if importlib.util.find_spec(m) is not None]))
"""


def _script(template: str, **values: object) -> str:
    for name, value in values.items():
        template = template.replace(name, repr(json.dumps(value)))
    return template


def test_the_core_alone_installs_pydantic_and_nothing_else(environment: EnvironmentFactory) -> None:
    sizes = environment("core").distributions()
    assert len(sizes) <= 8, sorted(sizes)
    names = {name.lower().replace("_", "-") for name in sizes}
    assert {"gw2wvw", "pydantic", "pydantic-core"} <= names
    assert not names & {"numpy", "highspy", "sqlalchemy", "httpx", "redis", "typer", "rich"}
    # The README states the core's install size: about 9 MB.
    assert 5e6 < sum(sizes.values()) < 15e6, sizes


def test_the_core_names_the_extra_a_module_needs(
    environment: EnvironmentFactory, tmp_path: Path
) -> None:
    core = environment("core")
    done = core.run(_script(_REFUSALS, STATEMENTS=list(NEEDS_AN_EXTRA)), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for statement, (extra, message) in json.loads(done.stdout).items():
        assert extra == NEEDS_AN_EXTRA[statement], statement
        assert f"pip install 'gw2wvw[{extra}]'" in message, message

    light = core.run("import gw2wvw, sys; print(sorted(sys.modules))", cwd=tmp_path)
    assert "pydantic" not in json.loads(light.stdout.replace("'", '"'))


def test_the_command_line_without_its_extra_says_how_to_get_it(
    environment: EnvironmentFactory, tmp_path: Path
) -> None:
    core = environment("core")
    done = core.run("from gw2wvw._console import main; main()", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1, done.stderr
    assert "pip install 'gw2wvw[cli]'" in done.stderr


@pytest.mark.parametrize("extra", sorted(EXTRAS))
def test_an_extra_brings_exactly_its_modules(
    extra: str, environment: EnvironmentFactory, tmp_path: Path
) -> None:
    env = environment(extra)
    found = env.run(_script(_FOUND, MODULES=MODULES), cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert set(json.loads(found.stdout)) == set(EXTRAS[extra])
    used = env.run(f"import gw2wvw\n{USES[extra]}", cwd=tmp_path)
    assert used.returncode == 0, used.stderr


def test_postgresql_needs_its_extra_beside_the_store(
    environment: EnvironmentFactory, tmp_path: Path
) -> None:
    done = environment("store").run(
        _script(
            _REFUSALS,
            STATEMENTS=["import gw2wvw.store.engine as e; e.normalise_url('postgresql://h/d')"],
        ),
        cwd=tmp_path,
    )
    ((extra, message),) = json.loads(done.stdout).values()
    assert extra == "postgres"
    assert message.startswith("PostgreSQL needs asyncpg"), message


@pytest.mark.parametrize(("name", "command"), [("api", "serve"), ("worker", "worker")])
def test_the_server_distributions_bring_what_they_run(
    name: str, command: str, environment: EnvironmentFactory, tmp_path: Path
) -> None:
    env = environment(name)
    found = env.run(_script(_FOUND, MODULES=MODULES), cwd=tmp_path)
    wanted = {*EXTRAS["cli"], *EXTRAS["postgres"], *EXTRAS["redis"], *EXTRAS["webhooks"]}
    assert set(json.loads(found.stdout)) == wanted
    done = env.run(
        f"import sys; sys.argv = ['gw2wvw', {command!r}, '--help']\n"
        "from gw2wvw._console import main; main()",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: gw2wvw " in done.stdout


@pytest.mark.parametrize("distribution", sorted(DISTRIBUTIONS))
def test_the_wheel_metadata_is_complete(distribution: str, wheelhouse: Path) -> None:
    (wheel,) = wheelhouse.glob(f"{DISTRIBUTIONS[distribution]}-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        names = archive.namelist()
        fields = Parser().parsestr(archive.read(metadata).decode())
    assert fields["Name"] == distribution
    assert fields["License-Expression"] == "MIT"
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), names
    assert fields["Description-Content-Type"] == "text/markdown"
    assert fields["Requires-Python"] == ">=3.11"
    urls = dict(value.split(", ", 1) for value in fields.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(urls)
    classifiers = fields.get_all("Classifier") or []
    assert "Programming Language :: Python :: 3.11" in classifiers
    assert any(c.startswith("Development Status ::") for c in classifiers)
    assert len(fields.get_payload()) > 200, "no readme as the long description"


def test_the_api_wheel_ships_the_pages_and_the_offline_docs(
    environment: EnvironmentFactory, wheelhouse: Path, tmp_path: Path
) -> None:
    pages = REPO / "gw2wvw_api" / "gw2wvw_api" / "pages"
    shipped = {
        path.relative_to(pages.parent.parent).as_posix()
        for folder in ("templates", "static")
        for path in (pages / folder).iterdir()
    }
    (wheel,) = wheelhouse.glob("gw2wvw_api-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        assert shipped <= set(archive.namelist())
    done = environment("api").run(
        "from importlib.resources import files\n"
        "from gw2wvw_api.pages.routes import templates\n"
        "templates.get_template('squad.html')\n"
        "assert (files('fastapi_offline') / 'static' / 'redoc.standalone.js').is_file()\n"
        "print('ok')",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
