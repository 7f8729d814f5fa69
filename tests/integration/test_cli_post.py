"""``gw2wvw squad post ID`` reads the configured store (SQLite and PostgreSQL): what anyone may
see of a public or unlisted composition, and nothing of a private one."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.squad import load_roles
from gw2wvw.store import Actor, BuildCreate, CompositionCreate, UserCreate, open_store
from tests.support.discord_server import violations

# A real Weaver build (Ev3nt1ne/gw2-chatlinks-go tests, in the pack's codes.txt), not the
# roles table's Weaver example.
WEAVER = "[&DQYpOxE/OBkAFnQA9RUAAPYAAABPAQAAEhcAAAAAAAAAAAAAAAAAAAAAAAABCQEA]"
runner = CliRunner()


async def _store_squads(url: str) -> dict[str, uuid.UUID]:
    """A user's unlisted and private compositions; the unlisted one uses a private build."""
    async with open_store(url) as store:
        user = await store.users.create(UserCreate(name=f"u{uuid.uuid4().hex[:12]}"))
        owner = Actor(user_id=user.id, name=user.name)
        build = await store.builds.create(
            owner, BuildCreate.model_validate({"name": "mine", "chat_code": WEAVER})
        )
        made = {}
        for visibility in ("unlisted", "private"):
            members = [
                {"player": "Ann", "archetype": "firebrand-stab", "commander": True},
                {"player": "Bob", "build_id": str(build.id), "role": "damage"},
            ]
            composition = await store.compositions.create(
                owner,
                CompositionCreate.model_validate(
                    {
                        "name": f"Friday {visibility}",
                        "visibility": visibility,
                        "parties": [{"members": members}],
                    }
                ),
            )
            made[visibility] = composition.id
        return made


def test_post_of_a_stored_composition(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = asyncio.run(_store_squads(database_url))
    monkeypatch.setenv("GW2WVW_DATABASE_URL", database_url)
    roles = load_roles()
    result = runner.invoke(app, ["squad", "post", str(made["unlisted"]), "--format", "discord"])
    assert result.exit_code == 0, result.output
    [message] = json.loads(result.stdout)
    assert violations(message) == []
    assert message["content"] == "**Friday unlisted**"
    fields = message["embeds"][1]["fields"]
    assert fields[0]["name"] == "1. Ann (commander)"
    assert f"`{roles['firebrand-stab'].example.chat_code}`" in fields[0]["value"]
    # Bob's build is private to its owner: the post shows the archetype it plays, not the build.
    assert fields[1]["name"] == "2. Bob"
    assert f"`{roles['weaver-damage'].example.chat_code}`" in fields[1]["value"]
    assert WEAVER not in result.stdout

    result = runner.invoke(app, ["squad", "post", str(made["private"])])
    assert result.exit_code == 2
    assert result.stderr == (
        f"error: no public or unlisted composition {made['private']} in the store\n"
    )
