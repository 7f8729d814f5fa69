"""Time-ordered unique ids (UUID version 7, RFC 9562) for rows and events."""

from __future__ import annotations

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_millis = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """A new UUIDv7: Unix milliseconds, a 12-bit sequence, then randomness.

    Within one process ids strictly increase (RFC 9562 method 1: the sequence counts ids made in
    one millisecond, and a clock that goes backwards is ignored), so sorting by id sorts by
    creation.
    """
    global _last_millis, _counter
    with _lock:
        millis = time.time_ns() // 1_000_000
        if millis > _last_millis:
            _last_millis, _counter = millis, 0
        else:
            _counter += 1
            if _counter > 0xFFF:
                _last_millis, _counter = _last_millis + 1, 0
        millis, counter = _last_millis, _counter
    tail = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (millis & 0xFFFF_FFFF_FFFF) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | tail
    return uuid.UUID(int=value)
