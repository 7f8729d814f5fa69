"""A real API server for end-to-end tests: uvicorn in a subprocess on a free port.

Standard library only, so that the noxfile can start one too (``nox -s schemathesis``).
The server's output goes to a file, never to a pipe (a full pipe would stall the server), and
failures quote it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ServerError(RuntimeError):
    """The server did not start, or stopped on its own."""


class LiveServer:
    """``uvicorn gw2wvw_api.app:create_app --factory`` (or any command) on 127.0.0.1.

    ``env`` is laid over this process's environment with every ``GW2WVW_*`` variable removed
    first (and the variables named in ``unset``), so a developer's own settings never reach the
    server. ``command`` replaces the uvicorn command line; ``{port}`` in it is replaced by the
    port.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        *,
        python: str | os.PathLike[str] = sys.executable,
        command: Sequence[str] | None = None,
        workers: int = 1,
        cwd: Path = REPO,
        name: str = "gw2wvw",
        unset: Sequence[str] = (),
    ) -> None:
        self.env = dict(env)
        self.unset = tuple(unset)
        self.python = str(python)
        self.command = list(command) if command is not None else None
        self.workers = workers
        self.cwd = cwd
        self.name = name
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed in stop()
            prefix=f"{name}-", suffix=".log", delete=False
        )
        self.log_path = Path(self._log.name)

    @property
    def url(self) -> str:
        """The server's base URL (no trailing slash)."""
        return f"http://127.0.0.1:{self.port}"

    def _argv(self) -> list[str]:
        if self.command is not None:
            return [part.replace("{port}", str(self.port)) for part in self.command]
        return [
            self.python,
            "-m",
            "uvicorn",
            "gw2wvw_api.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--workers",
            str(self.workers),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
            "--timeout-graceful-shutdown",
            "5",
        ]

    def _environment(self) -> dict[str, str]:
        environment = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith("GW2WVW_") and k not in self.unset
        }
        environment.update(self.env)
        environment["PYTHONUNBUFFERED"] = "1"
        return environment

    def launch(self) -> None:
        """Start the process on a fresh free port without waiting for it."""
        self.port = free_port()
        self._log.write(f"$ {' '.join(self._argv())}\n".encode())
        self._log.flush()
        self.process = subprocess.Popen(
            self._argv(),
            cwd=self.cwd,
            env=self._environment(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until ``/readyz`` answers 200; raises ServerError (with the output) otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                raise ServerError(f"{self.name} exited before it was ready:\n{self.output()}")
            try:
                with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise ServerError(f"{self.name} was not ready after {timeout:g} s:\n{self.output()}")

    def start(self, timeout: float = 90.0, attempts: int = 3) -> LiveServer:
        """Start and wait until ready; another port is tried if the first one was taken."""
        for attempt in range(attempts):
            self.launch()
            try:
                self.wait_ready(timeout)
                return self
            except ServerError:
                taken = "address already in use" in self.output().lower()
                self.stop()
                if not taken or attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def stop(self, grace: float = 10.0) -> None:
        """Terminate (SIGTERM, then SIGKILL after ``grace`` seconds) and reap the process."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)

    def close(self) -> None:
        """Stop the server and remove its log."""
        self.stop()
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def alive(self) -> bool:
        """Whether the process still runs."""
        return self.process is not None and self.process.poll() is None

    def output(self, tail: int = 20_000) -> str:
        """What the server wrote so far (its last ``tail`` characters)."""
        self._log.flush()
        text = self.log_path.read_text(errors="replace")
        return text[-tail:]

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def request_json(
    method: str,
    url: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    """One JSON request with the standard library: (status, decoded body or None)."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    return status, json.loads(raw) if raw else None
