"""The arq worker in this process, against a real Redis and both databases.

The end-to-end test (tests/e2e/test_webhooks_e2e.py) runs workers as processes and kills them;
these run the same jobs, loops and runner in-process, where coverage and failures are visible.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import AsyncIterator
from importlib.metadata import entry_points
from typing import Any

import httpx
import pytest
import typer
from arq.connections import ArqRedis, create_pool
from arq.worker import Worker
from gw2wvw_worker.cli import register
from gw2wvw_worker.config import redis_settings
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from gw2wvw.events import new_client
from gw2wvw.settings import Settings
from gw2wvw.store import Actor, EndpointCreate, EndpointWithSecret, Store, UserCreate, open_store
from gw2wvw_worker import (
    QUEUE,
    WorkerConfig,
    check,
    deliver,
    enqueue,
    relay_once,
    run,
    shutdown,
    startup,
    sweep,
    worker_settings,
)
from gw2wvw_worker import runner as runner_module
from tests.support.redis_server import RedisServer
from tests.support.webhook_receiver import Reply, WebhookReceiver, eventually

cli = typer.Typer()


@cli.callback()
def _root() -> None:
    """The ``gw2wvw`` root, with only the worker's command plugged in."""


register(cli)

CONFIG = WorkerConfig(relay_interval=0.05, sweep_interval=0.2, health_check_interval=1.0)


@pytest.fixture
async def redis(settings: Settings) -> AsyncIterator[ArqRedis]:
    assert settings.redis_url is not None
    pool = await create_pool(redis_settings(settings.redis_url), default_queue_name=QUEUE)
    yield pool
    await pool.aclose()


@pytest.fixture
async def ctx(settings: Settings, store: Store, redis: ArqRedis) -> AsyncIterator[dict[str, Any]]:
    """A job context as :func:`startup` makes it, without its background loops."""
    hooks = settings.webhooks
    async with new_client(hooks) as client:
        yield {
            "settings": settings,
            "config": CONFIG,
            "hooks": hooks,
            "store": store,
            "client": client,
            "redis": redis,
        }


async def subscribe(store: Store, actor: Actor, url: str, *types: str) -> EndpointWithSecret:
    return await store.webhooks.create(actor, EndpointCreate(url=url, event_types=types or ("*",)))


async def write_events(store: Store, actor: Actor, count: int, kind: str = "build.created") -> None:
    for n in range(count):
        async with store.transaction() as tx:
            await tx.emit(kind, actor.user_id, {"n": n})


async def queued(redis: ArqRedis) -> int:
    return int(await redis.zcard(QUEUE))


async def drain(settings: Settings, redis: ArqRedis, **ctx: Any) -> Worker:
    """Run an arq worker with the worker's settings until its queue is empty."""
    options = worker_settings(settings, CONFIG)
    worker = Worker(
        **{**options, "ctx": {**options["ctx"], **ctx}},
        burst=True,
        handle_signals=False,
    )
    await worker.main()
    await worker.close()
    return worker


async def test_the_settings_keep_polling_off_the_critical_path(settings: Settings) -> None:
    options = worker_settings(settings, WorkerConfig())
    assert options["max_jobs"] == settings.webhook_concurrency
    assert options["poll_delay"] <= 0.05
    assert options["queue_read_limit"] >= options["max_jobs"] * 5
    assert options["keep_result"] == 0
    assert options["health_check_interval"] <= 60
    assert options["queue_name"] == QUEUE
    assert options["redis_settings"].port == int(settings.redis_url.rsplit(":", 1)[1].split("/")[0])  # type: ignore[union-attr]
    (deliver_function, _, fight_function) = options["functions"]
    assert fight_function.name == "import_fight"
    assert fight_function.max_tries == 1  # it marks the fight failed itself
    assert deliver_function.name == "deliver"
    assert deliver_function.timeout_s == settings.webhooks.lease.total_seconds()
    wider = worker_settings(settings, WorkerConfig(max_jobs=40))
    assert (wider["max_jobs"], wider["queue_read_limit"]) == (40, 200)
    with pytest.raises(ValueError, match="GW2WVW_REDIS_URL"):
        worker_settings(settings.model_copy(update={"redis_url": None}))


