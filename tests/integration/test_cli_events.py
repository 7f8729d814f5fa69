"""``gw2wvw event`` on SQLite and PostgreSQL: announce, sign up, lock, plan, and one-line errors."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.store import UserCreate, open_store
from tests.support.databases import TABLES

runner = CliRunner()


@pytest.fixture
def url(database_url: str) -> str:
    """An empty store with the users the tests act as."""

    async def prepare() -> None:
        async with open_store(database_url) as store:
            if store.dialect == "postgresql":
                async with store.transaction() as tx:
                    await tx.session.execute(text(f"TRUNCATE {', '.join(TABLES)} CASCADE"))
            for n in range(11):
                await store.users.create(UserCreate(name=f"user{n:02d}"))

    asyncio.run(prepare())
    return database_url


def event(url: str, *args: str) -> Any:
    """Run ``gw2wvw event ARGS`` on ``url``."""
    return runner.invoke(app, ["event", *args, "--database-url", url])


def created(url: str) -> str:
    result = event(
        url,
        "create",
        "Reset night",
        "--starts",
        "2026-12-05T20:00",
        "--time-zone",
        "Europe/Berlin",
        "--size",
        "10",
        "--guild-tag",
        "VIG",
        "--visibility",
        "public",
        "--as",
        "user00",
        "--json",
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["starts_at"] == "2026-12-05T19:00:00Z"
    return str(body["id"])


def test_an_officer_announces_members_sign_up_and_the_squad_is_planned(url: str) -> None:
    ident = created(url)
    kinds = ["Druid", "Firebrand", "Scourge", "Weaver", "Harbinger"]
    for n in range(1, 11):
        result = event(url, "signup", ident, kinds[n % 5], "--as", f"user{n:02d}")
        assert result.exit_code == 0, result.output
    shown = event(url, "show", ident)
    assert shown.exit_code == 0
    assert "user07" in shown.stdout
    assert "Reset night" in shown.stdout
    listed = event(url, "list", "--guild-tag", "vig")
    assert listed.exit_code == 0
    assert "VIG" in listed.stdout
    planned = event(url, "plan", ident, "--as", "user00", "--json")
    assert planned.exit_code == 0, planned.output
    body = json.loads(planned.stdout)
    assert [len(p["members"]) for p in body["composition"]["parties"]] == [5, 5]
    assert event(url, "lock", ident, "--as", "user00").stdout.strip() == "Reset night: locked"
    late = event(url, "signup", ident, "Scourge", "--as", "user03")
    assert late.exit_code == 2
    assert late.stderr.count("\n") == 1
    assert "locked" in late.stderr
    owner = event(url, "signup", ident, "--withdraw", "--for", "user03", "--as", "user00")
    assert owner.exit_code == 0, owner.output
    table = event(url, "plan", ident, "--as", "user00")
    assert table.exit_code == 0, table.output
    assert "withdrew" in table.stdout
    free = event(url, "plan", ident, "--free", "--as", "user00", "--json")
    assert free.exit_code == 0
    assert all(c["kind"] != "left" for c in json.loads(free.stdout)["changes"])
    unlocked = event(url, "lock", ident, "--unlock", "--as", "user00")
    assert unlocked.stdout.strip() == "Reset night: unlocked"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["create", "x", "--starts", "soon", "--as", "user00"], "not an ISO 8601"),
        (["create", "x", "--starts", "2026-12-05T20:00", "--time-zone", "Mars/X"], "IANA"),
        (
            ["create", "x", "--starts", "2026-12-05T20:00", "--size", "3", "--as", "user00"],
            "--size",
        ),
        (["create", "x", "--starts", "2026-12-05T20:00Z"], "sign in"),
        (["create", "x", "--starts", "2026-12-05T20:00Z", "--as", "nobody"], "no user named"),
        (["show", "not-an-id"], "not an event id"),
        (["show", "0191c0de-0000-7000-8000-000000000009"], "not found"),
        (["list", "--guild-tag", "TOOLONG"], "invalid filter"),
        (["signup", "0191c0de-0000-7000-8000-000000000009"], "name what you can play"),
        (["signup", "0191c0de-0000-7000-8000-000000000009", "Nope", "--status", "x"], "status"),
    ],
)
def test_bad_input_exits_2_with_one_line(url: str, args: list[str], message: str) -> None:
    result = event(url, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


def test_a_plan_by_someone_else_is_refused(url: str) -> None:
    ident = created(url)
    result = event(url, "plan", ident, "--as", "user01")
    assert result.exit_code == 2
    assert "belongs to user00" in result.stderr
