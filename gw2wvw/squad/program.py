"""The squad builder's program: names resolved, party sizes, and what a party is worth.

A party's worth is the evaluator's (:mod:`gw2wvw.squad.evaluation`): its goals' values from its
own members' figures plus what the rest of the squad and allies give, minus the prices of the
structure rules it breaks. It depends on the party alone, so a squad is a choice of *party
templates*: :mod:`gw2wvw.squad.generation` finds the best one by column generation, and
:mod:`gw2wvw.squad.partywise` solves requests that lock players to parties with one column per
party and archetype. Both share the rows made here, and :meth:`SquadProgram.score` computes the
same score on plain numbers (for bench reasons, the baseline and the tests).
"""

from __future__ import annotations

import math
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from gw2wvw.squad.evaluation import member_share, party_rules, share_caps
from gw2wvw.squad.figures import Figures
from gw2wvw.squad.request import RosterPlayer, SquadRequest, SquadRequestError
from gw2wvw.squad.roles import Archetype, ArchetypeNotFound, RolesTable
from gw2wvw.squad.solver import LinearModel
from gw2wvw.squad.targets import PRICES, STRUCTURES, VALUE_PIECES, Structure, Targets, value


def party_sizes(players: int, group: int = 5) -> list[int]:
    """Balanced party sizes: as few parties of at most ``group`` as possible, differing by 1."""
    if players <= 0:
        return []
    count = math.ceil(players / group)
    base, extra = divmod(players, count)
    return [base + 1 if p < extra else base for p in range(count)]


@dataclass
class Lineup:
    """Who plays what where: per party, (roster index or None, archetype index) pairs."""

    parties: list[list[tuple[int | None, int]]]
    bench: list[int] = field(default_factory=list)


@dataclass
class Solved:
    """What a program produced: the lineup, how sure it is, and the bound it proved."""

    status: str
    """optimal, feasible, infeasible or no_solution."""
    lineup: Lineup | None
    objective: float | None
    bound: float | None
    seconds: float


class Clock:
    """Time left of a time limit, and whether the caller cancelled."""

    def __init__(self, limit: float, cancel: threading.Event | None) -> None:
        self.deadline = time.perf_counter() + limit
        self.start = time.perf_counter()
        self.cancel = cancel

    def left(self) -> float:
        """Seconds left."""
        return self.deadline - time.perf_counter()

    def over(self) -> bool:
        """Whether the time is up or the caller cancelled."""
        return self.left() <= 0 or (self.cancel is not None and self.cancel.is_set())

    def elapsed(self) -> float:
        """Seconds since the clock started."""
        return time.perf_counter() - self.start


