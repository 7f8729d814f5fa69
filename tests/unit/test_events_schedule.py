"""The retry schedule, Retry-After, and the webhook settings."""

from __future__ import annotations

import ipaddress
import os
import random
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from gw2wvw.events import next_attempt_at, parse_retry_after, retry_delay
from gw2wvw.settings import DEFAULT_RETRY_SCHEDULE, Settings, WebhookSettings

NOW = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)


def test_the_default_schedule_increases_and_spans_about_three_days() -> None:
    assert list(DEFAULT_RETRY_SCHEDULE) == sorted(DEFAULT_RETRY_SCHEDULE)
    assert DEFAULT_RETRY_SCHEDULE[0] <= 10
    assert 2.5 * 86400 < sum(DEFAULT_RETRY_SCHEDULE) < 3.5 * 86400


def test_delays_are_jittered_within_bounds() -> None:
    rng = random.Random(7)
    settings = WebhookSettings(retry_jitter=0.2)
    for number, base in enumerate(settings.retry_schedule, start=1):
        seen = {retry_delay(number, None, rng, settings) for _ in range(20)}
        assert len(seen) > 1  # jittered
        for delay in seen:
            assert delay is not None
            assert base * 0.8 <= delay.total_seconds() <= base * 1.2
    unjittered = WebhookSettings(retry_jitter=0, retry_schedule=(1, 2))
    assert retry_delay(2, None, rng, unjittered) == timedelta(seconds=2)


def test_the_schedule_runs_out() -> None:
    rng = random.Random(1)
    settings = WebhookSettings(retry_schedule=(1, 2))
    assert next_attempt_at(1, NOW, None, rng, settings) is not None
    assert next_attempt_at(2, NOW, None, rng, settings) is not None
    assert next_attempt_at(3, NOW, None, rng, settings) is None
    assert next_attempt_at(0, NOW, None, rng, settings) is None
    assert next_attempt_at(13, NOW, None, rng) is None
    assert next_attempt_at(12, NOW, None, rng) is not None


def test_retry_after_wins_when_later_and_is_capped() -> None:
    rng = random.Random(3)
    settings = WebhookSettings(retry_schedule=(5,), retry_jitter=0, retry_after_cap=3600)
    at = next_attempt_at
    assert at(1, NOW, timedelta(seconds=1), rng, settings) == NOW + timedelta(seconds=5)
    assert at(1, NOW, timedelta(seconds=120), rng, settings) == NOW + timedelta(seconds=120)
    assert at(1, NOW, timedelta(days=9), rng, settings) == NOW + timedelta(hours=1)
    assert at(1, NOW, timedelta(seconds=-5), rng, settings) == NOW + timedelta(seconds=5)


def test_retry_after_headers() -> None:
    assert parse_retry_after("120", NOW) == timedelta(seconds=120)
    assert parse_retry_after(" 0 ", NOW) == timedelta(0)
    date = "Tue, 06 May 2031 07:10:09 GMT"
    assert parse_retry_after(date, NOW) == timedelta(minutes=2)
    assert parse_retry_after("Tue, 06 May 2031 07:00:00 GMT", NOW) == timedelta(0)
    assert parse_retry_after("Tue, 06 May 2031 09:10:09 +0200", NOW) == timedelta(minutes=2)
    assert parse_retry_after("Tue, 06 May 2031 07:10:09 -0000", NOW) == timedelta(minutes=2)
    assert parse_retry_after("99999999999999999999999", NOW) == timedelta(days=3650)
    for nonsense in (None, "", "soon", "-5", "1.5", "²"):
        assert parse_retry_after(nonsense, NOW) is None


def test_settings_read_comma_separated_lists_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GW2WVW_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8, ::1/128")
    monkeypatch.setenv("GW2WVW_WEBHOOK_RETRY_SCHEDULE", "0.05,0.1")
    monkeypatch.setenv("GW2WVW_WEBHOOK_TIMEOUT", "12.5")
    hooks = Settings().webhooks
    assert hooks.allowed_networks == (
        ipaddress.ip_network("127.0.0.0/8"),
        ipaddress.ip_network("::1/128"),
    )
    assert hooks.retry_schedule == (0.05, 0.1)
    assert hooks.timeout == 12.5
    assert hooks.lease == timedelta(seconds=42.5)
    monkeypatch.setenv("GW2WVW_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/8")
    with pytest.raises(ValidationError):
        Settings()


def test_settings_defaults_match_the_webhook_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith("GW2WVW_WEBHOOK_"):
            monkeypatch.delenv(name)
    assert Settings().webhooks == WebhookSettings()
    assert set(WebhookSettings.model_fields) == {
        name.removeprefix("webhook_")
        for name in Settings.model_fields
        if name.startswith("webhook_")
    }
