"""Throttling of sign-ins, sign-ups and token creation: sliding windows (``limits``' moving
window), on Redis when it is configured so that every API process counts together, in process
otherwise. A throttled request answers 429 with ``Retry-After``.

Sign-ins are counted per account and client address, per account and per client address.
Every attempt counts before the password is checked, so parallel guesses cannot outrun the
count; a correct password clears the count of its account and address, so the owner is never
locked out by their own typos, and an attacker elsewhere cannot lock the owner's address out
for longer than the account-wide window. Throttled attempts are not counted: a lock ends one
window after the last counted attempt.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from gw2wvw.settings import Settings
from gw2wvw_api.problems import ProblemException

log = logging.getLogger(__name__)


def parse_limit(text: str, setting: str) -> RateLimitItem:
    """A rate limit such as ``5/minute`` or ``20 per 10 minutes``; ValueError naming ``setting``."""
    try:
        return parse(text)
    except ValueError as error:
        raise ValueError(
            f"GW2WVW_{setting.upper()}={text!r} is not a rate limit (e.g. '5/minute')"
        ) from error


class Throttle:
    """The limits of one API process, counted in Redis (``redis_url``) or in memory."""

    def __init__(
        self, settings: Settings, redis_url: str | None = None, prefix: str = "gw2wvw:throttle"
    ) -> None:
        self.sign_in_pair = parse_limit(settings.throttle_sign_in, "throttle_sign_in")
        self.sign_in_account = parse_limit(
            settings.throttle_sign_in_account, "throttle_sign_in_account"
        )
        self.sign_in_address = parse_limit(
            settings.throttle_sign_in_address, "throttle_sign_in_address"
        )
        self.sign_up_address = parse_limit(settings.throttle_sign_up, "throttle_sign_up")
        self.token_account = parse_limit(settings.throttle_tokens, "throttle_tokens")
        self._memory = MovingWindowRateLimiter(MemoryStorage())
        self._shared: MovingWindowRateLimiter | None = None
        if redis_url:
            storage = RedisStorage(
                f"async+{redis_url}",
                implementation="redispy",
                key_prefix=prefix,
                wrap_exceptions=True,
                socket_timeout=0.25,
                socket_connect_timeout=0.25,
            )
            self._shared = MovingWindowRateLimiter(storage)
        self._outage = False

    def _limiter(self) -> MovingWindowRateLimiter:
        return self._shared or self._memory

    def _lost(self, error: Exception) -> None:
        if not self._outage:
            log.warning("throttling in process while Redis is unavailable: %s", error)
        self._outage = True

    async def _hit(self, limit: RateLimitItem, *key: str) -> bool:
        """Count one attempt; False when the limit was already reached (nothing counted)."""
        if self._shared is not None:
            try:
                allowed = await self._shared.hit(limit, *key)
            except StorageError as error:
                self._lost(error)
            else:
                self._outage = False
                return allowed
        return await self._memory.hit(limit, *key)

    async def _retry_after(self, limit: RateLimitItem, *key: str) -> int:
        """Whole seconds until ``limit`` admits another attempt for ``key``."""
        try:
            stats = await self._limiter().get_window_stats(limit, *key)
        except StorageError as error:
            self._lost(error)
            stats = await self._memory.get_window_stats(limit, *key)
        return max(1, math.ceil(stats.reset_time - time.time()))

    async def _admit(self, checks: list[tuple[RateLimitItem, tuple[str, ...]]], what: str) -> None:
        """Count one attempt against every check; 429 with Retry-After if any is exhausted."""
        for limit, key in checks:
            if not await self._hit(limit, *key):
                wait = await self._retry_after(limit, *key)
                raise ProblemException(
                    429,
                    "too_many_requests",
                    f"too many {what}; try again in {wait} s",
                    headers={"Retry-After": str(wait)},
                )

    @asynccontextmanager
    async def sign_in(self, name: str, address: str) -> AsyncIterator[None]:
        """Throttle one password check of ``name`` from ``address`` (the block checks it and
        raises when it is wrong); a correct one clears the account and address count."""
        account = name.casefold()
        pair = ("sign-in", account, address)
        await self._admit(
            [
                (self.sign_in_pair, pair),
                (self.sign_in_account, ("sign-in-account", account)),
                (self.sign_in_address, ("sign-in-address", address)),
            ],
            "sign-in attempts",
        )
        yield
        try:
            await self._limiter().clear(self.sign_in_pair, *pair)
        except StorageError as error:
            self._lost(error)
            await self._memory.clear(self.sign_in_pair, *pair)

    async def sign_up(self, address: str) -> None:
        """Count one sign-up from ``address``; 429 when it made too many."""
        await self._admit([(self.sign_up_address, ("sign-up", address))], "sign-ups")

    async def issue_token(self, account: str) -> None:
        """Count one new token of ``account``; 429 when it made too many."""
        await self._admit([(self.token_account, ("token", account.casefold()))], "new tokens")

    async def close(self) -> None:
        """Release the Redis connections."""
        if self._shared is not None:
            storage = self._shared.storage
            assert isinstance(storage, RedisStorage)
            # limits keeps its redis-py client on the bridge and has no close of its own.
            await storage.bridge.storage.aclose()  # type: ignore[attr-defined]
