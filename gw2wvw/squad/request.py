"""`SquadRequest`: what the builder is asked for, a size or a roster, with locks and targets."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from gw2wvw.errors import Gw2WvwError
from gw2wvw.squad.composition import MAX_PARTIES, PARTY_SIZE
from gw2wvw.squad.roles import ArchetypeRef
from gw2wvw.squad.targets import Mode, Targets

MAX_SQUAD = PARTY_SIZE * MAX_PARTIES
"""The most players a squad holds."""


class SquadRequestError(Gw2WvwError, ValueError):
    """A squad request names archetypes or players that do not exist."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RosterPlayer(_Model):
    """A player who may join: what they can play, and how much they like each.

    ``archetypes`` takes archetype ids or specialization names (``"Firebrand"`` stands for its
    default archetype), case-insensitively, in any mix.
    """

    name: str = Field(min_length=1, max_length=64)
    archetypes: tuple[ArchetypeRef, ...] = Field(min_length=1, max_length=20)
    preferences: dict[ArchetypeRef, float] = Field(default_factory=dict)
    """0-1 per entry of ``archetypes`` (default 0); the builder adds them to its objective."""
    commander: StrictBool = False
    """The commander always plays."""

    @model_validator(mode="after")
    def _preferences_known(self) -> RosterPlayer:
        listed = {a.casefold() for a in self.archetypes}
        unknown = sorted(p for p in self.preferences if p.casefold() not in listed)
        if unknown:
            raise ValueError(f"preferences for archetypes {self.name} cannot play: {unknown}")
        if any(not 0 <= w <= 1 for w in self.preferences.values()):
            raise ValueError("preference weights are between 0 and 1")
        return self


class Lock(_Model):
    """A fixed choice: this player plays this archetype and/or in this party (1-based).

    The archetype (an id or a specialization name) must be one the player can play.
    """

    player: str = Field(min_length=1, max_length=64)
    archetype: ArchetypeRef | None = None
    party: int | None = Field(default=None, ge=1, le=MAX_PARTIES)

    @model_validator(mode="after")
    def _something_locked(self) -> Lock:
        if self.archetype is None and self.party is None:
            raise ValueError("a lock names an archetype, a party or both")
        return self


class SquadRequest(_Model):
    """What to build: a size (archetypes picked freely) or a roster, and what to aim for."""

    size: int | None = Field(default=None, ge=1, le=MAX_SQUAD)
    """Squad slots; with a roster, the most players who play (default: all, up to the mode's
    most). A roster smaller than ``size`` leaves slots unfilled, which the score counts."""
    roster: tuple[RosterPlayer, ...] | None = Field(default=None, max_length=500)
    mode: Mode = "zerg"
    targets: Targets | None = None
    """Targets replacing the mode's defaults."""
    weights: dict[str, Annotated[float, Field(ge=0, le=1000)]] | None = Field(
        default=None, max_length=50
    )
    """Weights replacing some of the targets' weights, by goal name (``stability``, ``strips``)."""
    locks: tuple[Lock, ...] = ()
    archetypes: tuple[ArchetypeRef, ...] | None = None
    """For a size request: the archetypes (or specializations) to choose from (default: all)."""
    preference_weight: float = Field(default=5.0, ge=0, le=100)
    """Objective points when every playing player gets an archetype they weight 1."""
    time_limit: float = Field(default=10.0, gt=0, le=600)
    """Seconds the solver may take; past it, the best squad found is returned with its gap."""
    name: str = Field(default="squad", min_length=1, max_length=100)

    @model_validator(mode="after")
    def _shape(self) -> SquadRequest:
        if self.size is None and self.roster is None:
            raise ValueError("a request has a size, a roster or both")
        if self.roster is not None:
            if not self.roster:
                raise ValueError("the roster is empty")
            names = [p.name.casefold() for p in self.roster]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise ValueError(f"players appear twice in the roster: {', '.join(twice)}")
            if sum(p.commander for p in self.roster) > 1:
                raise ValueError("a roster has at most one commander")
        elif self.locks:
            raise ValueError("locks name roster players; a size request has no roster")
        locked = [lock.player.casefold() for lock in self.locks]
        twice = sorted({n for n in locked if locked.count(n) > 1})
        if twice:
            raise ValueError(f"players are locked twice: {', '.join(twice)}")
        return self
