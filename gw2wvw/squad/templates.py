"""Every party template of one size, with its worth, for exact pricing by enumeration.

A template is a multiset of archetype indices; its worth is
:meth:`gw2wvw.squad.program.SquadProgram.worth`, computed here for all templates at once with
numpy. Where the structure is enforced (a size request), only templates that meet it are made:
supports chosen without repeats, then the damage and strip members. Pricing a master's duals is
then a dot product and an arg-max, and "every template whose reduced cost is within the gap" a
filter, which is what proves a squad optimal. Pools too large to hold are not made; the builder
prices with a small mixed-integer program instead.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING

from gw2wvw._extras import requires
from gw2wvw.squad.targets import PRICES

with requires("squad", "gw2wvw.squad's solver"):
    import numpy as np
    import numpy.typing as npt


if TYPE_CHECKING:
    from gw2wvw.squad.program import SquadProgram

LIMIT = 400_000
"""The most templates of one size a pool holds."""


def _multisets(kinds: int, size: int) -> int:
    """How many multisets of ``size`` there are of ``kinds`` kinds."""
    if kinds == 0:
        return 1 if size == 0 else 0
    return math.comb(kinds + size - 1, size) if size >= 0 else 0


def multisets(kinds: list[int], size: int) -> npt.NDArray[np.int16]:
    """Every multiset of ``size`` of ``kinds`` as rows (non-decreasing positions), built by
    numpy rather than one Python tuple at a time."""
    if size == 0 or not kinds:
        return np.zeros((1 if size == 0 else 0, size), dtype=np.int16)
    k = len(kinds)
    rows = np.arange(k, dtype=np.int64)[:, None]
    for _ in range(size - 1):
        last = rows[:, -1]
        repeats = k - last
        starts = np.repeat(last, repeats)
        within = np.arange(int(repeats.sum())) - np.repeat(np.cumsum(repeats) - repeats, repeats)
        rows = np.hstack([np.repeat(rows, repeats, axis=0), (starts + within)[:, None]])
    return np.asarray(kinds, dtype=np.int16)[rows]


def _core_fits(program: SquadProgram, core: tuple[int, ...], n: int) -> bool:
    """Whether the repeat-free members ``core`` can start a party of ``n`` that meets the
    structure (the other members cannot be healers or anchors, being no supports)."""
    structure = program.structure
    if n < structure.min_party:
        return True
    kinds = [program.archetypes[a] for a in core]
    healers = [i for i, a in enumerate(kinds) if a.fills("healer")]
    anchors = [i for i, a in enumerate(kinds) if a.fills("stability")]
    either = set(healers) | set(anchors)
    if structure.healer and not healers:
        return False
    if structure.stability and (not anchors or (structure.healer and len(either) < 2)):
        return False
    if structure.support and not either:
        return False
    return sum(a.support for a in kinds) <= structure.max_supports


class TemplatePool:
    """All templates of party size ``n`` for ``program`` (see the module docstring)."""

    def __init__(self, program: SquadProgram, n: int, parties: npt.NDArray[np.int16]) -> None:
        self.program = program
        self.n = n
        self.parties = parties
        self.valid: npt.NDArray[np.bool_] = np.ones(len(parties), dtype=bool)
        """Which templates meet the structure (all, where it is only priced)."""
        self.worth = self._worth(parties)

    @classmethod
    def make(cls, program: SquadProgram, n: int) -> TemplatePool | None:
        """The pool, or None when it would hold more than :data:`LIMIT` templates."""
        hard = program.request.roster is None
        kinds = list(range(len(program.archetypes)))
        if not hard:
            if _multisets(len(kinds), n) > LIMIT:
                return None
            return cls(program, n, multisets(kinds, n))
        repeat_free = [a for a in kinds if program.repeat_free(a, n)]
        others = [a for a in kinds if not program.repeat_free(a, n)]
        top = min(n, len(repeat_free))
        if sum(math.comb(len(repeat_free), k) for k in range(top + 1)) > LIMIT:
            return None
        cores = [
            chosen
            for k in range(top + 1)
            for chosen in itertools.combinations(repeat_free, k)
            if _core_fits(program, chosen, n)
        ]
        if sum(_multisets(len(others), n - len(core)) for core in cores) > LIMIT:
            return None
        tails = {m: multisets(others, m) for m in {n - len(core) for core in cores}}
        blocks = [
            np.hstack(
                [
                    np.broadcast_to(
                        np.array(core, dtype=np.int16), (len(tails[n - len(core)]), len(core))
                    ),
                    tails[n - len(core)],
                ]
            )
            for core in cores
        ]
        parties = np.vstack(blocks) if blocks else np.zeros((0, n), dtype=np.int16)
        pool = cls(program, n, parties)
        return pool.subset(pool.valid)

    def subset(self, keep: npt.NDArray[np.bool_]) -> TemplatePool:
        """The pool of the templates ``keep`` marks."""
        self.parties = self.parties[keep]
        self.worth = self.worth[keep]
        self.valid = self.valid[keep]
        return self

    def _worth(self, parties: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
        program, n = self.program, self.n
        scale = n / program.slots
        share = np.array(program.share[n], dtype=np.float64).reshape(len(program.archetypes), -1)
        points = np.zeros(len(parties))
        for g, (_, goal) in enumerate(program.goals):
            amount = program.base[g] + share[parties, g].sum(axis=1)
            ratio = amount / goal.target
            reached = np.minimum(np.minimum(1.3 * ratio, 0.7 * ratio + 0.3), 1.0)
            points += program.weight[g] * scale * np.maximum(reached, 0.0)
        counts = self._rules(parties)
        for rule, broken in counts.items():
            points -= 100 * PRICES[rule] * scale * broken  # type: ignore[index]
            self.valid &= broken == 0
        return points

    def _rules(self, parties: npt.NDArray[np.int16]) -> dict[str, npt.NDArray[np.int64]]:
        """How often each structure rule is broken, per template (as :func:`party_rules`)."""
        program, n = self.program, self.n
        structure = program.structure
        if n < structure.min_party or len(parties) == 0:
            return {}
        kinds = program.archetypes
        flag = {
            "healer": np.array([a.fills("healer") for a in kinds], dtype=np.int64),
            "stability": np.array([a.fills("stability") for a in kinds], dtype=np.int64),
            "either": np.array(
                [a.fills("healer") or a.fills("stability") for a in kinds], dtype=np.int64
            ),
            "support": np.array([a.support for a in kinds], dtype=np.int64),
            "offense": np.array([a.offensive for a in kinds], dtype=np.int64),
        }
        healers = flag["healer"][parties].sum(axis=1)
        anchors = flag["stability"][parties].sum(axis=1)
        either = flag["either"][parties].sum(axis=1)
        counts: dict[str, npt.NDArray[np.int64]] = {}
        if structure.healer:
            counts["healer"] = (healers == 0).astype(np.int64)
        if structure.stability:
            distinct = (healers > 0) & (either < 2) if structure.healer else False
            counts["stability"] = ((anchors == 0) | distinct).astype(np.int64)
        if structure.support:
            counts["support"] = (either == 0).astype(np.int64)
        supports = flag["support"][parties].sum(axis=1)
        counts["supports"] = np.maximum(0, supports - structure.max_supports)
        wanted = max(0, structure.min_offense - (structure.group_size - n))
        counts["offense"] = np.maximum(0, wanted - flag["offense"][parties].sum(axis=1))
        ordered = np.sort(parties, axis=1)
        repeats = ordered[:, 1:] == ordered[:, :-1]
        if not structure.distinct_archetypes:
            repeats &= flag["support"][ordered[:, 1:]].astype(bool) & structure.distinct_supports
        counts["duplicate"] = repeats.sum(axis=1)
        return counts

    def __len__(self) -> int:
        return len(self.parties)

    def reduced(self, costs: list[float]) -> npt.NDArray[np.float64]:
        """Every template's worth minus what ``costs`` charge for its members."""
        prices = np.asarray(costs, dtype=np.float64)
        reduced = self.worth.copy()
        for column in self.parties.T:  # a column at a time: several times faster than sum(axis)
            reduced -= prices[column]
        return reduced

    def template(self, index: int) -> tuple[int, ...]:
        """The template at ``index``, as sorted archetype indices."""
        return tuple(int(a) for a in self.parties[index])
