"""What every client of the official GW2 API shares: reading its errors, waiting between retries.

The game-data sync and the account reader both talk to ``api.guildwars2.com``; this module keeps
one reading of ``Retry-After``, of the API's ``{"text": ...}`` errors and one backoff schedule.
It needs no HTTP library: it is given header values and bodies.
"""

from __future__ import annotations

import email.utils
import json
import random
from datetime import UTC, datetime
from typing import Final

DEFAULT_API_URL: Final = "https://api.guildwars2.com"
"""The official API read unless told otherwise."""

SCHEMA_VERSION: Final = "2019-12-19T00:00:00.000Z"
"""The ``X-Schema-Version`` sent with every request; it fixes the shape of the records."""


def retry_after(value: str | None, cap: float) -> float | None:
    """The wait a ``Retry-After`` header asks for, in seconds, at most ``cap``."""
    if value is None:
        return None
    try:
        # RFC 9110 allows whole seconds only; fractions cost nothing to accept.
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        # A "-0000" zone parses as naive, and HTTP dates are UTC by definition.
        seconds = (when.replace(tzinfo=when.tzinfo or UTC) - datetime.now(UTC)).total_seconds()
    # "not > 0" also turns NaN into no wait.
    return min(seconds if seconds > 0 else 0.0, cap)


def backoff_delay(retry: int, base: float, cap: float) -> float:
    """How long to wait before retry number ``retry`` (1-based) when no ``Retry-After`` says."""
    # Exponential backoff with "equal jitter": never less than half the step, so a retry
    # storm from many clients spreads out without collapsing to zero wait.
    step = min(cap, base * 2.0 ** (retry - 1))
    return step / 2 + random.uniform(0, step / 2)


def api_text(body: str) -> str:
    """The API's own error text (``{"text": ...}``), or the start of the body."""
    try:
        decoded = json.loads(body)
    except ValueError:
        return body[:200]
    if isinstance(decoded, dict) and isinstance(decoded.get("text"), str):
        return str(decoded["text"])
    return body[:200]
