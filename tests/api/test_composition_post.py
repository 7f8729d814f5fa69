"""``GET /v1/compositions/{id}/post`` on SQLite and PostgreSQL: Discord payloads within Discord's
limits, Markdown and text, the composition's visibility, private builds kept private, and
conditional requests."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx

from gw2wvw.squad import SquadRequest, build_squad, load_roles
from tests.api.conftest import PRIVATE, VARY, Account, assert_problem
from tests.support.discord_server import violations

ROLES = load_roles()
WEAVER = "[&DQYpOxE/OBkAFnQA9RUAAPYAAABPAQAAEhcAAAAAAAAAAAAAAAAAAAAAAAABCQEA]"
"""A real Weaver build (the pack's codes.txt), not the roles table's Weaver example."""


def fifty(visibility: str) -> dict[str, Any]:
    """The builder's 50-player zerg as a composition body, with long player names."""
    plan = build_squad(SquadRequest(size=50, mode="zerg", time_limit=5))
    assert plan.composition is not None
    document = plan.composition.model_dump(mode="json", exclude={"targets"})
    for p, party in enumerate(document["parties"]):
        for m, member in enumerate(party["members"]):
            member["player"] = f"{'W' * 50}-{p}.{m}"
            for unused in ("build", "role"):
                member.pop(unused)
    return {**document, "name": "Friday *night* zerg", "visibility": visibility}


async def create(client: httpx.AsyncClient, account: Account, body: Any) -> str:
    response = await client.post("/v1/compositions", headers=account.headers, json=body)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_a_50_player_squad_posts_as_discord_messages_within_the_limits(
    client: httpx.AsyncClient, alice: Account
) -> None:
    body = fifty("unlisted")
    ident = await create(client, alice, body)
    response = await client.get(f"/v1/compositions/{ident}/post")  # anonymous: unlisted
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == PRIVATE
    assert response.headers["vary"] == VARY
    messages = response.json()
    assert len(messages) > 1
    for message in messages:
        assert violations(message) == []
    codes = Counter(
        ROLES.resolve(m["archetype"]).example.chat_code
        for p in body["parties"]
        for m in p["members"]
    )
    everything = json.dumps(messages, ensure_ascii=False)
    for code, members in codes.items():
        assert everything.count(f"`{code}`") == members
    again = await client.get(
        f"/v1/compositions/{ident}/post", headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304


async def test_markdown_and_text_and_bad_formats(client: httpx.AsyncClient, alice: Account) -> None:
    ident = await create(client, alice, fifty("public"))
    where = f"/v1/compositions/{ident}/post"
    markdown = await client.get(where, params={"format": "markdown"})
    assert markdown.status_code == 200
    assert markdown.headers["content-type"] == "text/markdown; charset=utf-8"
    assert markdown.text.startswith("## Friday \\*night\\* zerg\n")
    assert markdown.text.count("### Party ") == 10
    text = await client.get(where, params={"format": "text"})
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.text.startswith("Friday *night* zerg\nzerg, 50 players, score ")
    assert text.headers["etag"] != markdown.headers["etag"]
    problem = assert_problem(
        await client.get(where, params={"format": "html"}), 422, "validation_failed"
    )
    assert problem["errors"][0]["path"].endswith("format")


async def test_a_post_has_the_compositions_visibility_and_keeps_private_builds_private(
    client: httpx.AsyncClient, alice: Account, bob: Account
) -> None:
    response = await client.post(
        "/v1/builds", headers=alice.headers, json={"name": "mine", "chat_code": WEAVER}
    )
    build = response.json()["id"]  # private
    members = [
        {"player": "Ann", "archetype": "firebrand-stab"},
        {"player": "Cid", "build_id": build, "role": "damage"},
    ]
    body = {"name": "small", "parties": [{"members": members}]}
    private = await create(client, alice, body)
    public = await create(client, alice, {**body, "visibility": "public"})

    assert_problem(await client.get(f"/v1/compositions/{private}/post"), 404, "not_found")
    hidden = await client.get(f"/v1/compositions/{private}/post", headers=bob.headers)
    assert_problem(hidden, 404, "not_found")

    own = await client.get(
        f"/v1/compositions/{private}/post", headers=alice.headers, params={"format": "text"}
    )
    assert own.status_code == 200
    assert WEAVER in own.text
    shown = await client.get(
        f"/v1/compositions/{public}/post", headers=bob.headers, params={"format": "text"}
    )
    assert WEAVER not in shown.text
    assert ROLES["weaver-damage"].example.chat_code in shown.text
