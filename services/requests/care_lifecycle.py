"""The life of a person under care (关爱对象), as pure rules: registering them with their
consent and a visit plan, changing the plan, ending care, and logging a visit.

A visit is due `plan_days` after the last one (or after care began); a person is overdue
when today, in the county's time zone, is past that day. Each verb returns the new state,
one version on, with the event that reports it; the event names nobody.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from services.requests import care_events as ev
from services.requests.care_schemas import CareRecipientIn, CareRecipientPatch
from shared.errors import Conflict, Invalid
from shared.state import RowState

CareEvent = TypeVar("CareEvent", bound=ev.CareRecipientState)

# What a patch may change, and which of those the events carry (the others name the person).
PATCHABLE = ("name", "phone", "address", "kind", "plan_days", "team_id", "notes")
COUNTED = ("kind", "plan_days", "team_id")


@dataclass(frozen=True)
class RecipientState(RowState):
    """A person under care's whole state: their `care_recipients` row, column for column."""

    id: uuid.UUID
    community_id: str
    name: str
    phone: str
    address: str | None
    kind: str
    consent_on: date
    consent_recorded_by: str
    under_care_since: date
    plan_days: int
    team_id: uuid.UUID | None
    notes: str | None
    status: str
    last_visited_on: date | None
    next_due_on: date
    visits: int
    ended_on: date | None
    end_reason: str | None
    registered_at: datetime
    version: int

    def is_overdue(self, today: date) -> bool:
        return self.status == "active" and today > self.next_due_on

    def counted(self) -> dict[str, Any]:
        """What the events carry: no name, phone, address, notes or reason."""
        return {
            "care_recipient_id": str(self.id),
            "community_id": self.community_id,
            "kind": self.kind,
            "plan_days": self.plan_days,
            "team_id": str(self.team_id) if self.team_id else None,
            "status": self.status,
            "under_care_since": self.under_care_since,
            "consent_on": self.consent_on,
            "last_visited_on": self.last_visited_on,
            "next_due_on": self.next_due_on,
            "visits": self.visits,
            "ended_on": self.ended_on,
            "version": self.version,
        }

    def event(self, kind: type[CareEvent], **extra: Any) -> CareEvent:
        return kind(**self.counted(), **extra)


def next_due(since: date, last_visited_on: date | None, plan_days: int) -> date:
    """The day the next visit is due: the plan's days after the last visit, or after care
    began when nobody has visited yet."""
    start = max(since, last_visited_on) if last_visited_on else since
    return start + timedelta(days=plan_days)


def _require_active(state: RecipientState, action: str) -> None:
    if state.status != "active":
        raise Conflict(
            f"cannot {action}: the person is no longer under care",
            current_status=state.status,
            action=action,
        )


def register(
    command: CareRecipientIn,
    *,
    recipient_id: uuid.UUID,
    by: str,
    at: datetime,
    today: date,
) -> tuple[RecipientState, ev.CareRecipientRegistered]:
    since = command.under_care_since or today
    if command.consent_on > today:
        raise Invalid("consent_on is in the future", field="consent_on")
    if since > today:
        raise Invalid("under_care_since is in the future", field="under_care_since")
    if since < command.consent_on:
        raise Invalid(
            "care cannot begin before consent was given (under_care_since < consent_on)",
            field="under_care_since",
        )
    state = RecipientState(
        id=recipient_id,
        community_id=command.community_id,
        name=command.name,
        phone=command.phone,
        address=command.address,
        kind=command.kind,
        consent_on=command.consent_on,
        consent_recorded_by=by,
        under_care_since=since,
        plan_days=command.plan_days,
        team_id=command.team_id,
        notes=command.notes,
        status="active",
        last_visited_on=None,
        next_due_on=next_due(since, None, command.plan_days),
        visits=0,
        ended_on=None,
        end_reason=None,
        registered_at=at,
        version=1,
    )
    return state, state.event(ev.CareRecipientRegistered)


def change(
    state: RecipientState, patch: CareRecipientPatch
) -> tuple[RecipientState, ev.CareRecipientChanged | None]:
    """Apply the fields the patch names; an event only when a counted field changed."""
    _require_active(state, "change")
    changes = {f: getattr(patch, f) for f in PATCHABLE if f in patch.model_fields_set}
    changed = {f: v for f, v in changes.items() if getattr(state, f) != v}
    if not changed:
        return state, None
    moved = replace(state, **changed, version=state.version + 1)
    moved = replace(
        moved, next_due_on=next_due(moved.under_care_since, moved.last_visited_on, moved.plan_days)
    )
    counted = any(f in COUNTED for f in changed)
    return moved, moved.event(ev.CareRecipientChanged) if counted else None


def end(
    state: RecipientState, *, reason: str, today: date
) -> tuple[RecipientState, ev.CareRecipientEnded]:
    _require_active(state, "end care")
    ended = replace(
        state, status="ended", ended_on=today, end_reason=reason, version=state.version + 1
    )
    return ended, ended.event(ev.CareRecipientEnded)


@dataclass(frozen=True)
class Visit:
    """A visit as the rule decides it: the day it was due by, and whether it met it."""

    id: uuid.UUID
    visited_on: date
    due_on: date
    on_time: bool
    team_id: uuid.UUID | None
    volunteer_id: uuid.UUID | None


def log_visit(
    state: RecipientState,
    *,
    visit_id: uuid.UUID,
    visited_on: date,
    previous_visit: date | None,
    team_id: uuid.UUID | None,
    volunteer_id: uuid.UUID | None,
    today: date,
) -> tuple[RecipientState, Visit, ev.CareVisitLogged]:
    """Log a visit. `previous_visit` is the latest visit on or before `visited_on`: the
    visit was due the plan's days after it (or after care began), and is on time when made
    by then. A visit logged late for an earlier day moves the next due day only forward."""
    _require_active(state, "log a visit")
    if visited_on > today:
        raise Invalid("visited_on is in the future", field="visited_on")
    if visited_on < state.under_care_since:
        raise Invalid("visited_on is before care began", field="visited_on")
    due_on = next_due(state.under_care_since, previous_visit, state.plan_days)
    visit = Visit(visit_id, visited_on, due_on, visited_on <= due_on, team_id, volunteer_id)
    last = max(visited_on, state.last_visited_on) if state.last_visited_on else visited_on
    moved = replace(
        state,
        last_visited_on=last,
        next_due_on=next_due(state.under_care_since, last, state.plan_days),
        visits=state.visits + 1,
        version=state.version + 1,
    )
    data = moved.event(
        ev.CareVisitLogged,
        visit_id=str(visit_id),
        visited_on=visited_on,
        due_on=due_on,
        on_time=visit.on_time,
        visit_team_id=str(team_id) if team_id else None,
        volunteer_id=str(volunteer_id) if volunteer_id else None,
    )
    return moved, visit, data
