"""``/v1/tools``: stateless tools: decode and validate builds, evaluate and build squads.

Nothing here needs an account, except saving a built squad; a token that is sent must still be
valid (401 otherwise, as everywhere). Answers are computed per request and not cached.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from gw2wvw.builds import Build, BuildError, Issue, validate
from gw2wvw.builds.view import BuildView, describe
from gw2wvw.chatcode import ChatCodeError
from gw2wvw.gamedata import GameData
from gw2wvw.schema_rules import exactly_one_of
from gw2wvw.squad import (
    Composition,
    CompositionError,
    Evaluation,
    SquadPlan,
    SquadRequest,
    SquadRequestError,
    Targets,
    build_squad,
    evaluate,
)
from gw2wvw.squad.targets import targets_for
from gw2wvw.store import CompositionCreate, MemberIn, PartyIn
from gw2wvw.store.schemas import EXAMPLE_CHAT_CODE, Tag, Visibility
from gw2wvw.text import Line, Paragraph
from gw2wvw_api.auth import ToolActorDep, require_scope, security
from gw2wvw_api.problems import ProblemError, ProblemException, plain_message, problem_responses
from gw2wvw_api.services import ServicesDep

router = APIRouter(prefix="/v1/tools", tags=["tools"])

MAX_TIME_LIMIT = 30.0
"""The most seconds the API lets the squad solver run for one request."""


class _In(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DecodeRequest(_In):
    """A build chat code to decode."""

    chat_code: str = Field(max_length=200, examples=[EXAMPLE_CHAT_CODE])


class ValidateRequest(_In):
    """A build to check: as a ``build`` object or as a ``chat_code``."""

    model_config = ConfigDict(
        json_schema_extra={
            **exactly_one_of(("build",), ("chat_code",)),
            "examples": [{"chat_code": EXAMPLE_CHAT_CODE}],
        }
    )

    build: Build | None = None
    chat_code: str | None = Field(default=None, max_length=200, examples=[EXAMPLE_CHAT_CODE])

    @model_validator(mode="after")
    def _one_source(self) -> ValidateRequest:
        if (self.build is None) == (self.chat_code is None):
            raise ValueError("give either build or chat_code")
        return self


class ValidationResult(BaseModel):
    """Every problem of a build (errors first), and the build with names."""

    valid: bool = Field(description="True when there is no error (warnings allowed).")
    issues: tuple[Issue, ...]
    build: BuildView


class EvaluateRequest(_In):
    """A composition to evaluate, optionally against other targets than its own."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "composition": {
                        "name": "havoc",
                        "mode": "havoc",
                        "parties": [
                            {
                                "members": [
                                    {"archetype": "firebrand-stab", "commander": True},
                                    {"archetype": "scourge-strip"},
                                    {"archetype": "Tempest"},
                                ]
                            }
                        ],
                    }
                }
            ]
        }
    )

    composition: Composition
    targets: Targets | None = Field(
        default=None, description="Targets replacing the composition's own (or its mode's)."
    )


class SaveAs(_In):
    """How to store a built squad as a composition."""

    name: Line = Field(min_length=1, max_length=100)
    description: Paragraph = Field(default="", max_length=2000)
    visibility: Visibility = "private"
    tags: tuple[Tag, ...] = Field(default=(), max_length=10)


class BuildSquadRequest(SquadRequest):
    """What to build (see the builder's request), and whether to save the plan."""

    time_limit: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description=f"Seconds the solver may take; the API runs it for at most "
        f"{MAX_TIME_LIMIT:g}. Past it, the best squad found is returned with its gap.",
    )
    weights: dict[str, Annotated[float, Field(ge=0, le=1000)]] | None = Field(
        default=None,
        description="Weights (0-1000) replacing some of the targets' weights, by requirement name.",
    )
    save: SaveAs | None = Field(
        default=None,
        description="Store an optimal or feasible plan as a composition (needs a token).",
    )


class SquadPlanRead(SquadPlan):
    """A squad plan as ``gw2wvw squad build --json`` prints it, and the stored composition."""

    composition: Composition | None = Field(default=None, exclude=True)
    composition_id: uuid.UUID | None = Field(
        default=None, description="The composition the plan was saved as (null if not saved)."
    )


# 400 answers a body FastAPI cannot read at all (not UTF-8), before any validation.
_ERRORS = problem_responses(400, 401, 422)


def _invalid(path: str, code: str, message: str) -> ProblemException:
    """A 422 problem with one error at ``path``."""
    return ProblemException(
        422,
        "validation_failed",
        message,
        errors=[ProblemError(path=path, code=code, message=message)],
    )


def decode_body(code: str, data: GameData) -> Build:
    """The build of ``code``; a 422 at ``/body/chat_code`` when it cannot be read."""
    try:
        return Build.from_chat_code(code, data)
    except (ChatCodeError, BuildError) as error:
        raise _invalid("/body/chat_code", "invalid_chat_code", str(error)) from error
    except ValidationError as error:
        # The decoded ids may break the Build model's limits (an override id 0, 17 weapons).
        first = error.errors()[0]
        where = "/".join(str(part) for part in first["loc"])
        message = f"the decoded build is not valid at /{where}: {first['msg']}"
        raise _invalid("/body/chat_code", "invalid_chat_code", message) from error


