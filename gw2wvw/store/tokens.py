"""`TokenRepository`: API tokens. Only a SHA-256 of each is stored; the secret is shown once."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from gw2wvw.store.base import Repository, require_user
from gw2wvw.store.driver import DriverQuery
from gw2wvw.store.errors import ErrorDetail, NotFound, ValidationFailed
from gw2wvw.store.ids import uuid7
from gw2wvw.store.schemas import SCOPES, Actor, IssuedToken, Scope, TokenCreate, TokenRead
from gw2wvw.store.tables import ApiToken, User, utcnow

TOKEN_PREFIX = "gw2wvw_"
"""Every token starts with this, so secret scanners can recognise leaked ones."""

_SHOWN = len(TOKEN_PREFIX) + 4
# Recording every use would make every request a write; once a minute is plenty to see use.
_TOUCH_EVERY = timedelta(minutes=1)


# Every authenticated request runs this lookup: it goes straight through the driver.
_BY_HASH = (
    select(
        ApiToken.id,
        ApiToken.token_hash,
        ApiToken.user_id,
        ApiToken.revoked_at,
        ApiToken.expires_at,
        ApiToken.last_used_at,
        ApiToken.scopes,
        User.name,
    )
    .join(User, User.id == ApiToken.user_id)
    .where(ApiToken.token_hash == bindparam("digest"))
)
_BY_HASH_FAST = DriverQuery(_BY_HASH)


def hash_token(token: str) -> str:
    """The stored form of a token: hex SHA-256 (tokens are random, so no slow hash is needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Grant:
    """What a valid token grants: who acts with it, and until when it is valid."""

    actor: Actor
    expires_at: datetime | None


def _scopes(stored: str) -> tuple[Scope, ...]:
    """The scopes of a stored token, in the canonical order (unknown words are ignored)."""
    words = set(stored.split())
    return tuple(scope for scope in SCOPES if scope in words)


def _read(row: Any) -> TokenRead:
    return TokenRead(
        id=row.id,
        name=row.name,
        prefix=row.prefix,
        scopes=_scopes(row.scopes),
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


class TokenRepository(Repository):
    """Issue, authenticate, list and revoke API tokens."""

    async def create(self, actor: Actor, new: TokenCreate) -> IssuedToken:
        """Issue a token for the actor; its secret is in the result and nowhere else.

        A token never has more scopes than the actor it is issued by.
        """
        user_id = require_user(actor)
        if new.expires_at is not None and new.expires_at.utcoffset() is None:
            # A naive time is ambiguous; the database column would refuse it with a raw error.
            raise ValidationFailed(
                [ErrorDetail("/expires_at", "naive_datetime", "give a time zone (or Z for UTC)")]
            )
        if new.expires_at is not None and new.expires_at <= utcnow():
            raise ValidationFailed(
                [ErrorDetail("/expires_at", "expired", "the expiry time has already passed")]
            )
        beyond = [scope for scope in new.scopes if scope not in actor.scopes]
        if beyond:
            raise ValidationFailed(
                [
                    ErrorDetail(
                        "/scopes",
                        "scope_not_held",
                        f"a token cannot grant what its issuer may not do: {', '.join(beyond)}",
                    )
                ]
            )
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token_id = uuid7()
        async with self._tx() as tx:
            await tx.session.execute(
                insert(ApiToken).values(
                    id=token_id,
                    user_id=user_id,
                    name=new.name,
                    prefix=secret[:_SHOWN],
                    token_hash=hash_token(secret),
                    scopes=" ".join(new.scopes),
                    created_at=utcnow(),
                    expires_at=new.expires_at,
                )
            )
            row = (
                await tx.session.execute(select(ApiToken).where(ApiToken.id == token_id))
            ).scalar_one()
        return IssuedToken(**_read(row).model_dump(), token=secret)

    async def authenticate(self, token: str, now: datetime | None = None) -> Actor | None:
        """The actor a token stands for, or None if it is unknown, revoked or expired."""
        grant = await self.grant(token, now)
        return None if grant is None else grant.actor

    async def grant(self, token: str, now: datetime | None = None) -> Grant | None:
        """What a token grants (the actor and its expiry), or None if it is unknown, revoked or
        expired; for callers that cache the answer until it expires."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        moment = now or utcnow()
        if self._joined is not None:
            rows: list[Any] = await self._fetch_rows(_BY_HASH, {"digest": digest})
        else:
            rows = await _BY_HASH_FAST.fetch(self.store.reads, {"digest": digest})
        row = rows[0] if rows else None
        if row is None or not hmac.compare_digest(row.token_hash, digest):
            return None
        if row.revoked_at is not None or (row.expires_at is not None and row.expires_at <= moment):
            return None
        if row.last_used_at is None or moment - row.last_used_at >= _TOUCH_EVERY:
            async with self._tx() as tx:
                await tx.session.execute(
                    update(ApiToken).where(ApiToken.id == row.id).values(last_used_at=moment)
                )
        return Grant(
            Actor(
                user_id=row.user_id,
                name=row.name,
                scopes=frozenset(_scopes(row.scopes)),
                token_id=row.id,
            ),
            row.expires_at,
        )

    async def list(self, actor: Actor) -> list[TokenRead]:
        """The actor's tokens, newest first, revoked ones included."""
        user_id = require_user(actor)
        async with self._tx(write=False) as tx:
            rows = (
                await tx.session.execute(
                    select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id.desc())
                )
            ).scalars()
            return [_read(row) for row in rows]

    async def get(self, actor: Actor, token_id: uuid.UUID) -> TokenRead:
        """One of the actor's tokens."""
        user_id = require_user(actor)
        async with self._tx(write=False) as tx:
            row = (
                await tx.session.execute(
                    select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
                )
            ).scalar()
        if row is None:
            raise NotFound("token", token_id)
        return _read(row)

    async def revoke(self, actor: Actor, token_id: uuid.UUID) -> TokenRead:
        """Revoke one of the actor's tokens (revoking twice keeps the first time)."""
        user_id = require_user(actor)
        async with self._tx() as tx:
            await tx.session.execute(
                update(ApiToken)
                .where(
                    ApiToken.id == token_id,
                    ApiToken.user_id == user_id,
                    ApiToken.revoked_at.is_(None),
                )
                .values(revoked_at=utcnow())
            )
            row = (
                await tx.session.execute(
                    select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user_id)
                )
            ).scalar()
        if row is None:
            raise NotFound("token", token_id)
        return _read(row)
