"""``gw2wvw serve``: several workers start reliably, and bad settings exit 2 with one line.

Issue 13, finding 8: ``gw2wvw serve --workers 2`` never answered on a busy machine. Each
worker imports the app before it answers uvicorn's health check, and took longer than
uvicorn's 5 s window, so uvicorn killed and restarted the workers in a loop; two workers
that start on an empty database also raced to migrate it. Here the server starts on one CPU
that a busy loop shares (as a loaded 2-core machine would), on a fresh database of each kind.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.conftest import FIREBRAND, ServerFactory, sign_up
from tests.support.databases import create_empty_postgres_database, drop_postgres_database
from tests.support.live_server import REPO
from tests.support.redis_server import RedisServer

GW2WVW = str(Path(sys.executable).with_name("gw2wvw"))


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Settings naming a database that has never been migrated."""
    if request.param == "sqlite":
        yield {"GW2WVW_DATA_DIR": str(tmp_path / "data")}
        return
    url = create_empty_postgres_database()
    yield {"GW2WVW_DATA_DIR": str(tmp_path / "data"), "GW2WVW_DATABASE_URL": url}
    drop_postgres_database(url)


@pytest.fixture
def busy_cpu() -> Iterator[str]:
    """CPU 0, kept busy by a loop pinned to it for the whole test."""
    if shutil.which("taskset") is None:
        pytest.skip("taskset (util-linux) is not installed")
    burner = subprocess.Popen(
        ["taskset", "-c", "0", sys.executable, "-c", "while True: pass"],
        stdin=subprocess.DEVNULL,
    )
    yield "0"
    burner.kill()
    burner.wait(5)


def test_two_workers_start_on_a_busy_cpu_and_answer_every_request(
    live_server: ServerFactory,
    redis_server: RedisServer,
    fresh_database: dict[str, str],
    busy_cpu: str,
) -> None:
    command = ["taskset", "-c", busy_cpu, GW2WVW, "serve", "--workers", "2", "--port", "{port}"]
    command += ["--log-level", "warning"]
    server = live_server(
        {**fresh_database, "GW2WVW_REDIS_URL": redis_server.url},
        command=command,
        name="two-workers",
    )
    account = sign_up(server.url, "workers")
    statuses: list[int] = []
    with httpx.Client(base_url=server.url, timeout=30) as client:
        made = client.post(
            "/v1/builds", headers=account.headers, json={"name": "fb", "chat_code": FIREBRAND}
        )
        statuses.append(made.status_code)
        for n in range(49):
            # A new connection each time, so that both workers take some.
            answer = httpx.get(
                f"{server.url}/v1/builds/{made.json()['id']}",
                headers={**account.headers, "Connection": "close"},
                timeout=30,
            )
            statuses.append(answer.status_code)
            assert answer.json()["name"] == "fb", n
    assert len(statuses) == 50
    assert all(200 <= status < 300 for status in statuses), statuses
    output = server.output()
    assert "Traceback" not in output, output
    assert "died" not in output, output  # no worker was killed and replaced


def _serve(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(REPO), **env}
    return subprocess.run(
        [GW2WVW, "serve", "--port", "1"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"GW2WVW_DATABASE_URL": "mysql://u@db.example/gw2"}, "unsupported database 'mysql'"),
        ({"GW2WVW_CACHE_TTL": "soon"}, "GW2WVW_CACHE_TTL"),
        ({"GW2WVW_THROTTLE_SIGN_IN": "often"}, "GW2WVW_THROTTLE_SIGN_IN='often'"),
    ],
)
def test_bad_settings_exit_2_with_one_line(tmp_path: Path, env: dict[str, str], says: str) -> None:
    done = _serve({"GW2WVW_DATA_DIR": str(tmp_path), **env})
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: ")
    assert says in lines[0]
