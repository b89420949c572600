"""The lives of an order and of a care task, as pure rules.

Each verb takes the entity's whole state (and what the caller brings: the time,
who, a team), checks its guards, raising the domain's own errors, and returns
the new state, one version on, with the event that reports it. No database,
no session, no clock: the domain reads and locks the row, calls the verb,
writes the state back onto the row and records the event.
"""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

from services.requests import events as ev
from services.requests.schemas import OPEN_STATUSES, RequestIn
from shared.errors import Conflict, Invalid
from shared.personal_data import ERASED_RESIDENT_NAME
from shared.state import RowState, check_move_in

# -- orders: the lifecycle as a table: action -> (statuses it may start from, status it leads to)

MOVES: dict[str, tuple[tuple[str, ...], str]] = {
    "assign": (("submitted", "assigned", "accepted"), "assigned"),
    "accept": (("assigned",), "accepted"),
    "complete": (("accepted",), "completed"),
    "cancel": (OPEN_STATUSES, "cancelled"),
}


def check_move(action: str, status: str) -> str:
    """The status an action leads to from `status`, or Conflict naming the current status."""
    return check_move_in(MOVES, action, status, "an order")


@dataclass(frozen=True)
class Sla:
    urgent: timedelta
    normal: timedelta

    def due(self, urgency: str, submitted_at: datetime) -> datetime:
        return submitted_at + (self.urgent if urgency == "urgent" else self.normal)


@dataclass(frozen=True)
class TeamView:
    """A team as the assign rule sees it."""

    id: uuid.UUID
    name: str
    community_id: str
    status: str
    branch: str | None = None  # its community's branch
    unit_id: uuid.UUID | None = None  # the resident unit that formed it, if one did


@dataclass(frozen=True)
class Assigner:
    """Where the one assigning may send an order: its own community's teams, or (a county
    admin, or the admin of the order's branch) a team of any community of the branch."""

    across_branch: bool
    branch: str | None  # the order's community's branch
    may_reach: Callable[[str], bool] = lambda community_id: True


IN_COMMUNITY = Assigner(across_branch=False, branch=None)


OrderEvent = TypeVar("OrderEvent", bound=ev.RequestState)


@dataclass(frozen=True)
class OrderState(RowState):
    """An order's whole state: its `service_requests` row, column for column."""

    id: uuid.UUID
    community_id: str
    service_kind: str
    category: str
    description: str
    resident_name: str
    resident_phone: str
    resident_address: str | None
    channel: str
    mode: str
    paid: bool
    price: Decimal | None
    urgency: str
    status: str
    team_id: uuid.UUID | None
    due_at: datetime
    submitted_at: datetime
    completed_at: datetime | None
    completion_note: str | None
    activity_id: uuid.UUID | None
    cancel_reason: str | None
    rating: int | None
    rating_comment: str | None
    overdue_at: datetime | None
    escalated_at: datetime | None
    escalation_reason: str | None
    branch_assigned_at: datetime | None
    escalation_overdue_at: datetime | None
    serving_community_id: str | None
    serving_unit_id: uuid.UUID | None
    inbound_event_id: uuid.UUID | None
    version: int

    @property
    def waits_for_branch(self) -> bool:
        """Escalated, still open, and no team given to it by the branch yet."""
        return (
            self.escalated_at is not None
            and self.branch_assigned_at is None
            and self.status in OPEN_STATUSES
        )

    @property
    def served_for_another(self) -> bool:
        """A team of another community serves it (the branch gave it to them)."""
        return self.serving_community_id not in (None, self.community_id)

    def shown(self) -> dict[str, Any]:
        """The fields the API answer and every event of the order carry alike, as sent."""
        return {
            "community_id": self.community_id,
            "service_kind": self.service_kind,
            "category": self.category,
            "channel": self.channel,
            "mode": self.mode,
            "paid": self.paid,
            "price": float(self.price) if self.price is not None else None,
            "urgency": self.urgency,
            "status": self.status,
            "team_id": str(self.team_id) if self.team_id else None,
            "submitted_at": self.submitted_at,
            "due_at": self.due_at,
            "completed_at": self.completed_at,
            "rating": self.rating,
            "overdue": self.overdue_at is not None,
            "escalated_at": self.escalated_at,
            "serving_community_id": self.serving_community_id,
            "serving_unit_id": str(self.serving_unit_id) if self.serving_unit_id else None,
            "escalation_overdue": self.escalation_overdue_at is not None,
        }

    def event(self, kind: type[OrderEvent], **extra: Any) -> OrderEvent:
        """The event `kind` reporting this state; `extra` holds the fields only it carries."""
        return kind(request_id=str(self.id), **self.shown(), version=self.version, **extra)


