"""The rollup rule: an activity counts as its newest state, once."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from services.stats.domain import buckets, default_range, period_label, whole_months
from services.stats.projections import Counted, by_month, net_changes
from services.stats.replicas import (
    by,
    changed,
    newest,
    request_day_share,
    request_share,
    rollup_deltas,
    volunteer_share,
)

WANG, LI = str(uuid.uuid4()), str(uuid.uuid4())
DAY = date(2026, 11, 20)


def state(status: str, version: int, people: int = 60, hours: str = "3") -> Counted:
    return Counted(
        "longquan", "orange", DAY, status, people, version, {WANG: Decimal(hours), LI: Decimal("2")}
    )


def test_logging_adds_to_the_day_and_the_volunteers() -> None:
    a = str(uuid.uuid4())
    changed, deltas = net_changes({}, [(a, state("logged", 1))])
    assert list(changed) == [a]
    assert deltas.days[("longquan", "orange", DAY)] == [1, 60, Decimal("5"), Decimal("0")]
    assert deltas.volunteers[WANG] == ["longquan", Decimal("3"), Decimal("0")]


def test_verifying_moves_hours_to_certified_without_counting_twice() -> None:
    a = str(uuid.uuid4())
    _, deltas = net_changes({a: state("logged", 1)}, [(a, state("verified", 2))])
    assert deltas.days[("longquan", "orange", DAY)] == [0, 0, Decimal("0"), Decimal("5")]
    assert deltas.volunteers[LI] == ["longquan", Decimal("0"), Decimal("2")]


def test_voiding_takes_everything_out() -> None:
    a = str(uuid.uuid4())
    _, deltas = net_changes({a: state("verified", 2)}, [(a, state("voided", 3))])
    assert deltas.days[("longquan", "orange", DAY)] == [-1, -60, Decimal("-5"), Decimal("-5")]


def test_stale_and_repeated_states_change_nothing() -> None:
    a = str(uuid.uuid4())
    changed, deltas = net_changes(
        {a: state("verified", 2)}, [(a, state("logged", 1)), (a, state("verified", 2))]
    )
    assert changed == {} and not deltas.days and not deltas.volunteers


def test_a_batch_nets_out_in_order() -> None:
    a = str(uuid.uuid4())
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


def test_monthly_deltas_add_up_the_days() -> None:
    days = {
        ("longquan", "orange", date(2026, 1, 31)): [1, 10, Decimal("2"), Decimal("0")],
        ("longquan", "orange", date(2026, 1, 2)): [-1, -5, Decimal("-1"), Decimal("-1")],
        ("longquan", "orange", date(2026, 2, 1)): [1, 1, Decimal("1"), Decimal("1")],
    }
    assert by_month(days) == {
        ("longquan", "orange", date(2026, 1, 1)): [0, 5, Decimal("1"), Decimal("-1")],
        ("longquan", "orange", date(2026, 2, 1)): [1, 1, Decimal("1"), Decimal("1")],
    }


def test_whole_months_of_a_period() -> None:
    d = date
    assert whole_months(None, None) == (None, None)
    assert whole_months(d(2025, 1, 31), d(2025, 4, 1)) == (d(2025, 2, 1), d(2025, 4, 1))
    assert whole_months(d(2025, 2, 1), d(2025, 3, 31)) == (d(2025, 2, 1), d(2025, 4, 1))
    assert whole_months(d(2025, 2, 2), d(2025, 3, 31)) == (d(2025, 3, 1), d(2025, 4, 1))
    assert whole_months(d(2024, 12, 1), d(2024, 12, 31)) == (d(2024, 12, 1), d(2025, 1, 1))
    assert whole_months(d(2025, 2, 10), d(2025, 2, 20)) is None
    assert whole_months(d(2025, 2, 2), d(2025, 3, 30)) is None
    assert whole_months(None, d(2025, 2, 14)) == (None, d(2025, 2, 1))
    assert whole_months(d(2025, 2, 2), None) == (d(2025, 3, 1), None)
    assert whole_months(d(9998, 12, 1), d(9998, 12, 31)) == (d(9998, 12, 1), d(9999, 1, 1))


def test_registry_states_newest_version_wins_and_counts_move() -> None:
    def volunteer(version: int, active: bool, party: bool = True) -> dict[str, Any]:
        return {
            "id": 1,
            "community_id": "longquan",
            "active": active,
            "is_party_member": party,
            "version": version,
        }

    rows = [volunteer(2, False), volunteer(3, True, False), volunteer(3, False), volunteer(1, True)]
    assert newest(rows, by("id")) == {1: volunteer(3, True, False)}
    # Rows from before versions (0) replace each other in arrival order; any version beats them.
    old = [{"id": "a", "name": "x", "version": 0}, {"id": "a", "name": "y", "version": 0}]
    assert newest(old, by("id"))["a"]["name"] == "y"
    renamed = {"id": "a", "name": "z", "version": 1}
    assert newest([renamed, *old], by("id"))["a"] == renamed
    assert changed({"a": renamed}, {"a": old[0]}) == {}
    assert changed({"a": old[0]}, {"a": old[1]}) == {"a": old[1]}

    before = {1: volunteer(2, True)}
    assert changed(before, {1: volunteer(2, False)}) == {}
    after = changed(before, {1: volunteer(3, True, False)})
    assert rollup_deltas(before, after, volunteer_share) == {("longquan",): [0, -1]}
    gone = changed(before, {1: volunteer(4, False)})
    assert rollup_deltas(before, gone, volunteer_share) == {("longquan",): [-1, -1]}
    assert rollup_deltas({}, {1: volunteer(1, True)}, volunteer_share) == {("longquan",): [1, 1]}


def test_a_request_moves_between_statuses() -> None:
    now = datetime(2026, 11, 20, tzinfo=UTC)

    def request(status: str, **fields: Any) -> dict[str, Any]:
        return {
            "community_id": "longquan",
            "category": "orange",
            "status": status,
            "overdue": False,
            "completed_at": None,
            "due_at": now,
            "rating": None,
            "paid": False,
            "price": None,
            **fields,
        }

    before = {1: request("accepted", overdue=True)}
    after = {1: request("completed", completed_at=now - timedelta(hours=1), rating=4)}
    assert rollup_deltas(before, after, request_share) == {
        ("longquan", "orange", "accepted"): [-1, -1, 0, 0, 0, 0, 0],
        ("longquan", "orange", "completed"): [1, 0, 1, 4, 1, 0, 0],
    }
    late = {1: request("completed", completed_at=now + timedelta(hours=1))}
    assert rollup_deltas({}, late, request_share) == {
        ("longquan", "orange", "completed"): [1, 0, 0, 0, 0, 0, 0]
    }


def test_a_request_counts_on_its_local_day_of_submission_in_its_newest_status() -> None:
    zone = ZoneInfo("Asia/Shanghai")
    # 17:30 UTC on the 30th is 01:30 on the 1st in Shanghai: another day and month.
    submitted = datetime(2026, 11, 30, 17, 30, tzinfo=UTC)

    def request(status: str, **fields: Any) -> dict[str, Any]:
        return {
            "community_id": "longquan",
            "category": "orange",
            "status": status,
            "overdue": False,
            "submitted_at": submitted,
            "completed_at": None,
            "due_at": submitted + timedelta(hours=72),
            "rating": None,
            "paid": False,
            "price": None,
            **fields,
        }

    key = ("longquan", "orange", date(2026, 12, 1))
    share = request_day_share(zone)
    assert rollup_deltas({}, {1: request("assigned", overdue=True)}, share) == {
        key: [1, 1, 0, 0, 1, 0, 0, 0, 0, 0]
    }
    before = {1: request("accepted", overdue=True)}
    after = {1: request("completed", completed_at=submitted + timedelta(hours=1), rating=4)}
    days = rollup_deltas(before, after, share)
    assert days == {key: [0, -1, 1, 0, -1, 1, 4, 1, 0, 0]}
    assert by_month(days) == {
        ("longquan", "orange", date(2026, 12, 1)): [0, -1, 1, 0, -1, 1, 4, 1, 0, 0]
    }
    cancelled = rollup_deltas({1: request("submitted")}, {1: request("cancelled")}, share)
    assert cancelled == {key: [0, -1, 0, 1, 0, 0, 0, 0, 0, 0]}
    # Nothing moved: nothing to write.
    assert rollup_deltas(before, {1: request("accepted", overdue=True)}, share) == {}
    # A paid order brings its price in once completed, and takes it out if that changes.
    paid = {1: request("accepted", paid=True, price=88.5)}
    done = {1: request("completed", paid=True, price=88.5, completed_at=submitted)}
    assert rollup_deltas(paid, done, share) == {key: [0, -1, 1, 0, 0, 1, 0, 0, 1, Decimal("88.5")]}
    assert rollup_deltas({}, paid, share) == {key: [1, 1, 0, 0, 0, 0, 0, 0, 0, 0]}
    assert by_month({key: [0] * 10}) == {}
