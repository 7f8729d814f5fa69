"""Read a player's account from the official GW2 API with their API key.

>>> import asyncio
>>> raw = asyncio.run(read_account("XXXXXXXX-..."))  # doctest: +SKIP
>>> raw.account["name"]  # doctest: +SKIP
'Ann.1234'

The key is checked first (``/v2/tokeninfo``: it must exist and carry :data:`REQUIRED_SCOPES`),
then ``/v2/account``, ``/v2/characters?ids=all``, every character's
``/v2/characters/:id/buildtabs?tabs=all`` and ``/v2/account/buildstorage?ids=all`` are read with
bounded concurrency. 429 and 5xx answers are retried with backoff (or what ``Retry-After`` asks),
like the game-data sync. The key travels only in the ``Authorization`` header, never in a URL, so
that no request log (httpx logs each URL) ever holds it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote, urlsplit

from gw2wvw._extras import requires
from gw2wvw._officialapi import (
    DEFAULT_API_URL,
    SCHEMA_VERSION,
    api_text,
    backoff_delay,
    retry_after,
)
from gw2wvw._version import __version__
from gw2wvw.gw2account.errors import Gw2ApiError, InvalidKeyError, MissingScopesError

with requires("sync", "gw2wvw.gw2account.client"):
    import httpx

REQUIRED_SCOPES: Final = ("account", "builds", "characters")
"""The key permissions the account reader needs."""

USER_AGENT: Final = f"gw2wvw/{__version__} (account reader; httpx/{httpx.__version__})"
"""The ``User-Agent`` sent with every request."""


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What ``/v2/tokeninfo`` says of a key: its id, the name its owner gave it, its scopes."""

    id: str
    name: str
    permissions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RawAccount:
    """The official API's answers for one key, as decoded JSON."""

    key: KeyInfo
    account: dict[str, Any]
    characters: list[dict[str, Any]]
    build_tabs: dict[str, list[dict[str, Any]]]
    """Each character's build tabs, by character name."""
    build_storage: list[dict[str, Any]]


class _Retry(Exception):
    """A failed attempt that may succeed when repeated."""

    def __init__(self, reason: str, wait: float | None = None) -> None:
        super().__init__(reason)
        self.wait = wait