def _moved(state: OrderState, action: str, **changes: Any) -> OrderState:
    """The state after a move of the table, one version on."""
    status = check_move(action, state.status)
    return replace(state, status=status, version=state.version + 1, **changes)


def submit(
    command: RequestIn,
    *,
    order_id: uuid.UUID,
    category: str,
    sla: Sla,
    at: datetime,
    inbound_event_id: uuid.UUID | None = None,
) -> tuple[OrderState, ev.RequestSubmitted]:
    """A resident's order, taken: due by its urgency's SLA."""
    state = OrderState(
        id=order_id,
        community_id=command.community_id,
        service_kind=command.service_kind,
        category=category,
        description=command.description,
        resident_name=command.resident.name,
        resident_phone=command.resident.phone,
        resident_address=command.resident.address,
        channel=command.channel,
        mode=command.mode,
        paid=command.paid,
        price=Decimal(str(command.price)) if command.price is not None else None,
        urgency=command.urgency,
        status="submitted",
        team_id=None,
        due_at=sla.due(command.urgency, at),
        submitted_at=at,
        completed_at=None,
        completion_note=None,
        activity_id=None,
        cancel_reason=None,
        rating=None,
        rating_comment=None,
        overdue_at=None,
        escalated_at=None,
        escalation_reason=None,
        branch_assigned_at=None,
        escalation_overdue_at=None,
        serving_community_id=None,
        serving_unit_id=None,
        inbound_event_id=inbound_event_id,
        version=1,
    )
    return state, state.event(ev.RequestSubmitted)


def assign(
    state: OrderState,
    team_id: uuid.UUID,
    team: TeamView | None,
    *,
    at: datetime,
    by: Assigner = IN_COMMUNITY,
) -> tuple[OrderState, ev.RequestAssigned]:
    """Give an open order to an active team (`team` None: no such team): of its community,
    or, for an escalated order and an assigner `by` who may, of any community of its branch."""
    check_move("assign", state.status)
    if team is None:
        raise Invalid(f"team {team_id} is not a team of {state.community_id}", field="team_id")
    if team.community_id != state.community_id:
        _check_across_branch(state, team, by)
    if team.status != "active":
        raise Invalid(f"team {team.name} is inactive", field="team_id")
    assigned = _moved(
        state,
        "assign",
        team_id=team.id,
        serving_community_id=team.community_id,
        serving_unit_id=team.unit_id,
        branch_assigned_at=at if state.escalated_at is not None else None,
    )
    return assigned, assigned.event(ev.RequestAssigned)


def _check_across_branch(state: OrderState, team: TeamView, by: Assigner) -> None:
    """A team of another community: only for an escalated order, by a county or branch admin,
    and only a team of a community of the order's branch."""
    if not by.across_branch:
        raise Invalid(f"team {team.id} is not a team of {state.community_id}", field="team_id")
    if state.escalated_at is None:
        raise Invalid(
            "only an order escalated to the branch may go to a team of another community",
            field="team_id",
        )
    if by.branch is None or team.branch != by.branch or not by.may_reach(team.community_id):
        raise Invalid(
            f"team {team.name} is not a team of the branch of {state.community_id}",
            field="team_id",
        )


def escalate(
    state: OrderState, *, reason: str, at: datetime
) -> tuple[OrderState, ev.RequestEscalated]:
    """Its community cannot serve the order: it goes to the branch, once, while still open."""
    if state.status not in OPEN_STATUSES:
        raise Conflict(
            f"cannot escalate an order that is {state.status}",
            current_status=state.status,
            action="escalate",
        )
    if state.escalated_at is not None:
        raise Conflict(
            "the order is already escalated to the branch",
            current_status=state.status,
            action="escalate",
        )
    escalated = replace(state, escalated_at=at, escalation_reason=reason, version=state.version + 1)
    return escalated, escalated.event(ev.RequestEscalated, reason=reason)


