"""The account reader against the stand-in official API: shapes, errors, rate limits."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from gw2wvw.gw2account import (
    Gw2ApiError,
    InvalidKeyError,
    MissingScopesError,
    suggest,
    to_account,
)
from gw2wvw.gw2account.client import Gw2ApiClient, check_key, read_account
from gw2wvw.gw2account.model import signup_specializations
from gw2wvw.squad.roles import load_roles
from tests.support import gw2accounts
from tests.support.gw2accounts import DRUID_CODE, FIREBRAND_CODE, KEY, REAPER_CODE
from tests.support.gw2api import FakeGw2Api, Fault

FAST = {"backoff_base": 0.001, "max_delay": 0.05, "max_attempts": 4}


@pytest.fixture
def api() -> Iterator[FakeGw2Api]:
    server = FakeGw2Api(accounts={KEY: gw2accounts.account()}).start()
    yield server
    server.stop()


async def test_reads_the_account_its_characters_and_builds(
    api: FakeGw2Api, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    account = to_account(await read_account(KEY, api_url=api.url, **FAST))
    assert account.name == "Ann.1234"
    assert account.key_name == "gw2wvw raid nights"
    assert "characters" in account.permissions
    assert [(c.name, c.profession) for c in account.characters] == [
        ("Ann Lightbringer", "Guardian"),
        ("Ann Of The Wild", "Ranger"),
    ]
    guardian, ranger = account.characters
    first, second = guardian.builds
    assert (first.tab, first.active, first.name, first.chat_code) == (
        1,
        True,
        "Stab Firebrand",
        FIREBRAND_CODE,
    )
    assert first.elite_specialization == "Firebrand"
    # An empty tab is still a build (a bare guardian), without an elite specialization.
    assert second.build is not None
    assert second.build.specializations == (None, None, None)
    assert (second.active, second.elite_specialization) == (False, None)
    # A build without a name gets one saying where it is.
    assert ranger.builds[0].name == "Ann Of The Wild tab 1"
    assert ranger.builds[0].chat_code == DRUID_CODE
    assert ranger.builds[0].build is not None
    assert ranger.builds[0].build.pets is not None
    herald, reaper = account.build_storage
    assert herald.source == "storage"
    assert herald.character is None
    assert herald.build is not None
    assert herald.build.legends is not None
    assert herald.build.legends.terrestrial == ("Legend1", "Legend3")
    assert herald.chat_code is not None
    assert herald.elite_specialization == "Herald"
    assert reaper.chat_code == REAPER_CODE
    # Names with spaces are quoted into the path, the key is only ever in the header.
    assert {r.path for r in api.requests} >= {
        "/v2/characters/Ann%20Lightbringer/buildtabs",
        "/v2/characters/Ann%20Of%20The%20Wild/buildtabs",
    }
    assert all(r.headers["authorization"] == f"Bearer {KEY}" for r in api.requests)
    assert all(KEY not in r.path and KEY not in str(r.query) for r in api.requests)
    assert KEY not in caplog.text


async def test_suggests_the_elite_specializations_with_their_archetypes(
    api: FakeGw2Api,
) -> None:
    account = to_account(await read_account(KEY, api_url=api.url, **FAST))
    suggestions = suggest(account, load_roles())
    assert signup_specializations(suggestions) == ["Druid", "Firebrand", "Herald", "Reaper"]
    by_name = {s.specialization: s for s in suggestions}
    assert by_name["Firebrand"].archetypes[0] == "firebrand-stab"
    assert "firebrand-heal" in by_name["Firebrand"].archetypes
    assert by_name["Reaper"].archetypes == ("reaper-damage",)


async def test_an_unknown_key_is_refused_without_echoing_it(api: FakeGw2Api) -> None:
    other = KEY.replace("0A1B", "FFFF")
    with pytest.raises(InvalidKeyError) as caught:
        await check_key(other, api_url=api.url, **FAST)
    assert caught.value.status == 401
    assert other not in str(caught.value)


@pytest.mark.parametrize("key", ["", "   ", "abc def", "key\r\nX-Evil: 1", "clé"])
async def test_a_malformed_key_is_refused_before_any_request(api: FakeGw2Api, key: str) -> None:
    with pytest.raises(InvalidKeyError):
        await check_key(key, api_url=api.url)
    assert api.requests == []


async def test_missing_scopes_are_named() -> None:
    server = FakeGw2Api(accounts={KEY: gw2accounts.account(("account", "progression"))}).start()
    try:
        with pytest.raises(MissingScopesError) as caught:
            await read_account(KEY, api_url=server.url, **FAST)
    finally:
        server.stop()
    assert caught.value.missing == ("builds", "characters")
    assert "builds, characters" in str(caught.value)
    # Nothing past tokeninfo is asked with a key that cannot read it.
    assert [r.path for r in server.requests] == ["/v2/tokeninfo"]


async def test_a_scope_refused_later_is_named_too(api: FakeGw2Api) -> None:
    api.add_fault(
        Fault(path="/v2/characters", status=403, body='{"text":"requires scope characters"}')
    )
    with pytest.raises(MissingScopesError) as caught:
        await read_account(KEY, api_url=api.url, **FAST)
    assert caught.value.missing == ("characters",)


async def test_429_is_retried_after_what_retry_after_asks(api: FakeGw2Api) -> None:
    api.add_fault(Fault(times=2, path="/v2/account", status=429, headers={"Retry-After": "0.2"}))
    started = time.monotonic()
    account = to_account(await read_account(KEY, api_url=api.url, **{**FAST, "max_delay": 1.0}))
    assert account.name == "Ann.1234"
    assert time.monotonic() - started >= 0.4
    assert len(api.requests_to("/v2/account")) == 3


async def test_429_and_5xx_without_retry_after_back_off_then_succeed(api: FakeGw2Api) -> None:
    api.add_fault(Fault(times=1, path="/v2/account/buildstorage", status=429))
    api.add_fault(Fault(times=1, path="/v2/characters", status=503))
    api.add_fault(Fault(times=1, path="/v2/tokeninfo", status=200, body="not json"))
    account = to_account(await read_account(KEY, api_url=api.url, **FAST))
    assert len(account.build_storage) == 2
    assert len(api.requests_to("/v2/account/buildstorage")) == 2


async def test_gives_up_after_the_attempts_run_out(api: FakeGw2Api) -> None:
    api.add_fault(Fault(times=10, path="/v2/account", status=429, headers={"Retry-After": "0"}))
    with pytest.raises(Gw2ApiError, match="gave up after 4 attempts; last: HTTP 429"):
        await read_account(KEY, api_url=api.url, **FAST)
    assert len(api.requests_to("/v2/account")) == 4


async def test_timeouts_and_hang_ups_are_retried(api: FakeGw2Api) -> None:
    api.add_fault(Fault(times=1, path="/v2/account", delay=0.5))
    api.add_fault(Fault(times=1, path="/v2/account", hang_up=True))
    account = to_account(await read_account(KEY, api_url=api.url, request_timeout=0.2, **FAST))
    assert account.name == "Ann.1234"


async def test_concurrency_is_bounded() -> None:
    many = gw2accounts.account()
    many.characters = [
        {"name": f"Alt {i}", "profession": "Guardian", "level": 80} for i in range(12)
    ]
    many.build_tabs = {
        f"Alt {i}": [{"tab": 1, "is_active": True, "build": gw2accounts.FIREBRAND}]
        for i in range(12)
    }
    server = FakeGw2Api(accounts={KEY: many}).start()
    try:
        server.add_fault(Fault(times=12, delay=0.02))
        account = to_account(await read_account(KEY, api_url=server.url, concurrency=2, **FAST))
    finally:
        server.stop()
    assert len(account.characters) == 12
    assert server.max_in_flight <= 2


async def test_other_errors_say_what_was_asked(api: FakeGw2Api) -> None:
    api.add_fault(Fault(path="/v2/account", status=404, body='{"text":"gone"}'))
    with pytest.raises(Gw2ApiError, match=r"GET /v2/account answered HTTP 404 \(gone\)"):
        await read_account(KEY, api_url=api.url, **FAST)


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/v2/tokeninfo", "[]", "did not answer a key's permissions"),
        ("/v2/account", '{"id": 1}', "did not answer an account with a name"),
        ("/v2/account/buildstorage", '{"a": 1}', "did not answer a list of records"),
    ],
)
async def test_unexpected_shapes_are_errors(
    api: FakeGw2Api, path: str, body: str, message: str
) -> None:
    api.add_fault(Fault(path=path, status=200, body=body))
    with pytest.raises(Gw2ApiError, match=message):
        await read_account(KEY, api_url=api.url, **FAST)


@pytest.mark.parametrize(
    "options",
    [{"api_url": "ftp://x"}, {"concurrency": 0}, {"max_attempts": 0}, {"request_timeout": 0}],
)
def test_bad_options_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError, match="must be"):
        Gw2ApiClient(KEY, **options)  # type: ignore[arg-type]
