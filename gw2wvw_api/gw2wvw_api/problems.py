"""RFC 9457 problem details: one JSON shape for every error, with a stable ``code``."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import BaseRoute, Match

from gw2wvw.store import (
    Conflict,
    EventLocked,
    NotFound,
    PermissionDenied,
    StoreUnavailable,
    Unauthenticated,
    ValidationFailed,
    VersionConflict,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
"""The media type of every error response."""

TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Validation failed",
    428: "Precondition required",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}


class ProblemError(BaseModel):
    """One problem of a request: where (JSON pointer into the request), a code, a message."""

    path: str = Field(examples=["/body/chat_code"])
    code: str = Field(examples=["unknown_pet"])
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = Field(examples=["urn:gw2wvw:problem:not_found"])
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    code: str = Field(description="Stable machine-readable code.", examples=["not_found"])
    errors: list[ProblemError] | None = Field(
        default=None, description="Every problem, for validation failures."
    )


class ProblemException(Exception):
    """Raise to answer with a problem (status, code, detail, extra headers)."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str | None = None,
        *,
        errors: list[ProblemError] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail or code)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors
        self.headers = headers or {}


def problem_response(
    request: Request,
    status: int,
    code: str,
    detail: str | None = None,
    *,
    errors: list[ProblemError] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body = Problem(
        type=f"urn:gw2wvw:problem:{code}",
        title=TITLES.get(status, "Error"),
        status=status,
        detail=detail,
        instance=request.url.path,
        code=code,
        errors=errors,
    )
    return JSONResponse(
        body.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "none", "list", "dict", "tuple"})


def _pointer(location: tuple[Any, ...] | list[Any]) -> str:
    # Pydantic names the union member it tried ("literal['zerg',...]", "int"); a JSON pointer
    # into the request has no such step.
    kept = [
        p
        for p in location
        if isinstance(p, int) or ("[" not in str(p) and str(p) not in _TYPE_TAGS)
    ]
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in kept]
    return "/" + "/".join(parts)


def _meaningful(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop the "too short" Pydantic adds for a list whose item failed: the item is the news."""
    locations = [tuple(e["loc"]) for e in errors]
    return [
        e
        for e in errors
        if not (
            e["type"] == "too_short"
            and any(
                len(other) > len(e["loc"]) and other[: len(e["loc"])] == tuple(e["loc"])
                for other in locations
            )
        )
    ]


_PLAIN = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "string_pattern_mismatch": "is not in the form this field takes (see its schema)",
    "json_invalid": "the body is not valid JSON",
    "model_attributes_type": "should be a JSON object",
    "dict_type": "should be a JSON object",
}


def plain_message(error: Mapping[str, Any]) -> str:
    """The message of a Pydantic error without framework wording ("Value error, ...")."""
    kind = str(error["type"])
    if kind in ("value_error", "assertion_error"):
        cause = (error.get("ctx") or {}).get("error")
        if cause is not None:
            return str(cause)
    return _PLAIN.get(kind, str(error["msg"]))


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for error statuses, all described by :class:`Problem`."""
    return {
        status: {
            "description": TITLES.get(status, "Error"),
            "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
        for status in statuses
    }


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> str:
    """The methods some route takes at the request's path, for the ``Allow`` of a 405.

    Starlette answers 405 from the first route whose path matches, naming only that route's
    methods; a resource has one route per method here, and RFC 9110 wants them all.
    """
    routes: list[BaseRoute] = request.app.router.routes
    allowed = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL for route in routes
        )
    }
    if "GET" in allowed:
        allowed.add("HEAD")  # answered as GET by middleware.HeadAsGet
    return ", ".join(method for method in _METHODS if method in allowed)


def install(app: FastAPI) -> None:
    """Answer every error, expected or not, with problem details (and never a traceback)."""

    @app.exception_handler(ProblemException)
    async def _problem(request: Request, error: ProblemException) -> JSONResponse:
        return problem_response(
            request,
            error.status,
            error.code,
            error.detail,
            errors=error.errors,
            headers=error.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            ProblemError(path=_pointer(e["loc"]), code=str(e["type"]), message=plain_message(e))
            for e in _meaningful(list(error.errors()))
        ]
        return problem_response(
            request, 422, "validation_failed", "the request is not valid", errors=errors
        )

    @app.exception_handler(ValidationFailed)
    async def _failed(request: Request, error: ValidationFailed) -> JSONResponse:
        # The store's paths are relative to what it was given: the body of a write, or the
        # query of a read (a listing's cursor).
        where = "/query" if request.method in ("GET", "HEAD", "DELETE") else "/body"
        errors = [
            ProblemError(path=where + e.path, code=e.code, message=e.message) for e in error.errors
        ]
        return problem_response(request, 422, "validation_failed", str(error), errors=errors)

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, error: NotFound) -> JSONResponse:
        return problem_response(request, 404, "not_found", str(error))

    @app.exception_handler(Unauthenticated)
    async def _unauthenticated(request: Request, error: Unauthenticated) -> JSONResponse:
        return problem_response(
            request, 401, "unauthorized", str(error), headers={"WWW-Authenticate": "Bearer"}
        )

    @app.exception_handler(PermissionDenied)
    async def _forbidden(request: Request, error: PermissionDenied) -> JSONResponse:
        return problem_response(request, 403, "forbidden", str(error))

    @app.exception_handler(VersionConflict)
    async def _stale(request: Request, error: VersionConflict) -> JSONResponse:
        return problem_response(request, 412, "precondition_failed", str(error))

    @app.exception_handler(EventLocked)
    async def _locked(request: Request, error: EventLocked) -> JSONResponse:
        return problem_response(request, 409, "event_locked", str(error))

    @app.exception_handler(Conflict)
    async def _conflict(request: Request, error: Conflict) -> JSONResponse:
        return problem_response(request, 409, "conflict", str(error))

    @app.exception_handler(StoreUnavailable)
    async def _unavailable(request: Request, error: StoreUnavailable) -> JSONResponse:
        log.error("database unavailable: %s", error)
        return problem_response(
            request,
            503,
            "service_unavailable",
            "the database is unavailable; try again shortly",
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
        code = TITLES.get(error.status_code, "error").lower().replace(" ", "_")
        headers = dict(error.headers) if error.headers else {}
        if error.status_code == 405:
            headers["Allow"] = _allowed_methods(request)
        return problem_response(
            request, error.status_code, code, str(error.detail), headers=headers or None
        )
