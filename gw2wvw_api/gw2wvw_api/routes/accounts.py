"""``/v1/users``, ``/v1/me`` and ``/v1/tokens``: accounts and their API tokens.

Sign up with a name and password to get a first token; ``POST /v1/tokens`` with HTTP Basic
issues more. Every other call here authenticates with a token. Nothing here is cached on the
server (each read is one indexed row); reads carry content ETags, so clients revalidate cheaply.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from gw2wvw.store import (
    Actor,
    IssuedToken,
    Page,
    TokenCreate,
    TokenRead,
    UserCreate,
    UserRead,
    UserUpdate,
)
from gw2wvw_api.auth import CallerDep, PasswordUserDep, UserCallerDep
from gw2wvw_api.problems import ProblemException, problem_responses
from gw2wvw_api.routes.common import CONDITIONAL_GET, NO_CONTENT, read_json, written_json
from gw2wvw_api.services import ServicesDep

router = APIRouter(tags=["accounts"])

_LOCATION = {"description": "The new resource.", "schema": {"type": "string"}}
_NO_STORE = {
    "Cache-Control": {
        "description": "``no-store``: the body holds a secret or a just-written state.",
        "schema": {"type": "string"},
    }
}
_REVOKED: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The token, now revoked (revoking again changes nothing).",
        "headers": _NO_STORE,
    }
}


class SignUp(UserCreate):
    """A new account: a name, a password of at least 8 characters, and a display name."""

    password: str = Field(min_length=8, max_length=256)


def _date_time_text(value: Any) -> Any:
    """Refuse what is not RFC 3339 text: Pydantic would read a JSON number as a Unix time."""
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("give a date and time as text, with a time zone (RFC 3339)")
    return value


class TokenRequest(TokenCreate):
    """A new API token: a name, and when it expires (RFC 3339 with a time zone), if ever."""

    expires_at: Annotated[datetime | None, BeforeValidator(_date_time_text)] = None


class SignedUp(BaseModel):
    """A new account and its first API token (the token's secret is shown this once)."""

    model_config = ConfigDict(frozen=True)

    user: UserRead
    token: IssuedToken


async def _signup_open(services: ServicesDep) -> None:
    """Refuse sign-up, before looking at the request, when the server takes no new accounts."""
    if not services.settings.signup_enabled:
        raise ProblemException(403, "signup_disabled", "this server does not take new accounts")


@router.post(
    "/v1/users",
    status_code=201,
    response_model=SignedUp,
    dependencies=[Depends(_signup_open)],
    responses={
        201: {
            "description": "Created: the account and its first token.",
            "headers": {"Location": _LOCATION, **_NO_STORE},
        },
        **problem_responses(400, 403, 409, 422),
    },
    summary="Sign up",
)
async def sign_up(services: ServicesDep, body: SignUp) -> Response:
    """Create an account and its first API token, together or not at all.

    The name is unique in any case (409 when taken); 403 ``signup_disabled`` when the server
    takes no new accounts.
    """
    async with services.store.unit_of_work() as uow:
        user = await uow.users.create(body)
        owner = Actor(user_id=user.id, name=user.name)
        token = await uow.tokens.create(owner, TokenCreate(name="sign-up"))
    return written_json(
        SignedUp(user=user, token=token), 201, {"Location": f"/v1/users/{user.name}"}
    )


@router.get(
    "/v1/users/{name}",
    response_model=UserRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="A user's public profile",
)
async def get_user(
    request: Request, caller: CallerDep, name: Annotated[str, Path(max_length=64)]
) -> Response:
    """Anyone's public profile, by name in any case (a bad token still answers 401)."""
    return read_json(request, await caller.services.store.users.get_by_name(name))


@router.get(
    "/v1/me",
    response_model=UserRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401)},
    summary="Your account",
)
async def get_me(request: Request, caller: UserCallerDep) -> Response:
    """The account of the token's owner."""
    services, actor = caller.services, caller.actor
    assert actor.user_id is not None  # UserCallerDep admits signed-in users only
    return read_json(request, await services.store.users.get(actor.user_id))


@router.patch(
    "/v1/me",
    response_model=UserRead,
    responses={
        200: {"description": "The account as it is now.", "headers": _NO_STORE},
        **problem_responses(400, 401, 422),
    },
    summary="Change your display name or password",
)
async def patch_me(caller: UserCallerDep, body: UserUpdate) -> Response:
    """Change the given fields; a new password applies to the next sign-in (tokens stay valid)."""
    changed = await caller.services.store.users.update(caller.actor, body)
    # The tokens' cached answers name the user: they are read again.
    await caller.services.tokens.changed(changed.id)
    return written_json(changed)


@router.delete(
    "/v1/me",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(401, 409)},
    summary="Delete your account",
)
async def delete_me(caller: UserCallerDep) -> Response:
    """Delete the account with its tokens, builds and compositions.

    409 while another user's composition uses one of its builds (nothing is deleted then).
    """
    services, actor = caller.services, caller.actor
    await services.store.users.delete(actor)
    # Many cached resources went with it; one generation bump forgets them all.
    await services.responses.everything_changed()
    return Response(status_code=204)


@router.post(
    "/v1/tokens",
    status_code=201,
    response_model=IssuedToken,
    responses={
        201: {
            "description": "Created: the token, with its secret shown this once.",
            "headers": {"Location": _LOCATION, **_NO_STORE},
        },
        **problem_responses(400, 401, 422),
    },
    summary="Issue an API token (HTTP Basic)",
    openapi_extra={"security": [{"basic": []}]},
)
async def issue_token(
    services: ServicesDep, actor: PasswordUserDep, body: TokenRequest | None = None
) -> Response:
    """Issue a token for the user that HTTP Basic names.

    The body is optional: a name for the token, and an expiry with a time zone.
    """
    token = await services.store.tokens.create(actor, body or TokenCreate())
    return written_json(token, 201, {"Location": f"/v1/tokens/{token.id}"})


@router.get(
    "/v1/tokens",
    response_model=Page[TokenRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401)},
    summary="Your API tokens",
)
async def list_tokens(request: Request, caller: UserCallerDep) -> Response:
    """Every token of the caller, newest first, revoked ones included (one page, no cursor)."""
    tokens = await caller.services.store.tokens.list(caller.actor)
    return read_json(request, Page[TokenRead](items=tuple(tokens), next_cursor=None))


@router.get(
    "/v1/tokens/{token_id}",
    response_model=TokenRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 404, 422)},
    summary="One of your API tokens",
)
async def get_token(request: Request, caller: UserCallerDep, token_id: uuid.UUID) -> Response:
    """One of the caller's tokens (others' tokens answer 404)."""
    return read_json(request, await caller.services.store.tokens.get(caller.actor, token_id))


@router.delete(
    "/v1/tokens/{token_id}",
    response_model=TokenRead,
    responses={**_REVOKED, **problem_responses(401, 404, 422)},
    summary="Revoke one of your API tokens",
)
async def revoke_token(caller: UserCallerDep, token_id: uuid.UUID) -> Response:
    """Revoke a token at once: it answers 401 from then on, and stays listed as revoked.

    Answers 200 with the revoked token rather than 204, since the token is not gone.
    """
    services, actor = caller.services, caller.actor
    revoked = await services.store.tokens.revoke(actor, token_id)
    assert actor.user_id is not None
    await services.tokens.changed(actor.user_id)
    return written_json(revoked)
