"""The order and care-task lifecycles called directly: every verb, legal and illegal."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.requests import events as ev
from services.requests import lifecycle
from services.requests.lifecycle import CareTaskState, OrderState, TeamView
from services.requests.schemas import RequestIn
from shared.errors import Conflict, Invalid

NOW = datetime(2026, 11, 25, 9, tzinfo=UTC)
SLA = lifecycle.Sla(urgent=timedelta(hours=4), normal=timedelta(hours=72))
COMMUNITY = "xingfu"
TEAM = TeamView(uuid.uuid4(), "橙色服务队", COMMUNITY, "active")


def command(**fields: object) -> RequestIn:
    return RequestIn.model_validate(
        {
            "community_id": COMMUNITY,
            "service_kind": "elderly_care",
            "description": "独居老人需要上门理发",
            "resident": {"name": "赵大爷", "phone": "13512345678", "address": "幸福小区3号楼"},
            "channel": "walk_in",
            "mode": "door_to_door",
            "paid": True,
            "price": 20,
            "urgency": "urgent",
            **fields,
        }
    )


def submitted() -> OrderState:
    state, _ = lifecycle.submit(
        command(), order_id=uuid.uuid4(), category="orange", sla=SLA, at=NOW
    )
    return state


def in_status(status: str, **fields: Any) -> OrderState:
    return replace(submitted(), status=status, version=5, **fields)


# -- submit ---------------------------------------------------------------------------


def test_submit_takes_the_order_due_by_its_sla() -> None:
    order_id, inbound = uuid.uuid4(), uuid.uuid4()
    state, event = lifecycle.submit(
        command(), order_id=order_id, category="orange", sla=SLA, at=NOW, inbound_event_id=inbound
    )
    assert (state.id, state.status, state.version) == (order_id, "submitted", 1)
    assert state.due_at == NOW + timedelta(hours=4) and state.submitted_at == NOW
    assert state.price == Decimal("20") and state.inbound_event_id == inbound
    assert state.team_id is None and state.overdue_at is None
    assert isinstance(event, ev.RequestSubmitted)
    assert event.request_id == str(order_id) and event.version == 1
    assert event.status == "submitted" and event.category == "orange"
    normal, _ = lifecycle.submit(
        command(urgency="normal"), order_id=uuid.uuid4(), category="orange", sla=SLA, at=NOW
    )
    assert normal.due_at == NOW + timedelta(hours=72)


def test_events_carry_no_resident_data() -> None:
    _, event = lifecycle.submit(
        command(), order_id=uuid.uuid4(), category="orange", sla=SLA, at=NOW
    )
    dumped = str(event.model_dump())
    assert "13512345678" not in dumped and "赵大爷" not in dumped and "幸福小区" not in dumped


# -- assign ---------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted"])
def test_assign_gives_an_open_order_to_a_team(status: str) -> None:
    state, event = lifecycle.assign(in_status(status), TEAM.id, TEAM, at=NOW)
    assert (state.status, state.team_id, state.version) == ("assigned", TEAM.id, 6)
    assert isinstance(event, ev.RequestAssigned)
    assert (event.status, event.team_id, event.version) == ("assigned", str(TEAM.id), 6)


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_order_cannot_be_assigned(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.assign(in_status(status), TEAM.id, TEAM, at=NOW)
    assert caught.value.extra == {"current_status": status, "action": "assign"}


def test_the_move_is_checked_before_the_team() -> None:
    with pytest.raises(Conflict):
        lifecycle.assign(in_status("completed"), TEAM.id, None, at=NOW)


def test_assign_wants_an_active_team_of_the_community() -> None:
    elsewhere = replace(TEAM, community_id="elsewhere")
    resting = replace(TEAM, status="inactive")
    for team in (None, elsewhere):
        with pytest.raises(Invalid, match="is not a team of xingfu") as caught:
            lifecycle.assign(submitted(), TEAM.id, team, at=NOW)
        assert caught.value.extra["errors"][0]["loc"] == ["body", "team_id"]
    with pytest.raises(Invalid, match="inactive"):
        lifecycle.assign(submitted(), TEAM.id, resting, at=NOW)


# -- escalation to the branch (服务难题联解) ---------------------------------------------

BRANCH = "城东大支部"
NEIGHBOUR = TeamView(uuid.uuid4(), "邻社区橙色队", "heping", "active", BRANCH)
BRANCH_ADMIN = lifecycle.Assigner(across_branch=True, branch=BRANCH)


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted"])
def test_escalate_an_open_order_once(status: str) -> None:
    state, event = lifecycle.escalate(in_status(status), reason="本社区无橙色队", at=NOW)
    assert (state.status, state.escalated_at, state.version) == (status, NOW, 6)
    assert state.escalation_reason == "本社区无橙色队" and state.waits_for_branch
    assert isinstance(event, ev.RequestEscalated)
    assert (event.reason, event.escalated_at, event.version) == ("本社区无橙色队", NOW, 6)
    with pytest.raises(Conflict, match="already escalated"):
        lifecycle.escalate(state, reason="again", at=NOW)


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_order_cannot_be_escalated(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.escalate(in_status(status), reason="太晚了", at=NOW)
    assert caught.value.extra == {"current_status": status, "action": "escalate"}


def test_the_branch_gives_an_escalated_order_to_another_communitys_team() -> None:
    escalated, _ = lifecycle.escalate(submitted(), reason="无橙色队", at=NOW)
    later = NOW + timedelta(hours=1)
    state, event = lifecycle.assign(escalated, NEIGHBOUR.id, NEIGHBOUR, at=later, by=BRANCH_ADMIN)
    assert (state.community_id, state.serving_community_id) == (COMMUNITY, "heping")
    assert state.branch_assigned_at == later and not state.waits_for_branch
    assert state.served_for_another
    assert (event.community_id, event.serving_community_id) == (COMMUNITY, "heping")


def test_an_own_team_serves_its_community() -> None:
    state, event = lifecycle.assign(submitted(), TEAM.id, TEAM, at=NOW)
    assert state.serving_community_id == COMMUNITY and not state.served_for_another
    assert state.branch_assigned_at is None and event.serving_community_id == COMMUNITY
    assert state.serving_unit_id is None and event.serving_unit_id is None


def test_a_resident_units_team_is_named_on_the_order_and_its_events() -> None:
    unit = uuid.uuid4()
    units_team = replace(NEIGHBOUR, unit_id=unit)
    escalated, _ = lifecycle.escalate(submitted(), reason="无橙色队", at=NOW)
    state, event = lifecycle.assign(escalated, units_team.id, units_team, at=NOW, by=BRANCH_ADMIN)
    assert (state.serving_community_id, state.serving_unit_id) == ("heping", unit)
    assert (event.serving_community_id, event.serving_unit_id) == ("heping", str(unit))
    # Given back to a team no unit formed, the order no longer names the unit.
    again, moved = lifecycle.assign(state, NEIGHBOUR.id, NEIGHBOUR, at=NOW, by=BRANCH_ADMIN)
    assert again.serving_unit_id is None and moved.serving_unit_id is None


def test_another_communitys_team_only_for_an_escalated_order_by_the_branch() -> None:
    escalated, _ = lifecycle.escalate(submitted(), reason="无橙色队", at=NOW)
    elsewhere = replace(NEIGHBOUR, branch="城西大支部")
    out_of_reach = replace(BRANCH_ADMIN, may_reach=lambda community: False)
    cases = [
        (escalated, NEIGHBOUR, lifecycle.IN_COMMUNITY, "is not a team of xingfu"),
        (submitted(), NEIGHBOUR, BRANCH_ADMIN, "only an order escalated"),
        (escalated, elsewhere, BRANCH_ADMIN, "not a team of the branch"),
        (escalated, NEIGHBOUR, out_of_reach, "not a team of the branch"),
        (escalated, replace(NEIGHBOUR, branch=None), BRANCH_ADMIN, "not a team of the branch"),
    ]
    for state, team, by, message in cases:
        with pytest.raises(Invalid, match=message) as caught:
            lifecycle.assign(state, team.id, team, at=NOW, by=by)
        assert caught.value.extra["errors"][0]["loc"] == ["body", "team_id"]


def test_an_escalation_left_waiting_is_flagged_once() -> None:
    wait = timedelta(hours=24)
    escalated, _ = lifecycle.escalate(submitted(), reason="无橙色队", at=NOW)
    assert not lifecycle.is_escalation_overdue(escalated, NOW + timedelta(hours=23), wait)
    late = NOW + timedelta(hours=25)
    flagged, event = lifecycle.mark_escalation_overdue(escalated, at=late, wait=wait)
    assert flagged.escalation_overdue_at == late and flagged.version == escalated.version + 1
    assert isinstance(event, ev.RequestEscalationOverdue) and event.escalation_overdue
    with pytest.raises(Conflict):
        lifecycle.mark_escalation_overdue(flagged, at=late, wait=wait)
    served, _ = lifecycle.assign(escalated, NEIGHBOUR.id, NEIGHBOUR, at=NOW, by=BRANCH_ADMIN)
    assert not lifecycle.is_escalation_overdue(served, late, wait)
    assert not lifecycle.is_escalation_overdue(submitted(), late, wait)


# -- accept, complete, cancel -----------------------------------------------------------


def test_accept_an_assigned_order() -> None:
    state, event = lifecycle.accept(in_status("assigned"))
    assert (state.status, state.version) == ("accepted", 6)
    assert isinstance(event, ev.RequestAccepted) and event.version == 6


@pytest.mark.parametrize("status", ["submitted", "accepted", "completed", "cancelled"])
def test_only_an_assigned_order_is_accepted(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.accept(in_status(status))
    assert caught.value.extra["current_status"] == status


def test_complete_an_accepted_order() -> None:
    activity = uuid.uuid4()
    state, event = lifecycle.complete(
        in_status("accepted"), at=NOW, note="已理发", activity_id=activity
    )
    assert (state.status, state.completed_at, state.version) == ("completed", NOW, 6)
    assert (state.completion_note, state.activity_id) == ("已理发", activity)
    assert isinstance(event, ev.RequestCompleted)
    assert (event.activity_id, event.completed_at, event.version) == (str(activity), NOW, 6)
    _, without = lifecycle.complete(in_status("accepted"), at=NOW, note=None, activity_id=None)
    assert without.activity_id is None


@pytest.mark.parametrize("status", ["submitted", "assigned", "completed", "cancelled"])
def test_only_an_accepted_order_is_completed(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.complete(in_status(status), at=NOW, note=None, activity_id=None)
    assert caught.value.extra["current_status"] == status


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted"])
def test_cancel_an_open_order(status: str) -> None:
    state, event = lifecycle.cancel(in_status(status), reason="居民已自行解决")
    assert (state.status, state.cancel_reason, state.version) == ("cancelled", "居民已自行解决", 6)
    assert isinstance(event, ev.RequestCancelled) and event.reason == "居民已自行解决"


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_a_closed_order_cannot_be_cancelled(status: str) -> None:
    with pytest.raises(Conflict) as caught:
        lifecycle.cancel(in_status(status), reason="x")
    assert caught.value.extra["current_status"] == status


# -- rate -------------------------------------------------------------------------------


def test_rate_a_completed_order_once() -> None:
    state, event = lifecycle.rate(in_status("completed"), score=5, comment="很满意")
    assert (state.rating, state.rating_comment, state.status, state.version) == (
        5,
        "很满意",
        "completed",
        6,
    )
    assert isinstance(event, ev.RequestRated) and event.rating == 5 and event.version == 6
    with pytest.raises(Conflict, match="already rated") as caught:
        lifecycle.rate(state, score=1, comment=None)
    assert caught.value.extra["current_status"] == "completed"


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted", "cancelled"])
def test_only_a_completed_order_is_rated(status: str) -> None:
    with pytest.raises(Conflict, match="only a completed order") as caught:
        lifecycle.rate(in_status(status), score=4, comment=None)
    assert caught.value.extra["current_status"] == status


# -- overdue ----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted"])
def test_an_open_order_past_due_is_marked_once(status: str) -> None:
    order = in_status(status)
    later = order.due_at + timedelta(seconds=1)
    assert lifecycle.is_overdue(order, later)
    state, event = lifecycle.mark_overdue(order, at=later)
    assert (state.overdue_at, state.status, state.version) == (later, status, 6)
    assert isinstance(event, ev.RequestOverdue) and event.overdue and event.version == 6
    assert not lifecycle.is_overdue(state, later)
    with pytest.raises(Conflict):
        lifecycle.mark_overdue(state, at=later)


def test_an_order_not_yet_due_or_closed_is_not_marked() -> None:
    order = in_status("assigned")
    assert not lifecycle.is_overdue(order, order.due_at)
    with pytest.raises(Conflict):
        lifecycle.mark_overdue(order, at=order.due_at)
    for status in ("completed", "cancelled"):
        closed = in_status(status)
        assert not lifecycle.is_overdue(closed, closed.due_at + timedelta(days=1))
        with pytest.raises(Conflict) as caught:
            lifecycle.mark_overdue(closed, at=closed.due_at + timedelta(days=1))
        assert caught.value.extra["current_status"] == status


def test_every_verb_publishes_a_newer_version() -> None:
    state, first = lifecycle.submit(
        command(), order_id=uuid.uuid4(), category="orange", sla=SLA, at=NOW
    )
    versions = [first.version]
    for step in (
        lambda s: lifecycle.assign(s, TEAM.id, TEAM, at=NOW),
        lambda s: lifecycle.mark_overdue(s, at=NOW + timedelta(hours=5)),
        lifecycle.accept,
        lambda s: lifecycle.complete(s, at=NOW, note=None, activity_id=None),
        lambda s: lifecycle.rate(s, score=3, comment=None),
    ):
        state, event = step(state)
        versions.append(event.version)
        assert event.version == state.version
    assert versions == [1, 2, 3, 4, 5, 6]


def test_api_and_events_share_one_mapping() -> None:
    state = in_status("assigned", team_id=TEAM.id, overdue_at=NOW)
    event = state.event(ev.RequestAccepted)
    assert event.model_dump(exclude={"request_id", "version"}) == state.shown()
    assert state.shown()["team_id"] == str(TEAM.id) and state.shown()["overdue"] is True
    row = type("Row", (), {f: getattr(state, f) for f in state.__dataclass_fields__})()
    assert OrderState.of(row) == state


# -- care tasks -------------------------------------------------------------------------


def open_care_task(
    reason: str, due_on: date = date(2026, 12, 2), **fields: Any
) -> tuple[CareTaskState, ev.CareTaskCreated]:
    """A care task opened for a volunteer 王芳 of COMMUNITY, for `reason`."""
    return lifecycle.open_care_task(
        task_id=uuid.uuid4(),
        community_id=COMMUNITY,
        volunteer_id=uuid.uuid4(),
        volunteer_name="王芳",
        reason=reason,
        due_on=due_on,
        at=NOW,
        **fields,
    )


def care_task(**fields: Any) -> CareTaskState:
    state, _ = open_care_task("hospitalized")
    return replace(state, **fields)


def test_a_life_event_opens_a_care_task_for_the_admins() -> None:
    life_event = uuid.uuid4()
    state, event = open_care_task("retired", life_event_id=life_event)
    assert (state.kind, state.owner, state.status, state.version) == (
        "talk",
        "community_admins",
        "open",
        1,
    )
    assert state.life_event_id == life_event and state.created_at == NOW
    assert isinstance(event, ev.CareTaskCreated)
    assert (event.care_task_id, event.kind, event.version) == (str(state.id), "talk", 1)
    assert "王芳" not in str(event.model_dump())


def test_a_birthday_talk_remembers_its_year() -> None:
    state, _ = open_care_task("political_birthday", date(2026, 7, 1), birthday_year=2026)
    assert (state.kind, state.birthday_year) == ("talk", 2026)


def test_no_care_task_without_a_care_rule() -> None:
    with pytest.raises(ValueError, match="no care rule"):
        open_care_task("birthday_party", date(2026, 7, 1))


def test_complete_a_care_task_once() -> None:
    state, event = lifecycle.complete_care_task(care_task(), by="tester", at=NOW, note="已探望")
    assert (state.status, state.completed_by, state.completed_at, state.note) == (
        "done",
        "tester",
        NOW,
        "已探望",
    )
    assert state.version == 2
    assert isinstance(event, ev.CareTaskCompleted) and event.version == 2
    with pytest.raises(Conflict, match="already done") as caught:
        lifecycle.complete_care_task(state, by="tester", at=NOW, note=None)
    assert caught.value.extra["current_status"] == "done"


def test_an_open_care_task_past_its_day_is_marked_once() -> None:
    task = care_task()
    assert not lifecycle.is_care_task_overdue(task, task.due_on)
    with pytest.raises(Conflict):
        lifecycle.mark_care_task_overdue(task, at=NOW, today=task.due_on)
    after = task.due_on + timedelta(days=1)
    state, event = lifecycle.mark_care_task_overdue(task, at=NOW, today=after)
    assert (state.overdue_at, state.version) == (NOW, 2)
    assert isinstance(event, ev.CareTaskOverdue) and event.overdue and event.version == 2
    with pytest.raises(Conflict):
        lifecycle.mark_care_task_overdue(state, at=NOW, today=after)


def test_a_done_care_task_is_never_overdue() -> None:
    done = care_task(status="done")
    after = done.due_on + timedelta(days=1)
    assert not lifecycle.is_care_task_overdue(done, after)
    with pytest.raises(Conflict) as caught:
        lifecycle.mark_care_task_overdue(done, at=NOW, today=after)
    assert caught.value.extra["current_status"] == "done"


def test_care_api_and_events_share_one_mapping() -> None:
    state = care_task(overdue_at=NOW)
    event = state.event(ev.CareTaskOverdue)
    assert event.model_dump(exclude={"care_task_id", "version"}) == state.shown()
    row = type("Row", (), {f: getattr(state, f) for f in state.__dataclass_fields__})()
    assert CareTaskState.of(row) == state