def _json(model: BaseModel, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        model.model_dump_json(), status_code=status, media_type="application/json", headers=headers
    )


def _composition(
    body: BuildSquadRequest, plan: SquadPlan, targets: Targets | None
) -> CompositionCreate:
    """The composition that stores ``plan`` as ``body.save`` asks (custom ``targets``, if any)."""
    assert body.save is not None
    return CompositionCreate(
        name=body.save.name,
        description=body.save.description,
        visibility=body.save.visibility,
        tags=body.save.tags,
        mode="custom" if targets is not None else body.mode,
        targets=targets,
        parties=tuple(
            PartyIn(
                members=tuple(
                    MemberIn(player=m.player, archetype=m.archetype, commander=m.commander)
                    for m in party
                )
            )
            for party in plan.parties
        ),
    )


@router.post(
    "/decode",
    response_model=BuildView,
    responses=_ERRORS,
    summary="Decode a build chat code",
    openapi_extra=security(),
)
async def decode_chat_code(
    services: ServicesDep, _actor: ToolActorDep, body: DecodeRequest
) -> Response:
    """The build of a chat code with names beside its ids (as ``gw2wvw build decode --json``)."""
    data = services.store.data
    return _json(describe(decode_body(body.chat_code, data), data))


@router.post(
    "/validate",
    response_model=ValidationResult,
    responses=_ERRORS,
    summary="Validate a build",
    openapi_extra=security(),
)
async def validate_build(
    services: ServicesDep, _actor: ToolActorDep, body: ValidateRequest
) -> Response:
    """Every problem of a build, valid or not (a report: 200 either way; unreadable input 422)."""
    data = services.store.data
    build = body.build if body.chat_code is None else decode_body(body.chat_code, data)
    assert build is not None
    report = validate(build, data)
    return _json(
        ValidationResult(valid=report.valid, issues=report.issues, build=describe(build, data))
    )


@router.post(
    "/evaluate",
    response_model=Evaluation,
    responses=_ERRORS,
    summary="Evaluate a composition",
    openapi_extra=security(),
)
async def evaluate_composition(
    services: ServicesDep, _actor: ToolActorDep, body: EvaluateRequest
) -> Response:
    """Boon and capability coverage per party, squad totals, findings and the score."""
    try:
        evaluation = evaluate(body.composition, services.store.roles, body.targets)
    except CompositionError as error:
        raise ProblemException(
            422,
            "validation_failed",
            str(error),
            errors=[
                ProblemError(
                    path="/body/composition" + path,
                    code="no_matching_archetype"
                    if path.endswith("/build")
                    else "unknown_archetype",
                    message=message,
                )
                for path, message in error.errors
            ],
        ) from error
    return _json(evaluation)


@router.post(
    "/build-squad",
    response_model=SquadPlanRead,
    responses={
        200: {"description": "The plan (not saved), or why no squad exists (infeasible)."},
        201: {
            "model": SquadPlanRead,
            "description": "The plan, saved as the composition at Location.",
            "headers": {
                "Location": {"description": "The new composition.", "schema": {"type": "string"}}
            },
        },
        **_ERRORS,
    },
    summary="Build the best squad",
    openapi_extra=security("write", optional=True),
)
async def build_best_squad(
    services: ServicesDep, actor: ToolActorDep, body: BuildSquadRequest
) -> Response:
    """The best squad for a size or a roster, solved exactly (as ``gw2wvw squad build --json``).

    With ``save`` and a token, an optimal or feasible plan is also stored as a composition:
    201 with its Location and ``composition_id``. An infeasible plan answers 200 with its reason.
    """
    if body.save is not None:
        if actor.user_id is None:
            raise ProblemException(
                401,
                "unauthorized",
                "sign in with a Bearer token to save the plan",
                headers={"WWW-Authenticate": 'Bearer realm="gw2wvw"'},
            )
        require_scope(actor, "write")
    try:
        targets = targets_for(body.mode, body.targets, body.weights)
    except ValueError as error:  # weights naming no target, or leaving nothing to score
        if isinstance(error, ValidationError):
            message = error.errors()[0]["msg"].removeprefix("Value error, ")
        else:
            message = str(error)
        raise _invalid("/body/weights", "invalid_weights", message) from error
    request = body.model_copy(update={"time_limit": min(body.time_limit, MAX_TIME_LIMIT)})
    try:
        # The solver holds a CPU for up to the time limit; the event loop keeps serving.
        plan = await anyio.to_thread.run_sync(build_squad, request, services.store.roles)
    except SquadRequestError as error:
        raise _invalid("/body", "invalid_squad_request", str(error)) from error
    if body.save is None or plan.status == "infeasible":
        return _json(SquadPlanRead(**dict(plan)))
    custom = body.targets is not None or bool(body.weights)
    try:
        new = _composition(body, plan, targets if custom else None)
    except ValidationError as error:  # e.g. a roster name that cannot be stored
        first = error.errors()[0]
        where = "/".join(str(part) for part in first["loc"])
        message = f"the plan cannot be saved: {where}: {plain_message(first)}"
        raise _invalid("/body/roster", "not_storable", message) from error
    stored = await services.store.compositions.create(actor, new)
    await services.responses.changed("composition", stored.id)
    return _json(
        SquadPlanRead(**dict(plan), composition_id=stored.id),
        201,
        {"Location": f"/v1/compositions/{stored.id}"},
    )
