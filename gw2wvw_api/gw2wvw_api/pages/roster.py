"""A pasted roster: one player a line, the name then the specializations or archetypes played."""

from __future__ import annotations

import re

from pydantic import ValidationError

from gw2wvw.squad import RolesTable, RosterPlayer
from gw2wvw.squad.roles import ArchetypeNotFound

_SEPARATORS = re.compile(r"[,;/\s]+")


class RosterError(ValueError):
    """Lines of a pasted roster that cannot be read, each with its number and why."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors))
        self.errors = errors


def parse_roster(text: str, roles: RolesTable) -> tuple[RosterPlayer, ...]:
    """The players of ``text``: ``Name: Firebrand, Scrapper`` (a name with spaces needs the
    colon or a tab) or ``Name Firebrand Scrapper``; blank lines and ``#`` comments are skipped.

    Raises :class:`RosterError` naming every line that does not read.
    """
    players: list[RosterPlayer] = []
    errors: list[str] = []
    seen: set[str] = set()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        for separator in (":", "\t"):
            if separator in line:
                name, _, rest = line.partition(separator)
                break
        else:
            name, _, rest = line.partition(" ")
        name = name.strip()
        played = [word for word in _SEPARATORS.split(rest) if word]
        if not name or not played:
            errors.append(f"line {number}: give a name, then what the player plays")
            continue
        if name.casefold() in seen:
            errors.append(f"line {number}: {name} is listed twice")
            continue
        archetypes: list[str] = []
        for word in played:
            try:
                archetypes.append(roles.resolve(word).id)
            except ArchetypeNotFound as error:
                errors.append(f"line {number}: {error}")
        if archetypes:
            seen.add(name.casefold())
            try:
                player = RosterPlayer(name=name, archetypes=tuple(dict.fromkeys(archetypes)))
            except ValidationError:
                errors.append(f"line {number}: a name has at most 64 characters")
                continue
            players.append(player)
    if errors:
        raise RosterError(errors)
    if not players:
        raise RosterError(["the roster is empty: one player a line"])
    return tuple(players)
