"""The tie-break after the exact solve: among equally scored squads, prefer more squad output.

Many squads often reach the same (optimal) score, for instance once every target is met. The
polish walks the solver's lineup in a fixed order and takes any single change (another archetype
for a member, or a benched player in) that keeps the objective and the required coverage and adds
damage, strips or crowd control beyond the targets. It is deterministic and quick, where a second
exact solve for this was measured at seconds.
"""

from __future__ import annotations

from gw2wvw.squad.evaluation import party_amount, squad_amount
from gw2wvw.squad.program import Lineup, SquadProgram

_EPSILON = 1e-9
_MAX_PASSES = 50


class _Scorer:
    """The evaluator's objective on index lineups, with party-local updates."""

    def __init__(self, program: SquadProgram) -> None:
        self.program = program
        targets = program.targets
        total = targets.total_weight()
        count = len(program.sizes)
        archetypes = program.archetypes
        self.party_terms = [
            (
                100 * t.weight / total / count,
                t.minimum,
                [party_amount(a, r) for a in archetypes],
                r in targets.required,
            )
            for r, t in targets.party.items()
            if t.weight > 0 or r in targets.required
        ]
        self.squad_terms = [
            (
                100 * t.weight / total,
                t.per_member * program.players,
                t.weight / (t.per_member * program.players),
                [squad_amount(a, k) for a in archetypes],
            )
            for k, t in targets.squad.items()
            if t.weight > 0
        ]

    def party_score(self, sums: list[float]) -> float | None:
        """A party's score from its per-term amounts, or None when a required one falls short."""
        score = 0.0
        for (share, minimum, _, required), amount in zip(self.party_terms, sums, strict=True):
            if required and amount < minimum - _EPSILON:
                return None
            score += share * min(1.0, amount / minimum)
        return score

    def squad(self, totals: list[float]) -> tuple[float, float]:
        """Squad score and surplus for capability totals."""
        score = sum(
            share * min(1.0, total / wanted)
            for (share, wanted, _, _), total in zip(self.squad_terms, totals, strict=True)
        )
        surplus = sum(
            scale * total for (_, _, scale, _), total in zip(self.squad_terms, totals, strict=True)
        )
        return score, surplus

    def totals(self, lineup: Lineup) -> list[float]:
        """Squad capability totals of a lineup."""
        return [
            sum(amounts[a] for members in lineup.parties for _, a in members)
            for _, _, _, amounts in self.squad_terms
        ]


def polish(program: SquadProgram, lineup: Lineup) -> Lineup:
    """Improve squad output without lowering the objective; returns the same lineup, changed."""
    scorer = _Scorer(program)
    roster = program.request.roster is not None
    for _ in range(_MAX_PASSES):
        if not _improve_once(program, scorer, lineup, roster):
            break
    return lineup


def _candidates(
    program: SquadProgram, lineup: Lineup, player: int | None, roster: bool
) -> list[tuple[int | None, int]]:
    """Who could take a member's slot, playing what: (player, archetype) pairs."""
    if not roster:
        return [(None, a) for a in range(len(program.archetypes))]
    assert player is not None
    options: list[tuple[int | None, int]] = [
        (player, program.index[a]) for a in program.options[player]
    ]
    if not program.must_play(player):
        options += [(b, program.index[a]) for b in lineup.bench for a in program.options[b]]
    return options


def _improve_once(program: SquadProgram, scorer: _Scorer, lineup: Lineup, roster: bool) -> bool:
    totals = scorer.totals(lineup)
    squad_score, surplus = scorer.squad(totals)
    for members in lineup.parties:
        sums = [sum(amounts[a] for _, a in members) for _, _, amounts, _ in scorer.party_terms]
        before = scorer.party_score(sums)
        assert before is not None
        for slot, (player, archetype) in enumerate(members):
            old_pref = program.preference(player, archetype) if player is not None else 0.0
            base = [
                total - amounts[archetype]
                for total, (_, _, amounts, _) in zip(sums, scorer.party_terms, strict=True)
            ]
            for new_player, new_archetype in _candidates(program, lineup, player, roster):
                changed = [
                    total - amounts[archetype] + amounts[new_archetype]
                    for total, (_, _, _, amounts) in zip(totals, scorer.squad_terms, strict=True)
                ]
                new_squad, new_surplus = scorer.squad(changed)
                # Only a change that adds squad output can win; test that before the party.
                if new_surplus <= surplus + _EPSILON:
                    continue
                after = scorer.party_score(
                    [
                        total + amounts[new_archetype]
                        for total, (_, _, amounts, _) in zip(base, scorer.party_terms, strict=True)
                    ]
                )
                if after is None:
                    continue
                new_pref = (
                    program.preference(new_player, new_archetype) if new_player is not None else 0.0
                )
                gain = (after - before) + (new_squad - squad_score) + (new_pref - old_pref)
                if gain >= -_EPSILON:
                    members[slot] = (new_player, new_archetype)
                    if new_player != player:
                        lineup.bench.remove(new_player)  # type: ignore[arg-type]
                        lineup.bench.append(player)  # type: ignore[arg-type]
                        lineup.bench.sort()
                    return True
    return False
