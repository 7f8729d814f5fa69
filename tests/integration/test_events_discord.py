"""Discord endpoints against the local Discord stand-in, on both databases: a 50-player post
passes every limit check, messages go in order, 429s are honoured and a retry resumes where
the last attempt stopped."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import httpx
import pytest

from gw2wvw.events import deliver, new_client, relay
from gw2wvw.events.discord import rate_limit_wait, short_message
from gw2wvw.settings import WebhookSettings
from gw2wvw.squad import SquadRequest, build_squad
from gw2wvw.store import (
    Actor,
    CompositionCreate,
    EndpointCreate,
    EndpointPatch,
    Store,
    ValidationFailed,
)
from gw2wvw.store.schemas import DeliveryTask, EventRead, Recorded
from gw2wvw.store.tables import utcnow
from tests.support.discord_server import DiscordStandIn, RateLimit, violations


@pytest.fixture
def discord() -> Iterator[DiscordStandIn]:
    with DiscordStandIn() as running:
        yield running


@pytest.fixture
def settings(discord: DiscordStandIn) -> WebhookSettings:
    return WebhookSettings(
        allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        timeout=2.0,
        retry_schedule=(0.05, 0.1),
        retry_jitter=0,
        discord_api_base=discord.base,
        discord_wait_cap=1.0,
    )


@pytest.fixture
def hooks(store: Store, settings: WebhookSettings) -> Store:
    """The test's store, with webhook settings that take the stand-in for Discord."""
    return Store(store.engine, store.data, store.roles, store.reads, webhooks=settings)


@pytest.fixture
async def client(settings: WebhookSettings) -> AsyncIterator[httpx.AsyncClient]:
    async with new_client(settings) as opened:
        yield opened


def fifty(name: str = "Friday zerg") -> CompositionCreate:
    """The builder's 50-player zerg, with long player names, as a private composition."""
    plan = build_squad(SquadRequest(size=50, mode="zerg", time_limit=5))
    assert plan.composition is not None
    parties = [
        {
            "members": [
                {"player": f"Player-{p}-{m}-{'x' * 40}", "archetype": member.archetype}
                for m, member in enumerate(party.members)
            ]
        }
        for p, party in enumerate(plan.composition.parties)
    ]
    return CompositionCreate.model_validate(
        {"name": name, "visibility": "private", "parties": parties}
    )


async def subscribe(store: Store, actor: Actor, discord: DiscordStandIn) -> None:
    await store.webhooks.create(
        actor,
        EndpointCreate(url=discord.webhook_url(), kind="discord", event_types=("composition.*",)),
    )


async def posted(store: Store, actor: Actor, settings: WebhookSettings) -> DeliveryTask:
    await store.compositions.create(actor, fifty())
    await relay(store, settings)
    (task,) = await store.deliveries.claim_due(10, settings.lease)
    return task


async def retry(store: Store, recorded: Recorded, settings: WebhookSettings) -> DeliveryTask:
    assert recorded.due is not None
    task = await store.deliveries.claim(
        recorded.due.id, settings.lease, now=recorded.due.next_attempt_at
    )
    assert task is not None
    return task


async def test_a_50_player_post_passes_the_stand_ins_checks_in_order(
    hooks: Store,
    alice: Actor,
    discord: DiscordStandIn,
    client: httpx.AsyncClient,
    settings: WebhookSettings,
) -> None:
    await subscribe(hooks, alice, discord)
    task = await posted(hooks, alice, settings)
    recorded = await deliver(hooks, client, task, settings)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "succeeded", recorded.delivery.error
    accepted = discord.accepted()
    assert discord.rejected() == []
    total = len(accepted)
    assert total > 1
    assert [a.payload["content"] for a in accepted] == [
        f"**Friday zerg** ({n}/{total})" for n in range(1, total + 1)
    ]
    titles = [e["title"] for a in accepted for e in a.payload["embeds"]]
    assert titles[1:11] == [f"Party {n}" for n in range(1, 11)]
    for message in accepted:
        assert message.path == "/api/webhooks/123456789012345678/tok-en_1"
        assert not any(h.startswith("webhook-") for h in message.headers)
        assert violations(message.payload) == []
    assert recorded.delivery.response_body == f"{total} of {total} messages delivered"


