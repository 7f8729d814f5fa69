"""``gw2wvw fight report --plan ID`` reviews a fight against a stored composition (SQLite and
PostgreSQL): one anyone may see, and a one-line refusal for a private one or a bad id."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import app
from gw2wvw.fights import read_log
from gw2wvw.fights.report import report
from gw2wvw.fights.review import composition_of
from gw2wvw.store import Actor, CompositionCreate, UserCreate, open_store
from tests.unit.fights.conftest import EBG

runner = CliRunner()


async def _store_plans(url: str) -> dict[str, uuid.UUID]:
    """The EBG fight's own parties, stored once unlisted and once private."""
    plan = composition_of(report(read_log(EBG))).model_dump(mode="json", exclude_none=True)
    async with open_store(url) as store:
        user = await store.users.create(UserCreate(name=f"u{uuid.uuid4().hex[:12]}"))
        owner = Actor(user_id=user.id, name=user.name)
        made = {}
        for visibility in ("unlisted", "private"):
            stored = await store.compositions.create(
                owner,
                CompositionCreate.model_validate(
                    {"name": f"EBG {visibility}", "visibility": visibility, **plan}
                ),
            )
            made[visibility] = stored.id
        return made


def test_report_against_a_stored_plan(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    made = asyncio.run(_store_plans(database_url))
    monkeypatch.setenv("GW2WVW_DATABASE_URL", database_url)
    result = runner.invoke(
        app, ["fight", "report", str(EBG), "--plan", str(made["unlisted"]), "--json"]
    )
    assert result.exit_code == 0, result.output
    (reviewed,) = json.loads(result.stdout)["reviews"]
    assert reviewed["matched"] == 19
    assert all(not party["missing"] for party in reviewed["parties"])

    hidden = runner.invoke(app, ["fight", "report", str(EBG), "--plan", str(made["private"])])
    assert hidden.exit_code == 2
    assert hidden.stderr == (
        f"error: no public or unlisted composition {made['private']} in the store\n"
    )
    bad = runner.invoke(app, ["fight", "report", str(EBG), "--plan", "tonight"])
    assert bad.exit_code == 2
    assert bad.stderr == "error: --plan tonight is neither a file nor a composition id\n"
