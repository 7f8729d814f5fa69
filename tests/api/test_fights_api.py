"""``/v1/fights`` in process on both backends: uploads (JSON, gzip, zip, Content-Encoding),
the size limit, logs that fail, dps.report permalinks through a local stand-in and the SSRF
guard, visibility, listing, deletion, scopes, and the ``fight.imported`` webhook.

On ``sqlite`` (the embedded default) the app parses in its own background tasks; on
``postgresql`` (Redis configured) it queues the worker's job, which the test checks is queued
and then runs as the worker would.
"""

from __future__ import annotations

import gzip
import io
import ipaddress
import json
import secrets
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from arq.connections import RedisSettings, create_pool
from arq.jobs import Job, JobStatus
from fastapi import FastAPI
from gw2wvw_api.imports import InProcessImports, QueuedImports

from gw2wvw.fights.report import FightReport
from gw2wvw.fights.review import Review, composition_of
from gw2wvw.store import Actor, FightCreate, TokenCreate
from gw2wvw.store.importing import import_fight, job_id, pack
from tests.api.conftest import (
    Account,
    AppFactory,
    add_user,
    assert_problem,
    client_for,
    documented_statuses,
    store_of,
)
from tests.api.test_webhooks_api import register, wait_for
from tests.support.dps_report import FakeDpsReport
from tests.support.webhook_receiver import WebhookReceiver

LOGS = Path(__file__).resolve().parents[1] / "fixtures" / "fightlogs"
EBG = (LOGS / "ebg-2025-11-04.ei.json").read_bytes()
ALPINE = (LOGS / "alpine-2025-12-05.ei.json").read_bytes()
PERMALINK = "https://dps.report/AbCd-20251104-213811_wvw"
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)


def zipped(data: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("fight.json", data)
    return out.getvalue()


@pytest.fixture
def queue() -> str:
    """A queue of this test's own on the shared Redis (``postgresql``)."""
    return f"gw2wvw-test:{secrets.token_hex(8)}:queue"


@pytest.fixture
async def app(make_app: AppFactory, queue: str) -> FastAPI:
    return await make_app(
        worker_queue_name=queue, webhook_allowed_networks=LOOPBACK, webhook_poll_interval=0.05
    )


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as opened:
        yield opened


@pytest.fixture
def dps() -> Iterator[FakeDpsReport]:
    with FakeDpsReport() as running:
        yield running


async def processed(app: FastAPI, fight_id: str) -> None:
    """Let the import job run: the app's own tasks, or (with Redis) the queued worker job."""
    services = app.state.services
    if isinstance(services.imports, InProcessImports):
        await services.imports.wait()
        return
    settings = services.settings
    redis = await create_pool(RedisSettings.from_dsn(settings.redis_url))
    try:
        job = Job(job_id(uuid.UUID(fight_id)), redis, _queue_name=settings.worker_queue_name)
        assert await job.status() == JobStatus.queued
        await redis.delete(settings.worker_queue_name, f"arq:job:{job.job_id}")
    finally:
        await redis.aclose()
    await import_fight(services.store, uuid.UUID(fight_id))


async def post_log(
    client: httpx.AsyncClient,
    account: Account,
    content: Any,
    content_type: str = "application/json",
    **params: str,
) -> httpx.Response:
    headers = {**account.headers, "Content-Type": content_type}
    encoding = params.pop("encoding", None)
    if encoding:
        headers["Content-Encoding"] = encoding
    return await client.post("/v1/fights", content=content, headers=headers, params=params)


async def imported(
    app: FastAPI, client: httpx.AsyncClient, account: Account, response: httpx.Response
) -> dict[str, Any]:
    """The fight a 202 answer stands for, once its job ran."""
    assert response.status_code == 202, response.text
    location = response.headers["location"]
    assert location == f"/v1/fights/{response.json()['id']}"
    assert response.json()["status"] == "pending"
    await processed(app, response.json()["id"])
    got = await client.get(location, headers=account.headers)
    assert got.status_code == 200
    body: dict[str, Any] = got.json()
    return body


@pytest.mark.parametrize(
    ("content", "content_type", "encoding"),
    [
        (EBG, "application/json", None),
        (gzip.compress(EBG), "application/gzip", None),
        (zipped(EBG), "application/zip", None),
        (gzip.compress(EBG), "application/json", "gzip"),
    ],
    ids=["json", "gzip", "zip", "content-encoding"],
)
async def test_an_uploaded_log_becomes_ready_with_its_report(
    app: FastAPI,
    client: httpx.AsyncClient,
    alice: Account,
    content: bytes,
    content_type: str,
    encoding: str | None,
) -> None:
    params = {"name": "ebg.json", **({"encoding": encoding} if encoding else {})}
    response = await post_log(client, alice, content, content_type, **params)
    fight = await imported(app, client, alice, response)
    assert fight["status"] == "ready"
    assert fight["source"] == "ebg.json"
    assert fight["size"] == len(content)
    report = FightReport.model_validate(fight["report"])
    assert report.source == "ebg.json"
    assert fight["map"] == report.map
    assert sum(len(p.members) for p in report.parties) == 19  # the squad of the shared log


async def test_a_log_is_read_as_it_streams_and_refused_past_the_limit(
    make_app: AppFactory, queue: str, alice: Account
) -> None:
    app = await make_app(worker_queue_name=queue, fight_max_bytes=len(EBG) - 1)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(EBG), 8192):
            yield EBG[start : start + 8192]

    async with client_for(app) as client:
        declared = await post_log(client, alice, EBG)
        assert_problem(declared, 413, "log_too_large")
        streamed = await post_log(client, alice, chunks())  # chunked: no Content-Length
        assert_problem(streamed, 413, "log_too_large")
        assert (await client.get("/v1/fights", headers=alice.headers)).json()["items"] == []


