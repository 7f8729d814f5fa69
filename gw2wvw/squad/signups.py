"""The squad from an event's sign-ups: who plays (coming, then late, backups, maybe), the
builder's request with preferences as weights, and re-planning that keeps placed players where
they are and says what moved and why. Needs the ``squad`` extra (HiGHS), as the builder does.

>>> signups = [Signup(player="Ann", archetypes=("Firebrand",))]  # doctest: +SKIP
>>> planned = plan_signups(signups, mode="zerg", size=50)  # doctest: +SKIP
>>> planned.changes[0].kind  # doctest: +SKIP
'joined'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gw2wvw.squad.builder import SquadPlan, build_squad
from gw2wvw.squad.evaluation import party_rules
from gw2wvw.squad.program import party_sizes
from gw2wvw.squad.request import Lock, RosterPlayer, SquadRequest
from gw2wvw.squad.roles import Archetype, ArchetypeRef, RolesTable, load_roles
from gw2wvw.squad.targets import STRUCTURES, Mode, Structure

SignupStatus = Literal["coming", "maybe", "late", "backup"]
"""Whether a member comes: from the start, maybe, after the start, or as a backup."""

PRIORITY: Mapping[str, int] = {"coming": 0, "late": 1, "backup": 2, "maybe": 3}
"""The order in which sign-ups get the squad's slots: coming first, maybe last."""

_STAYS = frozenset({"coming", "late"})
"""Statuses that keep a placed player in place on a re-plan."""


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Signup(_Model):
    """One member's sign-up as the planner sees it."""

    player: str = Field(min_length=1, max_length=64)
    archetypes: tuple[ArchetypeRef, ...] = Field(min_length=1, max_length=20)
    """Archetype ids or specialization names, most preferred first."""
    status: SignupStatus = "coming"


class Placement(_Model):
    """Where a player plays in a plan: a party (1-based) and an archetype id."""

    party: int = Field(ge=1)
    archetype: str


ChangeKind = Literal["joined", "left", "moved", "changed"]
"""joined / left the squad, moved to another party, changed archetype."""


class PlanChange(_Model):
    """One change a re-plan made to a player's placement, and why."""

    player: str
    kind: ChangeKind
    before: Placement | None
    after: Placement | None
    reason: str


class SignupPlan(_Model):
    """The builder's plan for the sign-ups, what changed since the last one, who waits."""

    plan: SquadPlan
    changes: tuple[PlanChange, ...]
    waiting: dict[str, str]
    """Signed-up players left out, and why (the squad is full)."""

    @property
    def moved_players(self) -> int:
        """How many players' placements changed (joined, left, moved or changed archetype)."""
        return len({change.player.casefold() for change in self.changes})


def placements_of(plan: SquadPlan) -> dict[str, Placement]:
    """Every playing player's placement in ``plan``, by player name."""
    return {
        member.player: Placement(party=n, archetype=member.archetype)
        for n, party in enumerate(plan.parties, start=1)
        for member in party
        if member.player is not None
    }


def _weights(archetypes: Sequence[str]) -> dict[str, float]:
    """Preference weights from the order: the first 1, falling evenly towards the last."""
    count = len(archetypes)
    return {a: round(1 - n / count, 6) for n, a in enumerate(archetypes)}


def _broken(members: Sequence[Archetype], structure: Structure) -> int:
    return sum(party_rules(members, structure).counts.values())


def _party_labels(
    kept: Mapping[str, Placement],
    sizes: Sequence[int],
    roles: RolesTable,
    structure: Structure,
) -> tuple[dict[str, int], set[str]]:
    """The party each kept player stays locked to, and who must give up their party.

    A party keeps its number while the new party sizes hold its kept players. A party that no
    longer fits (fewer players make smaller or fewer parties) gives up as few players as it
    must: those who best mend the party with the most room (a healer goes where the healer
    left), the last listed on a tie.
    """
    by_party: dict[int, list[str]] = {}
    for player, placement in kept.items():
        by_party.setdefault(placement.party, []).append(player)
    room = {party: size - len(by_party.get(party, ())) for party, size in enumerate(sizes, 1)}
    locked: dict[str, int] = {}
    freed: set[str] = set()

    def archetypes(players: Sequence[str]) -> list[Archetype]:
        return [roles.resolve(kept[p].archetype) for p in players]

    for party, players in sorted(by_party.items()):
        staying = list(players)
        while len(staying) > (sizes[party - 1] if party <= len(sizes) else 0):
            target = max(room, key=lambda p: (room[p], -p))
            there = [p for p, where in kept.items() if where.party == target and p not in freed]

            def cost(
                player: str, staying: list[str] = staying, there: list[str] = there
            ) -> tuple[int, int]:
                # Mend the receiving party first: the hole left behind is where the party
                # with room, and so the next joiner, will be.
                rest = [p for p in staying if p != player]
                mended = _broken(archetypes([*there, player]), structure)
                return mended, _broken(archetypes(rest), structure)

            leaving = min(reversed(staying), key=cost)
            staying.remove(leaving)
            freed.add(leaving)
            room[target] -= 1
        locked.update(dict.fromkeys(staying, party))
    return locked, freed


