"""What CLI commands load once per invocation: settings and the game data they point at."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gw2wvw.cli._output import fail

if TYPE_CHECKING:
    from gw2wvw.gamedata import GameData


def current_gamedata() -> GameData:
    """The game data ``GW2WVW_GAMEDATA_PATH`` names, or the bundled snapshot."""
    from gw2wvw.gamedata import SnapshotError, load
    from gw2wvw.settings import Settings

    try:
        return load(Settings().gamedata_path)
    except SnapshotError as exc:
        fail(str(exc))