def test_worker_settings_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, redis_server: RedisServer
) -> None:
    import gw2wvw_worker

    monkeypatch.setenv("GW2WVW_REDIS_URL", redis_server.url)
    monkeypatch.setenv("GW2WVW_WEBHOOK_CONCURRENCY", "24")
    monkeypatch.setenv("GW2WVW_WORKER_POLL_DELAY", "0.01")
    found = gw2wvw_worker.WorkerSettings
    assert found.__name__ == "WorkerSettings"
    assert (found.max_jobs, found.poll_delay, found.queue_read_limit) == (24, 0.01, 120)
    assert found.redis_settings.port == redis_server.port
    with pytest.raises(AttributeError):
        _ = gw2wvw_worker.NoSuchThing  # type: ignore[attr-defined]


async def test_relay_queues_jobs_that_deliver_and_retry(
    settings: Settings,
    ctx: dict[str, Any],
    store: Store,
    alice: Actor,
    receiver: WebhookReceiver,
    redis: ArqRedis,
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"), "build.*")
    await write_events(store, alice, 3)
    await write_events(store, alice, 2, "composition.created")  # not subscribed
    receiver.script("/hook", [Reply(500, b"not now")])
    assert await relay_once(ctx) == 3
    assert await queued(redis) == 3
    assert await relay_once(ctx) == 0

    worker = await drain(settings, redis, store=store, client=ctx["client"])
    assert worker.jobs_failed == 0
    assert worker.jobs_complete == 4  # three deliveries, one retried (a job of its own)
    assert await queued(redis) == 0
    requests = receiver.received("/hook")
    assert len(requests) == 4
    ids = Counter(r.headers["webhook-id"] for r in requests)
    assert sorted(ids.values()) == [1, 1, 2]
    for request in requests:
        assert Webhook(endpoint.secret).verify(request.body, request.headers)["type"] == (
            "build.created"
        )
    page = await store.deliveries.list(alice, endpoint.id)
    assert {(d.status, d.attempts) for d in page.items} == {("succeeded", 1), ("succeeded", 2)}


async def test_the_sweep_requeues_what_redis_lost(
    settings: Settings,
    ctx: dict[str, Any],
    store: Store,
    alice: Actor,
    receiver: WebhookReceiver,
    redis: ArqRedis,
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    await write_events(store, alice, 5)
    assert await relay_once(ctx) == 5
    assert await sweep(ctx) == 0  # all queued already: the job ids de-duplicate
    await redis.flushall()
    assert await queued(redis) == 0
    assert await sweep(ctx) == 5
    assert await sweep(ctx) == 0
    await drain(settings, redis, store=store, client=ctx["client"])
    assert len({r.headers["webhook-id"] for r in receiver.received()}) == 5
    assert len(receiver.received()) == 5
    assert await store.deliveries.due() == []


async def test_jobs_are_named_after_the_attempt(
    ctx: dict[str, Any], store: Store, alice: Actor, receiver: WebhookReceiver, redis: ArqRedis
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    await write_events(store, alice, 2)
    created = (await store.deliveries.relay_pending()).deliveries
    assert await enqueue(redis, created, QUEUE) == 2
    assert await enqueue(redis, created, QUEUE) == 0
    jobs = {job.decode() for job in await redis.zrange(QUEUE, 0, -1)}
    assert jobs == {d.job_id for d in created}


async def test_startup_and_shutdown_open_and_close_what_they_own(
    settings: Settings,
    store: Store,
    alice: Actor,
    receiver: WebhookReceiver,
    redis: ArqRedis,
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    ctx: dict[str, Any] = {"settings": settings, "config": CONFIG, "redis": redis}
    await startup(ctx)
    try:
        assert ctx["store"] is not store  # its own, from the settings
        assert isinstance(ctx["client"], httpx.AsyncClient)
        await write_events(store, alice, 2)
        # The relay loop queues them; nobody runs the jobs here.
        await eventually(lambda: queued(redis), within=5)
        await redis.flushall()
        # The sweep loop queues them again.
        await eventually(lambda: queued(redis), within=5)
    finally:
        await shutdown(ctx)
    assert "store" not in ctx
    assert "client" not in ctx
    assert "loops" not in ctx
    await shutdown(ctx)  # twice is harmless


async def test_a_failing_loop_logs_and_goes_on(
    settings: Settings, store: Store, redis: ArqRedis, caplog: pytest.LogCaptureFixture
) -> None:
    calls = 0
    original = store.deliveries.due

    async def flaky(**kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database hiccup")
        return await original(**kwargs)

    store.deliveries.due = flaky  # type: ignore[method-assign]
    ctx: dict[str, Any] = {"settings": settings, "config": CONFIG, "redis": redis, "store": store}
    with caplog.at_level(logging.ERROR, logger="gw2wvw_worker.jobs"):
        await startup(ctx)
        try:
            await eventually(lambda: calls >= 2, within=5)
        finally:
            await shutdown(ctx)
    assert "webhook sweep failed" in caplog.text
    assert ctx["store"] is store  # given, not owned: left open and in place


async def test_the_runner_outlives_a_redis_restart(
    settings: Settings,
    store: Store,
    alice: Actor,
    receiver: WebhookReceiver,
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/hook"))
    stop = asyncio.Event()
    config = CONFIG.model_copy(update={"redis_retries": 1})
    monkeypatch.setattr(runner_module, "_STEADY", 0.0)  # every outage starts the delays over
    with caplog.at_level(logging.WARNING, logger="gw2wvw_worker.runner"):
        running = asyncio.create_task(run(settings, config, stop=stop))
        await write_events(store, alice, 3)
        await eventually(lambda: len(receiver.received()) >= 3, within=15)
        redis_server.stop()
        await write_events(store, alice, 3)
        await eventually(lambda: "starting it again" in caplog.text, within=15)
        redis_server.start()
        await eventually(lambda: len(receiver.received()) >= 6, within=20)

        # Every delivery ends succeeded (one whose outcome a restart cut off, after its lease).
        async def all_succeeded() -> bool:
            page = await store.deliveries.list(alice, endpoint.id)
            return len(page.items) == 6 and {d.status for d in page.items} == {"succeeded"}

        await eventually(all_succeeded, within=20)
        # The health check sees it.
        healthy = await asyncio.to_thread(
            CliRunner().invoke, cli, ["worker", "--check"], env=env_of(settings)
        )
        assert healthy.exit_code == 0, healthy.output
        stop.set()
        await asyncio.wait_for(running, 15)
    ids = Counter(r.headers["webhook-id"] for r in receiver.received())
    assert len(ids) == 6
    assert await store.deliveries.due() == []


async def test_a_burst_runner_returns_once_the_queue_is_empty(
    settings: Settings, store: Store, alice: Actor, receiver: WebhookReceiver, redis: ArqRedis
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    await write_events(store, alice, 2)
    ctx: dict[str, Any] = {"settings": settings, "config": CONFIG, "redis": redis, "store": store}
    async with new_client(settings.webhooks) as client:
        ctx.update(client=client, hooks=settings.webhooks)
        assert await relay_once(ctx) == 2
    await asyncio.wait_for(run(settings, CONFIG, burst=True, stop=asyncio.Event()), 15)
    assert len(receiver.received()) == 2


def env_of(settings: Settings) -> dict[str, str]:
    return {"GW2WVW_REDIS_URL": str(settings.redis_url)}


def test_the_cli_command(redis_server: RedisServer) -> None:
    assert "worker" in {entry.name for entry in entry_points(group="gw2wvw.cli")}
    runner = CliRunner()
    no_redis = runner.invoke(cli, ["worker"], env={"GW2WVW_REDIS_URL": None})
    assert no_redis.exit_code == 2
    assert "GW2WVW_REDIS_URL" in no_redis.output
    unhealthy = runner.invoke(
        cli, ["worker", "--check"], env={"GW2WVW_REDIS_URL": redis_server.url}
    )
    assert unhealthy.exit_code == 1
    helped = runner.invoke(cli, ["worker", "--help"])
    assert "--concurrency" in helped.output


async def test_deliver_is_idempotent(
    ctx: dict[str, Any], store: Store, alice: Actor, receiver: WebhookReceiver
) -> None:
    await subscribe(store, alice, receiver.url("/hook"))
    await write_events(store, alice, 1)
    (due,) = (await store.deliveries.relay_pending()).deliveries
    assert await deliver(ctx, str(due.id)) == "succeeded after attempt 1"
    assert await deliver(ctx, str(due.id)) == "not due"
    assert len(receiver.received()) == 1


async def test_startup_reads_the_environment_when_ctx_has_nothing(
    settings: Settings, redis: ArqRedis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GW2WVW_DATABASE_URL", str(settings.database_url))
    monkeypatch.setenv("GW2WVW_WORKER_SWEEP_INTERVAL", "7")
    ctx: dict[str, Any] = {"redis": redis}
    await startup(ctx)
    try:
        assert ctx["config"].sweep_interval == 7
        assert ctx["settings"].database_url == settings.database_url
        await ctx["store"].ping()
    finally:
        await shutdown(ctx)
    with pytest.raises(ValueError, match="GW2WVW_REDIS_URL"):
        await check(settings.model_copy(update={"redis_url": None}))


async def _seed_due(settings: Settings, url: str, count: int) -> None:
    """An endpoint at ``url``, ``count`` events relayed and their jobs queued."""
    assert settings.redis_url is not None
    async with open_store(str(settings.database_url)) as store:
        user = await store.users.create(UserCreate(name="cli"))
        actor = Actor(user_id=user.id, name=user.name)
        await subscribe(store, actor, url)
        await write_events(store, actor, count)
        created = (await store.deliveries.relay_pending()).deliveries
    pool = await create_pool(redis_settings(settings.redis_url), default_queue_name=QUEUE)
    try:
        assert await enqueue(pool, created, QUEUE) == count
    finally:
        await pool.aclose()


def test_the_cli_runs_a_burst(
    settings: Settings, database_url: str, receiver: WebhookReceiver
) -> None:
    # A plain test, so the command's asyncio.run owns the main thread (and its signals).
    asyncio.run(_seed_due(settings, receiver.url("/cli"), 3))
    env = {
        "GW2WVW_DATABASE_URL": database_url,
        "GW2WVW_REDIS_URL": str(settings.redis_url),
        "GW2WVW_WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8",
    }
    result = CliRunner().invoke(
        cli, ["worker", "--burst", "--concurrency", "2", "--log-level", "warning"], env=env
    )
    assert result.exit_code == 0, result.output
    assert "2 attempts at once" in result.output
    assert len({r.headers["webhook-id"] for r in receiver.received("/cli")}) == 3


async def test_a_delivery_whose_endpoint_went_away_meanwhile(
    ctx: dict[str, Any], store: Store, alice: Actor, receiver: WebhookReceiver
) -> None:
    endpoint = await subscribe(store, alice, receiver.url("/slow"))
    receiver.script("/slow", [Reply(204, b"", delay=0.3)])
    await write_events(store, alice, 1)
    (due,) = (await store.deliveries.relay_pending()).deliveries
    job = asyncio.create_task(deliver(ctx, str(due.id)))
    await eventually(lambda: receiver.received("/slow"))
    await store.webhooks.delete(alice, endpoint.id)
    assert await job == "gone"
    assert await store.deliveries.due() == []
