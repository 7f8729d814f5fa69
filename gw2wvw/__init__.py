"""gw2wvw: Guild Wars 2 World-vs-World squad planning.

The names a user starts from, importable from the package itself::

    import gw2wvw

    build = gw2wvw.decode("[&DQENPi47PhpLF0sXFgE2AUsBFgE2AS0BGBYYFgAAAAAAAAAA...]")
    report = gw2wvw.validate(build)  # every problem at once, with names

Each name is imported on first use, so ``import gw2wvw`` loads nothing but this module;
names that need an optional dependency raise :class:`MissingExtraError` naming the extra.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from gw2wvw._extras import MissingExtraError, require
from gw2wvw._version import __version__
from gw2wvw.errors import Gw2WvwError

if TYPE_CHECKING:
    from gw2wvw.builds import Build, BuildError, Issue, ValidationReport, validate
    from gw2wvw.builds.chatcodes import decode, encode
    from gw2wvw.builds.view import BuildView, describe
    from gw2wvw.chatcode import ChatCodeError
    from gw2wvw.gamedata import GameData, SnapshotError, SyncError
    from gw2wvw.gamedata import load as load_gamedata
    from gw2wvw.squad import (
        Archetype,
        Composition,
        CompositionError,
        Evaluation,
        Figures,
        Lock,
        Member,
        Party,
        RolesError,
        RolesTable,
        RosterPlayer,
        SquadPlan,
        SquadRequest,
        SquadRequestError,
        Targets,
        build_squad,
        build_squad_async,
        evaluate,
        load_figures,
        load_roles,
    )
    from gw2wvw.store import (
        ANONYMOUS,
        Actor,
        Conflict,
        NotFound,
        PermissionDenied,
        Store,
        StoreError,
        StoreUnavailable,
        ValidationFailed,
        VersionConflict,
        open_store,
    )

_SQUAD = "gw2wvw.squad"
_STORE = "gw2wvw.store"

_LAZY: dict[str, tuple[str, str, str | None]] = {
    # public name: (module, name in it, extra it needs beyond the core)
    "decode": ("gw2wvw.builds.chatcodes", "decode", None),
    "encode": ("gw2wvw.builds.chatcodes", "encode", None),
    "describe": ("gw2wvw.builds.view", "describe", None),
    "validate": ("gw2wvw.builds", "validate", None),
    "Build": ("gw2wvw.builds", "Build", None),
    "BuildView": ("gw2wvw.builds.view", "BuildView", None),
    "ValidationReport": ("gw2wvw.builds", "ValidationReport", None),
    "Issue": ("gw2wvw.builds", "Issue", None),
    "GameData": ("gw2wvw.gamedata", "GameData", None),
    "load_gamedata": ("gw2wvw.gamedata", "load", None),
    "load_roles": (_SQUAD, "load_roles", None),
    "load_figures": (_SQUAD, "load_figures", None),
    "Figures": (_SQUAD, "Figures", None),
    "RolesTable": (_SQUAD, "RolesTable", None),
    "Archetype": (_SQUAD, "Archetype", None),
    "Composition": (_SQUAD, "Composition", None),
    "Party": (_SQUAD, "Party", None),
    "Member": (_SQUAD, "Member", None),
    "Targets": (_SQUAD, "Targets", None),
    "evaluate": (_SQUAD, "evaluate", None),
    "Evaluation": (_SQUAD, "Evaluation", None),
    "build_squad": (_SQUAD, "build_squad", "squad"),
    "build_squad_async": (_SQUAD, "build_squad_async", "squad"),
    "SquadRequest": (_SQUAD, "SquadRequest", "squad"),
    "RosterPlayer": (_SQUAD, "RosterPlayer", "squad"),
    "Lock": (_SQUAD, "Lock", "squad"),
    "SquadPlan": (_SQUAD, "SquadPlan", "squad"),
    "open_store": (_STORE, "open_store", "store"),
    "Store": (_STORE, "Store", "store"),
    "Actor": (_STORE, "Actor", "store"),
    "ANONYMOUS": (_STORE, "ANONYMOUS", "store"),
    "ChatCodeError": ("gw2wvw.chatcode", "ChatCodeError", None),
    "BuildError": ("gw2wvw.builds", "BuildError", None),
    "SnapshotError": ("gw2wvw.gamedata", "SnapshotError", None),
    "SyncError": ("gw2wvw.gamedata", "SyncError", None),
    "RolesError": (_SQUAD, "RolesError", None),
    "CompositionError": (_SQUAD, "CompositionError", None),
    "SquadRequestError": (_SQUAD, "SquadRequestError", "squad"),
    "StoreError": (_STORE, "StoreError", "store"),
    "NotFound": (_STORE, "NotFound", "store"),
    "PermissionDenied": (_STORE, "PermissionDenied", "store"),
    "Conflict": (_STORE, "Conflict", "store"),
    "VersionConflict": (_STORE, "VersionConflict", "store"),
    "ValidationFailed": (_STORE, "ValidationFailed", "store"),
    "StoreUnavailable": (_STORE, "StoreUnavailable", "store"),
}

__all__ = [
    "ANONYMOUS",
    "Actor",
    "Archetype",
    "Build",
    "BuildError",
    "BuildView",
    "ChatCodeError",
    "Composition",
    "CompositionError",
    "Conflict",
    "Evaluation",
    "Figures",
    "GameData",
    "Gw2WvwError",
    "Issue",
    "Lock",
    "Member",
    "MissingExtraError",
    "NotFound",
    "Party",
    "PermissionDenied",
    "RolesError",
    "RolesTable",
    "RosterPlayer",
    "SnapshotError",
    "SquadPlan",
    "SquadRequest",
    "SquadRequestError",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "SyncError",
    "Targets",
    "ValidationFailed",
    "ValidationReport",
    "VersionConflict",
    "__version__",
    "build_squad",
    "build_squad_async",
    "decode",
    "describe",
    "encode",
    "evaluate",
    "load_figures",
    "load_gamedata",
    "load_roles",
    "open_store",
    "validate",
]


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562), checking the extra it needs first."""
    try:
        module, attribute, extra = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'gw2wvw' has no attribute {name!r}") from None
    if extra is not None:
        require(extra, f"gw2wvw.{name}")
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    """The public names, for ``dir()`` and completion."""
    return sorted({*globals(), *__all__})
