"""Field types that the request and response models of every service use, and the
query parameters several services take alike."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import Query
from pydantic import AfterValidator, Field, StringConstraints, WithJsonSchema

from shared.ids import SLUG_PATTERN
from shared.phones import normalize_phone

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Phone = Annotated[str, Field(max_length=30), AfterValidator(normalize_phone)]

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

# In a path, an id or a slug that is malformed names nothing: 404 (the contract's answer
# for an unknown resource), so the schema states the form and the route looks it up.
PathId = Annotated[str, WithJsonSchema({"type": "string", "format": "uuid"})]
PathSlug = Annotated[str, WithJsonSchema({"type": "string", "pattern": SLUG_PATTERN})]

# A period of days in a query, `?from=&to=`, each end optional.
Start = Annotated[date | None, Query(alias="from", description="First day (inclusive)")]
End = Annotated[date | None, Query(alias="to", description="Last day (inclusive)")]
