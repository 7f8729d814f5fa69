"""Worker fixtures: the store on SQLite and PostgreSQL (as in the integration tests), a private
redis-server, and worker settings that reach a local receiver and retry quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gw2wvw.settings import Settings
from tests.integration.conftest import (  # the store fixtures, on both databases
    alice,
    database_url,
    postgres_url,
    sqlite_template_file,
    store,
)
from tests.support.redis_server import RedisServer
from tests.support.webhook_receiver import WebhookReceiver

__all__ = ["alice", "database_url", "postgres_url", "sqlite_template_file", "store"]


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """A webhook receiver on 127.0.0.1."""
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def settings(database_url: str, redis_server: RedisServer) -> Settings:
    """Settings of a worker on this test's database and private Redis."""
    return Settings(
        database_url=database_url,
        redis_url=redis_server.url,
        webhook_allowed_networks="127.0.0.0/8",  # type: ignore[arg-type]
        webhook_timeout=2.0,
        webhook_lease_margin=1.0,
        webhook_retry_schedule="0.05,0.1",  # type: ignore[arg-type]
        webhook_retry_jitter=0.0,
    )
