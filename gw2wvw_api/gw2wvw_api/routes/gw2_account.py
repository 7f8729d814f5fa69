"""``/v1/me/gw2-key`` and ``/v1/me/gw2-account``: a player's official GW2 API key and account.

A key is checked with the official API (``/v2/tokeninfo``: scopes account, characters and
builds) before it is stored, encrypted; no answer ever carries it back. The account is read
live from the official API on each request (nothing of it is cached here): its characters,
their build tabs and the build storage as gw2wvw builds with chat codes, and the
specializations and archetypes they suggest for a sign-up. Every route takes the ``account``
scope; importing builds also ``write``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from gw2wvw.gw2account import (
    AccountBuild,
    Gw2Account,
    Gw2ApiError,
    InvalidKeyError,
    MissingScopesError,
    Suggestion,
    suggest,
    to_account,
)
from gw2wvw.gw2account.client import identify, read_account
from gw2wvw.store import (
    Actor,
    BuildCreate,
    BuildQuery,
    BuildRead,
    EncryptionError,
    Gw2KeyRead,
    NotFound,
    ValidationFailed,
)
from gw2wvw.text import Line
from gw2wvw_api.auth import AccountDep, require_scope, security
from gw2wvw_api.problems import ProblemError, ProblemException, problem_responses
from gw2wvw_api.routes.common import CONDITIONAL_GET, NO_CONTENT, read_json, written_json
from gw2wvw_api.services import Services

router = APIRouter(prefix="/v1/me", tags=["gw2-account"])

_NO_STORE = {"Cache-Control": {"description": "``no-store``.", "schema": {"type": "string"}}}

Gw2Key = Annotated[Line, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class KeyIn(BaseModel):
    """An official GW2 API key with the account, characters and builds permissions."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"key": "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX..."}]},
    )

    key: Gw2Key = Field(description="Created at https://account.arena.net/applications.")


class Gw2AccountView(BaseModel):
    """A player's GW2 account: characters and builds, and what they can bring to a sign-up."""

    model_config = ConfigDict(frozen=True)

    account: Gw2Account
    suggestions: tuple[Suggestion, ...]
    specializations: tuple[str, ...] = Field(
        description="The suggestions as a sign-up's ``specializations`` (most builds first)."
    )


class ImportedBuilds(BaseModel):
    """What an import stored, and what it left out."""

    model_config = ConfigDict(frozen=True)

    imported: tuple[BuildRead, ...]
    already_stored: int
    left_out: int = Field(description="Builds left empty in game, or that do not validate.")


@asynccontextmanager
async def _official_api() -> AsyncIterator[None]:
    """Turn the official API's refusals into problems that name what to fix."""
    try:
        yield
    except MissingScopesError as exc:
        raise ProblemException(
            422,
            "gw2_key_scopes",
            str(exc),
            errors=[
                ProblemError(path="/body/key", code="missing_scope", message=f"lacks {scope}")
                for scope in exc.missing
            ],
        ) from None
    except InvalidKeyError as exc:
        raise ProblemException(
            422,
            "gw2_key_invalid",
            str(exc),
            errors=[ProblemError(path="/body/key", code="invalid", message=str(exc))],
        ) from None
    except Gw2ApiError as exc:
        raise ProblemException(
            503, "gw2_api_unavailable", f"the official GW2 API failed: {exc}"
        ) from None
    except EncryptionError as exc:
        raise ProblemException(503, "encryption_unavailable", str(exc)) from None


async def _secret(services: Services, actor: Actor) -> str:
    try:
        return await services.store.gw2_keys.secret(actor)
    except NotFound:
        raise ProblemException(
            404, "no_gw2_key", "attach a GW2 API key first: PUT /v1/me/gw2-key"
        ) from None


async def _account(services: Services, actor: Actor) -> Gw2Account:
    key = await _secret(services, actor)
    raw = await read_account(key, api_url=services.settings.gw2_api_url)
    return to_account(raw, services.store.data)


@router.put(
    "/gw2-key",
    response_model=Gw2KeyRead,
    responses={
        200: {"description": "The key replaced the one stored.", "headers": _NO_STORE},
        201: {"description": "The key is stored.", "headers": _NO_STORE},
        **problem_responses(400, 401, 403, 422, 503),
    },
    summary="Attach your GW2 API key",
    openapi_extra=security("account"),
)
async def put_key(caller: AccountDep, body: KeyIn) -> Response:
    """Check the key with the official API and store it encrypted (replacing any before).

    422 ``gw2_key_invalid`` when the official API does not know it, 422 ``gw2_key_scopes``
    naming each missing permission; 503 when the official API fails or the server has no
    encryption key. The answer names the account and permissions, never the key.
    """
    services, actor = caller.services, caller.actor
    async with _official_api():
        info, account_name = await identify(body.key, api_url=services.settings.gw2_api_url)
        stored, created = await services.store.gw2_keys.put(
            actor,
            body.key,
            key_name=info.name,
            permissions=info.permissions,
            account_name=account_name,
        )
    return written_json(stored, 201 if created else 200)


