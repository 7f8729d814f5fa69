"""Every code example of the documentation runs, as written, with only what its page installs.

See :mod:`tests.packaging.examples` for the markers and what they do.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from gw2wvw.gamedata.snapshot import ENDPOINTS
from tests.conftest import require_pack
from tests.e2e.test_readme import first_command, try_it_block, webhook_block
from tests.packaging.conftest import EnvironmentFactory
from tests.packaging.environments import INSTALLS, Environment
from tests.packaging.examples import PAGES, README, Block, Page, parse, pip_installs
from tests.support.databases import create_empty_postgres_database, drop_postgres_database
from tests.support.gw2api import FakeGw2Api
from tests.support.live_server import REPO, free_port
from tests.support.redis_server import RedisServer

PARSED = [parse(path) for path in PAGES]

GROUPS = [
    (page, env)
    for page in PARSED
    for env in dict.fromkeys(b.env for b in page.blocks if b.env != "install")
]
"""(page, environment) for each set of examples that runs together."""

OFFICIAL_API = "https://api.guildwars2.com"

_SH_FENCE = re.compile(r"^```sh\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_every_example_is_marked_with_a_known_environment() -> None:
    problems = [problem for page in PARSED for problem in page.problems]
    problems += [
        f"{block.where}: unknown environment {block.env!r}"
        for page in PARSED
        for block in page.blocks
        if block.env != "install" and block.env not in INSTALLS
    ]
    assert problems == []
    assert sum(len(page.blocks) for page in PARSED) >= 20, "the examples were not found"


def test_the_readme_shell_blocks_are_those_the_readme_test_follows() -> None:
    text = README.read_text()
    blocks = [b.group(1) for b in _SH_FENCE.finditer(text)]
    assert len(blocks) == 3, "a README shell block that no test follows"
    assert first_command(text) in blocks[0]
    assert blocks[1:] == [try_it_block(text), webhook_block(text)]


def test_the_install_commands_are_the_environments_tested() -> None:
    documented = [
        " ".join(shlex.split(arguments))
        for page in PARSED
        for block in page.blocks
        if block.env == "install"
        for arguments in pip_installs(block)
    ]
    assert set(documented) - set(INSTALLS.values()) == set()
    # Every extra is documented somewhere with its install command.
    assert set(INSTALLS.values()) - {"gw2wvw-api gw2wvw-worker"} <= set(documented)


def _same_output(printed: str, expected: str) -> bool:
    def lines(text: str) -> list[str]:
        return [row.rstrip() for row in text.rstrip("\n").splitlines()]

    return lines(printed) == lines(expected)


def _read_pack(pack: Path) -> dict[str, list[dict[str, object]]]:
    return {e: json.loads((pack / "v2" / f"{e}.json").read_text()) for e in ENDPOINTS}


class _Runner:
    """Runs the blocks of one page and environment, in order, in one scratch directory."""

    def __init__(self, env: Environment, cwd: Path, variables: dict[str, str], port: int) -> None:
        self.env = env
        self.cwd = cwd
        self.variables = variables
        self.port = port
        self.servers: list[tuple[subprocess.Popen[str], Path]] = []

    def run(self, block: Block, code: str) -> None:
        if "background" in block.flags:
            self.start(block, code)
            return
        command = [str(self.env.python), "-c", code]
        if block.lang == "sh":
            command = ["bash", "-euo", "pipefail", "-c", code]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=self.env.environ(self.variables),
            timeout=180,
            check=False,
        )
        assert done.returncode == 0, (
            f"{block.where} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
            f"{self.server_output()}"
        )
        if block.output is not None:
            assert _same_output(done.stdout, block.output), (
                f"{block.where} printed:\n{done.stdout}\nthe page says:\n{block.output}"
            )

    def start(self, block: Block, code: str) -> None:
        serving = "gw2wvw serve" in code
        # The test's free port replaced 8000 in the page: a server elsewhere would be unseen.
        assert not serving or f"--port {self.port}" in code, f"{block.where}: no --port 8000"
        log = self.cwd / f"server-{len(self.servers)}.log"
        with log.open("w") as out:
            process = subprocess.Popen(
                ["bash", "-euo", "pipefail", "-c", code],
                stdout=out,
                stderr=subprocess.STDOUT,
                text=True,
                cwd=self.cwd,
                env=self.env.environ(self.variables),
                start_new_session=True,
            )
        self.servers.append((process, log))
        if not serving:
            time.sleep(1)  # a worker: the next blocks wait for it as a reader's script would
            assert process.poll() is None, f"{block.where} stopped:\n{log.read_text()}"
            return
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{block.where} stopped:\n{log.read_text()}"
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/healthz", timeout=1).is_success:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"{block.where} did not answer within 60 s:\n{log.read_text()}")

    def server_output(self) -> str:
        return "".join(f"\nserver output:\n{log.read_text()}" for _, log in self.servers)

    def stop(self) -> None:
        for process, _ in self.servers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait(5)


@pytest.fixture
def services(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A fresh PostgreSQL database and a private redis-server, as the variables that name them."""
    url = create_empty_postgres_database()
    redis = RedisServer(tmp_path)
    try:
        redis.start()
        yield {"GW2WVW_DATABASE_URL": url, "GW2WVW_REDIS_URL": redis.url}
    finally:
        redis.stop()
        drop_postgres_database(url)


@pytest.mark.parametrize(
    ("page", "env"),
    [pytest.param(page, env, id=f"{page.path.relative_to(REPO)}-{env}") for page, env in GROUPS],
)
def test_the_examples_of_a_page_run(
    page: Page,
    env: str,
    environment: EnvironmentFactory,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> None:
    blocks = [block for block in page.blocks if block.env == env]
    flags = frozenset().union(*(block.flags for block in blocks))
    # A terminal of 80 columns, as the pages show tables.
    variables = {"GW2WVW_DATA_DIR": str(tmp_path / "data"), "COLUMNS": "80"}
    replacements: dict[str, str] = {}  # in every block
    port = free_port()
    port_replacement = {"8000": str(port)} if "background" in flags else {}  # in shell blocks
    with ExitStack() as stack:
        if "services" in flags:
            variables |= request.getfixturevalue("services")
        if "gw2-api" in flags:
            api = FakeGw2Api(_read_pack(require_pack()), build_id=0).start()
            stack.callback(api.stop)
            replacements[OFFICIAL_API] = api.url
        runner = _Runner(environment(env), tmp_path, variables, port)
        stack.callback(runner.stop)
        for block in blocks:
            code = block.code
            for old, new in (
                replacements | (port_replacement if block.lang == "sh" else {})
            ).items():
                code = code.replace(old, new)
            runner.run(block, code)
