"""Field types that the request and response models of every service use."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

from shared.ids import SLUG_PATTERN
from shared.phones import normalize_phone

Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=40)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
LongText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)]
Phone = Annotated[str, Field(max_length=30), AfterValidator(normalize_phone)]
