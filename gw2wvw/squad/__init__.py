"""Squads: the WvW roles table, measured boon figures, compositions, their evaluation and the
optimal builder.

Everything but the builder needs only the core install; the builder (``build_squad``,
``build_squad_async`` and the plan's types) needs the ``squad`` extra (HiGHS) and is imported on
first use.

>>> from gw2wvw.squad import SquadRequest, build_squad
>>> plan = build_squad(SquadRequest(size=10, mode="zerg"))
>>> plan.status
'optimal'
"""

from typing import TYPE_CHECKING, Any

from gw2wvw.squad.composition import Composition, CompositionError, Member, Party
from gw2wvw.squad.evaluation import (
    BoonUptime,
    Contribution,
    Evaluation,
    Finding,
    MetricTotal,
    PartyEvaluation,
    Penalty,
    ScorePart,
    SquadTotal,
    evaluate,
)
from gw2wvw.squad.figures import (
    ArchetypeFigures,
    BoonFigures,
    Estimate,
    Figures,
    FiguresError,
    load_figures,
    parse_figures,
)
from gw2wvw.squad.post import POST_FORMATS, PostFormat, SquadPost, render_post, squad_post
from gw2wvw.squad.request import Lock, RosterPlayer, SquadRequest, SquadRequestError
from gw2wvw.squad.roles import (
    BOONS,
    FUNCTION_NAMES,
    FUNCTIONS,
    Archetype,
    ArchetypeNotFound,
    RolesError,
    RolesTable,
    check_roles,
    load_roles,
    parse_roles,
)
from gw2wvw.squad.targets import (
    DEFAULT_TARGETS,
    MODE_NOTES,
    MODES,
    STRUCTURES,
    SquadTarget,
    Structure,
    Target,
    Targets,
)

if TYPE_CHECKING:
    from gw2wvw.squad.builder import (
        BenchedPlayer,
        PlanMember,
        SquadPlan,
        build_squad,
        build_squad_async,
    )

_BUILDER = frozenset(
    {"BenchedPlayer", "PlanMember", "SquadPlan", "build_squad", "build_squad_async"}
)


def __getattr__(name: str) -> Any:
    # The builder loads HiGHS and numpy (the squad extra): only when a caller asks for it.
    if name in _BUILDER:
        from gw2wvw.squad import builder

        return getattr(builder, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "BOONS",
    "DEFAULT_TARGETS",
    "FUNCTIONS",
    "FUNCTION_NAMES",
    "MODES",
    "MODE_NOTES",
    "POST_FORMATS",
    "STRUCTURES",
    "Archetype",
    "ArchetypeFigures",
    "ArchetypeNotFound",
    "BenchedPlayer",
    "BoonFigures",
    "BoonUptime",
    "Composition",
    "CompositionError",
    "Contribution",
    "Estimate",
    "Evaluation",
    "Figures",
    "FiguresError",
    "Finding",
    "Lock",
    "Member",
    "MetricTotal",
    "Party",
    "PartyEvaluation",
    "Penalty",
    "PlanMember",
    "PostFormat",
    "RolesError",
    "RolesTable",
    "RosterPlayer",
    "ScorePart",
    "SquadPlan",
    "SquadPost",
    "SquadRequest",
    "SquadRequestError",
    "SquadTarget",
    "SquadTotal",
    "Structure",
    "Target",
    "Targets",
    "build_squad",
    "build_squad_async",
    "check_roles",
    "evaluate",
    "load_figures",
    "load_roles",
    "parse_figures",
    "parse_roles",
    "render_post",
    "squad_post",
]
