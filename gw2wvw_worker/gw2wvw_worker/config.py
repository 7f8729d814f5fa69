"""The worker's own settings (``GW2WVW_WORKER_*``) and the arq ``WorkerSettings`` built from them.

The database, Redis and webhook settings are the core's (``GW2WVW_DATABASE_URL``,
``GW2WVW_REDIS_URL``, ``GW2WVW_WEBHOOK_*``); what is read here is how the worker polls.
"""

from __future__ import annotations

import socket
from typing import Any

from arq.connections import RedisSettings
from arq.worker import func
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from gw2wvw.settings import Settings
from gw2wvw.store.importing import JOB
from gw2wvw_worker import jobs

QUEUE = Settings.model_fields["worker_queue_name"].default
"""The arq queue the webhook and fight jobs go to (the API queues fight imports there too)."""


class WorkerConfig(BaseSettings):
    """How a worker polls its queue and the database; read from ``GW2WVW_WORKER_*``."""

    model_config = SettingsConfigDict(env_prefix="GW2WVW_WORKER_", extra="ignore", frozen=True)

    max_jobs: int | None = Field(default=None, ge=1, le=1000)
    """Attempts one worker runs at once; unset: ``GW2WVW_WEBHOOK_CONCURRENCY``."""

    poll_delay: float = Field(default=0.02, gt=0, le=10)
    """Seconds between reads of the queue while the worker is full or idle.

    arq's 0.5 s default caps a worker at ``queue_read_limit`` jobs per half second, and a full
    worker waits a whole poll for each freed slot; at 20 ms polling is not the bottleneck.
    """

    relay_interval: float = Field(default=0.2, gt=0, le=60)
    """Seconds between relays of the outbox when it is empty (a full batch relays again at once)."""

    sweep_interval: float = Field(default=2.0, gt=0, le=3600)
    """Seconds between sweeps that queue every due delivery again (what Redis lost comes back)."""

    sweep_limit: int = Field(default=1000, ge=1, le=100_000)
    """Due deliveries looked at per sweep, soonest first."""

    queue_name: str = QUEUE
    """The arq queue."""

    health_check_interval: float = Field(default=10.0, gt=0)
    """Seconds between updates of arq's health-check key (``gw2wvw worker --check`` reads it)."""

    redis_retries: int = Field(default=8, ge=0)
    """Times a Redis command is retried, with backoff, while Redis restarts."""


def redis_settings(url: str, retries: int = 8) -> RedisSettings:
    """arq's connection settings for ``url``: commands retried while Redis is briefly away."""
    settings = RedisSettings.from_dsn(url)
    if retries:
        settings.retry = Retry(ExponentialBackoff(cap=1.0, base=0.05), retries)
        settings.retry_on_error = [RedisConnectionError, RedisTimeoutError, socket.timeout]
    settings.conn_retries = 3
    return settings


def max_jobs(settings: Settings, config: WorkerConfig) -> int:
    """Jobs one worker runs at once."""
    return config.max_jobs or settings.webhook_concurrency


def worker_settings(
    settings: Settings | None = None, config: WorkerConfig | None = None
) -> dict[str, Any]:
    """Keyword arguments of ``arq.worker.Worker`` for these settings (what ``WorkerSettings`` is).

    Raises ValueError without ``GW2WVW_REDIS_URL``: the worker's queue lives in Redis.
    """
    settings = settings or Settings()
    config = config or WorkerConfig()
    if settings.redis_url is None:
        raise ValueError("the worker needs Redis: set GW2WVW_REDIS_URL")
    hooks = settings.webhooks
    jobs_at_once = max_jobs(settings, config)
    # A job may run as long as its claim lasts: past the lease, another worker may retry it.
    lease = hooks.lease.total_seconds()
    return {
        "functions": [
            func(jobs.deliver, name="deliver", timeout=lease, max_tries=3),
            func(jobs.noop, name="noop", timeout=10),
            # One try: the job marks the fight failed itself; only a lost database leaves it
            # pending, and the sweep queues it again.
            func(jobs.import_fight, name=JOB, timeout=600, max_tries=1),
        ],
        "on_startup": jobs.startup,
        "on_shutdown": jobs.shutdown,
        "redis_settings": redis_settings(settings.redis_url, config.redis_retries),
        "queue_name": config.queue_name,
        "max_jobs": jobs_at_once,
        "queue_read_limit": max(jobs_at_once * 5, 100),
        "poll_delay": config.poll_delay,
        "job_timeout": lease,
        # Results are not kept: a job id then de-duplicates only while the job is queued or
        # running, and a sweep can queue again a delivery whose job ran without claiming it.
        "keep_result": 0,
        "health_check_interval": config.health_check_interval,
        # On SIGTERM (arq's own CLI) attempts in flight may finish before the worker exits.
        "job_completion_wait": int(hooks.timeout) + 1,
        "ctx": {"settings": settings, "config": config},
    }
