"""The code examples of the documentation: found, checked for a marker, and run as written.

Every ````python`` and ````sh`` block of ``docs/*.md`` and every ````python`` block of
``README.md`` must follow a marker line naming the environment it runs in (see
:data:`environments.INSTALLS`)::

    <!-- example: squad -->

and optional flags after the name:

- ``background``: a server; it is started, the page's later blocks run while it answers on
  ``/healthz``, and it is stopped at the end of the page.
- ``services``: the page talks to PostgreSQL and Redis; it gets ``GW2WVW_DATABASE_URL`` (a
  fresh database of its own) and ``GW2WVW_REDIS_URL`` (a private redis-server), exactly the
  variables the page tells a reader to set.
- ``gw2-api``: the page reads the official GW2 API; this machine has no network, so
  ``https://api.guildwars2.com`` in it is replaced by a local server answering like the API
  from the offline game-data pack.

A block marked ``<!-- example: install -->`` holds ``pip install ...`` lines; each must install
exactly one of the environments the examples run in. A ````text`` block after ``<!-- output -->``
is what the block before it prints, compared exactly (trailing spaces aside).

The README's shell blocks are a new user's path through a clone (``uv run --locked ...``);
``tests/e2e/test_readme.py`` follows them.

Python blocks run one by one, each in a new interpreter, so each must stand on its own as a
reader would paste it; shell blocks run with ``bash -euo pipefail``. The blocks of one page and
environment share a scratch working directory, ``GW2WVW_DATA_DIR`` and one free port, which
replaces ``8000`` in the page's shell blocks when it starts a server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from tests.support.live_server import REPO

README = REPO / "README.md"
PAGES = (README, *sorted((REPO / "docs").glob("**/*.md")))
"""Every Markdown file whose examples are run."""

EXECUTED = ("python", "sh")
"""Fence languages that are code examples; other fences (json, text, ini, ...) show data."""

FLAGS = frozenset({"background", "services", "gw2-api"})

_FENCE = re.compile(
    r"^(?P<indent> *)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
_MARKER = re.compile(r"<!--\s*example:\s*(?P<env>[\w-]+)(?P<flags>(?:\s+[\w-]+)*)\s*-->\s*$")
_OUTPUT = re.compile(r"<!--\s*output\s*-->\s*$")


@dataclass
class Block:
    """One code example: where it is, what it runs in, and what it must print."""

    page: Path
    line: int
    lang: str
    env: str | None
    flags: frozenset[str]
    code: str
    output: str | None = None

    @property
    def where(self) -> str:
        """``docs/page.md:12``."""
        return f"{self.page.relative_to(REPO)}:{self.line}"


@dataclass
class Page:
    """The examples of one page, and any fence that should have been an example but is not."""

    path: Path
    blocks: list[Block] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


def _previous_line(text: str, offset: int) -> str:
    before = text[:offset].rstrip("\n").rsplit("\n", 1)
    return before[-1] if before else ""


def parse(path: Path) -> Page:
    """The examples of the Markdown file at ``path``."""
    text = path.read_text(encoding="utf-8")
    page = Page(path)
    last: Block | None = None
    for fence in _FENCE.finditer(text):
        line = text.count("\n", 0, fence.start()) + 1
        lang = fence.group("lang")
        indent = len(fence.group("indent"))
        body = "\n".join(row[indent:] for row in fence.group("body").splitlines()) + "\n"
        previous = _previous_line(text, fence.start())
        marker = _MARKER.search(previous)
        where = f"{path.relative_to(REPO)}:{line}"
        if _OUTPUT.search(previous):
            if last is None or last.output is not None:
                page.problems.append(f"{where}: an output block follows no example")
            else:
                last.output = body
            continue
        if marker is None:
            if lang in EXECUTED and not (path == README and lang == "sh"):
                page.problems.append(f"{where}: a {lang} block with no <!-- example: ... -->")
            continue
        flags = frozenset(marker.group("flags").split())
        if flags - FLAGS:
            page.problems.append(f"{where}: unknown flags {sorted(flags - FLAGS)}")
        last = Block(path, line, lang, marker.group("env"), flags, body)
        page.blocks.append(last)
    return page


def pip_installs(block: Block) -> list[str]:
    """The arguments of each ``pip install`` line of an install block."""
    found = []
    for row in block.code.splitlines():
        command = row.split("#", 1)[0].strip()
        if not command:
            continue
        words = command.split(None, 2)
        assert words[:2] == ["pip", "install"], f"{block.where}: not a pip install line: {row}"
        found.append(words[2] if len(words) > 2 else "")
    return found
