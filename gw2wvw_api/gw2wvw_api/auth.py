"""Who is calling and what they may do: ``Authorization: Bearer <token>`` with its scopes, or
HTTP Basic (name and password) for what a leaked token must not be enough for.

A token carries scopes chosen when it was issued: ``read`` (private data), ``write`` (create,
change and delete builds, compositions and webhooks) and ``account`` (tokens, display name).
Minting a token, changing the password and deleting the account need the password itself.

Each dependency takes only the request: FastAPI solves a dependency graph on every request,
and a graph of security classes was measured at about 150 us per request, more than a cached
answer costs. Each route names its requirement in the OpenAPI document with :func:`security`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from gw2wvw.store import ANONYMOUS, Actor
from gw2wvw.store.schemas import Scope
from gw2wvw_api.problems import ProblemException
from gw2wvw_api.services import Services

_BEARER_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gw2wvw"'}
_BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="gw2wvw", charset="UTF-8"'}


@dataclass(frozen=True)
class Caller:
    """The services of this process and the actor making the request."""

    services: Services
    actor: Actor


def security(scope: Scope | None = None, *, optional: bool = False) -> dict[str, Any]:
    """``openapi_extra`` naming what an operation needs: a token with ``scope`` (or no token at
    all when ``optional``); ``scope`` None: any valid token, or none."""
    required: list[dict[str, list[str]]] = [{"bearer": [scope] if scope else []}]
    if optional or scope is None:
        required.append({})
    return {"security": required}


BASIC: dict[str, Any] = {"security": [{"basic": []}]}
"""``openapi_extra`` of an operation that takes the name and password (HTTP Basic)."""


def _insufficient(scope: Scope) -> ProblemException:
    return ProblemException(
        403,
        "insufficient_scope",
        f"this token lacks the {scope!r} scope; issue one with it (POST /v1/tokens)",
        headers={
            "WWW-Authenticate": f'Bearer realm="gw2wvw", error="insufficient_scope", '
            f'scope="{scope}"'
        },
    )


def require_scope(actor: Actor, scope: Scope) -> Actor:
    """``actor``, if it is anonymous or holds ``scope``; a 403 ``insufficient_scope`` if not."""
    if actor.user_id is not None and scope not in actor.scopes:
        raise _insufficient(scope)
    return actor


async def authenticate(services: Services, header: str | None) -> Actor:
    """The actor an ``Authorization`` header stands for (anonymous without one); a 401 problem
    for anything but a valid bearer token."""
    if header is None:
        return ANONYMOUS
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemException(
            401, "invalid_token", "send Authorization: Bearer <token>", headers=_BEARER_CHALLENGE
        )
    actor = await services.tokens.authenticate(token.strip())
    if actor is None:
        # A bad token is an error, never a quiet fall-back to anonymous access.
        raise ProblemException(
            401,
            "invalid_token",
            "the token is unknown, revoked or expired",
            headers=_BEARER_CHALLENGE,
        )
    return actor


def _require(actor: Actor) -> Actor:
    if actor.user_id is None:
        raise ProblemException(
            401, "unauthorized", "sign in with a Bearer token", headers=_BEARER_CHALLENGE
        )
    return actor


async def _caller(request: Request) -> Caller:
    services: Services = request.app.state.services
    return Caller(services, await authenticate(services, request.headers.get("authorization")))


async def current_caller(request: Request) -> Caller:
    """The caller of ``request`` with the ``read`` scope if signed in, for hot routes that skip
    dependency injection (~40 us)."""
    caller = await _caller(request)
    require_scope(caller.actor, "read")
    return caller


def _user_with(scope: Scope) -> Any:
    async def dependency(request: Request) -> Caller:
        caller = await _caller(request)
        require_scope(_require(caller.actor), scope)
        return caller

    return dependency


async def _tool_actor(request: Request) -> Actor:
    return (await _caller(request)).actor


async def basic_credentials(request: Request) -> tuple[str, str]:
    """The name and password of ``Authorization: Basic``; a 401 with a Basic challenge if the
    header is missing or malformed."""
    scheme, _, encoded = request.headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        raise ProblemException(
            401, "unauthorized", "give your name and password", headers=_BASIC_CHALLENGE
        )
    try:
        name, colon, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        colon = ""
    if not colon:
        raise ProblemException(
            401, "unauthorized", "malformed Basic credentials", headers=_BASIC_CHALLENGE
        )
    return name, password


async def _password_user(request: Request) -> Actor:
    services: Services = request.app.state.services
    name, password = await basic_credentials(request)
    address = request.client.host if request.client else "unknown"
    async with services.throttle.sign_in(name, address):
        actor = await services.store.users.authenticate(name, password)
        if actor is None:
            raise ProblemException(
                401,
                "invalid_credentials",
                "wrong user name or password",
                headers=_BASIC_CHALLENGE,
            )
    return actor


ReaderDep = Annotated[Caller, Depends(current_caller)]
"""The services and the caller (anonymous, or a token with the ``read`` scope)."""

ToolActorDep = Annotated[Actor, Depends(_tool_actor)]
"""The caller of a stateless tool: anonymous or any valid token."""

UserReaderDep = Annotated[Caller, Depends(_user_with("read"))]
"""The services and the caller, who must present a token with the ``read`` scope."""

WriterDep = Annotated[Caller, Depends(_user_with("write"))]
"""The services and the caller, who must present a token with the ``write`` scope."""

AccountDep = Annotated[Caller, Depends(_user_with("account"))]
"""The services and the caller, who must present a token with the ``account`` scope."""

PasswordUserDep = Annotated[Actor, Depends(_password_user)]
"""The caller, authenticated by HTTP Basic (name and password), sign-ins throttled."""
