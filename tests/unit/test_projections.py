"""The rollup rule: an activity counts as its newest state, once."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from services.stats.domain import buckets, default_range, period_label
from services.stats.projections import Counted, net_changes

WANG, LI = uuid.uuid4(), uuid.uuid4()
DAY = date(2026, 11, 20)


def state(status: str, version: int, people: int = 60, hours: str = "3") -> Counted:
    return Counted(
        "longquan", "orange", DAY, status, people, version, {WANG: Decimal(hours), LI: Decimal("2")}
    )


def test_logging_adds_to_the_day_and_the_volunteers() -> None:
    a = uuid.uuid4()
    changed, deltas = net_changes({}, [(a, state("logged", 1))])
    assert list(changed) == [a]
    assert deltas.days[("longquan", "orange", DAY)] == [1, 60, Decimal("5"), Decimal("0")]
    assert deltas.volunteers[WANG] == ["longquan", Decimal("3"), Decimal("0")]


def test_verifying_moves_hours_to_certified_without_counting_twice() -> None:
    a = uuid.uuid4()
    _, deltas = net_changes({a: state("logged", 1)}, [(a, state("verified", 2))])
    assert deltas.days[("longquan", "orange", DAY)] == [0, 0, Decimal("0"), Decimal("5")]
    assert deltas.volunteers[LI] == ["longquan", Decimal("0"), Decimal("2")]


def test_voiding_takes_everything_out() -> None:
    a = uuid.uuid4()
    _, deltas = net_changes({a: state("verified", 2)}, [(a, state("voided", 3))])
    assert deltas.days[("longquan", "orange", DAY)] == [-1, -60, Decimal("-5"), Decimal("-5")]


def test_stale_and_repeated_states_change_nothing() -> None:
    a = uuid.uuid4()
    changed, deltas = net_changes(
        {a: state("verified", 2)}, [(a, state("logged", 1)), (a, state("verified", 2))]
    )
    assert changed == {} and not deltas.days and not deltas.volunteers


def test_a_batch_nets_out_in_order() -> None:
    a = uuid.uuid4()
    updates = [(a, state("logged", 1)), (a, state("verified", 2)), (a, state("logged", 1))]
    changed, deltas = net_changes({}, updates)
    assert changed[a].status == "verified"
    assert deltas.days[("longquan", "orange", DAY)] == [1, 60, Decimal("5"), Decimal("5")]


def test_periods_and_buckets() -> None:
    assert period_label(date(2026, 11, 25), "day") == "2026-11-25"
    assert period_label(date(2026, 11, 25), "week") == "2026-W48"
    assert period_label(date(2026, 11, 25), "month") == "2026-11"
    start, end = default_range(date(2026, 11, 25), "day")
    assert (end - start).days == 29
    points = buckets(
        date(2026, 11, 1),
        date(2026, 12, 31),
        "month",
        {date(2026, 11, 3): 2, date(2026, 12, 9): 1.5},
    )
    assert [(p.period, p.value) for p in points] == [("2026-11", 2.0), ("2026-12", 1.5)]
    days = buckets(date(2026, 11, 1), date(2026, 11, 3), "day", {})
    assert [p.value for p in days] == [0, 0, 0]