async def test_a_short_rate_limit_is_slept_through_within_the_attempt(
    hooks: Store,
    alice: Actor,
    discord: DiscordStandIn,
    client: httpx.AsyncClient,
    settings: WebhookSettings,
) -> None:
    await subscribe(hooks, alice, discord)
    task = await posted(hooks, alice, settings)
    discord.rate_limit([RateLimit(0.2), RateLimit(0.1)])
    recorded = await deliver(hooks, client, task, settings)
    assert recorded.delivery is not None
    assert (recorded.delivery.status, recorded.delivery.attempts) == ("succeeded", 1)
    accepted = discord.accepted()
    assert discord.requests == len(accepted) + 2
    contents = [a.payload["content"] for a in accepted]
    assert len(set(contents)) == len(contents)  # nothing sent twice


async def test_a_long_rate_limit_ends_the_attempt_and_the_retry_resumes(
    hooks: Store,
    alice: Actor,
    discord: DiscordStandIn,
    client: httpx.AsyncClient,
    settings: WebhookSettings,
) -> None:
    await subscribe(hooks, alice, discord)
    before = utcnow()
    task = await posted(hooks, alice, settings)
    # The first message goes through; the second is told to wait 30 s (over the 1 s cap).
    discord.rate_limit([RateLimit(30.0)], after=1)
    recorded = await deliver(hooks, client, task, settings)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "pending"
    assert recorded.delivery.response_code == 429
    error = recorded.delivery.error or ""
    total = int(error.rsplit(" of ", 1)[1].split()[0])
    assert error == f"HTTP 429 at message 2 of {total} (messages 1-1 of {total} delivered)"
    assert recorded.delivery.next_attempt_at is not None
    assert recorded.delivery.next_attempt_at >= before + timedelta(seconds=29)
    assert len(discord.accepted()) == 1

    resumed = await deliver(hooks, client, await retry(hooks, recorded, settings), settings)
    assert resumed.delivery is not None
    assert resumed.delivery.status == "succeeded"
    contents = [a.payload["content"] for a in discord.accepted()]
    assert contents == [f"**Friday zerg** ({n}/{total})" for n in range(1, total + 1)]
    assert resumed.delivery.response_body == f"{total - 1} of {total} messages delivered"
    log = await hooks.deliveries.attempts(alice, recorded.delivery.endpoint_id)
    assert [(a.number, a.response_code) for a in log.items] == [(2, 204), (1, 429)]


async def test_an_unknown_webhook_is_gone_and_a_refused_message_fails(
    hooks: Store,
    alice: Actor,
    discord: DiscordStandIn,
    client: httpx.AsyncClient,
    settings: WebhookSettings,
) -> None:
    await hooks.webhooks.create(
        alice,
        EndpointCreate(url=discord.webhook_url(), kind="discord", event_types=("build.*",)),
    )
    async with hooks.transaction() as tx:
        await tx.emit("build.created", alice.user_id, {"id": "b", "name": "@everyone *bold*"})
    await relay(hooks, settings)
    (task,) = await hooks.deliveries.claim_due(10, settings.lease)
    recorded = await deliver(hooks, client, task, settings)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "succeeded"
    (message,) = discord.accepted()
    assert message.payload == {
        "content": "`build.created`: @everyone \\*bold\\*",
        "allowed_mentions": {"parse": []},
    }

    # The stand-in answers 400 to what Discord refuses, and 404 to an unknown webhook.
    async with httpx.AsyncClient() as plain:
        too_long = await plain.post(discord.webhook_url(), json={"content": "x" * 2001})
        assert too_long.status_code == 400
        assert too_long.json()["code"] == 50035
        empty = await plain.post(discord.webhook_url(), json={"content": ""})
        assert empty.status_code == 400
        unknown = await plain.post(discord.base + "/api/nothing", json={"content": "x"})
        assert unknown.status_code == 404


async def test_spent_buckets_refusals_and_deleted_compositions(
    hooks: Store,
    alice: Actor,
    discord: DiscordStandIn,
    client: httpx.AsyncClient,
    settings: WebhookSettings,
) -> None:
    await subscribe(hooks, alice, discord)
    task = await posted(hooks, alice, settings)
    # A spent bucket is waited out before each next message: the post still arrives whole.
    discord.spent_bucket = True
    recorded = await deliver(hooks, client, task, settings)
    assert recorded.delivery is not None
    assert recorded.delivery.status == "succeeded"
    total = len(discord.accepted())
    discord.spent_bucket = False

    # A refusal part way fails the attempt and names what was delivered.
    created = await hooks.compositions.create(alice, fifty("Sat"))
    await relay(hooks, settings)
    (task,) = await hooks.deliveries.claim_due(10, settings.lease)
    first = len(discord.accepted())

    async def refuse_second(request: httpx.Request) -> None:
        if len(discord.accepted()) == first + 1:
            discord.answer([400])

    client.event_hooks["request"] = [refuse_second]
    failed = await deliver(hooks, client, task, settings)
    client.event_hooks["request"] = []
    assert failed.delivery is not None
    assert failed.delivery.error == (
        f"HTTP 400 at message 2 of {total} (messages 1-1 of {total} delivered)"
    )

    # Deleted before its retry: the retry says what the event was instead of posting.
    await hooks.compositions.delete(alice, created.id)
    retried = await deliver(hooks, client, await retry(hooks, failed, settings), settings)
    assert retried.delivery is not None
    assert retried.delivery.status == "succeeded"
    assert discord.accepted()[-1].payload["content"] == "`composition.created`: Sat"


