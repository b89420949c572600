"""Dates "not in the future" are judged by the county's calendar, not the machine's UTC one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from services.registry.schemas import LifeEventIn
from shared.settings import county_today


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Asia/Shanghai", "Etc/GMT+12"])
def test_today_is_the_day_in_the_configured_zone(
    zone: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISE_TIMEZONE", zone)
    assert county_today() == datetime.now(ZoneInfo(zone)).date()


def test_a_life_event_of_the_countys_today_is_taken_and_tomorrow_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # UTC+14: most of the UTC day, its today is UTC's tomorrow.
    monkeypatch.setenv("QISE_TIMEZONE", "Pacific/Kiritimati")
    today = county_today()
    assert today >= datetime.now(UTC).date()
    assert LifeEventIn(kind="ill", occurred_on=today).occurred_on == today
    with pytest.raises(ValidationError, match="occurred_on is in the future"):
        LifeEventIn(kind="ill", occurred_on=today + timedelta(days=1))
