"""``gw2wvw worker``: deliver webhooks with arq (plugged into the core CLI by entry point)."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated

import typer


def worker(
    concurrency: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1000,
            help="Attempts at once (default: GW2WVW_WORKER_MAX_JOBS, else "
            "GW2WVW_WEBHOOK_CONCURRENCY).",
        ),
    ] = None,
    burst: Annotated[bool, typer.Option("--burst", help="Exit once the queue is empty.")] = False,
    check: Annotated[
        bool,
        typer.Option("--check", help="Exit 0 if a worker recorded its health lately, else 1."),
    ] = False,
    log_level: Annotated[str, typer.Option(help="Log level.")] = "info",
) -> None:
    """Deliver webhooks (arq). Needs GW2WVW_REDIS_URL; run as many side by side as you like."""
    from gw2wvw.cli._output import console, fail
    from gw2wvw.settings import Settings
    from gw2wvw_worker.config import WorkerConfig, max_jobs
    from gw2wvw_worker.runner import check as check_health
    from gw2wvw_worker.runner import run

    settings = Settings()
    if settings.redis_url is None:
        fail("the worker takes its jobs from Redis: set GW2WVW_REDIS_URL")
    config = WorkerConfig()
    if concurrency is not None:
        config = config.model_copy(update={"max_jobs": concurrency})
    if check:
        raise typer.Exit(0 if asyncio.run(check_health(settings, config)) else 1)
    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    where = settings.database_url or f"{settings.resolved_database_url()} (embedded)"
    console.print(
        f"gw2wvw worker: {max_jobs(settings, config)} attempts at once, queue "
        f"{config.queue_name!r}, database {where}"
    )
    asyncio.run(run(settings, config, burst=burst))


def register(app: typer.Typer) -> None:
    """Add ``worker`` to the ``gw2wvw`` command line."""
    app.command("worker")(worker)
