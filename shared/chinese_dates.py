"""Days and periods as the county's documents write them (certificates, reports)."""

from __future__ import annotations

from datetime import date


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def chinese_period(
    start: date | None,
    end: date | None,
    *,
    between: str = "{start}至{end}",
    since: str = "自{start}起",
    until: str = "截至{end}",
    whole: str = "全部",
) -> str:
    """A period whose first or last day may be open, in the wording given for each case;
    the wordings name the days `{start}` and `{end}`."""
    if start is None and end is None:
        return whole
    wording = between if start is not None and end is not None else since if end is None else until
    return wording.format(
        start=chinese_date(start) if start is not None else "",
        end=chinese_date(end) if end is not None else "",
    )
