"""An activity's lifecycle as plain rules: logged, then verified, voided or corrected.

`ActivityState` is the whole activity, its row column for column and its
participants; the row, the API answer and the event are made from it. Each verb
checks its guards (named `check_*`, so a caller may also answer them before
looking anything up) and returns the new state, one version on, with the event
that reports it. No database, no session, no await: the domain reads and writes
the rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any, Self, TypeVar
from zoneinfo import ZoneInfo

from services.activities import events as ev
from services.activities.models import Activity, Participation
from services.activities.schemas import ActivityIn, CorrectionIn, Status
from shared.errors import Invalid
from shared.state import NOT_A_COLUMN, RowState, check_move_in

CENT = Decimal("0.01")
# An activity lasts at most this long; longer work is logged in parts.
LONGEST_HOURS = 24 * 31
CORRECTED = "corrected: "

E = TypeVar("E", bound=ev.ActivityState)

# -- the lifecycle as a table: action -> (statuses it may start from, status it leads to)

MOVES: dict[str, tuple[tuple[Status, ...], Status]] = {
    "verify": (("logged",), "verified"),
    "void": (("logged", "verified"), "voided"),
    # Void the activity and log its replacement: the old one must still count.
    "correct": (("logged", "verified"), "voided"),
}


def check_move(action: str, status: Status) -> Status:
    """The status an action leads to from `status`, or Conflict naming the current status."""
    return check_move_in(MOVES, action, status, "an activity")


def to_hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


@dataclass(frozen=True)
class Participant(RowState):
    """A volunteer's hours on the activity: its `participations` row, less the activity."""

    volunteer_id: uuid.UUID
    hours: Decimal

    def shown(self) -> dict[str, Any]:
        """As the API answer and the events carry it."""
        return {"volunteer_id": str(self.volunteer_id), "hours": float(self.hours)}


def by_volunteer(participants: Iterable[Participant]) -> tuple[Participant, ...]:
    """Participants in the order they are read back: by volunteer id."""
    return tuple(sorted(participants, key=lambda p: p.volunteer_id))


@dataclass(frozen=True)
class ActivityState(RowState):
    """An activity's whole state: its `activities` row, column for column, and its participants."""

    id: uuid.UUID
    community_id: str
    team_id: uuid.UUID
    category: str
    kind: str
    title: str
    started_at: datetime
    ended_at: datetime
    location: str | None
    people_served: int
    beneficiaries: dict[str, int]
    outputs: dict[str, float]
    request_id: uuid.UUID | None
    status: Status
    logged_by: str
    verified_by: str | None
    verified_at: datetime | None
    voided_by: str | None
    voided_at: datetime | None
    void_reason: str | None
    corrects_activity_id: uuid.UUID | None
    corrected_by_activity_id: uuid.UUID | None
    version: int
    created_at: datetime
    # Not a column: the activity's participations rows, by volunteer id.
    participants: tuple[Participant, ...] = field(metadata=NOT_A_COLUMN)

    @classmethod
    def of_rows(cls, row: Activity, participations: Iterable[Participation]) -> Self:
        """The state of an activity row and its participations rows."""
        return cls.of(row, participants=by_volunteer(map(Participant.of, participations)))

    def participation_rows(self) -> list[dict[str, Any]]:
        """The participations rows, inserted with the activity's (`columns`)."""
        return [{"activity_id": self.id, **p.columns()} for p in self.participants]

    def shown(self) -> dict[str, Any]:
        """The fields the API answer and every event of the activity carry alike, as sent."""
        return {
            "community_id": self.community_id,
            "team_id": str(self.team_id),
            "category": self.category,
            "kind": self.kind,
            "title": self.title,
            "started_at": self.started_at,
            "ended_at": self.ended_at,
            "location": self.location,
            "participants": [p.shown() for p in self.participants],
            "people_served": self.people_served,
            "beneficiaries": self.beneficiaries,
            "outputs": self.outputs,
            "request_id": _text(self.request_id),
            "status": self.status,
            "corrects_activity_id": _text(self.corrects_activity_id),
        }

    def event(self, kind: type[E], **extra: Any) -> E:
        """The event `kind` reporting this state; `extra` holds the fields only it carries."""
        return kind(activity_id=str(self.id), **self.shown(), version=self.version, **extra)


def _text(value: uuid.UUID | None) -> str | None:
    return str(value) if value else None


# -- guards ----------------------------------------------------------------------------


def activity_problems(command: ActivityIn, now: datetime, skew: timedelta) -> list[dict[str, Any]]:
    """What is wrong with an activity before looking anything up: times, hours, counts."""
    problems: list[dict[str, Any]] = []

    def problem(loc: list[str | int], msg: str) -> None:
        problems.append({"loc": ["body", *loc], "msg": msg})

    length = (command.ended_at - command.started_at).total_seconds() / 3600
    if length <= 0:
        problem(["ended_at"], "ended_at must be after started_at")
    if command.ended_at > now + skew:
        problem(["ended_at"], "ended_at is in the future: log an activity once it is done")
    if length > LONGEST_HOURS:
        problem(["ended_at"], "an activity lasts at most 31 days; log longer work in parts")
    seen: set[uuid.UUID] = set()
    for index, participant in enumerate(command.participants):
        if participant.volunteer_id in seen:
            problem(["participants", index, "volunteer_id"], "volunteer listed twice")
        seen.add(participant.volunteer_id)
        if length > 0 and participant.hours > length + 1e-9:
            problem(
                ["participants", index, "hours"],
                f"{participant.hours} h is more than the activity lasted ({length:.2f} h)",
            )
    if sum(command.beneficiaries.values()) > command.people_served:
        problem(["beneficiaries"], "beneficiary groups add up to more than people_served")
    return problems


