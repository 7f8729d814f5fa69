"""Who is calling: ``Authorization: Bearer <token>``, or HTTP Basic to obtain a token."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from fastapi.security import (
    HTTPAuthorizationCredentials,
    HTTPBasic,
    HTTPBasicCredentials,
    HTTPBearer,
)

from gw2wvw.store import ANONYMOUS, Actor
from gw2wvw_api.problems import ProblemException
from gw2wvw_api.services import ServicesDep

_bearer = HTTPBearer(auto_error=False, description="An API token (gw2wvw_...).")
_basic = HTTPBasic(auto_error=False, description="Your user name and password.")

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="gw2wvw"'}


async def _actor(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None:
        return ANONYMOUS
    actor = await services.store.tokens.authenticate(credentials.credentials)
    if actor is None:
        # A bad token is an error, never a quiet fall-back to anonymous access.
        raise ProblemException(
            401, "invalid_token", "the token is unknown, revoked or expired", headers=_CHALLENGE
        )
    return actor


async def _user(actor: Annotated[Actor, Depends(_actor)]) -> Actor:
    if actor.user_id is None:
        raise ProblemException(
            401, "unauthorized", "sign in with a Bearer token", headers=_CHALLENGE
        )
    return actor


async def _password_user(
    services: ServicesDep,
    credentials: Annotated[HTTPBasicCredentials | None, Depends(_basic)],
) -> Actor:
    challenge = {"WWW-Authenticate": 'Basic realm="gw2wvw"'}
    if credentials is None:
        raise ProblemException(
            401, "unauthorized", "give your name and password", headers=challenge
        )
    actor = await services.store.users.authenticate(credentials.username, credentials.password)
    if actor is None:
        raise ProblemException(
            401, "invalid_credentials", "wrong user name or password", headers=challenge
        )
    return actor


ActorDep = Annotated[Actor, Depends(_actor)]
"""The caller: a user with a valid token, or anonymous."""

UserDep = Annotated[Actor, Depends(_user)]
"""The caller, who must present a valid token."""

PasswordUserDep = Annotated[Actor, Depends(_password_user)]
"""The caller, authenticated by HTTP Basic (name and password)."""
