"""The activity lifecycle called directly: every verb and guard, legal and illegal."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from services.activities import events as ev
from services.activities import lifecycle
from services.activities.api import activity_out
from services.activities.lifecycle import ActivityState
from services.activities.models import Activity, Participation
from services.activities.schemas import ActivityIn, CorrectionIn, Status
from shared.errors import Conflict, Invalid

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
SKEW = timedelta(minutes=5)
COMMUNITY = "longquan"
TEAM = uuid.uuid4()
WANG, LI = sorted([uuid.uuid4(), uuid.uuid4()])


def fields(**changes: Any) -> dict[str, Any]:
    return {
        "community_id": COMMUNITY,
        "team_id": str(TEAM),
        "kind": "free_clinic",
        "title": "义诊进社区",
        "started_at": (NOW - timedelta(hours=26)).isoformat(),
        "ended_at": (NOW - timedelta(hours=24)).isoformat(),
        "location": "社区广场",
        # Given out of order: the state keeps them by volunteer id, as they are read back.
        "participants": [
            {"volunteer_id": str(LI), "hours": 1.5},
            {"volunteer_id": str(WANG), "hours": 2},
        ],
        "people_served": 120,
        "beneficiaries": {"elderly": 80},
        "outputs": {"brochures": 300},
        **changes,
    }


def command(**changes: Any) -> ActivityIn:
    return ActivityIn.model_validate(fields(**changes))


def correction(**changes: Any) -> CorrectionIn:
    return CorrectionIn.model_validate({**fields(**changes), "reason": "人数登记错误"})


def log_command(by: str = "leader", **changes: Any) -> tuple[ActivityState, ev.ActivityLogged]:
    """Log the orange activity `command(**changes)`, as `by`, under a new id."""
    return lifecycle.log(
        command(**changes), activity_id=uuid.uuid4(), category="orange", by=by, at=NOW, skew=SKEW
    )


def logged(**changes: Any) -> ActivityState:
    state, _ = log_command(**changes)
    return state


def in_status(status: Status, **changes: Any) -> ActivityState:
    return replace(logged(), status=status, version=4, **changes)


# -- log --------------------------------------------------------------------------------


def test_log_makes_a_logged_activity_of_the_teams_category() -> None:
    activity_id = uuid.uuid4()
    state, event = lifecycle.log(
        command(), activity_id=activity_id, category="orange", by="leader", at=NOW, skew=SKEW
    )
    assert (state.id, state.status, state.version, state.category) == (
        activity_id,
        "logged",
        1,
        "orange",
    )
    assert state.logged_by == "leader" and state.created_at == NOW
    assert [p.volunteer_id for p in state.participants] == [WANG, LI]
    assert [p.hours for p in state.participants] == [Decimal("2.00"), Decimal("1.50")]
    assert state.verified_by is None and state.voided_by is None
    assert state.corrects_activity_id is None and state.corrected_by_activity_id is None
    assert isinstance(event, ev.ActivityLogged)
    assert event.activity_id == str(activity_id) and event.version == 1
    assert event.status == "logged" and event.category == "orange"
    assert [(p.volunteer_id, p.hours) for p in event.participants] == [
        (str(WANG), 2.0),
        (str(LI), 1.5),
    ]


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        (
            {
                "started_at": (NOW - timedelta(hours=1)).isoformat(),
                "ended_at": (NOW - timedelta(hours=2)).isoformat(),
            },
            ["body", "ended_at"],
        ),
        ({"ended_at": (NOW + timedelta(hours=1)).isoformat()}, ["body", "ended_at"]),
        ({"started_at": (NOW - timedelta(days=40)).isoformat()}, ["body", "ended_at"]),
        (
            {"participants": [{"volunteer_id": str(WANG), "hours": 2}] * 2},
            ["body", "participants", 1, "volunteer_id"],
        ),
        (
            {"participants": [{"volunteer_id": str(WANG), "hours": 3}]},
            ["body", "participants", 0, "hours"],
        ),
        ({"people_served": 10, "beneficiaries": {"elderly": 11}}, ["body", "beneficiaries"]),
    ],
)
def test_log_refuses_an_activity_that_does_not_add_up(
    changes: dict[str, Any], loc: list[Any]
) -> None:
    with pytest.raises(Invalid) as refused:
        log_command(by="x", **changes)
    assert loc in [e["loc"] for e in refused.value.extra["errors"]]


def test_an_end_within_the_clock_skew_is_not_in_the_future() -> None:
    state = logged(ended_at=(NOW + SKEW - timedelta(seconds=1)).isoformat())
    assert state.status == "logged"


# -- verify -----------------------------------------------------------------------------


def test_verify_certifies_a_logged_activity() -> None:
    before = in_status("logged")
    after, event = lifecycle.verify(before, by="admin", at=NOW)
    assert (after.status, after.version) == ("verified", 5)
    assert (after.verified_by, after.verified_at) == ("admin", NOW)
    assert isinstance(event, ev.ActivityVerified)
    assert (event.status, event.version, event.verified_by) == ("verified", 5, "admin")
    assert before.status == "logged", "the state given is not changed"


@pytest.mark.parametrize("status", ["verified", "voided"])
def test_only_a_logged_activity_is_verified(status: Status) -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.verify(in_status(status), by="admin", at=NOW)
    assert refused.value.extra["current_status"] == status


# -- void -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["logged", "verified"])
def test_void_takes_a_logged_or_verified_activity_out_of_the_count(status: Status) -> None:
    before = in_status(status, verified_by="admin" if status == "verified" else None)
    after, event = lifecycle.void(before, reason="重复登记", by="admin", at=NOW)
    assert (after.status, after.version) == ("voided", 5)
    assert (after.voided_by, after.voided_at, after.void_reason) == ("admin", NOW, "重复登记")
    # A verified activity voided keeps who verified it: the record of both moves.
    assert after.verified_by == before.verified_by
    assert isinstance(event, ev.ActivityVoided)
    assert (event.status, event.version, event.reason, event.voided_by) == (
        "voided",
        5,
        "重复登记",
        "admin",
    )


def test_a_voided_activity_is_not_voided_again() -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.void(in_status("voided"), reason="x", by="admin", at=NOW)
    assert refused.value.extra["current_status"] == "voided"


# -- correct ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["logged", "verified"])
def test_correct_voids_the_old_and_logs_the_new_linked_both_ways(status: Status) -> None:
    old = in_status(status)
    new_id = uuid.uuid4()
    done = lifecycle.correct(
        old,
        correction(people_served=150),
        new_id=new_id,
        category="orange",
        by="admin",
        at=NOW,
        skew=SKEW,
    )
    assert (done.voided.status, done.voided.version) == ("voided", old.version + 1)
    assert done.voided.void_reason == "corrected: 人数登记错误"
    assert done.voided.corrected_by_activity_id == new_id
    assert (done.replacement.id, done.replacement.status, done.replacement.version) == (
        new_id,
        "logged",
        1,
    )
    assert done.replacement.corrects_activity_id == old.id
    assert done.replacement.people_served == 150
    assert (done.voided_event.activity_id, done.voided_event.version) == (str(old.id), 5)
    assert done.voided_event.reason == "corrected: 人数登记错误"
    assert done.logged_event.corrects_activity_id == str(old.id)
    assert done.logged_event.version == 1


def test_a_voided_activity_is_not_corrected() -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.correct(
            in_status("voided"),
            correction(),
            new_id=uuid.uuid4(),
            category="orange",
            by="admin",
            at=NOW,
            skew=SKEW,
        )
    assert refused.value.extra["current_status"] == "voided"


def test_a_correction_stays_in_the_community() -> None:
    with pytest.raises(Invalid) as refused:
        lifecycle.correct(
            logged(),
            correction(community_id="elsewhere"),
            new_id=uuid.uuid4(),
            category="orange",
            by="admin",
            at=NOW,
            skew=SKEW,
        )
    assert refused.value.extra["errors"][0]["loc"] == ["body", "community_id"]


def test_a_correction_that_does_not_add_up_is_refused() -> None:
    with pytest.raises(Invalid):
        lifecycle.correct(
            logged(),
            correction(ended_at=(NOW + timedelta(hours=2)).isoformat()),
            new_id=uuid.uuid4(),
            category="orange",
            by="admin",
            at=NOW,
            skew=SKEW,
        )


# -- the table and the one mapping ------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "status", "target"),
    [
        (action, status, target)
        for action, (allowed, target) in lifecycle.MOVES.items()
        for status in ("logged", "verified", "voided")
        if status in allowed
    ],
)
def test_check_move_leads_to_the_tables_target(action: str, status: Status, target: str) -> None:
    assert lifecycle.check_move(action, status) == target


def test_check_move_refuses_naming_the_current_status_and_action() -> None:
    with pytest.raises(Conflict) as refused:
        lifecycle.check_move("verify", "voided")
    assert refused.value.extra == {"current_status": "voided", "action": "verify"}


def test_the_row_the_answer_and_the_event_come_from_one_state() -> None:
    state, event = lifecycle.verify(in_status("logged", request_id=uuid.uuid4()), by="a", at=NOW)
    row = Activity(**state.columns())
    participations = [Participation(**p) for p in reversed(state.participation_rows())]
    assert ActivityState.of_rows(row, participations) == state
    assert event.model_dump(exclude={"activity_id", "version", "verified_by"}) == state.shown()
    out = activity_out(state)
    assert out.model_dump(include=set(state.shown())) == state.shown()
    assert out.id == event.activity_id == str(state.id)
    assert [p.model_dump() for p in out.participants] == [
        p.model_dump() for p in event.participants
    ]
    assert out.request_id == event.request_id == str(state.request_id)


# -- shared resources: when a resource may be booked -------------------------------------

SHANGHAI = ZoneInfo("Asia/Shanghai")
WEEKDAYS = [{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(1, 6)]


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment of the week of Monday 2031-01-06, Shanghai time."""
    return datetime(2031, 1, 5 + day, hour, minute, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("start", "end"),
    [(_at(1, 8), _at(1, 18)), (_at(5, 9), _at(5, 9, 30))],
    ids=["the whole window", "inside it"],
)
def test_a_booking_inside_a_window_fits(start: datetime, end: datetime) -> None:
    lifecycle.check_within_availability(WEEKDAYS, start, end, SHANGHAI)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (_at(1, 7, 59), _at(1, 9)),
        (_at(1, 17), _at(1, 18, 1)),
        (_at(6, 9), _at(6, 10)),
        (_at(1, 10), _at(2, 10)),
        (_at(1, 10), _at(1, 10)),
    ],
    ids=["before opening", "after closing", "a closed day", "over two days", "no length"],
)
def test_a_booking_outside_the_windows_is_invalid(start: datetime, end: datetime) -> None:
    with pytest.raises(Invalid):
        lifecycle.check_within_availability(WEEKDAYS, start, end, SHANGHAI)


def test_opening_hours_are_the_deployments_time() -> None:
    # 01:00 UTC is 09:00 in Shanghai: open.
    start = datetime(2031, 1, 6, 1, tzinfo=UTC)
    lifecycle.check_within_availability(WEEKDAYS, start, start + timedelta(hours=1), SHANGHAI)
