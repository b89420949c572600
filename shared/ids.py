"""Identifiers: UUIDv7, so ids sort by creation time and serve as list cursors."""

from __future__ import annotations

import os
import re
import time
import uuid

SLUG = re.compile(r"^[a-z][a-z0-9_-]{1,39}$")
SLUG_PATTERN = SLUG.pattern


def new_id() -> uuid.UUID:
    """A version 7 UUID (RFC 9562): 48 bits of Unix milliseconds, then randomness."""
    millis = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76  # version
    value |= ((rand >> 62) & 0xFFF) << 64  # rand_a
    value |= 0b10 << 62  # variant
    value |= rand & ((1 << 62) - 1)  # rand_b
    return uuid.UUID(int=value)
