"""``/v1/users``, ``/v1/me`` and ``/v1/tokens``: accounts and their API tokens.

Sign up with a name and password to get a first token (every scope); ``POST /v1/tokens`` with
HTTP Basic issues more, with the scopes asked for. What a leaked token must not be enough for
needs the password: issuing tokens and deleting the account take HTTP Basic, a new password
takes the current one (and signs out every other token). Sign-ins, sign-ups and new tokens are
throttled (429 with ``Retry-After``). Nothing here is cached on the server (each read is one
indexed row); reads carry content ETags, so clients revalidate cheaply.
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
from gw2wvw.store.schemas import Password
from gw2wvw.text import Line
from gw2wvw_api.auth import (
    BASIC,
    AccountDep,
    PasswordUserDep,
    ReaderDep,
    UserReaderDep,
    security,
)
from gw2wvw_api.passwords import check_password
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
    """A new account: a name, a password (10 or more characters, not a common one), and a
    display name."""

    password: Password

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"name": "ann", "password": "correct horse battery"}]}
    )


def _date_time_text(value: Any) -> Any:
    """Refuse what is not RFC 3339 text: Pydantic would read a JSON number as a Unix time."""
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("give a date and time as text, with a time zone (RFC 3339)")
    return value


class TokenRequest(TokenCreate):
    """A new API token: a name, its scopes (default read and write), and when it expires (RFC
    3339 with a time zone, in the future), if ever."""

    expires_at: Annotated[datetime | None, BeforeValidator(_date_time_text)] = Field(
        default=None, examples=["2030-01-01T00:00:00Z"]
    )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"name": "discord bot", "scopes": ["read", "write"]}],
        }
    )


class SignedUp(BaseModel):
    """A new account and its first API token (the token's secret is shown this once)."""

    model_config = ConfigDict(frozen=True)

    user: UserRead
    token: IssuedToken


def _address(request: Request) -> str:
    """The client's address (behind a trusted proxy, the one it forwarded)."""
    return request.client.host if request.client else "unknown"


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
        **problem_responses(400, 403, 409, 422, 429),
    },
    summary="Sign up",
    openapi_extra={"security": [{}]},
)
async def sign_up(request: Request, services: ServicesDep, body: SignUp) -> Response:
    """Create an account and its first API token (every scope), together or not at all.

    The name is unique in any case (409 when taken); a common password answers 422; 403
    ``signup_disabled`` when the server takes no new accounts; 429 after too many sign-ups
    from one address.
    """
    check_password(body.password)
    await services.throttle.sign_up(_address(request))
    async with services.store.unit_of_work() as uow:
        user = await uow.users.create(body)
        owner = Actor(user_id=user.id, name=user.name)
        token = await uow.tokens.create(
            owner, TokenCreate(name="sign-up", scopes=("read", "write", "account"))
        )
    return written_json(
        SignedUp(user=user, token=token), 201, {"Location": f"/v1/users/{user.name}"}
    )


@router.get(
    "/v1/users/{name}",
    response_model=UserRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 403, 404, 422)},
    summary="A user's public profile",
    openapi_extra=security("read", optional=True),
)
async def get_user(
    request: Request,
    caller: ReaderDep,
    name: Annotated[Line, Path(min_length=1, max_length=64, examples=["ann"])],
) -> Response:
    """Anyone's public profile, by name in any case (a bad token still answers 401)."""
    return read_json(request, await caller.services.store.users.get_by_name(name))


@router.get(
    "/v1/me",
    response_model=UserRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 403)},
    summary="Your account",
    openapi_extra=security("read"),
)
async def get_me(request: Request, caller: UserReaderDep) -> Response:
    """The account of the token's owner."""
    services, actor = caller.services, caller.actor
    assert actor.user_id is not None  # UserReaderDep admits signed-in users only
    return read_json(request, await services.store.users.get(actor.user_id))