class Gw2ApiClient:
    """A session on the official API for one key: use it with ``async with``."""

    def __init__(
        self,
        key: str,
        *,
        api_url: str = DEFAULT_API_URL,
        concurrency: int = 4,
        request_timeout: float = 30.0,
        max_attempts: int = 5,
        backoff_base: float = 0.5,
        max_delay: float = 60.0,
    ) -> None:
        parts = urlsplit(api_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"api_url must be an http:// or https:// URL, not {api_url!r}")
        if concurrency < 1 or max_attempts < 1 or request_timeout <= 0:
            raise ValueError("concurrency and max_attempts must be at least 1, timeout above 0")
        key = key.strip()
        # A key is letters, digits and dashes; anything else could smuggle header syntax.
        if not key or not all(c.isascii() and (c.isalnum() or c == "-") for c in key):
            raise InvalidKeyError("a GW2 API key is letters, digits and dashes")
        self._api_url = api_url.rstrip("/")
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = request_timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._max_delay = max_delay
        self._client = httpx.AsyncClient(
            base_url=self._api_url,
            headers={
                "Accept": "application/json",
                "Authorization": f"Bearer {key}",
                "User-Agent": USER_AGENT,
                "X-Schema-Version": SCHEMA_VERSION,
            },
            limits=httpx.Limits(max_connections=concurrency),
            timeout=None,
        )

    async def __aenter__(self) -> Gw2ApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def _once(self, path: str) -> Any:
        """One GET: the decoded body, :class:`_Retry` for what may pass, errors for the rest."""
        try:
            async with self._slots, asyncio.timeout(self._timeout):
                response = await self._client.get(path)
        except TimeoutError:
            raise _Retry(f"no complete answer within {self._timeout:g} s") from None
        except httpx.RequestError as exc:
            raise _Retry(f"{type(exc).__name__}: {exc}") from None
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retry(
                f"HTTP {status}", retry_after(response.headers.get("Retry-After"), self._max_delay)
            )
        text = api_text(response.text)
        if status in (400, 401, 403) and "invalid" in text.casefold():
            raise InvalidKeyError("the official GW2 API does not accept this key", status=status)
        if status == 403 and text.startswith("requires scope "):
            # A key whose permissions changed since tokeninfo was read.
            raise MissingScopesError(text.removeprefix("requires scope ").split(","))
        if status != 200:
            raise Gw2ApiError(f"GET {path} answered HTTP {status} ({text})", status=status)
        try:
            return response.json()
        except ValueError:
            raise _Retry(f"HTTP {status} with a body that is not JSON") from None

    async def get(self, path: str) -> Any:
        """The decoded body of ``path`` (with its query), retried on transient failures."""
        retry = 0
        while True:
            try:
                return await self._once(path)
            except _Retry as failure:
                retry += 1
                if retry >= self._max_attempts:
                    raise Gw2ApiError(
                        f"GET {self._api_url}{path}: gave up after {retry} attempts; "
                        f"last: {failure}"
                    ) from None
                wait = failure.wait
                if wait is None:
                    wait = backoff_delay(retry, self._backoff_base, self._max_delay)
                await asyncio.sleep(wait)

    async def key_info(self) -> KeyInfo:
        """The key's ``/v2/tokeninfo``; :class:`MissingScopesError` unless it has every scope."""
        body = await self.get("/v2/tokeninfo")
        if not isinstance(body, dict) or not isinstance(body.get("permissions"), list):
            raise Gw2ApiError("/v2/tokeninfo did not answer a key's permissions")
        info = KeyInfo(
            id=str(body.get("id", "")),
            name=str(body.get("name", "")),
            permissions=tuple(str(p) for p in body["permissions"]),
        )
        if missing := set(REQUIRED_SCOPES) - set(info.permissions):
            raise MissingScopesError(missing)
        return info

    async def account_name(self) -> str:
        """The account's name (``Ann.1234``), from ``/v2/account``."""
        account = await self.get("/v2/account")
        if not isinstance(account, dict) or not isinstance(account.get("name"), str):
            raise Gw2ApiError("/v2/account did not answer an account with a name")
        return str(account["name"])

    async def _list(self, path: str) -> list[dict[str, Any]]:
        body = await self.get(path)
        if not isinstance(body, list) or not all(isinstance(r, dict) for r in body):
            raise Gw2ApiError(f"{path} did not answer a list of records")
        return body

    async def read(self) -> RawAccount:
        """Check the key, then read the account, its characters, their tabs and the storage."""
        key = await self.key_info()
        account = await self.get("/v2/account")
        if not isinstance(account, dict) or not isinstance(account.get("name"), str):
            raise Gw2ApiError("/v2/account did not answer an account with a name")
        characters, storage = await asyncio.gather(
            self._list("/v2/characters?ids=all"), self._list("/v2/account/buildstorage?ids=all")
        )
        names = [str(c.get("name", "")) for c in characters]
        tabs: Sequence[list[dict[str, Any]]] = await asyncio.gather(
            *(self._list(f"/v2/characters/{quote(n, safe='')}/buildtabs?tabs=all") for n in names)
        )
        return RawAccount(key, account, characters, dict(zip(names, tabs, strict=True)), storage)


async def check_key(key: str, *, api_url: str = DEFAULT_API_URL, **options: Any) -> KeyInfo:
    """The key's :class:`KeyInfo`, after checking it exists and has :data:`REQUIRED_SCOPES`.

    Raises :class:`InvalidKeyError`, :class:`MissingScopesError` or :class:`Gw2ApiError`.
    ``options`` are :class:`Gw2ApiClient`'s (concurrency, timeouts, retries).
    """
    async with Gw2ApiClient(key, api_url=api_url, **options) as client:
        return await client.key_info()


async def identify(
    key: str, *, api_url: str = DEFAULT_API_URL, **options: Any
) -> tuple[KeyInfo, str]:
    """Check the key like :func:`check_key`, then also name its account."""
    async with Gw2ApiClient(key, api_url=api_url, **options) as client:
        return await client.key_info(), await client.account_name()


async def read_account(key: str, *, api_url: str = DEFAULT_API_URL, **options: Any) -> RawAccount:
    """Everything the account reader needs from the official API, for one key.

    Raises :class:`InvalidKeyError`, :class:`MissingScopesError` or :class:`Gw2ApiError`.
    """
    async with Gw2ApiClient(key, api_url=api_url, **options) as client:
        return await client.read()
