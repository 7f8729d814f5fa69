"""Squads: the WvW roles table, compositions, their evaluation and the optimal builder.

>>> from gw2wvw.squad import SquadRequest, build_squad
>>> plan = build_squad(SquadRequest(size=10, mode="zerg"))
>>> plan.status
'optimal'
"""

from gw2wvw.squad.builder import PlanMember, SquadPlan, build_squad
from gw2wvw.squad.composition import Composition, CompositionError, Member, Party
from gw2wvw.squad.evaluation import (
    Coverage,
    Evaluation,
    Finding,
    PartyEvaluation,
    Provider,
    ScorePart,
    SquadTotal,
    evaluate,
)
from gw2wvw.squad.request import Lock, RosterPlayer, SquadRequest, SquadRequestError
from gw2wvw.squad.roles import (
    BOONS,
    Archetype,
    RolesError,
    RolesTable,
    check_roles,
    load_roles,
    parse_roles,
)
from gw2wvw.squad.targets import DEFAULT_TARGETS, MODES, PartyTarget, SquadTarget, Targets

__all__ = [
    "BOONS",
    "DEFAULT_TARGETS",
    "MODES",
    "Archetype",
    "Composition",
    "CompositionError",
    "Coverage",
    "Evaluation",
    "Finding",
    "Lock",
    "Member",
    "Party",
    "PartyEvaluation",
    "PartyTarget",
    "PlanMember",
    "Provider",
    "RolesError",
    "RolesTable",
    "RosterPlayer",
    "ScorePart",
    "SquadPlan",
    "SquadRequest",
    "SquadRequestError",
    "SquadTarget",
    "SquadTotal",
    "Targets",
    "build_squad",
    "check_roles",
    "evaluate",
    "load_roles",
    "parse_roles",
]