def check_adds_up(command: ActivityIn, now: datetime, skew: timedelta) -> None:
    problems = activity_problems(command, now, skew)
    if problems:
        raise Invalid("the activity does not add up", errors=problems)


def check_correctable(old: ActivityState, correction: CorrectionIn) -> None:
    """A correction stays in the activity's community and replaces one that still counts."""
    if correction.community_id != old.community_id:
        raise Invalid("a correction stays in the activity's community", field="community_id")
    check_move("correct", old.status)


# -- the moves -------------------------------------------------------------------------


def log(
    command: ActivityIn,
    *,
    activity_id: uuid.UUID,
    category: str,
    by: str,
    at: datetime,
    skew: timedelta,
    corrects: uuid.UUID | None = None,
) -> tuple[ActivityState, ev.ActivityLogged]:
    """A new activity, logged by `by` at `at`; `category` is its team's."""
    check_adds_up(command, at, skew)
    state = ActivityState(
        id=activity_id,
        community_id=command.community_id,
        team_id=command.team_id,
        category=category,
        kind=command.kind,
        title=command.title,
        started_at=command.started_at,
        ended_at=command.ended_at,
        location=command.location,
        people_served=command.people_served,
        beneficiaries=dict(command.beneficiaries),
        outputs=dict(command.outputs),
        request_id=command.request_id,
        status="logged",
        logged_by=by,
        verified_by=None,
        verified_at=None,
        voided_by=None,
        voided_at=None,
        void_reason=None,
        corrects_activity_id=corrects,
        corrected_by_activity_id=None,
        version=1,
        created_at=at,
        participants=by_volunteer(
            Participant(p.volunteer_id, to_hours(p.hours)) for p in command.participants
        ),
    )
    return state, state.event(ev.ActivityLogged)


def _moved(state: ActivityState, action: str, **changes: Any) -> ActivityState:
    """The state after a move of the table, one version on."""
    status = check_move(action, state.status)
    return replace(state, status=status, version=state.version + 1, **changes)


def verify(
    state: ActivityState, *, by: str, at: datetime
) -> tuple[ActivityState, ev.ActivityVerified]:
    """A logged activity verified: its hours become certified."""
    verified = _moved(state, "verify", verified_by=by, verified_at=at)
    return verified, verified.event(ev.ActivityVerified, verified_by=by)


def void(
    state: ActivityState, *, reason: str, by: str, at: datetime
) -> tuple[ActivityState, ev.ActivityVoided]:
    """An activity voided, logged or verified: it no longer counts anywhere."""
    voided = _moved(state, "void", voided_by=by, voided_at=at, void_reason=reason)
    return voided, voided.event(ev.ActivityVoided, reason=reason, voided_by=by)


@dataclass(frozen=True)
class Correction:
    """The old activity voided and linked to its replacement, a fresh logged activity."""

    voided: ActivityState
    voided_event: ev.ActivityVoided
    replacement: ActivityState
    logged_event: ev.ActivityLogged


def correct(
    old: ActivityState,
    correction: CorrectionIn,
    *,
    new_id: uuid.UUID,
    category: str,
    by: str,
    at: datetime,
    skew: timedelta,
) -> Correction:
    """Void `old` with the correction's reason and log the corrected one, linked both ways."""
    check_correctable(old, correction)
    replacement, logged = log(
        correction, activity_id=new_id, category=category, by=by, at=at, skew=skew, corrects=old.id
    )
    reason = CORRECTED + correction.reason
    # The void and the link back are one change of the old activity: one version on.
    voided = _moved(
        old,
        "correct",
        voided_by=by,
        voided_at=at,
        void_reason=reason,
        corrected_by_activity_id=new_id,
    )
    voided_event = voided.event(ev.ActivityVoided, reason=reason, voided_by=by)
    return Correction(voided, voided_event, replacement, logged)


# -- shared resources (资源联享): when a resource may be booked --------------------------


@dataclass(frozen=True)
class Window:
    """One weekday's opening hours of a resource, in the deployment's time zone."""

    weekday: int
    opens: time
    closes: time

    @classmethod
    def of(cls, entry: dict[str, Any]) -> Window:
        return cls(
            int(entry["weekday"]),
            time.fromisoformat(entry["from"]),
            time.fromisoformat(entry["to"]),
        )


def check_within_availability(
    availability: Iterable[dict[str, Any]], starts_at: datetime, ends_at: datetime, zone: ZoneInfo
) -> None:
    """A booking ends after it starts and lies inside one opening window of its day."""
    if ends_at <= starts_at:
        raise Invalid("a booking ends after it starts", field="ends_at")
    start, end = starts_at.astimezone(zone), ends_at.astimezone(zone)
    windows = [Window.of(entry) for entry in availability]
    fits = start.date() == end.date() and any(
        w.weekday == start.isoweekday() and w.opens <= start.time() and end.time() <= w.closes
        for w in windows
    )
    if not fits:
        hours = ", ".join(
            f"{w.weekday} {w.opens:%H:%M}-{w.closes:%H:%M}"
            for w in windows
            if w.weekday == start.isoweekday()
        )
        raise Invalid(
            f"the resource is not open for all of {start:%Y-%m-%d %H:%M}-{end:%H:%M}"
            f" ({zone.key}); open that day: {hours or 'never'}",
            errors=[{"loc": ["body", "starts_at"], "msg": "outside the resource's opening hours"}],
        )
