"""A private redis-server for tests that stop, restart or count commands of Redis.

Tests that only need a Redis use the shared one (127.0.0.1:6379) with a key prefix of their
own; tests that take Redis down get a server of their own on a free port, so no other test run
on the machine notices.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import redis

from tests.support.databases import unavailable

SHARED_REDIS_URL = os.environ.get("GW2WVW_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
"""The machine's Redis, database included (``GW2WVW_TEST_REDIS_URL``); tests use key prefixes
of their own on it and remove their keys."""


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server process that tests may stop and start again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start it (empty: nothing is persisted) and wait until it answers."""
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server", FileNotFoundError("redis-server is not installed"))
        assert binary is not None
        self.process = subprocess.Popen(
            [
                binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.directory),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def stop(self) -> None:
        """Kill it; its data is gone."""
        if self.process is not None:
            self.process.kill()
            self.process.wait(5)
            self.process = None

    def pause(self) -> None:
        """Stall it (SIGSTOP): connections stay open and nothing answers."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """Let a paused server go on (SIGCONT)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)

    def commands_processed(self) -> int:
        """The server's count of commands so far (INFO stats)."""
        stats = redis.Redis.from_url(self.url).info("stats")
        return int(stats["total_commands_processed"])


def require_shared_redis() -> str:
    """The shared Redis URL; skips outside CI (fails in CI) when it does not answer."""
    try:
        redis.Redis.from_url(SHARED_REDIS_URL, socket_connect_timeout=1).ping()
    except (redis.RedisError, OSError) as error:
        unavailable("Redis at 127.0.0.1:6379", error)
    return SHARED_REDIS_URL
