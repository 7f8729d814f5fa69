"""The official-API sync client and ``gw2wvw gamedata sync/info``, against a real local server."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from gw2wvw import __version__, gamedata
from gw2wvw.cli import app
from gw2wvw.gamedata.errors import SyncError
from gw2wvw.gamedata.snapshot import ENDPOINTS, FILENAME, loads
from gw2wvw.gamedata.sync import BATCH_SIZE, SCHEMA_VERSION, fetch_snapshot, sync
from tests.support.gw2api import FakeGw2Api, Fault, Record
from tests.unit.gamedata.conftest import ODD_LEGEND_ID, TRAIT_COUNT, ServeFn

OLD_SNAPSHOT = b'{"format": 1, "this": "is the previous snapshot"}\n'


def _seed(out_dir: Path) -> Path:
    """An existing snapshot the failed syncs below must leave alone."""
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / FILENAME
    target.write_bytes(OLD_SNAPSHOT)
    return target


def _names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def _assert_untouched(out_dir: Path) -> None:
    assert (out_dir / FILENAME).read_bytes() == OLD_SNAPSHOT
    assert _names(out_dir) == [FILENAME], "temporary files were left behind"


# --- the happy path ---------------------------------------------------------------------------


async def test_sync_writes_a_loadable_snapshot_of_every_endpoint(
    api: FakeGw2Api, records: dict[str, list[Record]], tmp_path: Path
) -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    data = await sync(tmp_path / "new" / "dir", api_url=api.url + "/")
    after = datetime.now(UTC)

    assert data.info.build_id == 4242
    assert data.info.source == api.url
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", data.info.fetched_at)
    fetched = datetime.strptime(data.info.fetched_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before <= fetched <= after
    for endpoint in ENDPOINTS:
        assert len(getattr(data, endpoint)) == len(records[endpoint]), endpoint
    assert set(data.legends) == {"Legend1", "Legend2", ODD_LEGEND_ID}

    written = gamedata.load(tmp_path / "new" / "dir")
    assert written.info == data.info
    assert set(written.traits) == set(data.traits)
    assert _names(tmp_path / "new" / "dir") == [FILENAME]


async def test_snapshot_keeps_only_the_trimmed_facts(api: FakeGw2Api) -> None:
    document = json.loads(await fetch_snapshot(api_url=api.url))

    guardian = next(p for p in document["professions"] if p["id"] == "Guardian")
    assert "icon" not in guardian
    assert "training" not in guardian
    # The profession's own non-bar skills are dropped, the heal kept.
    assert guardian["skills"] == [{"id": 9083, "slot": "Heal", "type": "Heal"}]
    assert all("description" not in t for t in document["traits"])
    facet = next(s for s in document["skills"] if s["id"] == 27220)
    assert "weapon_type" not in facet


async def test_fetch_snapshot_uses_the_source_label_and_writes_nothing(
    api: FakeGw2Api, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    text = await fetch_snapshot(api_url=api.url, source="a label")

    assert json.loads(text)["info"]["source"] == "a label"
    assert loads(text).info.build_id == 4242
    assert _names(tmp_path) == []


async def test_bulk_requests_hold_at_most_200_ids_and_cover_every_id(api: FakeGw2Api) -> None:
    await fetch_snapshot(api_url=api.url)

    batches = api.requests_to("/v2/traits", bulk=True)
    assert len(batches) == -(-TRAIT_COUNT // BATCH_SIZE)
    assert all(len(b.ids) <= BATCH_SIZE for b in batches)
    asked = [int(i) for b in batches for i in b.ids]
    assert sorted(asked) == list(range(1000, 1000 + TRAIT_COUNT))


async def test_every_request_sends_schema_version_user_agent_and_language(
    api: FakeGw2Api,
) -> None:
    await fetch_snapshot(api_url=api.url)

    assert len(api.requests) == 1 + 2 * len(ENDPOINTS) + 1  # build, lists, bulks, 2nd trait batch
    for request in api.requests:
        assert request.headers["x-schema-version"] == SCHEMA_VERSION
        assert f"gw2wvw/{__version__}" in request.headers["user-agent"]
        assert request.query["lang"] == "en"


async def test_string_ids_are_percent_encoded_one_by_one(api: FakeGw2Api) -> None:
    await fetch_snapshot(api_url=api.url)

    (bulk,) = api.requests_to("/v2/legends", bulk=True)
    assert bulk.query["ids"] == "Legend1,Legend2,Legend%209%2F%26%2C%3Fx"
    assert bulk.ids == ["Legend1", "Legend2", ODD_LEGEND_ID]


async def test_one_client_reuses_its_connections(api: FakeGw2Api) -> None:
    await fetch_snapshot(api_url=api.url, concurrency=2)

    ports = {r.client_port for r in api.requests}
    assert len(ports) <= 2 < len(api.requests)


@pytest.mark.parametrize("bound", [1, 3])
async def test_concurrency_never_exceeds_the_bound(api: FakeGw2Api, bound: int) -> None:
    # Slow answers make requests overlap whenever the client lets them.
    api.add_fault(Fault(times=1000, delay=0.02))
    await fetch_snapshot(api_url=api.url, concurrency=bound)

    assert api.max_in_flight == bound


async def test_progress_reaches_every_total(
    api: FakeGw2Api, records: dict[str, list[Record]]
) -> None:
    calls: list[tuple[str, int, int]] = []
    await fetch_snapshot(api_url=api.url, progress=lambda *call: calls.append(call))

    for endpoint in ENDPOINTS:
        mine = [(done, total) for name, done, total in calls if name == endpoint]
        total = len(records[endpoint])
        assert mine[0] == (0, total)
        assert mine[-1] == (total, total)
        assert [d for d, _ in mine] == sorted(d for d, _ in mine)
    traits = [done for name, done, _ in calls if name == "traits"]
    assert traits == [0, 50, 250] or traits == [0, 200, 250]


# --- retries -----------------------------------------------------------------------------------


async def test_429_waits_for_retry_after_seconds(api: FakeGw2Api, fast: dict[str, Any]) -> None:
    api.add_fault(Fault(path="/v2/pets", bulk=True, status=429, headers={"Retry-After": "0.3"}))

    started = time.monotonic()
    text = await fetch_snapshot(api_url=api.url, **fast)

    assert time.monotonic() - started >= 0.3
    assert len(json.loads(text)["pets"]) == 2
    assert len(api.requests_to("/v2/pets", bulk=True)) == 2


async def test_retry_after_http_date_is_honoured_up_to_max_delay(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    # An hour away: parsed as a date, then capped; a misparse would fall back to ~1 ms.
    date = format_datetime(datetime.now(UTC) + timedelta(hours=1), usegmt=True)
    api.add_fault(Fault(path="/v2/build", status=503, headers={"Retry-After": date}))

    started = time.monotonic()
    await fetch_snapshot(api_url=api.url, **{**fast, "max_delay": 0.3})

    assert 0.3 <= time.monotonic() - started < 2.0
    assert len(api.requests_to("/v2/build")) == 2


async def test_unreadable_retry_after_falls_back_to_backoff(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    api.add_fault(Fault(path="/v2/build", status=429, headers={"Retry-After": "soon"}))

    started = time.monotonic()
    await fetch_snapshot(api_url=api.url, **{**fast, "max_delay": 5.0})

    # Read as a wait, it would have been capped at max_delay; backoff is about a millisecond.
    assert time.monotonic() - started < 2.0
    assert len(api.requests_to("/v2/build")) == 2


async def test_backoff_grows_between_attempts(api: FakeGw2Api, fast: dict[str, Any]) -> None:
    api.add_fault(Fault(path="/v2/build", status=500, times=3))

    started = time.monotonic()
    await fetch_snapshot(api_url=api.url, **{**fast, "backoff_base": 0.1})

    # Waits of at least 0.05 + 0.1 + 0.2 s (each step is at least half its nominal size).
    assert time.monotonic() - started >= 0.35
    assert len(api.requests_to("/v2/build")) == 4


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_server_errors_are_retried(
    api: FakeGw2Api, fast: dict[str, Any], status: int
) -> None:
    api.add_fault(Fault(path="/v2/skills", bulk=False, status=status, times=2))

    text = await fetch_snapshot(api_url=api.url, **fast)

    assert len(json.loads(text)["skills"]) == 2
    assert len(api.requests_to("/v2/skills", bulk=False)) == 3


async def test_a_request_slower_than_the_timeout_is_retried(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    api.add_fault(Fault(path="/v2/traits", bulk=True, delay=2.0))

    started = time.monotonic()
    text = await fetch_snapshot(api_url=api.url, **{**fast, "request_timeout": 0.2})

    assert time.monotonic() - started < 1.5
    assert len(json.loads(text)["traits"]) == TRAIT_COUNT
    assert len(api.requests_to("/v2/traits", bulk=True)) == 3


async def test_a_dropped_connection_is_retried(api: FakeGw2Api, fast: dict[str, Any]) -> None:
    api.add_fault(Fault(path="/v2/legends", bulk=False, hang_up=True))

    text = await fetch_snapshot(api_url=api.url, **fast)

    assert len(json.loads(text)["legends"]) == 3
    assert len(api.requests_to("/v2/legends", bulk=False)) == 2


async def test_a_body_that_is_not_json_is_retried(api: FakeGw2Api, fast: dict[str, Any]) -> None:
    api.add_fault(Fault(path="/v2/pets", bulk=True, status=200, body="<html>maintenance"))

    text = await fetch_snapshot(api_url=api.url, **fast)

    assert len(json.loads(text)["pets"]) == 2


async def test_ids_left_out_by_a_206_are_asked_for_again(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    api.add_fault(Fault(path="/v2/specializations", bulk=True, partial=True, times=2))

    text = await fetch_snapshot(api_url=api.url, **fast)

    assert sorted(s["id"] for s in json.loads(text)["specializations"]) == [12, 42, 52]
    asked = [r.ids for r in api.requests_to("/v2/specializations", bulk=True)]
    # Each retry asks only for what is still missing.
    assert asked == [["42", "12", "52"], ["52"], ["52"]]


async def test_records_not_asked_for_or_repeated_are_ignored(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    body = [{"id": 1, "name": "first"}, {"id": 1, "name": "again"}, {"id": 7, "name": "extra"}]
    api.add_fault(Fault(path="/v2/pets", bulk=True, status=200, body=json.dumps(body)))

    pets = json.loads(await fetch_snapshot(api_url=api.url, **fast))["pets"]

    assert pets == [{"id": 1, "name": "first"}, {"id": 2, "name": "Juvenile Boar"}]


async def test_ids_still_missing_after_every_attempt_fail_the_sync(
    api: FakeGw2Api, fast: dict[str, Any], tmp_path: Path
) -> None:
    _seed(tmp_path)
    api.add_fault(Fault(path="/v2/itemstats", bulk=True, partial=True, times=100))

    with pytest.raises(SyncError, match=r"gave up after 3 attempts.*ids not returned: 584") as err:
        await sync(tmp_path, api_url=api.url, max_attempts=3, **fast)

    assert err.value.missing_ids == (584,)
    assert len(api.requests_to("/v2/itemstats", bulk=True)) == 3
    _assert_untouched(tmp_path)


async def test_an_id_the_api_does_not_know_fails_with_its_id(
    api: FakeGw2Api, fast: dict[str, Any]
) -> None:
    # The list names pet 999 but the records have none: 206, then 404 for [999] alone.
    api.add_fault(Fault(path="/v2/pets", bulk=False, status=200, body="[1, 2, 999]"))

    with pytest.raises(SyncError, match=r"HTTP 404 \(all ids provided are invalid\).*999") as err:
        await fetch_snapshot(api_url=api.url, **fast)

    assert err.value.status == 404
    assert err.value.missing_ids == (999,)
    assert [r.ids for r in api.requests_to("/v2/pets", bulk=True)] == [["1", "2", "999"], ["999"]]


@pytest.mark.parametrize("status", [400, 403, 404])
async def test_client_errors_fail_at_once(
    api: FakeGw2Api, fast: dict[str, Any], status: int
) -> None:
    api.add_fault(Fault(path="/v2/traits", bulk=False, status=status, body='{"text":"nope"}'))

    with pytest.raises(SyncError) as err:
        await fetch_snapshot(api_url=api.url, **fast)

    assert err.value.status == status
    assert str(err.value) == f"GET {api.url}/v2/traits answered HTTP {status} (nope)"
    assert len(api.requests_to("/v2/traits")) == 1


@pytest.mark.parametrize("body", ["Unauthorized", '{"error": "Unauthorized"}'])
async def test_an_error_body_without_api_text_is_quoted(
    api: FakeGw2Api, fast: dict[str, Any], body: str
) -> None:
    api.add_fault(Fault(path="/v2/build", status=401, body=body))

    with pytest.raises(SyncError) as err:
        await fetch_snapshot(api_url=api.url, **fast)

    assert str(err.value).endswith(f"HTTP 401 ({body})")


async def test_an_unknown_endpoint_fails_at_once(
    serve: ServeFn, records: dict[str, list[Record]], fast: dict[str, Any]
) -> None:
    del records["itemstats"]
    server = serve(records)

    with pytest.raises(SyncError, match=r"/v2/itemstats answered HTTP 404 \(not found\)"):
        await fetch_snapshot(api_url=server.url, **fast)


async def test_retries_run_out(api: FakeGw2Api, fast: dict[str, Any]) -> None:
    api.add_fault(Fault(path="/v2/pets", bulk=False, status=500, times=100))

    with pytest.raises(SyncError, match=r"/v2/pets: gave up after 4 attempts; last: HTTP 500"):
        await fetch_snapshot(api_url=api.url, max_attempts=4, **fast)

    assert len(api.requests_to("/v2/pets")) == 4


async def test_a_server_that_dies_mid_sync_leaves_the_old_snapshot(
    api: FakeGw2Api, fast: dict[str, Any], tmp_path: Path
) -> None:
    _seed(tmp_path)
    api.die_after(5)

    with pytest.raises(SyncError, match="gave up after 3 attempts"):
        await sync(tmp_path, api_url=api.url, max_attempts=3, **fast)
    api.stop()

    assert len(api.requests) > 5
    _assert_untouched(tmp_path)


async def test_an_unreachable_server_fails_without_writing(
    api: FakeGw2Api, fast: dict[str, Any], tmp_path: Path
) -> None:
    api.stop()

    with pytest.raises(SyncError, match=r"/v2/build: gave up after 2 attempts; last: Connect"):
        await sync(tmp_path / "out", api_url=api.url, max_attempts=2, **fast)

    assert not (tmp_path / "out").exists()


# --- answers of the wrong shape -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (Fault(path="/v2/build", body='{"id": "191645"}'), r"/v2/build did not answer"),
        (Fault(path="/v2/build", body="[191645]"), r"/v2/build did not answer"),
        (Fault(path="/v2/pets", bulk=False, body='{"ids": [1]}'), r"/v2/pets did not answer a"),
        (Fault(path="/v2/pets", bulk=False, body="[1, null]"), r"/v2/pets did not answer a"),
        (Fault(path="/v2/pets", bulk=True, body='{"id": 1}'), r"did not answer a list of records"),
        (Fault(path="/v2/pets", bulk=True, body='[{"id": [1]}]'), r"did not answer a list of rec"),
        (
            Fault(
                path="/v2/professions", bulk=True, body='[{"id": "Guardian"}, {"id": "Revenant"}]'
            ),
            r"the API's records do not make a valid snapshot: malformed snapshot: KeyError",
        ),
        (
            Fault(
                path="/v2/professions",
                bulk=True,
                body='[{"id": "Guardian", "weapons": []}, {"id": "Revenant"}]',
            ),
            r"the API's records do not make a valid snapshot: 'list' object",
        ),
    ],
)
async def test_answers_of_the_wrong_shape_fail_at_once(
    api: FakeGw2Api, fast: dict[str, Any], fault: Fault, message: str
) -> None:
    fault.status = 200
    api.add_fault(fault)

    with pytest.raises(SyncError, match=message):
        await fetch_snapshot(api_url=api.url, **fast)

    assert len(api.requests_to(fault.path or "", bulk=fault.bulk)) == 1


@pytest.mark.parametrize(
    "options",
    [
        {"api_url": "ftp://example.com"},
        {"api_url": "http://"},
        {"concurrency": 0},
        {"max_attempts": 0},
        {"request_timeout": 0},
    ],
)
async def test_bad_arguments_raise_value_error(options: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="must be"):
        await fetch_snapshot(**options)


# --- writing -----------------------------------------------------------------------------------


async def test_sync_replaces_the_previous_snapshot(api: FakeGw2Api, tmp_path: Path) -> None:
    _seed(tmp_path)

    await sync(tmp_path, api_url=api.url)

    assert gamedata.load(tmp_path).info.build_id == 4242
    assert _names(tmp_path) == [FILENAME]


async def test_an_out_dir_that_is_a_file_fails(api: FakeGw2Api, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")

    with pytest.raises(SyncError, match="cannot write a snapshot into"):
        await sync(blocker, api_url=api.url)

    assert blocker.read_text() == "not a directory"


async def test_a_failed_replace_leaves_no_temporary_files(api: FakeGw2Api, tmp_path: Path) -> None:
    (tmp_path / FILENAME).mkdir()

    with pytest.raises(SyncError, match="cannot write snapshot"):
        await sync(tmp_path, api_url=api.url)

    assert _names(tmp_path) == [FILENAME]
    assert (tmp_path / FILENAME).is_dir()


# --- the command line ---------------------------------------------------------------------------


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner whose Settings point at a throw-away data dir."""
    monkeypatch.setenv("GW2WVW_DATA_DIR", str(tmp_path / "data"))
    return CliRunner()