async def test_refused_targets_and_connection_errors_fail(
    hooks: Store, alice: Actor, discord: DiscordStandIn, client: httpx.AsyncClient
) -> None:
    await subscribe(hooks, alice, discord)
    closed = WebhookSettings(discord_api_base=discord.base, timeout=1.0)
    task = await posted(hooks, alice, closed)
    refused = await deliver(hooks, client, task, closed)  # loopback is not allowed here
    assert refused.delivery is not None
    assert (refused.delivery.error or "").startswith("forbidden")
    discord.__exit__()
    open_again = WebhookSettings(
        allowed_networks=(ipaddress.ip_network("127.0.0.0/8"),),
        discord_api_base=discord.base,
        timeout=1.0,
        retry_schedule=(0.05,),
    )
    broken = await deliver(hooks, client, await retry(hooks, refused, open_again), open_again)
    assert broken.delivery is not None
    assert (broken.delivery.error or "").startswith("ConnectError")


def test_short_messages_and_rate_limit_waits() -> None:
    event = EventRead(
        id="0" * 32,
        type="composition.deleted",
        owner_id=None,
        payload={"id": "c-1"},
        created_at=utcnow(),
    )
    assert short_message(event)["content"] == "`composition.deleted`: c-1"
    plain = EventRead(
        id="0" * 32, type="webhook.test", owner_id=None, payload={}, created_at=utcnow()
    )
    assert short_message(plain)["content"] == "`webhook.test`"
    fight = plain.model_copy(
        update={
            "type": "fight.imported",
            "payload": {
                "id": "f-1",
                "map": "Eternal Battlegrounds",
                "duration_s": 312.4,
                "started_at": "2026-12-03T20:00:00Z",
            },
        }
    )
    assert short_message(fight)["content"] == (
        "`fight.imported`: Eternal Battlegrounds, 312 s, started 2026-12-03T20:00:00Z"
    )
    unknown = fight.model_copy(update={"payload": {"map": None, "duration_s": None}})
    assert short_message(unknown)["content"] == "`fight.imported`: a fight"
    answer = httpx.Response(429, headers={"retry-after": "3"})
    assert rate_limit_wait(answer, json.dumps({"retry_after": 1.5}).encode()) == 1.5
    assert rate_limit_wait(answer, b"not json") == 3.0
    assert rate_limit_wait(answer, b'{"retry_after": true}') == 3.0
    reset = httpx.Response(429, headers={"x-ratelimit-reset-after": "0.25"})
    assert rate_limit_wait(reset, b"") == 0.25
    assert rate_limit_wait(httpx.Response(429), b"") is None


async def test_a_discord_endpoint_needs_a_discord_webhook_url(
    hooks: Store, alice: Actor, discord: DiscordStandIn
) -> None:
    for url in (
        "https://discordapp.com/api/webhooks/1/token",
        "https://example.org/api/webhooks/1/token",
        discord.base + "/api/webhooks/not-a-number/token",
        discord.base + "/api/webhooks/1",
    ):
        with pytest.raises(ValidationFailed) as raised:
            await hooks.webhooks.create(
                alice, EndpointCreate(url=url, kind="discord", event_types=("*",))
            )
        assert [(e.path, e.code) for e in raised.value.errors] == [("/url", "not_discord_webhook")]
    created = await hooks.webhooks.create(
        alice, EndpointCreate(url=discord.webhook_url(), kind="discord", event_types=("*",))
    )
    assert created.kind == "discord"
    with pytest.raises(ValidationFailed):
        await hooks.webhooks.update(
            alice, created.id, EndpointPatch(url="https://example.org/api/webhooks/1/t")
        )
    # A standard endpoint may point anywhere allowed, Discord's URL too.
    standard = await hooks.webhooks.create(
        alice, EndpointCreate(url=discord.webhook_url(), event_types=("*",))
    )
    assert standard.kind == "standard"
    assert [e.kind for e in await hooks.webhooks.list(alice)] == ["discord", "standard"]