def accept(state: OrderState) -> tuple[OrderState, ev.RequestAccepted]:
    accepted = _moved(state, "accept")
    return accepted, accepted.event(ev.RequestAccepted)


def complete(
    state: OrderState, *, at: datetime, note: str | None, activity_id: uuid.UUID | None
) -> tuple[OrderState, ev.RequestCompleted]:
    done = _moved(state, "complete", completed_at=at, completion_note=note, activity_id=activity_id)
    return done, done.event(
        ev.RequestCompleted, activity_id=str(activity_id) if activity_id else None
    )


def cancel(state: OrderState, *, reason: str) -> tuple[OrderState, ev.RequestCancelled]:
    cancelled = _moved(state, "cancel", cancel_reason=reason)
    return cancelled, cancelled.event(ev.RequestCancelled, reason=reason)


def rate(
    state: OrderState, *, score: int, comment: str | None
) -> tuple[OrderState, ev.RequestRated]:
    """The resident's rating: once, and only for a completed order."""
    if state.status != "completed":
        raise Conflict(
            f"only a completed order can be rated; this one is {state.status}",
            current_status=state.status,
        )
    if state.rating is not None:
        raise Conflict("the order is already rated", current_status=state.status)
    rated = replace(state, rating=score, rating_comment=comment, version=state.version + 1)
    return rated, rated.event(ev.RequestRated)


def is_overdue(state: OrderState, at: datetime) -> bool:
    """Open, past its due time and not marked yet: the scheduler marks it."""
    return state.status in OPEN_STATUSES and state.overdue_at is None and state.due_at < at


def mark_overdue(state: OrderState, *, at: datetime) -> tuple[OrderState, ev.RequestOverdue]:
    """Mark an order past due; once, so its overdue event is published once."""
    if not is_overdue(state, at):
        raise Conflict(
            f"the order is not due to be marked overdue (it is {state.status})",
            current_status=state.status,
        )
    marked = replace(state, overdue_at=at, version=state.version + 1)
    return marked, marked.event(ev.RequestOverdue)


def is_escalation_overdue(state: OrderState, at: datetime, wait: timedelta) -> bool:
    """Escalated longer than `wait` ago, no branch team yet, not marked: the scheduler marks it."""
    return (
        state.waits_for_branch
        and state.escalation_overdue_at is None
        and state.escalated_at is not None
        and state.escalated_at + wait < at
    )


def mark_escalation_overdue(
    state: OrderState, *, at: datetime, wait: timedelta
) -> tuple[OrderState, ev.RequestEscalationOverdue]:
    """Flag an escalation the branch left waiting; once, so its event is published once."""
    if not is_escalation_overdue(state, at, wait):
        raise Conflict(
            "the order's escalation is not due to be flagged", current_status=state.status
        )
    marked = replace(state, escalation_overdue_at=at, version=state.version + 1)
    return marked, marked.event(ev.RequestEscalationOverdue)


# -- care tasks: 三必访五必谈 -------------------------------------------------------------

VISIT_REASONS = frozenset(
    {"ill", "hospitalized", "major_difficulty", "missed_dues", "missed_org_life"}
)
TALK_REASONS = frozenset(
    {"job_change", "commended", "disciplined", "negative_feedback", "retired", "political_birthday"}
)
CARE_OWNER = "community_admins"


def care_kind(reason: str) -> str:
    """A visit or a talk, for a life event kind (or the political birthday)."""
    if reason in VISIT_REASONS:
        return "visit"
    if reason in TALK_REASONS:
        return "talk"
    raise ValueError(f"no care rule for {reason!r}")


def next_political_birthday(joined: date, today: date) -> date:
    """The next anniversary of joining the party, today included (29 Feb falls on 28 Feb)."""
    for year in (today.year, today.year + 1):
        try:
            day = joined.replace(year=year)
        except ValueError:
            day = date(year, 2, 28)
        if day >= today and year > joined.year:
            return day
    return date(today.year + 1, joined.month, min(joined.day, 28))


CareEvent = TypeVar("CareEvent", bound=ev.CareTaskState)