class SquadProgram:
    """One request: names resolved, sizes, the party worth, and the solve."""

    def __init__(
        self, request: SquadRequest, roles: RolesTable, targets: Targets, figures: Figures
    ) -> None:
        self.request = request
        self.roles = roles
        self.targets = targets
        self.figures = figures
        self.structure: Structure = STRUCTURES[request.mode]
        self.roster: Sequence[RosterPlayer] = request.roster or ()
        self.locks = {lock.player.casefold(): lock for lock in request.locks}
        self.options = [self._options(p) for p in self.roster]
        self._check_names()
        most = self.structure.max_players
        if request.roster is None:
            self.slots = request.size or 0
            self.players = self.slots
        else:
            self.slots = request.size or min(len(self.roster), most)
            self.players = min(self.slots, len(self.roster))
        if self.slots > most:
            raise SquadRequestError(
                f"{request.mode} is for groups of at most {most} players; "
                f"{self.slots} is a squad for zerg or guild_raid"
            )
        self.sizes = party_sizes(self.players, self.structure.group_size)
        self.archetypes = self._candidates()
        self.index = {a.id: n for n, a in enumerate(self.archetypes)}
        self._coefficients()

    # -- names -----------------------------------------------------------------------------

    def _resolve(self, name: str, where: str) -> Archetype:
        try:
            return self.roles.resolve(name)
        except ArchetypeNotFound as error:
            raise SquadRequestError(f"{where}: {error}") from error

    def _options(self, player: RosterPlayer) -> list[str]:
        where = f"roster player {player.name}"
        return list(dict.fromkeys(self._resolve(a, where).id for a in player.archetypes))

    def _check_names(self) -> None:
        roster = {p.name.casefold(): n for n, p in enumerate(self.roster)}
        strangers = sorted(
            lock.player for lock in self.request.locks if lock.player.casefold() not in roster
        )
        if strangers:
            raise SquadRequestError(f"locked players are not in the roster: {', '.join(strangers)}")
        self.locked_archetype: dict[int, str] = {}
        for lock in self.request.locks:
            if lock.archetype is None:
                continue
            player = roster[lock.player.casefold()]
            ident = self._resolve(lock.archetype, f"the lock of {lock.player}").id
            if ident not in self.options[player]:
                plays = ", ".join(self.options[player])
                raise SquadRequestError(
                    f"{lock.player} is locked to {ident}, but plays only {plays}"
                )
            self.locked_archetype[player] = ident
        self.preferences = [
            {
                self._resolve(name, f"roster player {p.name}").id: weight
                for name, weight in p.preferences.items()
            }
            for p in self.roster
        ]

    def _candidates(self) -> list[Archetype]:
        if self.request.roster is not None:
            ids = {a for options in self.options for a in options}
        elif self.request.archetypes is not None:
            ids = {self._resolve(a, "archetypes").id for a in self.request.archetypes}
        else:
            ids = set(self.roles.by_id)
        return [a for a in self.roles.archetypes if a.id in ids]

    def plays(self, player: int) -> list[int]:
        """The archetype indices a roster player may play (one, when locked to an archetype)."""
        locked = self.locked_archetype.get(player)
        chosen = [locked] if locked is not None else self.options[player]
        return [self.index[a] for a in chosen]

    def must_play(self, player: int) -> bool:
        """Whether a roster player is locked or the commander."""
        entry = self.roster[player]
        return entry.commander or entry.name.casefold() in self.locks

    def locked_party(self, player: int) -> int | None:
        """The 0-based party a roster player is locked to, if any."""
        lock = self.locks.get(self.roster[player].name.casefold())
        return lock.party - 1 if lock is not None and lock.party is not None else None

    def preference(self, player: int, archetype: int) -> float:
        """Objective points for a roster player playing an archetype."""
        weight = self.preferences[player].get(self.archetypes[archetype].id, 0.0)
        return self.request.preference_weight / max(self.players, 1) * weight

    def check(self) -> str | None:
        """The first structural reason no squad can exist, in plain words, or None."""
        if not self.archetypes:
            return "there is no archetype to choose from"
        must_play = [i for i in range(len(self.roster)) if self.must_play(i)]
        if len(must_play) > self.players:
            return (
                f"{len(must_play)} players must play (locked or commander), "
                f"but the squad has {self.players} slots"
            )
        per_party: dict[int, list[str]] = defaultdict(list)
        for lock in self.request.locks:
            if lock.party is not None:
                per_party[lock.party].append(lock.player)
        for party, names in sorted(per_party.items()):
            if party > len(self.sizes):
                parties = "party" if len(self.sizes) == 1 else "parties"
                return (
                    f"{names[0]} is locked to party {party}, but {self.players} players make "
                    f"{len(self.sizes)} {parties}"
                )
            if len(names) > self.sizes[party - 1]:
                return (
                    f"party {party} holds {self.sizes[party - 1]} players, but "
                    f"{len(names)} are locked to it: {', '.join(names)}"
                )
        return None

    # -- a party's worth -------------------------------------------------------------------------

    def _coefficients(self) -> None:
        targets, figures = self.targets, self.figures
        self.goals = [(name, goal) for name, goal in targets.party.items() if goal.weight > 0]
        self.squad_goals = [(name, goal) for name, goal in targets.squad.items() if goal.weight > 0]
        total = targets.total_weight()
        self.weight = [100 * goal.weight / total for _, goal in self.goals]
        self.squad_weight = [100 * goal.weight / total for _, goal in self.squad_goals]
        parties = len(self.sizes)
        self.base = [
            0.0
            if name == "cleanses"
            else figures.from_other_parties(name, parties) + figures.from_allies(name)
            for name, _ in self.goals
        ]
        self.share: dict[int, list[list[float]]] = {n: self._shares(n) for n in set(self.sizes)}
        self.metric = [
            [figures.of(a.id).metric(name) for name, _ in self.squad_goals] for a in self.archetypes
        ]
        self.archetype_cap, self.spec_cap = share_caps(self.structure, self.slots)
        specs: dict[tuple[str, int], list[int]] = defaultdict(list)
        for n, a in enumerate(self.archetypes):
            specs[a.profession, a.specialization].append(n)
        self.specs = list(specs.values())

    def _shares(self, n: int) -> list[list[float]]:
        """What each archetype adds to each party goal in a party of ``n``."""
        return [
            [
                self.figures.of(a.id).metric("cleanses")
                if name == "cleanses"
                else member_share(self.figures, a.id, name, n)
                for name, _ in self.goals
            ]
            for a in self.archetypes
        ]

    def worth(self, party: Sequence[int]) -> float:
        """A party's points: its goals' values minus the prices of the rules it breaks."""
        n = len(party)
        if n == 0:
            return 0.0
        share = self.share.get(n)
        if share is None:
            share = self.share[n] = self._shares(n)
        scale = n / self.slots
        points = 0.0
        for g, (_, goal) in enumerate(self.goals):
            amount = self.base[g] + sum(share[a][g] for a in party)
            points += self.weight[g] * scale * value(amount, goal.target)
        rules = party_rules([self.archetypes[a] for a in party], self.structure)
        points -= sum(100 * PRICES[rule] * count * scale for rule, count in rules.counts.items())
        return points

    def squad_points(self, parties: Sequence[Sequence[int]]) -> float:
        """The squad goals' points and the share penalties of a whole squad."""
        points = 0.0
        for k, (_, squad_goal) in enumerate(self.squad_goals):
            amount = sum(self.metric[a][k] for party in parties for a in party)
            points += self.squad_weight[k] * value(amount, squad_goal.per_member * self.slots)
        counts: dict[int, int] = defaultdict(int)
        for party in parties:
            for a in party:
                counts[a] += 1
        for k in counts.values():
            if k > self.archetype_cap:
                points -= 100 * PRICES["archetype_share"] * (k - self.archetype_cap) / self.slots
        for group in self.specs:
            k = sum(counts.get(a, 0) for a in group)
            if k > self.spec_cap:
                points -= 100 * PRICES["specialization_share"] * (k - self.spec_cap) / self.slots
        return points

    def score(self, parties: Sequence[Sequence[int]]) -> float:
        """The evaluator's score of parties given as archetype indices (without clamping at 0)."""
        return sum(self.worth(p) for p in parties) + self.squad_points(parties)

    def objective(self, lineup: Lineup) -> float:
        """Score plus preference points of a lineup."""
        parties = [[a for _, a in members] for members in lineup.parties]
        preference = sum(
            self.preference(i, a) for members in lineup.parties for i, a in members if i is not None
        )
        return self.score(parties) + preference

    def most(self) -> float:
        """No squad scores more than this: every goal met, every preference granted."""
        best = sum(
            max((self.preference(i, a) for a in self.plays(i)), default=0.0)
            for i in range(len(self.roster))
        )
        return 100.0 + best

    # -- rows shared by the pricing and the party programs -------------------------------------

    def party_rows(self, lm: LinearModel, x: dict[int, int], n: int, hard: bool) -> None:
        """A party of ``n`` whose archetype counts are the columns ``x``: its goal values (as
        priced columns) and its structure rules (constraints, or priced when not ``hard``)."""
        share = self.share[n]
        scale = n / self.slots
        for g, (_, goal) in enumerate(self.goals):
            v = lm.column(0, 1, cost=self.weight[g] * scale)
            terms = [(x[a], share[a][g]) for a in x if share[a][g]]
            for slope, intercept in VALUE_PIECES:
                if slope == 0:
                    continue  # v <= 1 is the column's bound
                lm.row(
                    [(v, goal.target), *((c, -slope * k) for c, k in terms)],
                    upper=slope * self.base[g] + intercept * goal.target,
                )
        structure = self.structure
        if n < structure.min_party:
            return
        kinds = self.archetypes
        healers = [(x[a], 1.0) for a in x if kinds[a].fills("healer")]
        anchors = [(x[a], 1.0) for a in x if kinds[a].fills("stability")]
        either = [(x[a], 1.0) for a in x if kinds[a].fills("healer") or kinds[a].fills("stability")]
        supports = [(x[a], 1.0) for a in x if kinds[a].support]
        offense = [(x[a], 1.0) for a in x if kinds[a].offensive]
        wanted = max(0, structure.min_offense - (structure.group_size - n))
        if hard:
            if structure.healer:
                lm.row(healers, lower=1)
            if structure.stability:
                lm.row(anchors, lower=1)
                if structure.healer:
                    lm.row(either, lower=2)
            if structure.support:
                lm.row(either, lower=1)
            lm.row(supports, upper=structure.max_supports)
            lm.row(offense, lower=wanted)
            return
        # A rule met is a column at 1 its members allow; a broken one costs its price.
        met: dict[str, int] = {}
        for rule, on in (
            ("healer", structure.healer),
            ("stability", structure.stability),
            ("support", structure.support),
        ):
            if on:
                met[rule] = lm.column(0, 1, cost=100 * PRICES[rule] * scale)  # type: ignore[index]
                lm.constant -= 100 * PRICES[rule] * scale  # type: ignore[index]
        if "healer" in met:
            lm.row([(met["healer"], 1.0), *((c, -k) for c, k in healers)], upper=0)
        if "stability" in met:
            lm.row([(met["stability"], 1.0), *((c, -k) for c, k in anchors)], upper=0)
            if "healer" in met:
                lm.row(
                    [(met["healer"], 1.0), (met["stability"], 1.0), *((c, -k) for c, k in either)],
                    upper=0,
                )
        if "support" in met:
            lm.row([(met["support"], 1.0), *((c, -k) for c, k in either)], upper=0)
        over = lm.column(0, n, cost=-100 * PRICES["supports"] * scale)
        lm.row([(over, 1.0), *((c, -k) for c, k in supports)], lower=-structure.max_supports)
        short = lm.column(0, n, cost=-100 * PRICES["offense"] * scale)
        lm.row([(short, 1.0), *offense], lower=wanted)
        for a in x:
            if structure.distinct_archetypes or (structure.distinct_supports and kinds[a].support):
                twice = lm.column(0, n, cost=-100 * PRICES["duplicate"] * scale)
                lm.row([(twice, 1.0), (x[a], -1.0)], lower=-1)

    def most_in_party(self, a: int, n: int) -> int:
        """The most copies of archetype ``a`` one party of ``n`` may hold where the structure is
        enforced: one when it may not repeat, never more than the squad's share limit."""
        if self.repeat_free(a, n):
            return 1
        return min(n, self.archetype_cap)

    def share_rows(self, lm: LinearModel, x: dict[int, int]) -> None:
        """A single party within the squad's share limits (a size request enforces them)."""
        for group in self.specs:
            terms = [(x[a], 1.0) for a in group if a in x]
            if len(terms) > 1:
                lm.row(terms, upper=self.spec_cap)

    def repeat_free(self, a: int, n: int) -> bool:
        """Whether the structure forbids archetype ``a`` twice in a party of ``n`` (a party
        smaller than the structure's minimum is a remainder that no rule applies to)."""
        structure = self.structure
        if n < structure.min_party:
            return False
        return structure.distinct_archetypes or (
            structure.distinct_supports and self.archetypes[a].support
        )

    # -- solving ---------------------------------------------------------------------------------

    def solve(self, time_limit: float, cancel: threading.Event | None = None) -> Solved:
        """The best squad within ``time_limit`` seconds (see the module docstring)."""
        from gw2wvw.squad.generation import ColumnGeneration
        from gw2wvw.squad.partywise import PartyProgram

        clock = Clock(time_limit, cancel)
        if any(self.locked_party(i) is not None for i in range(len(self.roster))):
            return PartyProgram(self).solve(clock)
        return ColumnGeneration(self).solve(clock)

    def explain_infeasible(self) -> str:
        """Why a size request cannot meet the structure, in plain words."""
        structure = self.structure
        for function, wanted, word in (
            ("healer", structure.healer, "a healer"),
            ("stability", structure.stability, "a stability anchor"),
        ):
            if wanted and not any(a.fills(function) for a in self.archetypes):  # type: ignore[arg-type]
                return f"every party needs {word}, but no archetype to choose from is one"
        return (
            "the archetypes to choose from cannot give every party the structure of "
            f"{self.request.mode} within the limits on repeats"
        )

    def groups(self) -> tuple[list[list[int]], list[int]]:
        """Roster players who are interchangeable (free, no preferences, same options), and
        the rest (commander, locked or with preferences), who are columns of their own."""
        grouped: dict[tuple[int, ...], list[int]] = defaultdict(list)
        alone: list[int] = []
        for i in range(len(self.roster)):
            if self.must_play(i) or any(self.preferences[i].values()):
                alone.append(i)
            else:
                grouped[tuple(self.plays(i))].append(i)
        return list(grouped.values()), alone

    def seat(
        self,
        parties: list[list[int]],
        pools: dict[int, list[int]],
        locked: dict[tuple[int, int], list[int]] | None = None,
    ) -> Lineup:
        """Players into parties: ``pools`` lists, per archetype, who plays it (in order)."""
        lineup: list[list[tuple[int | None, int]]] = []
        roster = self.request.roster is not None
        for p, party in enumerate(parties):
            members: list[tuple[int | None, int]] = []
            for a in sorted(party):
                mine = (locked or {}).get((p, a))
                if mine:
                    members.append((mine.pop(0), a))
                elif roster:
                    members.append((pools[a].pop(0), a))
                else:
                    members.append((None, a))
            lineup.append(members)
        playing = {i for members in lineup for i, _ in members if i is not None}
        return Lineup(lineup, [i for i in range(len(self.roster)) if i not in playing])


__all__ = ["Clock", "Lineup", "Solved", "SquadProgram", "party_sizes"]
