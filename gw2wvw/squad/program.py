"""The squad builder's mixed-integer program and the lineup a solution describes.

Columns: ``x[p, a]`` counts archetype ``a`` in party ``p``; for a roster, ``y[i, a]`` says player
``i`` plays ``a`` (``z[i, a]`` for players locked to a party). Coverage columns ``c[p, r]`` and
``t[k]`` in [0, 1] are bounded by ``amount / minimum`` as in the evaluator, so the objective is
the evaluator's score, plus the roster preferences.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from gw2wvw.squad.composition import PARTY_SIZE
from gw2wvw.squad.evaluation import SUPPORT_ROLES, party_amount, squad_amount
from gw2wvw.squad.request import MAX_SQUAD, RosterPlayer, SquadRequest, SquadRequestError
from gw2wvw.squad.roles import Archetype, RolesTable
from gw2wvw.squad.solver import LinearModel, Result
from gw2wvw.squad.targets import Targets

Columns = dict[str, dict[tuple[int, int], int]]
"""Column indices of x (party, archetype), y and z (player, archetype)."""


def party_sizes(players: int) -> list[int]:
    """Balanced party sizes for a squad: as few parties as possible, sizes differing by 1."""
    count = math.ceil(players / PARTY_SIZE)
    base, extra = divmod(players, count)
    return [base + 1 if p < extra else base for p in range(count)]


@dataclass
class Lineup:
    """Who plays what where: per party, (roster index or None, archetype index) pairs."""

    parties: list[list[tuple[int | None, int]]]
    bench: list[int] = field(default_factory=list)


class SquadProgram:
    """The program for one request: structural checks, the model, and reading a solution."""

    def __init__(self, request: SquadRequest, roles: RolesTable, targets: Targets) -> None:
        self.request = request
        self.roles = roles
        self.targets = targets
        self.roster: Sequence[RosterPlayer] = request.roster or ()
        self.locks = {lock.player.casefold(): lock for lock in request.locks}
        if request.roster is None:
            self.players = request.size or 0
        else:
            self.players = min(request.size or MAX_SQUAD, len(self.roster))
        self.sizes = party_sizes(self.players)
        self.options = [self._options(p) for p in self.roster]
        self.archetypes = self._candidates()
        self.index = {a.id: n for n, a in enumerate(self.archetypes)}

    def _options(self, player: RosterPlayer) -> list[str]:
        lock = self.locks.get(player.name.casefold())
        if lock is not None and lock.archetype is not None:
            return [lock.archetype]
        return list(dict.fromkeys(player.archetypes))

    def _candidates(self) -> list[Archetype]:
        if self.request.roster is not None:
            ids = {a for options in self.options for a in options}
        elif self.request.archetypes is not None:
            ids = set(self.request.archetypes)
        else:
            ids = set(self.roles.by_id)
        return [a for a in self.roles.archetypes if a.id in ids]

    def must_play(self, player: int) -> bool:
        """Whether a roster player is locked or the commander."""
        entry = self.roster[player]
        return entry.commander or entry.name.casefold() in self.locks

    def locked_party(self, player: int) -> int | None:
        """The 0-based party a roster player is locked to, if any."""
        lock = self.locks.get(self.roster[player].name.casefold())
        return lock.party - 1 if lock is not None and lock.party is not None else None

    def check(self) -> str | None:
        """The first structural reason no squad can exist, in plain words, or None.

        Raises :class:`SquadRequestError` for names that do not exist.
        """
        known = set(self.roles.by_id)
        named = set(self.request.archetypes or ()) | {a for o in self.options for a in o}
        named |= {lock.archetype for lock in self.request.locks if lock.archetype}
        unknown = sorted(named - known)
        if unknown:
            raise SquadRequestError(
                f"no archetype {', '.join(map(repr, unknown))} in the roles table"
            )
        roster_names = {p.name.casefold() for p in self.roster}
        strangers = sorted(
            lock.player for lock in self.request.locks if lock.player.casefold() not in roster_names
        )
        if strangers:
            raise SquadRequestError(f"locked players are not in the roster: {', '.join(strangers)}")
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

    def model(self, required: Sequence[str]) -> tuple[LinearModel, Columns]:
        """The program, with ``required`` party requirements as hard constraints."""
        lm = LinearModel()
        total_weight = self.targets.total_weight()
        parties = range(len(self.sizes))
        arch = range(len(self.archetypes))
        cols: Columns = {"x": {}, "y": {}, "z": {}}
        x = cols["x"]
        for p in parties:
            for a in arch:
                x[p, a] = lm.column(0, self.sizes[p], integer=True)
            lm.row(((x[p, a], 1.0) for a in arch), self.sizes[p], self.sizes[p])
        for requirement, target in self.targets.party.items():
            amounts = [party_amount(a, requirement) for a in self.archetypes]
            share = 100 * target.weight / total_weight
            for p in parties:
                gives = [(x[p, a], amount) for a, amount in enumerate(amounts) if amount]
                if target.weight > 0:
                    c = lm.column(0, 1, cost=share / len(self.sizes))
                    lm.row([(c, target.minimum), *((col, -v) for col, v in gives)], upper=0)
                if requirement in required:
                    lm.row(gives, lower=target.minimum)
        for capability, squad_target in self.targets.squad.items():
            if squad_target.weight <= 0:
                continue
            t = lm.column(0, 1, cost=100 * squad_target.weight / total_weight)
            gives = [
                (x[p, a], -squad_amount(archetype, capability))
                for p in parties
                for a, archetype in enumerate(self.archetypes)
                if squad_amount(archetype, capability)
            ]
            lm.row([(t, squad_target.per_member * self.players), *gives], upper=0)
        # Parties of one size without locks are interchangeable. Ordering them by their number
        # of supports cuts those copies; HiGHS's own symmetry detection handles the rest (a
        # finer ordering key was measured to slow the search down several times).
        locked = {self.locked_party(i) for i in range(len(self.roster))} - {None}
        supports = [a for a in arch if self.archetypes[a].role in SUPPORT_ROLES]
        free = [p for p in parties if p not in locked]
        for first, second in itertools.pairwise(free):
            if supports and self.sizes[first] == self.sizes[second]:
                lm.row(
                    [
                        *((x[first, a], 1.0) for a in supports),
                        *((x[second, a], -1.0) for a in supports),
                    ],
                    lower=0,
                )
        if self.request.roster is not None:
            self._roster_rows(lm, cols)
        return lm, cols

    def preference(self, player: int, archetype: int) -> float:
        """Objective points for a roster player playing an archetype."""
        weight = self.roster[player].preferences.get(self.archetypes[archetype].id, 0.0)
        return self.request.preference_weight / self.players * weight

    def _roster_rows(self, lm: LinearModel, cols: Columns) -> None:
        plays: dict[int, list[tuple[int, float]]] = defaultdict(list)
        by_party: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.roster)):
            party = self.locked_party(i)
            kind = "y" if party is None else "z"
            if party is not None:
                by_party[party].append(i)
            row = []
            for archetype in self.options[i]:
                a = self.index[archetype]
                col = lm.column(0, 1, cost=self.preference(i, a), integer=True)
                cols[kind][i, a] = col
                plays[a].append((col, -1.0))
                row.append((col, 1.0))
            lm.row(row, lower=1.0 if self.must_play(i) else 0.0, upper=1.0)
        x = cols["x"]
        for a in range(len(self.archetypes)):
            lm.row([*((x[p, a], 1.0) for p in range(len(self.sizes))), *plays[a]], 0, 0)
        for p, members in by_party.items():
            for a in range(len(self.archetypes)):
                locked = [(cols["z"][i, a], -1.0) for i in members if (i, a) in cols["z"]]
                if locked:
                    lm.row([(x[p, a], 1.0), *locked], lower=0)

    def lineup(self, result: Result, cols: Columns) -> Lineup:
        """The lineup a solution describes: locked players in their parties, others in order."""
        values = result.values
        on = {kind: [key for key, col in cols[kind].items() if values[col] > 0.5] for kind in "yz"}
        locked: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, a in on["z"]:
            party = self.locked_party(i)
            assert party is not None
            locked[party, a].append(i)
        free: dict[int, list[int]] = defaultdict(list)
        for i, a in sorted(on["y"]):
            free[a].append(i)
        parties: list[list[tuple[int | None, int]]] = []
        for p in range(len(self.sizes)):
            members: list[tuple[int | None, int]] = []
            for a in range(len(self.archetypes)):
                slots = round(values[cols["x"][p, a]])
                members += [(i, a) for i in locked[p, a]]
                for _ in range(slots - len(locked[p, a])):
                    members.append((free[a].pop(0) if self.request.roster is not None else None, a))
            parties.append(members)
        playing = {i for members in parties for i, _ in members if i is not None}
        return Lineup(parties, [i for i in range(len(self.roster)) if i not in playing])

    def explain_infeasible(self) -> str:
        """Name the required coverage that cannot be met, by dropping one at a time."""
        required = list(self.targets.required)
        for requirement in required:
            lm, _ = self.model([r for r in required if r != requirement])
            if lm.solve(self.request.time_limit).status != "infeasible":
                target = self.targets.party[requirement]
                if not any(party_amount(a, requirement) > 0 for a in self.archetypes):
                    return f"every party needs {requirement}, but no available archetype gives it"
                return (
                    f"every party needs {requirement} (at least {target.minimum:g}), which the "
                    f"available players and locks cannot give all {len(self.sizes)} parties"
                )
        return "the locks and required coverage cannot all be met together"
