"""Refresh game data from the official Guild Wars 2 API v2 into a snapshot file.

>>> import asyncio
>>> data = asyncio.run(sync("gamedata"))  # doctest: +SKIP
>>> data.info.build_id  # doctest: +SKIP
191645

Every endpoint of :data:`~gw2wvw.gamedata.snapshot.ENDPOINTS` is listed, then read in batches of
at most :data:`BATCH_SIZE` ids, with bounded concurrency and retries. Nothing is written until the
whole fetch has succeeded and the result parses as a snapshot, so a failed sync leaves the previous
snapshot file as it was.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, TypeVar
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
from gw2wvw.gamedata.data import GameData
from gw2wvw.gamedata.errors import Id, SyncError
from gw2wvw.gamedata.model import SnapshotInfo
from gw2wvw.gamedata.snapshot import ENDPOINTS, FILENAME, Record, SnapshotError, dumps, loads

with requires("sync", "gw2wvw.gamedata.sync"):
    import httpx

T = TypeVar("T")

BATCH_SIZE: Final = 200
"""The most ids the API accepts in one ``?ids=`` request."""

USER_AGENT: Final = f"gw2wvw/{__version__} (game-data sync; httpx/{httpx.__version__})"
"""The ``User-Agent`` sent with every request."""

ProgressCallback = Callable[[str, int, int], None]
"""Called with (endpoint, records fetched so far, records in total) as a sync advances."""

_MISSING_SHOWN: Final = 10


@dataclass(frozen=True, slots=True)
class _Transient:
    """A failed attempt that may succeed when repeated."""

    reason: str
    retry_after: float | None = None
    missing_ids: Sequence[Id] = ()


def _describe_ids(ids: Sequence[Id]) -> str:
    shown = ", ".join(str(i) for i in ids[:_MISSING_SHOWN])
    more = len(ids) - _MISSING_SHOWN
    return shown + (f" (and {more} more)" if more > 0 else "")


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


async def _gather(coros: Iterable[Coroutine[Any, Any, T]]) -> list[T]:
    """Run coroutines concurrently; the first failure cancels the others and is raised as is."""
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        return await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


class _Fetcher:
    """Reads the API through one client with bounded concurrency and retries."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        api_url: str,
        *,
        concurrency: int,
        request_timeout: float,
        max_attempts: int,
        backoff_base: float,
        max_delay: float,
        progress: ProgressCallback | None,
    ) -> None:
        self._client = client
        self._api_url = api_url
        self._slots = asyncio.Semaphore(concurrency)
        self._timeout = request_timeout
        self._max_attempts = max_attempts
        self._backoff_base = backoff_base
        self._max_delay = max_delay
        self._progress = progress

    def _delay(self, retry: int, failure: _Transient) -> float:
        """How long to wait before retry number ``retry`` (1-based)."""
        if failure.retry_after is not None:
            return failure.retry_after
        return backoff_delay(retry, self._backoff_base, self._max_delay)

    async def _retrying(self, what: str, attempt: Callable[[], Awaitable[T | _Transient]]) -> T:
        """Call ``attempt`` until it returns a result or the attempts run out."""
        retry = 0
        while True:
            outcome = await attempt()
            if not isinstance(outcome, _Transient):
                return outcome
            retry += 1
            if retry >= self._max_attempts:
                raise SyncError(
                    f"{what}: gave up after {retry} attempts; last: {outcome.reason}",
                    missing_ids=outcome.missing_ids,
                )
            await asyncio.sleep(self._delay(retry, outcome))

    async def _get_once(
        self, path: str, query: str, ids: Sequence[Id] = ()
    ) -> tuple[int, Any] | _Transient:
        """One GET; transient failures are returned, permanent ones raised."""
        url = f"{self._api_url}{path}"
        try:
            async with self._slots, asyncio.timeout(self._timeout):
                response = await self._client.get(f"{path}?{query}")
        except TimeoutError:
            return _Transient(f"no complete answer within {self._timeout:g} s")
        except httpx.RequestError as exc:
            return _Transient(f"{type(exc).__name__}: {exc}")
        status = response.status_code
        if status == 429 or status >= 500:
            return _Transient(
                f"HTTP {status}",
                retry_after(response.headers.get("Retry-After"), self._max_delay),
            )
        if status not in (200, 206):
            detail = f" for ids {_describe_ids(ids)}" if ids else ""
            raise SyncError(
                f"GET {url} answered HTTP {status} ({api_text(response.text)}){detail}",
                status=status,
                missing_ids=ids,
            )
        try:
            return status, response.json()
        except ValueError:
            # An undecodable body is usually a truncated or proxy-mangled answer: ask again.
            return _Transient(f"HTTP {status} with a body that is not JSON")

    async def _get(self, path: str) -> Any:
        """The decoded body of ``path``, retried on transient failures."""

        async def attempt() -> Any:
            outcome = await self._get_once(path, "lang=en")
            return outcome if isinstance(outcome, _Transient) else outcome[1]

        return await self._retrying(f"GET {self._api_url}{path}", attempt)

    async def build_id(self) -> int:
        """The game build the API reports."""
        body = await self._get("/v2/build")
        build = body.get("id") if isinstance(body, dict) else None
        if not isinstance(build, int) or isinstance(build, bool):
            raise SyncError(f'{self._api_url}/v2/build did not answer {{"id": <number>}}')
        return build

    async def _batch(self, endpoint: str, ids: Sequence[Id]) -> list[Record]:
        """The records of ``ids``, asking again for the ones a partial answer (206) left out."""
        path = f"/v2/{endpoint}"
        missing = list(ids)
        found: list[Record] = []

        async def attempt() -> list[Record] | _Transient:
            nonlocal missing
            query = "lang=en&ids=" + ",".join(quote(str(i), safe="") for i in missing)
            outcome = await self._get_once(path, query, missing)
            if isinstance(outcome, _Transient):
                return outcome
            status, body = outcome
            if not isinstance(body, list) or not all(
                isinstance(r, dict) and _is_id(r.get("id")) for r in body
            ):
                raise SyncError(f"{self._api_url}{path}?ids=... did not answer a list of records")
            wanted = set(missing)
            for record in body:
                if record["id"] in wanted:
                    wanted.discard(record["id"])
                    found.append(record)
            missing = [i for i in missing if i in wanted]
            if missing:
                return _Transient(
                    f"HTTP {status}, ids not returned: {_describe_ids(missing)}",
                    missing_ids=missing,
                )
            return found

        return await self._retrying(f"GET {self._api_url}{path}", attempt)

    async def endpoint(self, endpoint: str) -> list[Record]:
        """Every record of ``endpoint``: list the ids, then read them in batches."""
        listing = await self._get(f"/v2/{endpoint}")
        if not isinstance(listing, list) or not all(_is_id(i) for i in listing):
            raise SyncError(f"{self._api_url}/v2/{endpoint} did not answer a list of ids")
        ids: list[Id] = list(dict.fromkeys(listing))
        done = 0
        if self._progress is not None:
            self._progress(endpoint, done, len(ids))

        async def batch(chunk: Sequence[Id]) -> list[Record]:
            nonlocal done
            records = await self._batch(endpoint, chunk)
            done += len(records)
            if self._progress is not None:
                self._progress(endpoint, done, len(ids))
            return records

        chunks = [ids[i : i + BATCH_SIZE] for i in range(0, len(ids), BATCH_SIZE)]
        return [r for records in await _gather(batch(c) for c in chunks) for r in records]


