"""`build_squad`: the best squad for a size or a roster, solved exactly as a mixed-integer program.

The program (:mod:`gw2wvw.squad.program`) maximises the evaluator's score plus the roster
preferences with HiGHS. The plan is the composition, its evaluation, the members' chat codes, a
reason for every benched player, and what the solver proved. :func:`build_squad_async` runs the
same solve in a worker thread, so an event loop keeps serving; cancelling it stops the solver.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Literal

from pydantic import BaseModel, ConfigDict

from gw2wvw.squad.composition import Composition, Member, Party
from gw2wvw.squad.evaluation import Evaluation, evaluate_archetypes
from gw2wvw.squad.figures import Figures, load_figures
from gw2wvw.squad.program import Lineup, Solved, SquadProgram
from gw2wvw.squad.request import SquadRequest, SquadRequestError
from gw2wvw.squad.roles import FUNCTION_NAMES, FUNCTIONS, Function, RolesTable, load_roles
from gw2wvw.squad.targets import targets_for


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanMember(_Model):
    """A member of a planned squad, with names beside ids and its build's chat code."""

    player: str | None
    archetype: str
    name: str
    """The archetype's name, e.g. "Firebrand (stability support)"."""
    profession: str
    specialization: int
    specialization_name: str
    role: str
    functions: tuple[Function, ...]
    chat_code: str
    commander: bool = False


class BenchedPlayer(_Model):
    """A roster player who does not play, and why."""

    player: str
    reason: str


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
    mode: str = "zerg"
    slots: int = 0
    parties: tuple[tuple[PlanMember, ...], ...] = ()
    bench: tuple[BenchedPlayer, ...] = ()
    unfilled: int = 0
    """Slots the roster could not fill."""
    preference_points: float = 0.0
    composition: Composition | None = None
    evaluation: Evaluation | None = None
    solve_seconds: float = 0.0


def _infeasible(reason: str, request: SquadRequest) -> SquadPlan:
    return SquadPlan(
        status="infeasible",
        objective=None,
        bound=None,
        gap=None,
        reason=reason,
        mode=request.mode,
        slots=request.size or 0,
    )


def _spec_name(program: SquadProgram, archetype: int) -> str:
    kind = program.archetypes[archetype]
    for name, entry in program.roles.specializations.items():
        default = program.roles.by_id.get(entry.default or "")
        if default is not None and (default.profession, default.specialization) == (
            kind.profession,
            kind.specialization,
        ):
            return name
    return kind.name.split(" (")[0]


def _bench_reasons(program: SquadProgram, lineup: Lineup) -> tuple[BenchedPlayer, ...]:
    """Why each benched player sits out: the cheapest swap that would bring them in."""
    base = program.objective(lineup)
    roster = program.roster
    answers: dict[tuple[int, ...], tuple[float, str] | None] = {}
    benched = []
    for i in lineup.bench:
        options = tuple(program.plays(i))
        if options not in answers:
            answers[options] = _best_swap(program, lineup, options, base)
        found = answers[options]
        full = f"all {program.slots} slots are taken"
        if found is None:
            reason = f"{full} by locked players and the commander"
        else:
            loss, where = found
            if loss <= 1e-6:
                reason = f"{full}; {where} would score the same, and the solver kept the other"
            else:
                reason = f"{full}; the best place for them, {where}, would cost {loss:.2f} points"
        benched.append(BenchedPlayer(player=roster[i].name, reason=reason))
    return tuple(benched)


def _best_swap(
    program: SquadProgram, lineup: Lineup, options: tuple[int, ...], base: float
) -> tuple[float, str] | None:
    """The smallest loss of putting a player with ``options`` in for someone who plays."""
    best: tuple[float, str] | None = None
    tried: set[tuple[int, int, int]] = set()
    for p, members in enumerate(lineup.parties):
        for m, (player, archetype) in enumerate(members):
            if player is not None and program.must_play(player):
                continue
            for option in options:
                if (p, archetype, option) in tried:
                    continue
                tried.add((p, archetype, option))
                changed = [list(party) for party in lineup.parties]
                changed[p][m] = (None, option)
                loss = base - program.objective(Lineup(changed))
                if player is not None:
                    loss += program.preference(player, archetype)
                if best is None or loss < best[0] - 1e-9:
                    who = program.roster[player].name if player is not None else "a member"
                    kind = program.archetypes
                    where = (
                        f"as {kind[option].name} instead of {who} ({kind[archetype].name}) "
                        f"in party {p + 1}"
                    )
                    best = (loss, where)
    return best