@dataclass(frozen=True)
class CareTaskState(RowState):
    """A care task's whole state: its `care_tasks` row, column for column."""

    id: uuid.UUID
    community_id: str
    volunteer_id: uuid.UUID
    volunteer_name: str
    kind: str
    reason: str
    life_event_id: uuid.UUID | None
    birthday_year: int | None
    owner: str
    due_on: date
    status: str
    note: str | None
    completed_at: datetime | None
    completed_by: str | None
    overdue_at: datetime | None
    created_at: datetime
    version: int

    def shown(self) -> dict[str, Any]:
        """The fields the API answer and every event of the task carry alike, as sent."""
        return {
            "community_id": self.community_id,
            "volunteer_id": str(self.volunteer_id),
            "kind": self.kind,
            "reason": self.reason,
            "owner": self.owner,
            "due_on": self.due_on,
            "status": self.status,
            "overdue": self.overdue_at is not None,
            "completed_at": self.completed_at,
        }

    def event(self, kind: type[CareEvent], **extra: Any) -> CareEvent:
        """The event `kind` reporting this state; `extra` holds the fields only it carries."""
        return kind(care_task_id=str(self.id), **self.shown(), version=self.version, **extra)


def open_care_task(
    *,
    task_id: uuid.UUID,
    community_id: str,
    volunteer_id: uuid.UUID,
    volunteer_name: str,
    reason: str,
    due_on: date,
    at: datetime,
    life_event_id: uuid.UUID | None = None,
    birthday_year: int | None = None,
) -> tuple[CareTaskState, ev.CareTaskCreated]:
    """A visit or talk the member is owed, for the community's admins to do by `due_on`."""
    state = CareTaskState(
        id=task_id,
        community_id=community_id,
        volunteer_id=volunteer_id,
        volunteer_name=volunteer_name,
        kind=care_kind(reason),
        reason=reason,
        life_event_id=life_event_id,
        birthday_year=birthday_year,
        owner=CARE_OWNER,
        due_on=due_on,
        status="open",
        note=None,
        completed_at=None,
        completed_by=None,
        overdue_at=None,
        created_at=at,
        version=1,
    )
    return state, state.event(ev.CareTaskCreated)


def complete_care_task(
    state: CareTaskState, *, by: str, at: datetime, note: str | None
) -> tuple[CareTaskState, ev.CareTaskCompleted]:
    """The visit or talk was done; once."""
    if state.status != "open":
        raise Conflict("the care task is already done", current_status=state.status)
    done = replace(
        state, status="done", note=note, completed_at=at, completed_by=by, version=state.version + 1
    )
    return done, done.event(ev.CareTaskCompleted)


def is_care_task_overdue(state: CareTaskState, today: date) -> bool:
    """Open, its due day gone and not marked yet: the scheduler marks it."""
    return state.status == "open" and state.overdue_at is None and state.due_on < today


def mark_care_task_overdue(
    state: CareTaskState, *, at: datetime, today: date
) -> tuple[CareTaskState, ev.CareTaskOverdue]:
    """Mark a care task past due; once, so its overdue event is published once."""
    if not is_care_task_overdue(state, today):
        raise Conflict(
            f"the care task is not due to be marked overdue (it is {state.status})",
            current_status=state.status,
        )
    marked = replace(state, overdue_at=at, version=state.version + 1)
    return marked, marked.event(ev.CareTaskOverdue)


# -- residents' personal data (PIPL): what erasing removes, and when retention does it --

# An order keeps everything but who the resident is; a person under care keeps their plan
# and visits but not who they are, nor the notes about them.
ORDER_RESIDENT_ERASED: dict[str, Any] = {
    "resident_name": ERASED_RESIDENT_NAME,
    "resident_phone": "",
    "resident_address": None,
}
CARE_RECIPIENT_ERASED: dict[str, Any] = {
    "name": ERASED_RESIDENT_NAME,
    "phone": "",
    "address": None,
    "notes": None,
}
# The moves that close an order: its resident is kept for the retention period after.
CLOSING_MOVES = ("complete", "cancel")


def months_before(moment: datetime, months: int) -> datetime:
    """The same time `months` calendar months earlier; a day the month lacks becomes its
    last (31 May less 3 months is 28 or 29 February)."""
    count = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(count, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return moment.replace(year=year, month=month + 1, day=min(moment.day, last_day))


def retention_cutoff(now: datetime, months: int) -> datetime | None:
    """Residents of orders closed before this moment are anonymised; None: retention off."""
    return months_before(now, months) if months > 0 else None
