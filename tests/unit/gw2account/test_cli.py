"""``gw2wvw account gw2`` against the stand-in official API."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from gw2wvw.cli import app
from tests.support import gw2accounts
from tests.support.gw2accounts import FIREBRAND_CODE, KEY
from tests.support.gw2api import FakeGw2Api, Fault

runner = CliRunner()


@pytest.fixture
def api() -> Iterator[FakeGw2Api]:
    server = FakeGw2Api(
        accounts={KEY: gw2accounts.account(), "NARROW": gw2accounts.account(("account",))}
    ).start()
    yield server
    server.stop()


def test_prints_the_builds_and_suggestions(api: FakeGw2Api) -> None:
    result = runner.invoke(app, ["account", "gw2", "--api-url", api.url], env={"GW2_API_KEY": KEY})
    assert result.exit_code == 0, result.output
    assert "Builds of Ann.1234" in result.output
    assert "Firebrand: firebrand-stab" in result.output
    assert KEY not in result.output


def test_json_output(api: FakeGw2Api) -> None:
    result = runner.invoke(
        app, ["account", "gw2", "--api-url", api.url, "--json"], env={"GW2_API_KEY": KEY}
    )
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert body["account"]["characters"][0]["builds"][0]["chat_code"] == FIREBRAND_CODE
    assert body["suggestions"][0]["specialization"] == "Druid"


@pytest.mark.parametrize(
    ("key", "message"),
    [("", "set GW2_API_KEY"), ("NARROW", "lacks the permission(s) builds, characters")],
)
def test_bad_keys_exit_2_with_one_line(api: FakeGw2Api, key: str, message: str) -> None:
    result = runner.invoke(app, ["account", "gw2", "--api-url", api.url], env={"GW2_API_KEY": key})
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_the_official_api_failing_exits_1(api: FakeGw2Api) -> None:
    api.add_fault(Fault(times=10, path="/v2/tokeninfo", status=404, body='{"text":"no"}'))
    result = runner.invoke(app, ["account", "gw2", "--api-url", api.url], env={"GW2_API_KEY": KEY})
    assert result.exit_code == 1
    assert "HTTP 404" in result.output