def test_cli_sync_writes_the_snapshot_and_summarises_it(
    runner: CliRunner, api: FakeGw2Api, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["gamedata", "sync", "--api-url", api.url, "--concurrency", "2"])

    assert result.exit_code == 0, result.output
    target = tmp_path / "data" / "gamedata" / FILENAME
    assert gamedata.load(target).info.build_id == 4242
    assert "4242" in result.stdout
    assert "traits" in result.stdout
    assert f"{TRAIT_COUNT}/{TRAIT_COUNT}" in result.stdout  # the finished progress bar


def test_cli_sync_json_prints_only_the_summary(
    runner: CliRunner, api: FakeGw2Api, tmp_path: Path
) -> None:
    out = tmp_path / "elsewhere"
    result = runner.invoke(
        app, ["gamedata", "sync", "--api-url", api.url, "--out", str(out), "--json"]
    )

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["build_id"] == 4242
    assert summary["source"] == api.url
    assert summary["path"] == str(out / FILENAME)
    assert summary["counts"]["traits"] == TRAIT_COUNT
    assert (out / FILENAME).is_file()


def test_cli_sync_reads_the_api_url_from_settings(
    runner: CliRunner, api: FakeGw2Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GW2WVW_GW2_API_URL", api.url)

    result = runner.invoke(app, ["gamedata", "sync", "--json"])

    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["source"] == api.url


def test_cli_sync_failure_is_one_line_and_exit_1(
    runner: CliRunner, api: FakeGw2Api, tmp_path: Path
) -> None:
    api.add_fault(Fault(path="/v2/build", status=404, body='{"text":"no such endpoint"}'))

    result = runner.invoke(app, ["gamedata", "sync", "--api-url", api.url])

    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"error: GET {api.url}/v2/build answered HTTP 404 (no such endpoint)"
    ]
    assert not (tmp_path / "data" / "gamedata" / FILENAME).exists()


