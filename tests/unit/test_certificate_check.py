"""The rules of checking a certificate: its check code, its address, whether it still
holds, and how much of a name anyone may see."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.activities.domain import (
    CHECK_CODE_ALPHABET,
    CHECK_CODE_LENGTH,
    new_check_code,
    normalise_check_code,
    still_holds,
    verification_url,
)
from services.activities.models import Certificate
from shared.names import mask_name


def test_check_codes_are_eight_characters_none_of_which_reads_as_another() -> None:
    codes = {new_check_code() for _ in range(2000)}
    assert len(codes) == 2000, "drawn at random: no two alike"
    for code in codes:
        assert len(code) == CHECK_CODE_LENGTH == 8
        assert set(code) <= set(CHECK_CODE_ALPHABET)
    assert not set("0O1IL") & set(CHECK_CODE_ALPHABET)
    # Every character of the alphabet turns up: the draw uses all of it.
    assert set("".join(codes)) == set(CHECK_CODE_ALPHABET)


@pytest.mark.parametrize("typed", ["K7QP3XWM", "k7qp-3xwm", " K7QP 3XWM ", "K7QP-3XWM"])
def test_a_typed_code_is_read_as_printed(typed: str) -> None:
    assert normalise_check_code(typed) == "K7QP3XWM"


def test_the_verification_address_goes_through_the_console() -> None:
    issued = Certificate(number="QS-longquan-2026-000012", check_code="K7QP3XWM")
    assert (
        verification_url("https://qise.example.gov.cn/", issued)
        == "https://qise.example.gov.cn/api/activities/certificates/"
        "QS-longquan-2026-000012?code=K7QP3XWM"
    )


COUNTED = [{"activity_id": "a", "hours": "2.00"}, {"activity_id": "b", "hours": "1.50"}]


def test_a_certificate_holds_while_all_it_counted_still_counts() -> None:
    assert still_holds(COUNTED, {"a": Decimal("2"), "b": Decimal("1.5")})


def test_activities_verified_since_do_not_matter() -> None:
    assert still_holds(COUNTED, {"a": Decimal("2"), "b": Decimal("1.5"), "c": Decimal(3)})


def test_a_voided_activity_supersedes_it() -> None:
    assert not still_holds(COUNTED, {"a": Decimal("2")})


def test_changed_hours_supersede_it() -> None:
    assert not still_holds(COUNTED, {"a": Decimal("2"), "b": Decimal("1")})


def test_a_certificate_of_nothing_holds() -> None:
    assert still_holds([], {})


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("张晓明", "张*明"),
        ("张明", "张*"),
        ("欧阳明华", "欧**华"),
        ("明", "*"),
        ("", ""),
        (" 王芳 ", "王*"),
    ],
)
def test_names_are_masked(name: str, shown: str) -> None:
    assert mask_name(name) == shown