async def _fetch(
    *,
    api_url: str,
    source: str | None,
    concurrency: int,
    request_timeout: float,
    max_attempts: int,
    backoff_base: float,
    max_delay: float,
    progress: ProgressCallback | None,
) -> tuple[str, GameData]:
    """Fetch everything, then return the snapshot text and its parsed data."""
    parts = urlsplit(api_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"api_url must be an http:// or https:// URL, not {api_url!r}")
    if concurrency < 1 or max_attempts < 1 or request_timeout <= 0:
        raise ValueError("concurrency and max_attempts must be at least 1, request_timeout above 0")
    api_url = api_url.rstrip("/")
    fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    headers = {
        "Accept": "application/json",
        "User-Agent": USER_AGENT,
        "X-Schema-Version": SCHEMA_VERSION,
    }
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    # The per-request deadline is asyncio.timeout in _get_once: it bounds the whole exchange,
    # where httpx's own timeouts bound each read and let a slow trickle run on forever.
    async with httpx.AsyncClient(
        base_url=api_url, headers=headers, limits=limits, timeout=None
    ) as client:
        fetcher = _Fetcher(
            client,
            api_url,
            concurrency=concurrency,
            request_timeout=request_timeout,
            max_attempts=max_attempts,
            backoff_base=backoff_base,
            max_delay=max_delay,
            progress=progress,
        )
        build_id = await fetcher.build_id()
        lists = await _gather(fetcher.endpoint(e) for e in ENDPOINTS)
    info = SnapshotInfo(build_id=build_id, fetched_at=fetched_at, source=source or api_url)
    try:
        text = dumps(info, dict(zip(ENDPOINTS, lists, strict=True)))
        return text, loads(text)
    except (SnapshotError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise SyncError(f"the API's records do not make a valid snapshot: {exc}") from exc


def _fsync_dir(path: Path) -> None:
    """Make a rename inside ``path`` durable."""
    if os.name != "posix":  # Windows cannot open a directory; its renames are journaled anyway.
        return  # pragma: no cover
    handle = os.open(path, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def _write_atomically(out_dir: Path, text: str) -> None:
    """Replace ``out_dir/gamedata.json`` so a reader sees the old file or the new one, whole."""
    target = out_dir / FILENAME
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # Staged inside out_dir so that os.replace stays on one filesystem and is atomic.
        staging = Path(tempfile.mkdtemp(prefix=".gamedata-sync-", dir=out_dir))
    except OSError as exc:
        raise SyncError(f"cannot write a snapshot into {out_dir}: {exc}") from exc
    try:
        staged = staging / FILENAME
        with staged.open("wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(staged, target)
        _fsync_dir(out_dir)
    except OSError as exc:
        raise SyncError(f"cannot write snapshot {target}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)


async def fetch_snapshot(
    *,
    api_url: str = DEFAULT_API_URL,
    source: str | None = None,
    concurrency: int = 4,
    request_timeout: float = 30.0,
    max_attempts: int = 5,
    backoff_base: float = 0.5,
    max_delay: float = 60.0,
    progress: ProgressCallback | None = None,
) -> str:
    """Fetch every endpoint from the API and return the snapshot text, writing nothing."""
    text, _ = await _fetch(
        api_url=api_url,
        source=source,
        concurrency=concurrency,
        request_timeout=request_timeout,
        max_attempts=max_attempts,
        backoff_base=backoff_base,
        max_delay=max_delay,
        progress=progress,
    )
    return text


async def sync(
    out_dir: str | Path,
    *,
    api_url: str = DEFAULT_API_URL,
    source: str | None = None,
    concurrency: int = 4,
    request_timeout: float = 30.0,
    max_attempts: int = 5,
    backoff_base: float = 0.5,
    max_delay: float = 60.0,
    progress: ProgressCallback | None = None,
) -> GameData:
    """Fetch a snapshot from the API and atomically replace ``out_dir/gamedata.json`` with it.

    ``source`` labels the snapshot's provenance (default: ``api_url``). ``request_timeout``
    bounds each request in seconds and ``max_attempts`` counts every try of one, re-requests
    of ids a 206 left out included. The n-th retry waits a random half to all of
    ``backoff_base * 2**(n-1)`` seconds, or what ``Retry-After`` asks; ``max_delay`` caps both.
    Raises :class:`SyncError` on any failure, leaving the previous file untouched, and
    ``ValueError`` on bad arguments. Returns the data that was written.
    """
    text, data = await _fetch(
        api_url=api_url,
        source=source,
        concurrency=concurrency,
        request_timeout=request_timeout,
        max_attempts=max_attempts,
        backoff_base=backoff_base,
        max_delay=max_delay,
        progress=progress,
    )
    await asyncio.to_thread(_write_atomically, Path(out_dir), text)
    return data
