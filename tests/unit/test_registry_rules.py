"""Registry rules on input, called directly."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.registry.schemas import VolunteerIn
from services.registry.volunteer_csv import parse_volunteer_csv, row_to_volunteer, split_csv
from shared.db import utcnow
from shared.errors import Invalid


def volunteer(**fields: object) -> VolunteerIn:
    return VolunteerIn.model_validate(
        {"community_id": "longquan", "name": "王芳", "phone": "13812345678", **fields}
    )


def test_a_party_member_may_give_the_date_they_joined() -> None:
    registered = volunteer(is_party_member=True, party_joined_on="1990-07-01", birth_year=1960)
    assert registered.party_joined_on is not None


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        (
            {"is_party_member": True, "party_joined_on": str(utcnow().date() + timedelta(days=2))},
            "party_joined_on",
            "future",
        ),
        (
            {"is_party_member": False, "party_joined_on": "1990-07-01"},
            "party_joined_on",
            "only for party members",
        ),
        (
            {"is_party_member": True, "party_joined_on": "1975-07-01", "birth_year": 1960},
            "party_joined_on",
            "turned 18",
        ),
        ({"birth_year": utcnow().year + 1}, "birth_year", "future"),
        ({"name": "x" * 51}, "name", "at most 50"),
        ({"phone": "12ab"}, "phone", "phone number"),
        ({"gender": "unknown"}, "gender", "male"),
        ({"surprise": 1}, "surprise", "Extra inputs"),
    ],
)
def test_bad_volunteer_input_names_the_field(
    fields: dict[str, object], field: str, message: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        volunteer(**fields)
    errors = caught.value.errors()
    assert [e["loc"] for e in errors] == [(field,)]
    assert message in errors[0]["msg"]


CSV = (
    "\ufeffname,phone,gender,birth_year,is_party_member,party_joined_on,skills\n"
    "王芳,13800000001,女,1960,是,1990-07-01,剪纸;秧歌\n"
    "\n"
    "李强,13800000002,male,1985,false,,\n"
    "赵六,,,,,,\n"
)


def test_csv_rows_carry_their_line_numbers() -> None:
    rows = parse_volunteer_csv(CSV.encode())
    assert [line for line, _ in rows] == [2, 4, 5]
    first = row_to_volunteer("longquan", rows[0][1])
    assert first.gender == "female" and first.is_party_member and first.skills == ["剪纸", "秧歌"]
    second = row_to_volunteer("longquan", rows[1][1])
    assert second.gender == "male" and not second.is_party_member
    with pytest.raises(ValidationError):
        row_to_volunteer("longquan", rows[2][1])


def test_csv_line_numbers_continue_across_chunks() -> None:
    rows = parse_volunteer_csv(b"name,phone\nA,13800000001\n", first_line=101)
    assert rows[0][0] == 102


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("名字,电话\n".encode(), "lacks the column(s): name, phone"),
        (b"name,phone,shoe_size\n", "unknown column(s): shoe_size"),
        ("name,phone\n王芳,138".encode("gbk"), "not UTF-8"),
    ],
)
def test_a_csv_that_cannot_be_read_is_refused_whole(content: bytes, message: str) -> None:
    with pytest.raises(Invalid, match=re.escape(message)):
        parse_volunteer_csv(content)


def test_a_row_with_too_many_fields_is_reported() -> None:
    rows = parse_volunteer_csv(b"name,phone\nA,13800000001,extra\n")
    with pytest.raises(ValueError, match="more fields than the header"):
        row_to_volunteer("longquan", rows[0][1])


def test_chunks_keep_the_line_numbers_of_the_whole_file() -> None:
    content = b'name,phone\nA,13800000001\n\nB,13800000002\n"C\nD",13800000003\nE,13800000004\n'
    whole = [line for line, _ in parse_volunteer_csv(content)]
    chunked = [
        line
        for first_line, chunk in split_csv(content, rows_per_chunk=2)
        for line, _ in parse_volunteer_csv(chunk, first_line)
    ]
    assert whole == [2, 4, 6, 7]
    assert chunked == whole
