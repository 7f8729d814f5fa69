"""Browser fixtures: Debian's Chromium driven by Playwright against a live uvicorn server.

Playwright's own browser download cannot reach its host here, so the tests launch
``/usr/bin/chromium`` (``apt-get install -y chromium``). Without it the tests skip, except in
CI (``CI`` set), where they fail. Screenshots go to the test's ``tmp_path``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.support.live_server import LiveServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The Chromium executable (skip outside CI if it is not installed)."""
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return CHROMIUM if Path(CHROMIUM).exists() else str(shutil.which("chromium"))
    message = f"Chromium is not installed ({CHROMIUM}): apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def browser(chromium_path: str) -> Iterator[Browser]:
    """A headless Chromium."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """The API with its pages on the embedded SQLite default, in a data directory of its own."""
    live = LiveServer({"GW2WVW_DATA_DIR": str(tmp_path / "data")}, name="pages")
    live.start()
    try:
        yield live
    finally:
        live.close()
