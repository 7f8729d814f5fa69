"""When to try a failed delivery again: increasing delays with jitter, and ``Retry-After``."""

from __future__ import annotations

import email.utils
import random
from datetime import UTC, datetime, timedelta

from gw2wvw.settings import WebhookSettings

DEFAULTS = WebhookSettings()
"""The settings used when none are given."""

_LONGEST = 10 * 365 * 86400


def retry_delay(
    attempt_number: int,
    retry_after: timedelta | None,
    rng: random.Random,
    settings: WebhookSettings = DEFAULTS,
) -> timedelta | None:
    """How long to wait after failed attempt ``attempt_number`` (1-based); None: give up.

    The schedule's delay is jittered so that retries of a burst of events spread out instead
    of hitting a recovering receiver all at once. A ``Retry-After`` longer than that wins, up
    to ``retry_after_cap``: a receiver may slow us down, but not park a delivery forever.
    """
    schedule = settings.retry_schedule
    if attempt_number < 1 or attempt_number > len(schedule):
        return None
    base = schedule[attempt_number - 1]
    jitter = settings.retry_jitter
    delay = base * (1 + rng.uniform(-jitter, jitter)) if jitter else base
    if retry_after is not None:
        asked = min(max(retry_after.total_seconds(), 0.0), settings.retry_after_cap)
        delay = max(delay, asked)
    return timedelta(seconds=delay)


def next_attempt_at(
    attempt_number: int,
    now: datetime,
    retry_after: timedelta | None,
    rng: random.Random,
    settings: WebhookSettings = DEFAULTS,
) -> datetime | None:
    """When to retry after failed attempt ``attempt_number`` made at ``now``; None: give up."""
    delay = retry_delay(attempt_number, retry_after, rng, settings)
    return None if delay is None else now + delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """The wait a ``Retry-After`` header asks for (seconds or an HTTP date); None if invalid."""
    if value is None:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # Capped here already: an absurd number must not overflow timedelta.
        return timedelta(seconds=min(int(value), _LONGEST))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        # RFC 9110 dates are GMT; "-0000" parses as naive.
        when = when.replace(tzinfo=UTC)
    return max(when - now, timedelta(0))
