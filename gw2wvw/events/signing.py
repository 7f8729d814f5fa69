"""Standard Webhooks signatures: ``v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">``."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable

from gw2wvw.events.errors import InvalidSecret

SECRET_PREFIX = "whsec_"
"""Every signing secret starts with this; the base64 of the key follows."""

MIN_KEY_BYTES = 24
"""The shortest key accepted: 192 bits."""


def parse_secret(secret: str) -> bytes:
    """The HMAC key of a ``whsec_...`` secret; raises :class:`InvalidSecret` if malformed."""
    if not secret.startswith(SECRET_PREFIX):
        raise InvalidSecret(f"a signing secret starts with {SECRET_PREFIX!r}")
    encoded = secret[len(SECRET_PREFIX) :]
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as error:
        raise InvalidSecret("a signing secret is whsec_ followed by base64") from error
    if len(key) < MIN_KEY_BYTES:
        raise InvalidSecret(f"a signing key has at least {MIN_KEY_BYTES} bytes, not {len(key)}")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``v1,<base64>`` signature of ``body`` sent as message ``msg_id`` at ``timestamp``."""
    signed = b"%s.%d.%s" % (msg_id.encode(), timestamp, body)
    digest = hmac.new(parse_secret(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: Iterable[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value: one signature per secret, separated by spaces.

    During a secret rotation both the new and the old secret sign, so receivers that still
    hold the old one keep verifying until they switch.
    """
    signatures = [sign(secret, msg_id, timestamp, body) for secret in secrets]
    if not signatures:
        raise InvalidSecret("at least one signing secret is needed")
    return " ".join(signatures)