def roster_request(
    signups: Sequence[Signup],
    *,
    mode: Mode,
    size: int,
    roles: RolesTable | None = None,
    previous: Mapping[str, Placement] | None = None,
    keep: bool = True,
    name: str = "squad",
    time_limit: float = 10.0,
) -> tuple[SquadRequest, dict[str, str], set[str]]:
    """The builder's request for ``signups``, who waits (and why) and who was unlocked.

    Players of ``previous`` who still come are locked to their party and archetype when
    ``keep``; the rest take the free slots in status order (coming, late, backup, maybe),
    then sign-up order.
    """
    table = roles if roles is not None else load_roles()
    structure = STRUCTURES[mode]
    slots = min(size, structure.max_players)
    placed = previous or {}
    canonical = {
        s.player: tuple(dict.fromkeys(table.resolve(a).id for a in s.archetypes)) for s in signups
    }

    def stays(signup: Signup) -> bool:
        return keep and signup.player in placed and signup.status in _STAYS

    order = sorted(
        enumerate(signups), key=lambda item: (not stays(item[1]), PRIORITY[item[1].status], item[0])
    )
    chosen = [s for _, s in order[:slots]]
    waiting = {s.player: f"all {slots} slots are taken" for _, s in order[slots:]}
    kept = {s.player: placed[s.player] for s in chosen if stays(s)}
    sizes = party_sizes(len(chosen), structure.group_size)
    parties, freed = _party_labels(kept, sizes, table, structure)
    locks = []
    for player, placement in kept.items():
        archetype = placement.archetype if placement.archetype in canonical[player] else None
        if archetype is not None or player in parties:
            locks.append(Lock(player=player, archetype=archetype, party=parties.get(player)))
    roster = tuple(
        RosterPlayer(
            name=s.player,
            archetypes=canonical[s.player],
            preferences=_weights(canonical[s.player]),
        )
        for s in chosen
    )
    request = SquadRequest(
        roster=roster,
        size=len(roster),
        mode=mode,
        locks=tuple(locks),
        name=name,
        time_limit=time_limit,
    )
    return request, waiting, freed


def plan_changes(
    before: Mapping[str, Placement],
    after: Mapping[str, Placement],
    signups: Sequence[Signup],
    *,
    keep: bool = True,
    freed: set[str] | None = None,
    waiting: Mapping[str, str] | None = None,
) -> tuple[PlanChange, ...]:
    """What changed between two plans' placements, each with the reason it had to."""
    statuses = {s.player: s for s in signups}
    changes = []
    for player, old in before.items():
        new = after.get(player)
        signup = statuses.get(player)
        if new is None:
            if signup is None:
                reason = "withdrew"
            elif player in (waiting or {}):
                reason = f"signed up as {signup.status}; {(waiting or {})[player]}"
            else:
                reason = f"signed up as {signup.status} now"
            changes.append(
                PlanChange(player=player, kind="left", before=old, after=None, reason=reason)
            )
            continue
        free = "re-planned without keeping placements" if not keep else None
        if new.party != old.party:
            reason = free or (
                f"party {old.party} holds fewer players now"
                if player in (freed or set())
                else "placed anew"
            )
            changes.append(
                PlanChange(player=player, kind="moved", before=old, after=new, reason=reason)
            )
        if new.archetype != old.archetype:
            gone = signup is not None and old.archetype not in signup.archetypes
            reason = free or (f"no longer signed up for {old.archetype}" if gone else "placed anew")
            changes.append(
                PlanChange(player=player, kind="changed", before=old, after=new, reason=reason)
            )
    for player, new in after.items():
        if player not in before:
            status = statuses[player].status if player in statuses else "coming"
            changes.append(
                PlanChange(
                    player=player,
                    kind="joined",
                    before=None,
                    after=new,
                    reason=f"signed up as {status}; a slot was free",
                )
            )
    return tuple(changes)


def plan_signups(
    signups: Sequence[Signup],
    *,
    mode: Mode,
    size: int,
    roles: RolesTable | None = None,
    previous: Mapping[str, Placement] | None = None,
    keep: bool = True,
    name: str = "squad",
    time_limit: float = 10.0,
) -> SignupPlan:
    """Build the squad for ``signups`` (re-planning from ``previous`` if given), and the changes.

    Raises :class:`~gw2wvw.squad.SquadRequestError` for
    archetypes that do not exist and ``ValueError`` for an empty list of sign-ups.
    """
    if not signups:
        raise ValueError("nobody signed up yet")
    table = roles if roles is not None else load_roles()
    request, waiting, freed = roster_request(
        signups,
        mode=mode,
        size=size,
        roles=table,
        previous=previous,
        keep=keep,
        name=name,
        time_limit=time_limit,
    )
    plan = build_squad(request, table)
    canonical = [
        Signup(
            player=s.player,
            archetypes=tuple(table.resolve(a).id for a in s.archetypes),
            status=s.status,
        )
        for s in signups
    ]
    changes = plan_changes(
        previous or {},
        placements_of(plan),
        canonical,
        keep=keep,
        freed=freed,
        waiting=waiting,
    )
    return SignupPlan(plan=plan, changes=changes, waiting=waiting)
