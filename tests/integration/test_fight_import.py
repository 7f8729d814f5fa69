"""The fight parsing job on SQLite and PostgreSQL: real Elite Insights logs as JSON, gzip and
zip become ready with their report; what is not a log fails with the reason; nothing stays
pending."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path

import pytest

from gw2wvw.fights import decode_log
from gw2wvw.fights.report import FightReport, report
from gw2wvw.store import Actor, FightCreate, FightRead, NotFound, Store, importing
from gw2wvw.store.importing import import_fight, pack, resume_pending

EBG = Path(__file__).resolve().parents[1] / "fixtures" / "fightlogs" / "ebg-2025-11-04.ei.json"


def zipped(data: bytes) -> bytes:
    """``data`` as the one JSON of a zip archive."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fight.json", data)
    return out.getvalue()


async def upload(store: Store, actor: Actor, data: bytes, source: str = "ebg.json") -> FightRead:
    """A pending fight of these bytes, stored as the API stores uploads."""
    return await store.fights.create(actor, FightCreate(source=source), pack(data), len(data))


@pytest.mark.parametrize("form", ["json", "gzip", "zip"])
async def test_a_real_log_becomes_ready_with_its_report(
    store: Store, alice: Actor, form: str
) -> None:
    raw = EBG.read_bytes()
    data = {"json": raw, "gzip": gzip.compress(raw), "zip": zipped(raw)}[form]
    fight = await upload(store, alice, data)
    done = await import_fight(store, fight.id)
    assert done.status == "ready"
    assert done.reason is None
    assert done.report is not None
    stored = FightReport.model_validate(done.report)
    assert stored == report(decode_log(raw), source="ebg.json", roles=store.roles)
    assert done.map == stored.map
    assert done.started_at == stored.start
    assert done.duration_s == stored.duration_s
    assert [e.type for e in await store.outbox.list() if e.type == "fight.imported"] == [
        "fight.imported"
    ]


async def test_what_is_not_a_log_fails_with_the_reason(store: Store, alice: Actor) -> None:
    fight = await upload(store, alice, b"<html>not json</html>", "page.html")
    done = await import_fight(store, fight.id)
    assert done.status == "failed"
    assert done.reason is not None
    assert done.reason.startswith("page.html is not JSON")
    assert done.report is None


async def test_a_log_beyond_the_limit_fails(store: Store, alice: Actor) -> None:
    raw = EBG.read_bytes()
    fight = await upload(store, alice, gzip.compress(raw))
    done = await import_fight(store, fight.id, max_bytes=len(raw) // 2)
    assert done.status == "failed"
    assert "decompresses to more than" in (done.reason or "")


async def test_an_unexpected_error_fails_the_fight_instead_of_losing_it(
    store: Store, alice: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> FightReport:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(importing, "report", broken)
    fight = await upload(store, alice, EBG.read_bytes())
    done = await import_fight(store, fight.id)
    assert done.status == "failed"
    assert done.reason == "ebg.json could not be read (ZeroDivisionError: a bug)"


async def test_a_finished_fight_is_not_parsed_again(store: Store, alice: Actor) -> None:
    fight = await upload(store, alice, b"nope")
    failed = await import_fight(store, fight.id)
    assert await import_fight(store, fight.id) == failed


async def test_start_up_resumes_what_a_crash_left_pending(store: Store, alice: Actor) -> None:
    good = await upload(store, alice, EBG.read_bytes())
    bad = await upload(store, alice, b"{}", "empty.json")
    gone = await upload(store, alice, b"{}", "gone.json")
    await store.fights.delete(alice, gone.id)
    assert await resume_pending(store) == 2
    assert (await store.fights.get(alice, good.id)).status == "ready"
    assert (await store.fights.get(alice, bad.id)).status == "failed"
    assert await store.fights.pending() == []
    assert await resume_pending(store) == 0


async def test_a_deleted_fight_has_nothing_to_import(store: Store, alice: Actor) -> None:
    fight = await upload(store, alice, b"{}")
    await store.fights.delete(alice, fight.id)
    with pytest.raises(NotFound):
        await import_fight(store, fight.id)
