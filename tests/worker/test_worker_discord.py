"""A discord endpoint through the real worker: arq jobs on a private Redis deliver a 50-player
post to the local Discord stand-in, and a long rate limit is retried as its own job that
resumes after the messages already delivered."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from arq.connections import ArqRedis

from gw2wvw.settings import Settings
from gw2wvw.squad import SquadRequest, build_squad
from gw2wvw.store import Actor, CompositionCreate, EndpointCreate, Store
from gw2wvw_worker import relay_once
from tests.support.discord_server import DiscordStandIn, RateLimit, violations
from tests.worker.test_worker import ctx, drain, redis

__all__ = ["ctx", "redis"]


@pytest.fixture
def discord() -> Iterator[DiscordStandIn]:
    with DiscordStandIn() as running:
        yield running


def fifty() -> CompositionCreate:
    plan = build_squad(SquadRequest(size=50, mode="zerg", time_limit=5))
    assert plan.composition is not None
    parties = [
        {
            "members": [
                {"player": f"P{p}.{m}", "archetype": x.archetype}
                for m, x in enumerate(party.members)
            ]
        }
        for p, party in enumerate(plan.composition.parties)
    ]
    return CompositionCreate.model_validate({"name": "Zerg", "parties": parties})


async def test_the_worker_posts_to_discord_and_resumes_after_a_rate_limit(
    settings: Settings,
    ctx: dict[str, Any],
    store: Store,
    alice: Actor,
    discord: DiscordStandIn,
    redis: ArqRedis,
) -> None:
    local = settings.model_copy(
        update={"webhook_discord_api_base": discord.base, "webhook_discord_wait_cap": 0.1}
    )
    hooks = Store(store.engine, store.data, store.roles, store.reads, webhooks=local.webhooks)
    endpoint = await hooks.webhooks.create(
        alice,
        EndpointCreate(url=discord.webhook_url(), kind="discord", event_types=("composition.*",)),
    )
    await hooks.compositions.create(alice, fifty())
    # The second message is told to wait 0.5 s: over the cap, so the attempt ends there.
    discord.rate_limit([RateLimit(0.5)], after=1)
    assert await relay_once({**ctx, "hooks": local.webhooks}) == 1

    worker = await drain(local, redis, store=hooks, client=ctx["client"])
    assert worker.jobs_failed == 0
    assert worker.jobs_complete == 2  # the attempt, and its retry (a job of its own)
    accepted = discord.accepted()
    total = len(accepted)
    assert total > 1
    assert discord.requests == total + 1
    assert [a.payload["content"] for a in accepted] == [
        f"**Zerg** ({n}/{total})" for n in range(1, total + 1)
    ]
    assert all(violations(a.payload) == [] for a in accepted)
    (delivery,) = (await hooks.deliveries.list(alice, endpoint.id)).items
    assert (delivery.status, delivery.attempts) == ("succeeded", 2)
    log = await hooks.deliveries.attempts(alice, endpoint.id)
    assert [(a.number, a.response_code) for a in log.items] == [(2, 204), (1, 429)]