@router.get(
    "/gw2-key",
    response_model=Gw2KeyRead,
    responses={**CONDITIONAL_GET, **problem_responses(401, 403, 404, 503)},
    summary="Your GW2 API key's status",
    openapi_extra=security("account"),
)
async def get_key(request: Request, caller: AccountDep) -> Response:
    """Whose account the stored key reads and its permissions (never the key); 404 without."""
    return read_json(request, await caller.services.store.gw2_keys.get(caller.actor))


@router.delete(
    "/gw2-key",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(401, 403, 404, 503)},
    summary="Delete your GW2 API key",
    openapi_extra=security("account"),
)
async def delete_key(caller: AccountDep) -> Response:
    """Delete the stored key at once (404 when there is none)."""
    await caller.services.store.gw2_keys.delete(caller.actor)
    return Response(status_code=204)


@router.get(
    "/gw2-account",
    response_model=Gw2AccountView,
    responses={
        200: {"description": "The account, as the official API has it now.", "headers": _NO_STORE},
        **problem_responses(401, 403, 404, 422, 503),
    },
    summary="Your GW2 account: characters, builds, suggested specializations",
    openapi_extra=security("account"),
)
async def get_account(caller: AccountDep) -> Response:
    """Read the account live with the stored key: characters with their professions and build
    tabs, the build storage, each build with its chat code (weapons are not part of them), and
    the elite specializations they play with the archetypes each fills."""
    services = caller.services
    async with _official_api():
        account = await _account(services, caller.actor)
    suggestions = suggest(account, services.store.roles)
    return written_json(
        Gw2AccountView(
            account=account,
            suggestions=suggestions,
            specializations=tuple(s.specialization for s in suggestions),
        )
    )


async def _stored(services: Services, actor: Actor) -> set[tuple[str, str]]:
    """(chat code, name) of every build the actor owns."""
    assert actor.name is not None  # AccountDep admits signed-in users only
    found: set[tuple[str, str]] = set()
    cursor: str | None = None
    while True:
        page = await services.store.builds.list(
            actor, BuildQuery(owner=actor.name, limit=100, cursor=cursor)
        )
        found.update((b.chat_code, b.name) for b in page.items)
        cursor = page.next_cursor
        if cursor is None:
            return found


def _description(account: Gw2Account, build: AccountBuild) -> str:
    where = (
        f"{build.character}, build tab {build.tab}" if build.source == "tab" else "build storage"
    )
    return f"Imported from the GW2 account {account.name} ({where})."


@router.post(
    "/gw2-account/import-builds",
    response_model=ImportedBuilds,
    responses={
        200: {"description": "What was imported.", "headers": _NO_STORE},
        **problem_responses(401, 403, 404, 422, 503),
    },
    summary="Import your GW2 account's builds as stored builds",
    openapi_extra=security("account"),
)
async def import_builds(caller: AccountDep) -> Response:
    """Store every build tab and build-storage slot as a private build (but empty ones).

    Idempotent: a build whose chat code and name you already have is not stored again, so
    importing twice stores nothing the second time. Needs the ``write`` scope too.
    """
    services, actor = caller.services, require_scope(caller.actor, "write")
    async with _official_api():
        account = await _account(services, actor)
    have = await _stored(services, actor)
    imported: list[BuildRead] = []
    already = left_out = 0
    for build in account.builds():
        if build.chat_code is None or build.empty:
            left_out += 1
            continue
        name = build.name[:100]
        if (build.chat_code, name) in have:
            already += 1
            continue
        have.add((build.chat_code, name))
        new = BuildCreate(
            name=name, description=_description(account, build), chat_code=build.chat_code
        )
        try:
            created = await services.store.builds.create(actor, new)
        except ValidationFailed:
            # A tab left half-filled in game is no build worth storing; the rest still are.
            left_out += 1
            continue
        await services.responses.changed("build", created.id)
        imported.append(created)
    if imported:
        services.notify()
    return written_json(
        ImportedBuilds(imported=tuple(imported), already_stored=already, left_out=left_out)
    )