def _plan(program: SquadProgram, lineup: Lineup, result: Solved) -> SquadPlan:
    roster = program.roster
    archetypes = program.archetypes
    order = {f: n for n, f in enumerate(FUNCTIONS)}
    parties = [
        sorted(
            members,
            key=lambda m: (order[archetypes[m[1]].functions[0]], archetypes[m[1]].id, m[0] or 0),
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
    evaluation = evaluate_archetypes(
        [[archetypes[a] for _, a in members] for members in parties],
        program.targets,
        figures=program.figures,
        structure=program.structure,
        mode=request.mode,
        players=[[roster[i].name if i is not None else None for i, _ in m] for m in parties],
        slots=program.slots,
    )
    preference = sum(
        program.preference(i, a) for members in parties for i, a in members if i is not None
    )
    objective = evaluation.score + preference
    bound = max(result.bound if result.bound is not None else objective, objective)
    gap = 0.0 if result.status == "optimal" else (bound - objective) / max(abs(objective), 1.0)
    return SquadPlan(
        status="optimal" if result.status == "optimal" else "feasible",
        objective=round(objective, 6),
        bound=round(bound, 6),
        gap=round(gap, 6),
        mode=request.mode,
        slots=program.slots,
        parties=tuple(
            tuple(
                PlanMember(
                    player=roster[i].name if i is not None else None,
                    archetype=archetypes[a].id,
                    name=archetypes[a].name,
                    profession=archetypes[a].profession,
                    specialization=archetypes[a].specialization,
                    specialization_name=_spec_name(program, a),
                    role=archetypes[a].role,
                    functions=archetypes[a].functions,
                    chat_code=archetypes[a].example.chat_code,
                    commander=i is not None and roster[i].commander,
                )
                for i, a in members
            )
            for members in parties
        ),
        bench=_bench_reasons(program, lineup) if lineup.bench else (),
        unfilled=program.slots - program.players,
        preference_points=round(preference, 6),
        composition=composition,
        evaluation=evaluation,
        solve_seconds=result.seconds,
    )


def build_squad(
    request: SquadRequest,
    roles: RolesTable | None = None,
    figures: Figures | None = None,
    *,
    cancel: threading.Event | None = None,
) -> SquadPlan:
    """Build the best squad for ``request`` (defaults: the bundled roles and figures tables).

    Returns an ``optimal`` plan, a ``feasible`` one with its proven gap when the time limit (or
    ``cancel``) cut the search short, or an ``infeasible`` one whose ``reason`` says why. Same
    request, same plan. Raises :class:`SquadRequestError` for names that do not exist, locks a
    player cannot play, or a squad too large for its mode.
    """
    table = roles if roles is not None else load_roles()
    try:
        targets = targets_for(request.mode, request.targets, request.weights)
    except ValueError as error:
        raise SquadRequestError(str(error)) from error
    program = SquadProgram(request, table, targets, figures or load_figures())
    reason = program.check()
    if reason is not None:
        return _infeasible(reason, request)
    result = program.solve(request.time_limit, cancel)
    if result.status == "infeasible":
        return _infeasible(program.explain_infeasible(), request)
    if result.lineup is None:
        raise SquadRequestError(
            f"no squad was found within the time limit of {request.time_limit:g} s; allow more time"
        )
    return _plan(program, result.lineup, result)


async def build_squad_async(
    request: SquadRequest,
    roles: RolesTable | None = None,
    figures: Figures | None = None,
) -> SquadPlan:
    """:func:`build_squad` in a worker thread: the event loop keeps serving while HiGHS solves.

    The request's ``time_limit`` bounds the solve; cancelling the awaiting task stops the
    solver at once (the task then raises :class:`asyncio.CancelledError`).
    """
    cancel = threading.Event()
    task = asyncio.ensure_future(
        asyncio.to_thread(build_squad, request, roles, figures, cancel=cancel)
    )
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        cancel.set()
        # Wait for the solver to stop, so no thread outlives the cancelled call.
        await asyncio.gather(task, return_exceptions=True)
        raise


__all__ = [
    "FUNCTION_NAMES",
    "BenchedPlayer",
    "PlanMember",
    "SquadPlan",
    "build_squad",
    "build_squad_async",
]