async def test_what_is_not_a_log_is_accepted_then_fails_with_the_reason(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    response = await post_log(client, alice, b'{"players": []}', name="nope.json")
    fight = await imported(app, client, alice, response)
    assert fight["status"] == "failed"
    assert fight["reason"].startswith("nope.json is not an Elite Insights log")
    assert fight["report"] is None


async def test_bodies_that_cannot_be_a_log_are_refused_at_once(
    client: httpx.AsyncClient, alice: Account
) -> None:
    assert_problem(await post_log(client, alice, b"x", "text/plain"), 415, "unsupported_media_type")
    assert_problem(
        await post_log(client, alice, b"x", "application/json", encoding="br"),
        415,
        "unsupported_media_type",
    )
    assert_problem(await post_log(client, alice, b"  "), 422, "empty_log")
    bad = await post_log(client, alice, b'{"permalink": "ftp://dps.report/x"}')
    assert_problem(bad, 422, "validation_failed", paths=["/body/permalink"])


async def test_a_permalink_is_fetched_from_dps_report(
    make_app: AppFactory, queue: str, alice: Account, dps: FakeDpsReport
) -> None:
    dps.add(PERMALINK, EBG)
    dps.add(PERMALINK + "-gz", gzip.compress(EBG), Content_Encoding="gzip")
    app = await make_app(
        worker_queue_name=queue, dps_report_url=dps.url, webhook_allowed_networks=LOOPBACK
    )
    async with client_for(app) as client:
        for permalink in (PERMALINK, PERMALINK + "-gz"):
            response = await client.post(
                "/v1/fights",
                json={"permalink": permalink},
                headers=alice.headers,
                params={"visibility": "public"},
            )
            fight = await imported(app, client, alice, response)
            assert fight["status"] == "ready", fight["reason"]
            assert fight["source"] == permalink
            assert fight["visibility"] == "public"
        missing = await client.post(
            "/v1/fights", json={"permalink": PERMALINK + "-gone"}, headers=alice.headers
        )
        assert_problem(missing, 502, "permalink_unavailable")
    assert dps.asked == [PERMALINK, PERMALINK + "-gz", PERMALINK + "-gone"]


async def test_a_permalink_past_the_limit_is_refused(
    make_app: AppFactory, queue: str, alice: Account, dps: FakeDpsReport
) -> None:
    dps.add(PERMALINK, EBG)
    app = await make_app(
        worker_queue_name=queue,
        dps_report_url=dps.url,
        webhook_allowed_networks=LOOPBACK,
        fight_max_bytes=len(EBG) // 2,
    )
    async with client_for(app) as client:
        response = await client.post(
            "/v1/fights", json={"permalink": PERMALINK}, headers=alice.headers
        )
        assert_problem(response, 413, "log_too_large")


async def test_the_ssrf_guard_refuses_a_dps_report_on_a_private_address(
    make_app: AppFactory, queue: str, alice: Account, dps: FakeDpsReport
) -> None:
    dps.add(PERMALINK, EBG)
    app = await make_app(worker_queue_name=queue, dps_report_url=dps.url)  # loopback not allowed
    async with client_for(app) as client:
        response = await client.post(
            "/v1/fights", json={"permalink": PERMALINK}, headers=alice.headers
        )
    body = assert_problem(response, 502, "forbidden_target")
    assert "not a public address" in body["detail"]
    assert dps.asked == []


async def test_visibility_follows_the_rules_of_builds(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    ids = {}
    for visibility in ("private", "unlisted", "public"):
        response = await post_log(client, alice, EBG, visibility=visibility)
        ids[visibility] = (await imported(app, client, alice, response))["id"]
    for visibility, fight_id in ids.items():
        for headers in (bob.headers, {}):
            got = await client.get(f"/v1/fights/{fight_id}", headers=headers)
            if visibility == "private":
                assert_problem(got, 404, "not_found")
            else:
                assert got.status_code == 200
    listed = (await client.get("/v1/fights", headers=bob.headers)).json()["items"]
    assert [f["id"] for f in listed] == [ids["public"]]


async def test_a_fight_answers_304_while_it_is_unchanged(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    response = await post_log(client, alice, EBG)
    pending_etag = response.headers["etag"]
    await imported(app, client, alice, response)
    location = response.headers["location"]
    got = await client.get(location, headers=alice.headers)
    assert got.headers["etag"] != pending_etag  # ready is a new version
    again = await client.get(
        location, headers={**alice.headers, "If-None-Match": got.headers["etag"]}
    )
    assert again.status_code == 304


async def test_listing_filters_by_map_status_and_start(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    ebg = await imported(app, client, alice, await post_log(client, alice, EBG))
    alpine = await imported(app, client, alice, await post_log(client, alice, ALPINE))
    failed = await imported(app, client, alice, await post_log(client, alice, b"{}"))

    async def ids(**params: str) -> list[str]:
        response = await client.get("/v1/fights", headers=alice.headers, params=params)
        assert response.status_code == 200, response.text
        assert all(f["report"] is None for f in response.json()["items"])
        return [f["id"] for f in response.json()["items"]]

    assert await ids() == [failed["id"], alpine["id"], ebg["id"]]
    assert await ids(map=ebg["map"].upper()) == [ebg["id"]]
    assert await ids(status="failed") == [failed["id"]]
    assert await ids(started_after=alpine["started_at"]) == [alpine["id"]]
    assert await ids(started_before=alpine["started_at"]) == [ebg["id"]]
    assert await ids(owner="alice", limit="1", status="ready") == [alpine["id"]]
    naive = await client.get("/v1/fights", params={"started_after": "2025-01-01T00:00:00"})
    assert_problem(naive, 422, "validation_failed", paths=["/query/started_after"])
    number = await client.get("/v1/fights", params={"started_before": "1700000000"})
    assert_problem(number, 422, "validation_failed", paths=["/query/started_before"])


async def test_only_the_owner_deletes(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await post_log(client, alice, EBG, visibility="public")
    location = response.headers["location"]
    await processed(app, response.json()["id"])
    assert_problem(await client.delete(location, headers=bob.headers), 403, "forbidden")
    assert_problem(await client.delete(location), 401, "unauthorized")
    assert (await client.delete(location, headers=alice.headers)).status_code == 204
    assert_problem(await client.get(location, headers=alice.headers), 404, "not_found")
    # Found by the fuzzer: the 422 of an id that is none was answered but not documented.
    malformed = await client.delete("/v1/fights/null,null", headers=alice.headers)
    assert_problem(malformed, 422, "validation_failed", paths=["/path/fight_id"])
    assert 422 in documented_statuses(("/v1/fights",))[("DELETE", "/v1/fights/{fight_id}")]


async def test_uploads_need_the_write_scope(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    token = await store_of(app).tokens.create(
        Actor(user_id=alice.id, name=alice.name), TokenCreate(name="ro", scopes=("read",))
    )
    reader = {"Authorization": f"Bearer {token.token}", "Content-Type": "application/json"}
    response = await client.post("/v1/fights", content=EBG, headers=reader)
    assert_problem(response, 403, "insufficient_scope")
    assert_problem(await client.post("/v1/fights", content=EBG), 401, "unauthorized")


async def test_the_fight_imported_webhook_is_delivered(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    with WebhookReceiver() as receiver:
        await register(client, alice, receiver.url("/hook"), "fight.*")
        response = await post_log(client, alice, EBG)
        await processed(app, response.json()["id"])
        (delivery,) = await wait_for(app, receiver, "/hook", 1)
    event = json.loads(delivery.body)
    assert event["type"] == "fight.imported"
    assert event["data"]["id"] == response.json()["id"]
    assert event["data"]["status"] == "ready"


async def test_start_up_imports_what_a_crash_left_pending(
    make_app: AppFactory, queue: str, app: FastAPI
) -> None:
    """Without Redis (on either database) the API imports them itself; with Redis the worker's
    sweep does (tests/worker/test_fight_jobs.py)."""
    alice = await add_user(app, "carol")
    left = await app.state.services.store.fights.create(
        alice.actor, FightCreate(source="left.json"), pack(EBG), len(EBG)
    )
    again = await make_app(worker_queue_name=queue, redis_url=None)
    assert isinstance(again.state.services.imports, InProcessImports)
    await again.state.services.imports.wait()
    assert (await store_of(again).fights.get(alice.actor, left.id)).status == "ready"


async def test_a_composition_of_the_fights_own_parties_reviews_every_member_matched(
    app: FastAPI, client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    fight = await imported(app, client, alice, await post_log(client, alice, EBG))
    own = composition_of(FightReport.model_validate(fight["report"]))
    body = {
        "name": "EBG as fought",
        "mode": "zerg",
        "parties": [
            {
                "members": [
                    {"player": m.player, "archetype": m.archetype, "commander": m.commander}
                    for m in party.members
                ]
            }
            for party in own.parties
        ],
    }
    created = await client.post("/v1/compositions", json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    url = f"/v1/compositions/{created.json()['id']}/reviews/{fight['id']}"
    response = await client.get(url, headers=alice.headers)
    assert response.status_code == 200, response.text
    reviewed = Review.model_validate(response.json())
    assert reviewed.plan == "EBG as fought"
    assert reviewed.matched == reviewed.planned == sum(len(p.members) for p in own.parties)
    assert all(not p.missing and not p.unplanned for p in reviewed.parties)
    for party in reviewed.parties:
        for goal in party.goals.values():
            if goal.planned is not None and goal.measured is not None:
                assert goal.gap == pytest.approx(goal.measured - goal.planned)
    again = await client.get(
        url, headers={**alice.headers, "If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    # Both must be visible: alice's composition and fight are private.
    assert_problem(await client.get(url, headers=bob.headers), 404, "not_found")


async def test_a_fight_that_is_not_ready_cannot_be_reviewed(
    app: FastAPI, client: httpx.AsyncClient, alice: Account
) -> None:
    failed = await imported(app, client, alice, await post_log(client, alice, b"{}"))
    body = {"name": "plan", "parties": [{"members": [{"archetype": "firebrand-stab"}]}]}
    created = await client.post("/v1/compositions", json=body, headers=alice.headers)
    assert created.status_code == 201, created.text
    url = f"/v1/compositions/{created.json()['id']}/reviews/{failed['id']}"
    problem = assert_problem(await client.get(url, headers=alice.headers), 409, "fight_not_ready")
    assert "is failed" in problem["detail"]
    assert_problem(
        await client.get(
            f"/v1/compositions/{created.json()['id']}/reviews/{uuid.uuid4()}",
            headers=alice.headers,
        ),
        404,
        "not_found",
    )


async def test_a_fight_queued_while_redis_is_away_stays_pending_for_the_sweep(
    app: FastAPI, alice: Account, queue: str
) -> None:
    fight = await store_of(app).fights.create(
        alice.actor, FightCreate(source="a.json"), pack(EBG), len(EBG)
    )
    # Nothing listens on port 1: the job cannot be queued, and submitting does not fail.
    away = QueuedImports("redis://127.0.0.1:1/0", queue)
    await away.submit(fight.id)
    await away.close()
    assert await store_of(app).fights.pending() == [fight.id]


async def test_a_fight_deleted_before_its_turn_is_skipped(
    app: FastAPI, alice: Account, caplog: pytest.LogCaptureFixture
) -> None:
    store = store_of(app)
    fight = await store.fights.create(alice.actor, FightCreate(source="a.json"), pack(b"{}"), 2)
    await store.fights.delete(alice.actor, fight.id)
    imports = InProcessImports(store, lambda: None)
    await imports.submit(fight.id)
    await imports.wait()
    assert "stays pending" not in caplog.text
