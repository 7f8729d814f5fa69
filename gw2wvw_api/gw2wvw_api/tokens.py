"""Bearer tokens looked up through the shared cache, so a hot token costs no database query.

Each process remembers which user a token digest belongs to (that never changes), and the
answer for a digest is cached under the tag ``tokens:<user id>``. Revoking a token, changing the
account or deleting it bumps that tag (or the whole cache's generation), which every process
hears over Redis at once, so a revoked token is refused from then on everywhere, as without the
cache. A token is cached only from its second use, with the tag versions read before the
database was: a revocation that lands in between is never hidden. Entries hold the token's
expiry and live at most a minute, so the database still records a token's use about once a
minute. Only a SHA-256 digest of the token is used as a key; nothing here hashes passwords.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from datetime import datetime

from gw2wvw.cache import Cache
from gw2wvw.store import Actor, Store
from gw2wvw.store.tables import utcnow
from gw2wvw.store.tokens import TOKEN_PREFIX, hash_token

TTL = 60.0
"""Seconds an answer is kept: the database sees each token's use about this often."""


def user_tag(user_id: uuid.UUID) -> str:
    """The tag of every cached token answer of one user."""
    return f"tokens:{user_id}"


class TokenCache:
    """``authenticate(token)`` as the store answers it, from the cache when it can."""

    def __init__(self, store: Store, cache: Cache, owners: int = 10_000) -> None:
        self._store = store
        self._cache = cache
        self._owners: OrderedDict[str, uuid.UUID] = OrderedDict()
        self._max_owners = owners

    async def authenticate(self, token: str) -> Actor | None:
        """The actor a token stands for, or None if it is unknown, revoked or expired."""
        if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
            return None
        digest = hash_token(token)
        owner = self._owners.get(digest)
        if owner is None:
            grant = await self._store.tokens.grant(token)
            if grant is not None and grant.actor.user_id is not None:
                self._remember(digest, grant.actor.user_id)
            return None if grant is None else grant.actor
        key, tags = f"token:{digest}", [user_tag(owner)]
        lookup = await self._cache.get(key, tags)
        if lookup.value is not None:
            document = json.loads(lookup.value)
            expires = document["expires_at"]
            if expires is None or datetime.fromisoformat(expires) > utcnow():
                return Actor.model_validate(document["actor"])
        grant = await self._store.tokens.grant(token)
        if grant is None:
            return None
        expires_at = grant.expires_at.isoformat() if grant.expires_at is not None else None
        value = {"actor": grant.actor.model_dump(mode="json"), "expires_at": expires_at}
        await self._cache.set(key, json.dumps(value).encode(), lookup.versions, TTL)
        return grant.actor

    def _remember(self, digest: str, owner: uuid.UUID) -> None:
        self._owners[digest] = owner
        while len(self._owners) > self._max_owners:
            self._owners.popitem(last=False)

    async def changed(self, user_id: uuid.UUID) -> None:
        """Forget every cached answer for ``user_id``'s tokens (after revoking or changing)."""
        await self._cache.bump(user_tag(user_id))
