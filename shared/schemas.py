"""Field types that the request and response models of every service use."""

from __future__ import annotations

import re
import uuid
from typing import Annotated, Any

from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from shared.ids import SLUG_PATTERN
from shared.phones import normalize_phone

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
# 5 to 15 digits, optionally after a +, with spaces, dashes and brackets anywhere.
PHONE_PATTERN = r"^[ ()-]*\+?(?:[ ()-]*[0-9]){5,15}[ ()-]*$"
Phone = Annotated[str, Field(max_length=30, pattern=PHONE_PATTERN), AfterValidator(normalize_phone)]

_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def _uuid_text(value: str) -> str:
    """The canonical text of a UUID in its hyphenated form (what `format: uuid` admits)."""
    if not _UUID.match(value):
        raise ValueError("not a UUID")
    return str(uuid.UUID(value))


# An id (everything but communities and categories): a UUID string, `format: uuid`.
Id = Annotated[
    str,
    Field(max_length=36),
    AfterValidator(_uuid_text),
    WithJsonSchema({"type": "string", "format": "uuid"}),
]


def _never_null(schema: dict[str, Any]) -> None:
    """A PATCH field that may be left out but not cleared: its schema admits no null."""
    variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"]
    if len(variants) == 1:
        schema.update(variants[0])
    elif variants:
        schema["anyOf"] = variants
    schema.pop("default", None)


NEVER_NULL = Field(None, json_schema_extra=_never_null)
