"""``/healthz`` (the process is alive) and ``/readyz`` (its database and cache answer)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from gw2wvw.store import StoreUnavailable
from gw2wvw_api.services import ServicesDep

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness."""

    status: str


class Readiness(BaseModel):
    """Readiness: the database must answer; a missing cache only degrades the service."""

    status: str
    database: str
    cache: str


@router.get("/healthz", response_model=Health, summary="Liveness")
async def healthz() -> Health:
    """Answers while the process runs."""
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "The database does not answer."}},
    summary="Readiness",
)
async def readyz(services: ServicesDep) -> JSONResponse:
    """200 when the database answers (``degraded`` without the cache), 503 when it does not."""
    try:
        await services.store.ping()
        database = "ok"
    except StoreUnavailable:
        database = "unavailable"
    cache = "ok" if await services.cache.healthy() else "unavailable"
    if database != "ok":
        status, code = "unavailable", 503
    else:
        status, code = ("ok" if cache == "ok" else "degraded"), 200
    body = Readiness(status=status, database=database, cache=cache)
    return JSONResponse(body.model_dump(), status_code=code, headers={"Cache-Control": "no-store"})
