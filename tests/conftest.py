"""Fixtures every test suite shares: the offline game-data pack and the bundled data."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from gw2wvw import gamedata
from tests.support.databases import drop_leftover_databases
from tests.support.redis_server import RedisServer

REPO = Path(__file__).resolve().parent.parent


def shared_dir() -> Path | None:
    """The ``shared`` folder beside the clone (CI has it), or GW2WVW_SHARED_DIR."""
    configured = os.environ.get("GW2WVW_SHARED_DIR")
    candidate = Path(configured) if configured else REPO.parent / "shared"
    return candidate if (candidate / "gamedata").is_dir() else None


def require_pack() -> Path:
    """The game-data pack directory; skips outside CI when it is absent, fails in CI."""
    found = shared_dir()
    if found is None:
        message = "the offline game-data pack (../shared/gamedata) is not beside this clone"
        if os.environ.get("CI"):
            pytest.fail(message + ", and CI must have it")
        pytest.skip(message)
    return found / "gamedata"


@pytest.fixture(scope="session")
def pack_dir() -> Path:
    """``../shared/gamedata``: the offline pack (v2/, extra/, codes.txt, roles reference)."""
    return require_pack()


@pytest.fixture(scope="session")
def data() -> gamedata.GameData:
    """The bundled game data."""
    return gamedata.load()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A private, running redis-server that the test may stop and restart."""
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Leave nothing behind: databases of this run that a failed test did not drop."""
    drop_leftover_databases()
