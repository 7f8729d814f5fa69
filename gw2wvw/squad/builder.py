"""`build_squad`: the best squad for a size or a roster, solved exactly as a mixed-integer program.

The program (:mod:`gw2wvw.squad.program`) maximises the evaluator's score plus the roster
preferences with HiGHS; among squads of equal score, :mod:`gw2wvw.squad.polish` then prefers the
one with the most squad output. The plan is the composition, its evaluation, the members' chat
codes, and what the solver proved.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from gw2wvw.squad.composition import Composition, Member, Party
from gw2wvw.squad.evaluation import Evaluation, evaluate
from gw2wvw.squad.polish import polish
from gw2wvw.squad.program import Lineup, SquadProgram
from gw2wvw.squad.request import SquadRequest, SquadRequestError
from gw2wvw.squad.roles import ROLES, RolesTable, load_roles
from gw2wvw.squad.solver import Result
from gw2wvw.squad.targets import targets_for


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanMember(_Model):
    """A member of a planned squad, with the chat code of its archetype's build."""

    player: str | None
    archetype: str
    name: str
    profession: str
    specialization: int
    role: str
    chat_code: str
    commander: bool = False


class SquadPlan(_Model):
    """The builder's answer: the squad, its evaluation and what the solver proved."""

    status: Literal["optimal", "feasible", "infeasible"]
    objective: float | None
    """Evaluation score plus preference points; what the solver maximised."""
    bound: float | None
    """The best objective any squad could reach (proven upper bound)."""
    gap: float | None
    """(bound - objective) / objective: 0 when optimal."""
    reason: str | None = None
    """Why no squad exists, in plain words (infeasible only)."""
    parties: tuple[tuple[PlanMember, ...], ...] = ()
    bench: tuple[str, ...] = ()
    """Roster players who do not play."""
    preference_points: float = 0.0
    composition: Composition | None = None
    evaluation: Evaluation | None = None
    solve_seconds: float = 0.0


def _infeasible(reason: str) -> SquadPlan:
    return SquadPlan(status="infeasible", objective=None, bound=None, gap=None, reason=reason)


def _plan(program: SquadProgram, lineup: Lineup, result: Result) -> SquadPlan:
    roster = program.roster
    order = {role: n for n, role in enumerate(ROLES)}
    archetypes = program.archetypes
    parties = [
        sorted(
            members,
            key=lambda m: (order[archetypes[m[1]].role], archetypes[m[1]].id, m[0] or 0),
        )
        for members in lineup.parties
    ]
    request = program.request
    composition = Composition(
        name=request.name,
        mode=request.mode if request.targets is None else "custom",
        targets=request.targets,
        parties=tuple(
            Party(
                members=tuple(
                    Member(
                        player=roster[i].name if i is not None else None,
                        archetype=archetypes[a].id,
                        commander=i is not None and roster[i].commander,
                    )
                    for i, a in members
                )
            )
            for members in parties
        ),
    )
    evaluation = evaluate(composition, program.roles, program.targets)
    preference = sum(
        program.preference(i, a) for members in parties for i, a in members if i is not None
    )
    objective = evaluation.score + preference
    return SquadPlan(
        status="optimal" if result.status == "optimal" else "feasible",
        objective=round(objective, 6),
        bound=round(max(result.bound or objective, objective), 6),
        gap=result.gap,
        parties=tuple(
            tuple(
                PlanMember(
                    player=roster[i].name if i is not None else None,
                    archetype=archetypes[a].id,
                    name=archetypes[a].name,
                    profession=archetypes[a].profession,
                    specialization=archetypes[a].specialization,
                    role=archetypes[a].role,
                    chat_code=archetypes[a].example.chat_code,
                    commander=i is not None and roster[i].commander,
                )
                for i, a in members
            )
            for members in parties
        ),
        bench=tuple(roster[i].name for i in lineup.bench),
        preference_points=round(preference, 6),
        composition=composition,
        evaluation=evaluation,
        solve_seconds=result.seconds,
    )


def build_squad(request: SquadRequest, roles: RolesTable | None = None) -> SquadPlan:
    """Build the best squad for ``request`` (default roles: the bundled table).

    Returns an ``optimal`` plan, a ``feasible`` one with its proven gap when the time limit cut
    the search short, or an ``infeasible`` one whose ``reason`` names the constraint that cannot
    be met. Same request, same plan. Raises :class:`SquadRequestError` for archetypes or locked
    players that do not exist.
    """
    table = roles if roles is not None else load_roles()
    try:
        targets = targets_for(request.mode, request.targets, request.weights)
    except ValueError as error:
        raise SquadRequestError(str(error)) from error
    program = SquadProgram(request, table, targets)
    reason = program.check()
    if reason is not None:
        return _infeasible(reason)
    lm, cols = program.model(targets.required)
    result = lm.solve(request.time_limit)
    if result.status == "infeasible":
        return _infeasible(program.explain_infeasible())
    if result.status == "no_solution":
        raise SquadRequestError(
            f"no squad was found within the time limit of {request.time_limit:g} s; allow more time"
        )
    return _plan(program, polish(program, program.lineup(result, cols)), result)
