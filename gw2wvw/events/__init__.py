"""Webhooks: Standard Webhooks signing, the SSRF guard, one delivery attempt, the retry
schedule and the in-process dispatcher. The outbox and the delivery state live in the store.

>>> hooks = settings.webhooks  # doctest: +SKIP
>>> check = url_check(hooks.allowed_networks)  # doctest: +SKIP
>>> async with open_store(url, webhooks=hooks, url_check=check) as store:  # doctest: +SKIP
...     async with new_client(hooks) as client, Dispatcher(store, hooks, client):
...         ...  # serve; call dispatcher.notify() after writes
"""

from gw2wvw._extras import requires

with requires("webhooks", "gw2wvw.events"):
    from gw2wvw.events.delivery import (
        USER_AGENT,
        AttemptResult,
        attempt,
        decide,
        deliver,
        delivery_headers,
        event_body,
        new_client,
        relay,
    )
    from gw2wvw.events.dispatcher import Dispatcher
    from gw2wvw.events.errors import EventsError, ForbiddenTarget, InvalidSecret
    from gw2wvw.events.schedule import next_attempt_at, parse_retry_after, retry_delay
    from gw2wvw.events.signing import parse_secret, sign, signature_header
    from gw2wvw.events.ssrf import ResolvedTarget, check_url, refusal, url_check
    from gw2wvw.store.deliveries import event_matches

__all__ = [
    "USER_AGENT",
    "AttemptResult",
    "Dispatcher",
    "EventsError",
    "ForbiddenTarget",
    "InvalidSecret",
    "ResolvedTarget",
    "attempt",
    "check_url",
    "decide",
    "deliver",
    "delivery_headers",
    "event_body",
    "event_matches",
    "new_client",
    "next_attempt_at",
    "parse_retry_after",
    "parse_secret",
    "refusal",
    "relay",
    "retry_delay",
    "sign",
    "signature_header",
    "url_check",
]
