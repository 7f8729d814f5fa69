"""Read-through response caching on top of :mod:`gw2wvw.cache`.

Detail responses are cached once per resource, with who may see them (visibility and owner):
a hit is served only after that check, so a private item never reaches anyone else. Listing
responses depend on the caller, so their keys name the caller. Every write bumps the tags of
what it changed (``build:<id>`` and ``builds``), which invalidates the entries at once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from gw2wvw.cache import GENERATION, Cache
from gw2wvw.store import Actor, NotFound


@dataclass(frozen=True)
class Entry:
    """A cached response body with its ETag and who may see it."""

    body: bytes
    etag: str
    visibility: str | None = None
    owner: str | None = None
    link: str | None = None
    """A ``Link`` header to send with it (the next page of a listing)."""

    def pack(self) -> bytes:
        """Bytes for the cache."""
        header = json.dumps([self.etag, self.visibility, self.owner, self.link]).encode()
        return len(header).to_bytes(4, "big") + header + self.body

    @classmethod
    def unpack(cls, blob: bytes) -> Entry:
        """The entry :meth:`pack` wrote."""
        size = int.from_bytes(blob[:4], "big")
        etag, visibility, owner, link = json.loads(blob[4 : 4 + size])
        return cls(blob[4 + size :], etag, visibility, owner, link)

    def visible_to(self, actor: Actor) -> bool:
        """Whether ``actor`` may see this (private items: their owner only)."""
        if self.visibility != "private":
            return True
        return actor.user_id is not None and str(actor.user_id) == self.owner


def list_key(kind: str, actor: Actor, query: str) -> str:
    """The key of a listing for one caller and one query string."""
    digest = hashlib.blake2b(query.encode(), digest_size=12).hexdigest()
    return f"{kind}:list:{actor.user_id or 'anonymous'}:{digest}"


class ResponseCache:
    """Cached detail and list responses, keyed and checked so only allowed callers get them."""

    def __init__(self, cache: Cache, ttl: float) -> None:
        self.cache = cache
        self.ttl = ttl

    async def detail(
        self,
        actor: Actor,
        kind: str,
        ident: uuid.UUID,
        load: Callable[[], Awaitable[Entry]],
        *,
        fresh: bool = False,
    ) -> Entry:
        """The cached response of one resource, or ``load()`` stored for the next caller.

        ``fresh`` (the request said ``Cache-Control: no-cache``) skips the stored entry and
        refreshes it. Raises NotFound for a cached item ``actor`` may not see, exactly as the
        store would.
        """
        key = f"{kind}:{ident}"
        lookup = await self.cache.get(key, [key])
        if lookup.value is not None and not fresh:
            entry = Entry.unpack(lookup.value)
            if not entry.visible_to(actor):
                raise NotFound(kind, ident)
            return entry
        entry = await load()
        await self.cache.set(key, entry.pack(), lookup.versions, self.ttl)
        return entry

    async def cached(self, key: str, tags: Sequence[str]) -> Entry | None:
        """The entry stored under ``key`` if it is still valid, without loading anything."""
        lookup = await self.cache.get(key, tags)
        return None if lookup.value is None else Entry.unpack(lookup.value)

    async def listing(
        self,
        key: str,
        tags: Sequence[str],
        load: Callable[[], Awaitable[Entry]],
        *,
        fresh: bool = False,
    ) -> Entry:
        """A cached listing (its key names the caller), or ``load()`` stored for next time."""
        lookup = await self.cache.get(key, tags)
        if lookup.value is not None and not fresh:
            return Entry.unpack(lookup.value)
        entry = await load()
        await self.cache.set(key, entry.pack(), lookup.versions, self.ttl)
        return entry

    async def changed(self, kind: str, ident: uuid.UUID) -> None:
        """Invalidate a resource and every listing of its kind."""
        await self.cache.bump(f"{kind}:{ident}", f"{kind}s")

    async def everything_changed(self) -> None:
        """Invalidate every entry (a deleted account takes many resources with it)."""
        await self.cache.bump(GENERATION)
