"""`Composition`: a squad as parties of up to five members, each playing an archetype."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from gw2wvw.builds import Build
from gw2wvw.errors import Gw2WvwError
from gw2wvw.schema_rules import exactly_one_of
from gw2wvw.squad.roles import Archetype, ArchetypeNotFound, ArchetypeRef, Role, RolesTable
from gw2wvw.squad.targets import Mode, Targets

PARTY_SIZE = 5
"""The most members a party (subgroup) holds."""

MAX_PARTIES = 10
"""The most parties a squad has (50 players)."""


class CompositionError(Gw2WvwError, ValueError):
    """A composition names what the roles table does not have.

    ``errors`` lists every problem as (JSON path, message).
    """

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{path}: {message}" for path, message in errors))
        self.errors = errors


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Member(_Model):
    """A squad member: an archetype, or a build with the role it is played in."""

    model_config = ConfigDict(json_schema_extra=exactly_one_of(("archetype",), ("build", "role")))

    player: str | None = Field(default=None, min_length=1, max_length=64)
    archetype: ArchetypeRef | None = None
    """An archetype id, or a specialization name for its default archetype."""
    build: Build | None = None
    role: Role | None = None
    commander: StrictBool = False

    @model_validator(mode="after")
    def _one_kind(self) -> Member:
        if (self.archetype is None) == (self.build is None):
            raise ValueError("a member has either an archetype or a build, not both or neither")
        if self.build is not None and self.role is None:
            raise ValueError("a member with a build needs the role it plays")
        if self.archetype is not None and self.role is not None:
            raise ValueError("role goes with a build; an archetype has its own role")
        return self

    def resolve(self, roles: RolesTable) -> Archetype | None:
        """The archetype this member plays: its own (by id or specialization name), or the one
        its build and role match; raises :class:`ArchetypeNotFound` for an unknown name."""
        if self.archetype is not None:
            return roles.resolve(self.archetype)
        assert self.build is not None
        lines = {line.id for line in self.build.specializations if line is not None}
        core = roles.find(self.build.profession)
        candidates = [
            a
            for a in roles.archetypes
            if a.profession == self.build.profession and a.specialization in lines and a != core
        ]
        exact = [a for a in candidates if a.role == self.role]
        matches = exact or candidates
        if matches:
            return matches[0]
        # A build of no listed specialization plays its profession's core archetype, if any.
        return core


class Party(_Model):
    """A party (subgroup): one to five members."""

    members: tuple[Member, ...] = Field(min_length=1, max_length=PARTY_SIZE)


class Composition(_Model):
    """A squad: a name, a mode (or custom targets) and up to ten parties."""

    name: str = Field(default="squad", min_length=1, max_length=100)
    mode: Mode | Literal["custom"] = "zerg"
    targets: Targets | None = None
    """Custom targets; they replace the mode's defaults (required when mode is custom)."""
    parties: tuple[Party, ...] = Field(min_length=1, max_length=MAX_PARTIES)

    @model_validator(mode="after")
    def _consistent(self) -> Composition:
        if self.mode == "custom" and self.targets is None:
            raise ValueError("mode custom needs targets")
        players = [
            m.player.casefold() for p in self.parties for m in p.members if m.player is not None
        ]
        duplicated = sorted({p for p in players if players.count(p) > 1})
        if duplicated:
            raise ValueError(f"players appear twice: {', '.join(duplicated)}")
        commanders = sum(m.commander for p in self.parties for m in p.members)
        if commanders > 1:
            raise ValueError(f"a squad has one commander, not {commanders}")
        return self

    @property
    def size(self) -> int:
        """How many members the squad has."""
        return sum(len(p.members) for p in self.parties)

    def resolve(self, roles: RolesTable) -> list[list[Archetype]]:
        """The archetype of every member, party by party; raises :class:`CompositionError`."""
        errors: list[tuple[str, str]] = []
        resolved: list[list[Archetype]] = []
        for p, party in enumerate(self.parties):
            row = []
            for m, member in enumerate(party.members):
                path = f"/parties/{p}/members/{m}"
                try:
                    archetype = member.resolve(roles)
                except ArchetypeNotFound as error:
                    errors.append((f"{path}/archetype", str(error)))
                    continue
                if archetype is None:
                    errors.append(
                        (f"{path}/build", "the build matches no archetype of the roles table")
                    )
                    continue
                row.append(archetype)
            resolved.append(row)
        if errors:
            raise CompositionError(errors)
        return resolved
