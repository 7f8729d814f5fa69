"""Discord endpoints over HTTP, on SQLite (the app's own dispatcher) and PostgreSQL with Redis
(a worker's part): register one, store a 50-player squad, and the local Discord stand-in
receives its post within every limit, through a rate limit, with the delivery logged."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from gw2wvw.squad import SquadRequest, build_squad
from tests.api.conftest import Account, AppFactory, assert_problem, client_for
from tests.api.test_webhooks_api import HOOKS, deliver_due
from tests.support.discord_server import DiscordStandIn, RateLimit, violations
from tests.support.webhook_receiver import eventually


@pytest.fixture
def discord() -> Iterator[DiscordStandIn]:
    with DiscordStandIn() as running:
        yield running


@pytest.fixture
async def app(make_app: AppFactory, discord: DiscordStandIn) -> FastAPI:
    """An app whose Discord is the stand-in."""
    return await make_app(**HOOKS, webhook_discord_api_base=discord.base)


def fifty() -> dict[str, Any]:
    plan = build_squad(SquadRequest(size=50, mode="zerg", time_limit=5))
    assert plan.composition is not None
    return {
        "name": "Friday zerg",
        "parties": [
            {
                "members": [
                    {"player": f"{'Q' * 60}{p}{m}", "archetype": member.archetype}
                    for m, member in enumerate(party.members)
                ]
            }
            for p, party in enumerate(plan.composition.parties)
        ],
    }


async def test_a_discord_endpoint_posts_a_50_player_squad(
    app: FastAPI, alice: Account, discord: DiscordStandIn
) -> None:
    async with client_for(app) as client:
        response = await client.post(
            "/v1/webhooks",
            headers=alice.headers,
            json={
                "url": discord.webhook_url(),
                "kind": "discord",
                "event_types": ["composition.*"],
            },
        )
        assert response.status_code == 201, response.text
        endpoint = response.json()
        assert endpoint["kind"] == "discord"
        listed = await client.get("/v1/webhooks", headers=alice.headers)
        assert [e["kind"] for e in listed.json()["items"]] == ["discord"]

        discord.rate_limit([RateLimit(0.1)], after=1)
        made = await client.post("/v1/compositions", headers=alice.headers, json=fifty())
        assert made.status_code == 201, made.text

        async def delivered() -> dict[str, Any] | None:
            await deliver_due(app)
            page = await client.get(
                f"/v1/webhooks/{endpoint['id']}/deliveries", headers=alice.headers
            )
            items = page.json()["items"]
            return items[0] if items and items[0]["status"] == "succeeded" else None

        delivery = await eventually(delivered)
    accepted = discord.accepted()
    assert discord.rejected() == []
    total = len(accepted)
    assert total > 1
    assert delivery["response_body"] == f"{total} of {total} messages delivered"
    assert delivery["attempts"] == 1
    assert discord.requests == total + 1  # the one 429, slept through
    for message in accepted:
        assert violations(message.payload) == []
    assert [m.payload["content"] for m in accepted] == [
        f"**Friday zerg** ({n}/{total})" for n in range(1, total + 1)
    ]


async def test_a_discord_endpoint_refuses_other_urls(
    app: FastAPI, alice: Account, discord: DiscordStandIn
) -> None:
    async with client_for(app) as client:
        response = await client.post(
            "/v1/webhooks",
            headers=alice.headers,
            json={"url": discord.base + "/hooks/1/t", "kind": "discord", "event_types": ["*"]},
        )
        problem = assert_problem(response, 422, "validation_failed")
        assert [(e["path"], e["code"]) for e in problem["errors"]] == [
            ("/body/url", "not_discord_webhook")
        ]
        response = await client.post(
            "/v1/webhooks",
            headers=alice.headers,
            json={"url": discord.webhook_url(), "kind": "slack", "event_types": ["*"]},
        )
        assert response.status_code == 422