@pytest.mark.parametrize(
    "args",
    [["--concurrency", "0"], ["--concurrency", "many"], ["--api-url", "not a url"]],
)
def test_cli_sync_bad_options_exit_2(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(app, ["gamedata", "sync", "--json", *args])

    assert result.exit_code == 2
    assert result.stdout == ""


def test_cli_info_on_the_bundled_snapshot(runner: CliRunner, data: gamedata.GameData) -> None:
    result = runner.invoke(app, ["gamedata", "info", "--json"])

    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["path"] == "(bundled)"
    assert summary["build_id"] == data.info.build_id
    assert summary["source"] == data.info.source
    assert summary["counts"] == {e: len(getattr(data, e)) for e in ENDPOINTS}


async def test_cli_info_on_a_synced_dir_and_file(
    runner: CliRunner, api: FakeGw2Api, tmp_path: Path
) -> None:
    await sync(tmp_path, api_url=api.url)

    as_dir = runner.invoke(app, ["gamedata", "info", str(tmp_path)])
    as_file = runner.invoke(app, ["gamedata", "info", str(tmp_path / FILENAME), "--json"])

    assert as_dir.exit_code == 0, as_dir.output
    assert "4242" in as_dir.stdout
    assert "legends" in as_dir.stdout
    summary = json.loads(as_file.stdout)
    assert summary["path"] == str(tmp_path / FILENAME)
    assert summary["source"] == api.url
    assert summary["counts"]["legends"] == 3


@pytest.mark.parametrize("content", [None, "{not json", '{"format": 99}'])
def test_cli_info_on_a_bad_path_exits_2_with_one_line(
    runner: CliRunner, tmp_path: Path, content: str | None
) -> None:
    target = tmp_path / "snapshot.json"
    if content is not None:
        target.write_text(content)

    result = runner.invoke(app, ["gamedata", "info", str(target)])

    assert result.exit_code == 2
    (line,) = result.stderr.splitlines()
    assert line.startswith("error: ")
    assert result.stdout == ""


def test_cli_info_defaults_to_the_configured_snapshot(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / FILENAME
    target.write_text(gamedata.bundled_snapshot_text().replace('"build_id": 0', '"build_id": 77'))
    monkeypatch.setenv("GW2WVW_GAMEDATA_PATH", str(tmp_path))
    result = runner.invoke(app, ["gamedata", "info", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["build_id"] == 77