@router.patch(
    "/v1/me",
    response_model=UserRead,
    responses={
        200: {"description": "The account as it is now.", "headers": _NO_STORE},
        **problem_responses(400, 401, 403, 422, 429),
    },
    summary="Change your display name or password",
    openapi_extra={
        **security("account"),
        "requestBody": {
            "content": {
                "application/json": {
                    "examples": {
                        "display name": {"value": {"display_name": "Ann the Commander"}},
                        "password": {
                            "value": {
                                "password": "a new long passphrase",
                                "current_password": "correct horse battery",
                            }
                        },
                    }
                }
            }
        },
    },
)
async def patch_me(request: Request, caller: AccountDep, body: UserUpdate) -> Response:
    """Change the given fields. A new password needs ``current_password`` (422 when it is
    wrong; those checks are throttled like sign-ins) and revokes every other token of the
    account: the one making the change stays valid."""
    services, actor = caller.services, caller.actor
    if body.password is None:
        updated = await services.store.users.update(actor, body)
    else:
        check_password(body.password)
        assert actor.name is not None
        async with services.throttle.sign_in(actor.name, _address(request)):
            updated = await services.store.users.update(actor, body)
    # Cached token answers are read again: a new password revoked the account's other tokens,
    # and every process must refuse them from now on, not when their cached answers expire.
    await services.tokens.changed(updated.id)
    return written_json(updated)


@router.delete(
    "/v1/me",
    status_code=204,
    response_class=Response,
    responses={**NO_CONTENT, **problem_responses(401, 429)},
    summary="Delete your account (HTTP Basic)",
    openapi_extra=BASIC,
)
async def delete_me(services: ServicesDep, actor: PasswordUserDep) -> Response:
    """Delete the account with its tokens, builds, compositions and webhooks; it takes the name
    and password (HTTP Basic), not a token.

    Other users' compositions that used one of its builds keep the member as the archetype the
    build played.
    """
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
        **problem_responses(400, 401, 422, 429),
    },
    summary="Issue an API token (HTTP Basic)",
    openapi_extra=BASIC,
)
async def issue_token(
    services: ServicesDep, actor: PasswordUserDep, body: TokenRequest | None = None
) -> Response:
    """Issue a token for the user that HTTP Basic names.

    The body is optional: a name for the token, its scopes (``read``, ``write``, ``account``;
    default read and write) and an expiry in the future, with a time zone. 429 after too many
    new tokens, or too many wrong passwords.
    """
    assert actor.name is not None
    await services.throttle.issue_token(actor.name)
    token = await services.store.tokens.create(actor, body or TokenCreate())
    return written_json(token, 201, {"Location": f"/v1/tokens/{token.id}"})


@router.get(
    "/v1/tokens",
    response_model=Page[TokenRead],
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 403)},
    summary="Your API tokens",
    openapi_extra=security("account"),
)
async def list_tokens(request: Request, caller: AccountDep) -> Response:
    """Every token of the caller, newest first, revoked ones included (one page, no cursor)."""
    tokens = await caller.services.store.tokens.list(caller.actor)
    return read_json(request, Page[TokenRead](items=tuple(tokens), next_cursor=None))


@router.get(
    "/v1/tokens/{token_id}",
    response_model=TokenRead,
    responses={**CONDITIONAL_GET, **problem_responses(400, 401, 403, 404, 422)},
    summary="One of your API tokens",
    openapi_extra=security("account"),
)
async def get_token(request: Request, caller: AccountDep, token_id: uuid.UUID) -> Response:
    """One of the caller's tokens (others' tokens answer 404)."""
    return read_json(request, await caller.services.store.tokens.get(caller.actor, token_id))


@router.delete(
    "/v1/tokens/{token_id}",
    response_model=TokenRead,
    responses={**_REVOKED, **problem_responses(401, 403, 404, 422)},
    summary="Revoke one of your API tokens",
    openapi_extra=security("account"),
)
async def revoke_token(caller: AccountDep, token_id: uuid.UUID) -> Response:
    """Revoke a token at once: it answers 401 from then on, and stays listed as revoked.

    Answers 200 with the revoked token rather than 204, since the token is not gone.
    """
    services, actor = caller.services, caller.actor
    revoked = await services.store.tokens.revoke(actor, token_id)
    assert actor.user_id is not None
    await services.tokens.changed(actor.user_id)
    return written_json(revoked)
