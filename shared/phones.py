"""Phone numbers: stored whole, shown masked (`138****5678`) to all but a community's admins."""

from __future__ import annotations

import re

_SEPARATORS = re.compile(r"[\s\-()]")
_VALID = re.compile(r"^\+?\d{5,15}$")


def normalize_phone(raw: str) -> str:
    """Strip spaces, dashes and brackets; raise ValueError when what is left is no phone number."""
    phone = _SEPARATORS.sub("", raw)
    if not _VALID.match(phone):
        raise ValueError("a phone number is 5 to 15 digits, optionally after a +")
    return phone


def mask_phone(phone: str) -> str:
    if len(phone) <= 7:
        return phone[:1] + "*" * (len(phone) - 2) + phone[-1:]
    return phone[:3] + "****" + phone[-4:]
