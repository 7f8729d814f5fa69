"""Fights: Elite Insights logs of WvW fights, and the boon figures measured from them."""

from gw2wvw.fights.reading import DEFAULT_MAX_BYTES, FightLogError, decode_log, read_log
from gw2wvw.fights.schema import Log, Player

__all__ = ["DEFAULT_MAX_BYTES", "FightLogError", "Log", "Player", "decode_log", "read_log"]
