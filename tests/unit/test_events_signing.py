"""Standard Webhooks signatures, checked by the reference verifier."""

from __future__ import annotations

import base64
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from gw2wvw.events import InvalidSecret, parse_secret, sign, signature_header
from gw2wvw.store.webhooks import new_secret


def headers(msg_id: str, timestamp: int, signature: str) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature,
    }


def test_the_spec_example_signs_the_same() -> None:
    # The example of the Standard Webhooks reference libraries.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert (
        sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body)
        == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_the_reference_verifier_accepts_our_signatures() -> None:
    secret = new_secret()
    body = '{"type":"build.created","data":{"name":"Firebrand ✓"}}'.encode()
    now = int(time.time())
    signed = headers("evt-1", now, signature_header([secret], "evt-1", now, body))
    assert Webhook(secret).verify(body, signed) == {
        "type": "build.created",
        "data": {"name": "Firebrand ✓"},
    }
    # One changed byte, another id or another secret: refused.
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body.replace(b"Fire", b"Fira"), signed)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, {**signed, "webhook-id": "evt-2"})
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, signed)


def test_during_a_rotation_both_secrets_verify() -> None:
    old, new = new_secret(), new_secret()
    body = b'{"type":"webhook.test"}'
    now = int(time.time())
    header = signature_header([new, old], "evt-9", now, body)
    assert len(header.split(" ")) == 2
    assert all(part.startswith("v1,") for part in header.split(" "))
    for secret in (old, new):
        Webhook(secret).verify(body, headers("evt-9", now, header))
    with pytest.raises(WebhookVerificationError):
        Webhook(new_secret()).verify(body, headers("evt-9", now, header))


@pytest.mark.parametrize(
    ("secret", "message"),
    [
        ("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "starts with"),
        ("whsec_not base64!", "base64"),
        ("whsec_" + base64.b64encode(b"short").decode(), "at least 24 bytes"),
        ("whsec_", "at least 24 bytes"),
    ],
)
def test_malformed_secrets_are_typed_errors(secret: str, message: str) -> None:
    with pytest.raises(InvalidSecret, match=message):
        parse_secret(secret)
    with pytest.raises(InvalidSecret):
        sign(secret, "evt", 1, b"{}")


def test_a_header_needs_a_secret() -> None:
    with pytest.raises(InvalidSecret):
        signature_header([], "evt", 1, b"{}")


def test_generated_secrets_parse() -> None:
    assert len(parse_secret(new_secret())) == 32
