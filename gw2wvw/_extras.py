"""Optional dependencies: which extra brings which modules, and the error when one is missing.

The core distribution needs only Pydantic. A module that needs more imports it inside
``with requires("extra"):``; when any module of that extra is missing, the block raises
:class:`MissingExtraError` naming the extra to install, instead of a bare
``ModuleNotFoundError`` deep inside some import chain.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager

from gw2wvw.errors import Gw2WvwError

_SQUAD = ("highspy", "numpy")
_STORE = (
    "sqlalchemy",
    "greenlet",
    "alembic",
    "aiosqlite",
    "argon2",
    "cryptography",
    "pydantic_settings",
)
_SYNC = ("httpx",)
_FIGHTS = ("msgspec",)

EXTRAS: dict[str, tuple[str, ...]] = {
    "squad": _SQUAD,
    "store": (*_STORE, "platformdirs"),
    "postgres": (*_STORE, "platformdirs", "asyncpg"),
    "redis": ("redis",),
    "sync": _SYNC,
    "webhooks": (*_STORE, "platformdirs", *_SYNC),
    "cli": ("typer", "rich", *_STORE, "platformdirs", *_SYNC, *_SQUAD, *_FIGHTS),
    "fights": _FIGHTS,
}
"""Each extra of the ``gw2wvw`` distribution and the top-level modules it makes importable."""


class MissingExtraError(Gw2WvwError, ModuleNotFoundError):
    """A feature needs an optional dependency: the message names the extra to install.

    It is also a :class:`ModuleNotFoundError`, so ``except ImportError`` keeps working.
    """

    def __init__(self, extra: str, missing: tuple[str, ...], feature: str | None = None) -> None:
        self.extra = extra
        self.missing = missing
        needs = f"{feature} needs" if feature else "this needs"
        super().__init__(
            f"{needs} {', '.join(missing)}: install the extra with pip install 'gw2wvw[{extra}]'",
            name=missing[0],
        )


def missing_modules(extra: str) -> tuple[str, ...]:
    """The modules of ``extra`` that cannot be imported here (found without importing them)."""
    return tuple(name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None)


def require(extra: str, feature: str | None = None) -> None:
    """Raise :class:`MissingExtraError` unless every module of ``extra`` is importable."""
    if missing := missing_modules(extra):
        raise MissingExtraError(extra, missing, feature)


@contextmanager
def requires(extra: str, feature: str | None = None) -> Iterator[None]:
    """Guard the imports in the block: unless every module of ``extra`` can be found, raise
    :class:`MissingExtraError` before the block runs.

    All the extra's modules are checked, also those (like database drivers) imported only later,
    on first use, so a partial install fails here rather than in the middle of some call.
    """
    require(extra, feature)
    yield
