"""The one wording of days and periods that certificates and reports share."""

from __future__ import annotations

from datetime import date

import pytest

from shared.chinese_dates import chinese_date, chinese_period

START, END = date(2026, 1, 5), date(2026, 12, 31)


def test_a_day_is_written_without_leading_zeros() -> None:
    assert chinese_date(START) == "2026年1月5日"


@pytest.mark.parametrize(
    ("start", "end", "words"),
    [
        (START, END, "2026年1月5日至2026年12月31日"),
        (START, None, "自2026年1月5日起"),
        (None, END, "截至2026年12月31日"),
        (None, None, "全部"),
    ],
)
def test_each_open_end_has_its_wording(start: date | None, end: date | None, words: str) -> None:
    assert chinese_period(start, end) == words


def test_a_caller_words_each_case_its_own_way() -> None:
    phrase = {"between": "于{start}至{end}期间", "whole": ""}
    assert chinese_period(START, END, **phrase) == "于2026年1月5日至2026年12月31日期间"
    assert chinese_period(None, None, **phrase) == ""
    assert chinese_period(None, END, until="截至 {end}") == "截至 2026年12月31日"
