"""The typed errors of webhook signing and target checks."""

from __future__ import annotations

from gw2wvw.errors import Gw2WvwError


class EventsError(Gw2WvwError):
    """Base class of the errors of :mod:`gw2wvw.events`."""


class InvalidSecret(EventsError):
    """A signing secret that is not ``whsec_`` followed by base64 of at least 24 bytes."""


class ForbiddenTarget(EventsError):
    """A webhook URL that may not be requested; ``code`` says why, in a stable word.

    Codes: ``invalid_url`` (not an absolute http(s) URL with a host and no credentials),
    ``unresolvable_host`` (the name does not resolve), ``forbidden_address`` (it resolves to,
    or is, an address that is not public and not in the allowed networks).
    """

    def __init__(self, code: str, message: str, url: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.url = url
