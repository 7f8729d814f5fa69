"""Who is signed in to the pages, and the CSRF token every form carries.

A session is a store API token with the ``read`` and ``write`` scopes (never ``account``),
named ``web session`` and expiring after :data:`SESSION_DAYS`: the same revocation, expiry and
cache as any token, and it shows in the account's token list. The cookie holds the token's id
and secret; signing out revokes it. The cookie is ``HttpOnly``, ``SameSite=Lax`` and ``Secure``
when the request came over HTTPS (uvicorn reads ``X-Forwarded-Proto`` from the proxies
``FORWARDED_ALLOW_IPS`` trusts).

CSRF: a double-submit token. A random value lives in its own ``HttpOnly`` cookie and in a
hidden field of every form; a post whose field does not equal the cookie is refused. A forger
on another site can neither read the cookie nor set it (``SameSite=Lax`` also keeps the
session cookie off its posts). This needs no secret key, so several API processes agree
without configuration; a library (starlette-csrf, itsdangerous) would add a dependency and a
key to manage for the same check.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from gw2wvw.store import ANONYMOUS, Actor, TokenCreate
from gw2wvw.store.tables import utcnow
from gw2wvw_api.services import Services

SESSION_COOKIE = "gw2wvw_session"
"""The cookie holding the session token (``<token id>.<secret>``)."""

CSRF_COOKIE = "gw2wvw_csrf"
"""The cookie holding the CSRF token the forms repeat."""

CSRF_FIELD = "csrf"
"""The form field (and, for scripts, the ``X-CSRF-Token`` header) carrying it."""

SESSION_DAYS = 14
"""How long a session lasts before signing in again."""


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


async def session_actor(services: Services, request: Request) -> Actor:
    """The signed-in user of ``request``'s session cookie, or anonymous (an unknown, revoked
    or expired session is simply signed out)."""
    value = request.cookies.get(SESSION_COOKIE, "")
    _, _, secret = value.partition(".")
    if not secret:
        return ANONYMOUS
    return await services.tokens.authenticate(secret) or ANONYMOUS


async def start_session(
    services: Services, actor: Actor, request: Request, response: Response
) -> None:
    """Issue a session token for ``actor`` and set its cookie on ``response``."""
    issued = await services.store.tokens.create(
        actor,
        TokenCreate(
            name="web session",
            scopes=("read", "write"),
            expires_at=utcnow() + timedelta(days=SESSION_DAYS),
        ),
    )
    response.set_cookie(
        SESSION_COOKIE,
        f"{issued.id}.{issued.token}",
        max_age=SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=_secure(request),
    )


async def end_session(
    services: Services, actor: Actor, request: Request, response: Response
) -> None:
    """Revoke the session of ``request`` (if it is ``actor``'s) and clear its cookie."""
    ident, _, _ = request.cookies.get(SESSION_COOKIE, "").partition(".")
    if actor.user_id is not None:
        try:
            token_id = uuid.UUID(ident)
        except ValueError:
            pass
        else:
            await services.store.tokens.revoke(actor, token_id)
            await services.tokens.changed(actor.user_id)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax", secure=_secure(request))


def csrf_token(request: Request) -> str:
    """The CSRF token of ``request``'s browser (a new one if it has none yet)."""
    token = request.cookies.get(CSRF_COOKIE)
    if not token:
        token = request.state.new_csrf = secrets.token_urlsafe(32)
    return token


def remember_csrf(request: Request, response: Response) -> None:
    """Set the CSRF cookie on ``response`` if :func:`csrf_token` made a new one."""
    token = getattr(request.state, "new_csrf", None)
    if token is not None:
        response.set_cookie(
            CSRF_COOKIE, token, httponly=True, samesite="lax", secure=_secure(request)
        )


def csrf_valid(request: Request, submitted: str | None) -> bool:
    """Whether ``submitted`` repeats the browser's CSRF cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    return bool(cookie and submitted) and hmac.compare_digest(
        str(cookie).encode(), str(submitted).encode()
    )
