"""Volunteers from a spreadsheet: the CSV columns of the contract, read row by row
with line numbers, and split into chunks that keep those numbers."""

from __future__ import annotations

import csv
import io
from typing import Any

from pydantic import ValidationError

from services.registry.schemas import VolunteerIn
from shared.errors import Invalid

IMPORT_COLUMNS = (
    "name",
    "phone",
    "gender",
    "birth_year",
    "is_party_member",
    "party_joined_on",
    "skills",
)
_TRUE = {"true", "yes", "y", "1", "是", "党员"}
_FALSE = {"false", "no", "n", "0", "否", ""}
_GENDERS = {
    "male": "male",
    "m": "male",
    "男": "male",
    "female": "female",
    "f": "female",
    "女": "female",
}


def parse_volunteer_csv(content: bytes, first_line: int = 1) -> list[tuple[int, dict[str, Any]]]:
    """Rows of a volunteers CSV as (line number, fields), or Invalid for the whole file."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise Invalid(f"the file is not UTF-8 (byte {error.start})", field="file") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("name", "phone") if c not in header]
    if missing:
        raise Invalid(f"the header row lacks the column(s): {', '.join(missing)}", field="file")
    unknown = [h for h in header if h not in IMPORT_COLUMNS]
    if unknown:
        raise Invalid(
            f"unknown column(s): {', '.join(unknown)}; known: {', '.join(IMPORT_COLUMNS)}",
            field="file",
        )
    reader.fieldnames = header
    rows = []
    for record in reader:
        line = first_line + reader.line_num - 1
        if None in record:
            rows.append((line, {"__error__": "more fields than the header has"}))
            continue
        values = {k: (v or "").strip() for k, v in record.items()}
        if not any(values.values()):
            continue
        rows.append((line, values))
    return rows


def row_to_volunteer(community_id: str, values: dict[str, str]) -> VolunteerIn:
    if "__error__" in values:
        raise ValueError(values["__error__"])
    fields: dict[str, Any] = {
        "community_id": community_id,
        "name": values["name"],
        "phone": values["phone"],
    }
    gender = values.get("gender", "").lower()
    if gender:
        if gender not in _GENDERS:
            raise ValueError(f"gender: {values['gender']!r} is not male/female/男/女")
        fields["gender"] = _GENDERS[gender]
    if values.get("birth_year"):
        fields["birth_year"] = values["birth_year"]
    member = values.get("is_party_member", "").lower()
    if member not in _TRUE | _FALSE:
        raise ValueError(
            f"is_party_member: {values['is_party_member']!r} is not true/false (是/否)"
        )
    fields["is_party_member"] = member in _TRUE
    if values.get("party_joined_on"):
        fields["party_joined_on"] = values["party_joined_on"]
    if values.get("skills"):
        fields["skills"] = [s for s in values["skills"].split(";") if s.strip()]
    return VolunteerIn.model_validate(fields)


def describe(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or 'row'}: {e['msg'].removeprefix('Value error, ')}"
        for e in error.errors()
    )


def split_csv(content: bytes, rows_per_chunk: int) -> list[tuple[int, bytes]]:
    """The header plus up to `rows_per_chunk` records per chunk, each with the `first_line`
    to send along so the server reports the line numbers of the whole file."""
    text = content.decode("utf-8-sig")
    lines = text.splitlines(keepends=True)
    if not lines:
        return []
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader, None)
    record_ends = [reader.line_num for _ in reader]
    chunks = []
    start = 1  # index into `lines` of the first line after the previous chunk
    for i in range(0, len(record_ends), rows_per_chunk):
        end = record_ends[min(i + rows_per_chunk, len(record_ends)) - 1]
        body = "".join(lines[start:end])
        chunks.append((start, (lines[0] + body).encode()))
        start = end
    return chunks
