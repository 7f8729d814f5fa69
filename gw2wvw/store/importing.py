"""The parsing job of uploaded fights: read the stored original, report it, mark the fight
ready or failed. The API runs it in process or enqueues it for the worker; both call
:func:`import_fight`."""

from __future__ import annotations

import asyncio
import gzip
import logging
import uuid

from gw2wvw.fights import DEFAULT_MAX_BYTES, FightLogError, decode_log
from gw2wvw.fights.report import FightReport, report
from gw2wvw.squad.roles import RolesTable
from gw2wvw.store.errors import StoreError
from gw2wvw.store.schemas import FightRead
from gw2wvw.store.store import Store

logger = logging.getLogger(__name__)

JOB = "import_fight"
"""The name of the worker's job that runs :func:`import_fight` (its one argument: the id)."""


def job_id(fight_id: uuid.UUID) -> str:
    """The id of a fight's import job: queueing it twice queues it once."""
    return f"fight:{fight_id}"


def pack(upload: bytes | bytearray) -> bytes:
    """The stored form of an upload: its bytes, exactly as sent, gzip-compressed.

    Level 1: the API compresses while the uploader waits, and a JSON log still shrinks
    several times over.
    """
    return gzip.compress(upload, compresslevel=1, mtime=0)


def _parse(original: bytes, source: str, roles: RolesTable, max_bytes: int) -> FightReport:
    # The stored bytes are gzip made by `pack` from an upload the API already limited in size;
    # the upload itself (JSON, gzip or zip) is inflated by decode_log, against `max_bytes`.
    log = decode_log(gzip.decompress(original), name=source, max_bytes=max_bytes)
    return report(log, source=source, roles=roles)


async def import_fight(
    store: Store, fight_id: uuid.UUID, *, max_bytes: int = DEFAULT_MAX_BYTES
) -> FightRead:
    """Parse a pending fight's stored original and mark it ``ready`` with its report, or
    ``failed`` with the reason; a fight already finished stays as it is.

    The decoding runs in a thread: a big log takes seconds and must not stop the event loop.
    Any error but the store's own marks the fight failed, so no fight stays pending for ever;
    store errors (the database is down) propagate, and the fight stays pending to be re-run.
    """
    source, original = await store.fights.original(fight_id)
    try:
        fight = await asyncio.to_thread(_parse, original, source, store.roles, max_bytes)
    except FightLogError as error:
        return await store.fights.mark_failed(fight_id, str(error))
    except StoreError:
        raise
    except Exception as error:
        logger.exception("fight %s could not be reported", fight_id)
        return await store.fights.mark_failed(
            fight_id, f"{source} could not be read ({type(error).__name__}: {error})"
        )
    return await store.fights.mark_ready(
        fight_id,
        fight.model_dump(mode="json"),
        map=fight.map,
        started_at=fight.start,
        duration_s=fight.duration_s,
    )


async def resume_pending(store: Store, *, max_bytes: int = DEFAULT_MAX_BYTES) -> int:
    """Run the job of every fight still pending (those a crash or a restart left behind);
    how many there were."""
    waiting = await store.fights.pending()
    for fight_id in waiting:
        try:
            await import_fight(store, fight_id, max_bytes=max_bytes)
        except StoreError:
            # Deleted meanwhile, or the database went away: the next start-up tries again.
            logger.warning("pending fight %s was not imported", fight_id, exc_info=True)
    return len(waiting)
