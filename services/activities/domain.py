"""The activities rules: logging what a team did, verifying, voiding, correcting,
and counting each volunteer's hours."""

from __future__ import annotations

import hashlib
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as ev
from services.activities.certificate_data import CertificateData, ServiceLine
from services.activities.models import (
    Activity,
    ActivityKind,
    Category,
    Certificate,
    Community,
    Participation,
    Team,
    Volunteer,
)
from services.activities.schemas import (
    ActivityIn,
    CorrectionIn,
    HoursEntry,
    KindIn,
    VolunteerHours,
)
from shared.auth import ADMINS, Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotYetKnown
from shared.ids import new_id
from shared.scoping import get_in_scope, scoped

OUTBOX = ev.OUTBOX
ACTIVITIES = cast(Table, Activity.__table__)
PARTICIPATIONS = cast(Table, Participation.__table__)
CENT = Decimal("0.01")
# Days a period may start or end on: beyond them the day's bounds overflow a datetime.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def to_hours(value: float) -> Decimal:
    return Decimal(str(value)).quantize(CENT)


# -- rules on the input alone ---------------------------------------------------------


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
    if length > 24 * 31:
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


# -- who may do what ------------------------------------------------------------------


def _leads(principal: Principal, team: Team) -> bool:
    leader = team.leader_volunteer_id
    return principal.role == "team_leader" and leader is not None and str(leader) == principal.sub


def _require_admin_or_leader(principal: Principal, team: Team | None, action: str) -> None:
    if principal.role in ADMINS or (team is not None and _leads(principal, team)):
        return
    raise Forbidden(f"only the community's admins or the team's leader may {action}")


# -- logging ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Checked:
    team: Team
    volunteers: dict[uuid.UUID, Volunteer]


async def _known_team(session: AsyncSession, team_id: uuid.UUID) -> Team:
    team = await session.get(Team, team_id)
    if team is None:
        raise NotYetKnown(
            f"team {team_id} is not known here yet; if it was just registered, retry",
            errors=[{"loc": ["body", "team_id"], "msg": "not known yet"}],
        )
    return team


async def _check_references(session: AsyncSession, command: ActivityIn) -> Checked:
    """The team and the participants, as this service knows them from registry events."""
    team = await _known_team(session, command.team_id)
    if team.community_id != command.community_id:
        raise Invalid(
            f"team {command.team_id} is not a team of {command.community_id}", field="team_id"
        )
    if team.status != "active":
        raise Invalid(f"team {team.name} is inactive", field="team_id")
    ids = [p.volunteer_id for p in command.participants]
    found = {v.id: v for v in await session.scalars(select(Volunteer).where(Volunteer.id.in_(ids)))}
    unknown = [i for i, vid in enumerate(ids) if vid not in found]
    if unknown:
        raise NotYetKnown(
            "some volunteers are not known here yet; if they were just registered, retry",
            errors=[
                {"loc": ["body", "participants", i, "volunteer_id"], "msg": "not known yet"}
                for i in unknown
            ],
        )
    wrong = [
        {"loc": ["body", "participants", i, "volunteer_id"], "msg": message}
        for i, vid in enumerate(ids)
        for message in [_volunteer_problem(found[vid], command.community_id)]
        if message
    ]
    if wrong:
        raise Invalid("some participants cannot take part", errors=wrong)
    return Checked(team, found)


def _volunteer_problem(volunteer: Volunteer, community_id: str) -> str | None:
    if volunteer.community_id != community_id:
        return f"not a volunteer of {community_id}"
    if not volunteer.active:
        return "the volunteer is deactivated"
    return None


# The kind codes each database holds, read once: a county admin may add kinds (here or
# on another replica), so a code not in the set reads the table again before refusing.
_KINDS: weakref.WeakKeyDictionary[object, frozenset[str]] = weakref.WeakKeyDictionary()


async def _check_kind(session: AsyncSession, kind: str) -> None:
    bind = session.get_bind()
    if kind in _KINDS.get(bind, ()):
        return
    known = (await session.scalars(select(ActivityKind.code).order_by(ActivityKind.position))).all()
    _KINDS[bind] = frozenset(known)
    if kind not in _KINDS[bind]:
        raise Invalid(f"unknown kind {kind!r}; known kinds: {', '.join(known)}", field="kind")


async def _new_activity(
    session: AsyncSession,
    principal: Principal,
    command: ActivityIn,
    skew: timedelta,
    corrects: Activity | None = None,
) -> tuple[Activity, list[Participation]]:
    """Insert an activity and its participations; both are returned as written.

    Core inserts with the ids made here: the ORM's unit of work would cost more
    than the writing for rows that are written once and not changed in this
    transaction.
    """
    problems = activity_problems(command, utcnow(), skew)
    if problems:
        raise Invalid("the activity does not add up", errors=problems)
    await _check_kind(session, command.kind)
    checked = await _check_references(session, command)
    row: dict[str, Any] = {
        "id": new_id(),
        "community_id": command.community_id,
        "team_id": checked.team.id,
        "category": checked.team.category,
        "kind": command.kind,
        "title": command.title,
        "started_at": command.started_at,
        "ended_at": command.ended_at,
        "location": command.location,
        "people_served": command.people_served,
        "beneficiaries": dict(command.beneficiaries),
        "outputs": dict(command.outputs),
        "request_id": command.request_id,
        "status": "logged",
        "logged_by": principal.sub,
        "verified_by": None,
        "verified_at": None,
        "voided_by": None,
        "voided_at": None,
        "void_reason": None,
        "corrects_activity_id": corrects.id if corrects else None,
        "corrected_by_activity_id": None,
        "version": 1,
        "created_at": utcnow(),
    }
    # In the order they are read back (by volunteer), for the event and the answer.
    participations = sorted(
        (
            {
                "activity_id": row["id"],
                "volunteer_id": participant.volunteer_id,
                "hours": to_hours(participant.hours),
            }
            for participant in command.participants
        ),
        key=lambda p: p["volunteer_id"],
    )
    await session.execute(insert(ACTIVITIES), row)
    await session.execute(insert(PARTICIPATIONS), participations)
    return Activity(**row), [Participation(**p) for p in participations]


async def log_activity(
    session: AsyncSession, principal: Principal, command: ActivityIn, skew: timedelta
) -> tuple[Activity, list[Participation]]:
    """Log an activity; it and its participations come back as written."""
    principal.require_write(command.community_id)
    if principal.role not in ADMINS:
        # Only now does it matter who leads the team, so only now must we know it.
        _require_admin_or_leader(
            principal, await _known_team(session, command.team_id), "log this team's activities"
        )
    activity, participations = await _new_activity(session, principal, command, skew)
    await _publish(session, activity, ev.ActivityLogged, participations)
    await session.commit()
    return activity, participations


# -- reading ----------------------------------------------------------------------------


async def get_activity(session: AsyncSession, principal: Principal, activity_id: str) -> Activity:
    return await get_in_scope(session, Activity, activity_id, principal, "activity")


async def participants_of(
    session: AsyncSession, activity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Participation]]:
    result: dict[uuid.UUID, list[Participation]] = {a: [] for a in activity_ids}
    if activity_ids:
        rows = await session.scalars(
            select(Participation)
            .where(Participation.activity_id.in_(activity_ids))
            .order_by(Participation.activity_id, Participation.volunteer_id)
        )
        for row in rows:
            result[row.activity_id].append(row)
    return result


@dataclass(frozen=True)
class ActivityFilter:
    community_id: str | None = None
    team_id: uuid.UUID | None = None
    category: str | None = None
    kind: str | None = None
    status: str | None = None
    start: date | None = None
    end: date | None = None


def day_bounds(
    start: date | None, end: date | None, zone: str
) -> tuple[datetime | None, datetime | None]:
    """[start 00:00, day after end 00:00) in the deployment's time zone."""
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise Invalid(
                f"{name} is not between {EARLIEST_DAY} and {LATEST_DAY}",
                errors=[{"loc": ["query", name], "msg": "out of range"}],
            )
    tz = ZoneInfo(zone)
    low = datetime.combine(start, time(), tz) if start else None
    high = datetime.combine(end + timedelta(days=1), time(), tz) if end else None
    return low, high


def list_activities(principal: Principal, where: ActivityFilter, zone: str) -> Select[Activity]:
    query = select(Activity)
    if where.team_id is not None:
        query = query.where(Activity.team_id == where.team_id)
    if where.category is not None:
        query = query.where(Activity.category == where.category)
    if where.kind is not None:
        query = query.where(Activity.kind == where.kind)
    if where.status is not None:
        query = query.where(Activity.status == where.status)
    low, high = day_bounds(where.start, where.end, zone)
    if low is not None:
        query = query.where(Activity.started_at >= low)
    if high is not None:
        query = query.where(Activity.started_at < high)
    return scoped(query, Activity.community_id, principal, where.community_id)


# -- lifecycle --------------------------------------------------------------------------


async def _activity_for_change(
    session: AsyncSession, principal: Principal, activity_id: str
) -> tuple[Activity, Team | None]:
    activity = await get_activity(session, principal, activity_id)
    principal.require_write(activity.community_id)
    return activity, await session.get(Team, activity.team_id)


async def verify_activity(
    session: AsyncSession, principal: Principal, activity_id: str
) -> Activity:
    activity, team = await _activity_for_change(session, principal, activity_id)
    _require_admin_or_leader(principal, team, "verify this team's activities")
    if activity.status != "logged":
        raise Conflict(
            f"only a logged activity can be verified; this one is {activity.status}",
            current_status=activity.status,
        )
    activity.status = "verified"
    activity.verified_by = principal.sub
    activity.verified_at = utcnow()
    activity.version += 1
    await _publish(session, activity, ev.ActivityVerified, verified_by=principal.sub)
    await session.commit()
    return activity


async def _void(
    session: AsyncSession, principal: Principal, activity: Activity, reason: str
) -> None:
    if activity.status == "voided":
        raise Conflict("the activity is already voided", current_status=activity.status)
    activity.status = "voided"
    activity.voided_by = principal.sub
    activity.voided_at = utcnow()
    activity.void_reason = reason
    activity.version += 1
    await _publish(session, activity, ev.ActivityVoided, reason=reason, voided_by=principal.sub)


async def void_activity(
    session: AsyncSession, principal: Principal, activity_id: str, reason: str
) -> Activity:
    activity, _ = await _activity_for_change(session, principal, activity_id)
    principal.require_role(*ADMINS)
    await _void(session, principal, activity, reason)
    await session.commit()
    return activity


async def correct_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: str,
    correction: CorrectionIn,
    skew: timedelta,
) -> tuple[Activity, list[Participation]]:
    """Void an activity and log its corrected version, linked both ways, in one step."""
    old, _ = await _activity_for_change(session, principal, activity_id)
    principal.require_role(*ADMINS)
    if correction.community_id != old.community_id:
        raise Invalid("a correction stays in the activity's community", field="community_id")
    await _void(session, principal, old, f"corrected: {correction.reason}")
    command = ActivityIn.model_validate(correction.model_dump(exclude={"reason"}))
    new, participations = await _new_activity(session, principal, command, skew, corrects=old)
    old.corrected_by_activity_id = new.id
    await _publish(session, new, ev.ActivityLogged, participations)
    await session.commit()
    return new, participations


async def _publish(
    session: AsyncSession,
    activity: Activity,
    event: type[ev.ActivityState],
    participants: list[Participation] | None = None,
    **extra: str,
) -> None:
    """Record the activity's state; `participants` when the caller has them at hand."""
    if participants is None:
        participants = (await participants_of(session, [activity.id]))[activity.id]
    data = event(
        activity_id=str(activity.id),
        community_id=activity.community_id,
        team_id=str(activity.team_id),
        category=activity.category,
        kind=activity.kind,
        title=activity.title,
        started_at=activity.started_at,
        ended_at=activity.ended_at,
        location=activity.location,
        people_served=activity.people_served,
        beneficiaries=activity.beneficiaries,
        outputs=activity.outputs,
        participants=[
            ev.ParticipantHours(volunteer_id=str(p.volunteer_id), hours=float(p.hours))
            for p in participants
        ],
        request_id=str(activity.request_id) if activity.request_id else None,
        status=activity.status,
        corrects_activity_id=str(activity.corrects_activity_id)
        if activity.corrects_activity_id
        else None,
        version=activity.version,
        **extra,
    )
    await OUTBOX.record(session, data, community=activity.community_id, subject=str(activity.id))


# -- volunteer hours and certificates ---------------------------------------------------


async def _volunteer(session: AsyncSession, principal: Principal, volunteer_id: str) -> Volunteer:
    return await get_in_scope(session, Volunteer, volunteer_id, principal, "volunteer")


async def _entries(
    session: AsyncSession,
    volunteer_id: uuid.UUID,
    statuses: tuple[str, ...],
    low: datetime | None = None,
    high: datetime | None = None,
) -> Sequence[tuple[Activity, Decimal]]:
    query = (
        select(Activity, Participation.hours)
        .join(Participation, Participation.activity_id == Activity.id)
        .where(Participation.volunteer_id == volunteer_id, Activity.status.in_(statuses))
        .order_by(Activity.started_at, Activity.id)
    )
    if low is not None:
        query = query.where(Activity.started_at >= low)
    if high is not None:
        query = query.where(Activity.started_at < high)
    return [(activity, hours) for activity, hours in await session.execute(query)]


async def volunteer_hours(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> VolunteerHours:
    volunteer = await _volunteer(session, principal, volunteer_id)
    entries = await _entries(session, volunteer.id, ("logged", "verified"))
    total = sum((hours for _, hours in entries), Decimal(0))
    certified = sum((hours for a, hours in entries if a.status == "verified"), Decimal(0))
    return VolunteerHours(
        volunteer_id=str(volunteer.id),
        total_hours=float(total),
        certified_hours=float(certified),
        entries=[
            HoursEntry(
                activity_id=str(a.id),
                title=a.title,
                kind=a.kind,
                category=a.category,
                team_id=str(a.team_id),
                started_at=a.started_at,
                ended_at=a.ended_at,
                hours=float(hours),
                status=a.status,
            )
            for a, hours in entries
        ],
    )


async def certificate(
    session: AsyncSession,
    principal: Principal,
    volunteer_id: str,
    start: date | None,
    end: date | None,
    zone: str,
    person_in_charge: str | None,
    handler: str | None,
) -> CertificateData:
    """The service certificate of a volunteer's certified hours in a period.

    The same content always gets the same certificate number; new content a new one.
    """
    volunteer = await _volunteer(session, principal, volunteer_id)
    if start and end and start > end:
        raise Invalid("from is after to", errors=[{"loc": ["query", "from"], "msg": "after to"}])
    low, high = day_bounds(start, end, zone)
    entries = await _entries(session, volunteer.id, ("verified",), low, high)
    total = sum((hours for _, hours in entries), Decimal(0))
    digest = hashlib.sha256(
        repr((str(volunteer.id), start, end, [(str(a.id), str(h)) for a, h in entries])).encode()
    ).hexdigest()
    issued = await session.scalar(
        select(Certificate).where(
            Certificate.volunteer_id == volunteer.id, Certificate.content_digest == digest
        )
    )
    if issued is None:
        issued = await _issue(session, principal, volunteer, start, end, total, digest, zone)
    tz = ZoneInfo(zone)
    names = await _names(session, entries, volunteer.community_id)
    return CertificateData(
        number=issued.number,
        issued_on=issued.issued_on,
        volunteer_name=volunteer.name,
        volunteer_number=str(volunteer.id),
        period_from=start,
        period_to=end,
        total_hours=float(total),
        lines=[
            ServiceLine(
                day=a.started_at.astimezone(tz).date(),
                title=a.title,
                category_name=names.categories.get(a.category, a.category),
                kind_name=names.kinds.get(a.kind, a.kind),
                team_name=names.teams.get(a.team_id, ""),
                hours=float(hours),
            )
            for a, hours in entries
        ],
        organisation=names.organisation,
        person_in_charge=person_in_charge,
        handler=handler,
    )


async def _issue(
    session: AsyncSession,
    principal: Principal,
    volunteer: Volunteer,
    start: date | None,
    end: date | None,
    total: Decimal,
    digest: str,
    zone: str,
) -> Certificate:
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    prefix = f"QS-{volunteer.community_id}-{today.year}-"
    for _ in range(5):
        count = await session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.number.startswith(prefix))
        )
        issued = Certificate(
            number=f"{prefix}{(count or 0) + 1:06d}",
            community_id=volunteer.community_id,
            volunteer_id=volunteer.id,
            period_from=start,
            period_to=end,
            certified_hours=total,
            content_digest=digest,
            issued_on=today,
            issued_by=principal.sub,
        )
        session.add(issued)
        data = ev.CertificateIssued(
            number=issued.number,
            volunteer_id=str(volunteer.id),
            community_id=volunteer.community_id,
            certified_hours=float(total),
            period_from=start,
            period_to=end,
        )
        await OUTBOX.record(session, data, community=volunteer.community_id, subject=issued.number)
        try:
            await session.commit()
            return issued
        except IntegrityError:
            # Another certificate took the number meanwhile: count again.
            await session.rollback()
    raise Conflict("could not allot a certificate number; try again")


@dataclass(frozen=True)
class _Names:
    organisation: str
    categories: dict[str, str]
    kinds: dict[str, str]
    teams: dict[uuid.UUID, str]


async def _names(
    session: AsyncSession, entries: Sequence[tuple[Activity, Decimal]], community_id: str
) -> _Names:
    community = await session.get(Community, community_id)
    organisation = community_id
    if community is not None:
        organisation = community.name + (f"（{community.branch}）" if community.branch else "")
    team_ids = {a.team_id for a, _ in entries}
    teams = (
        {t.id: t.name for t in await session.scalars(select(Team).where(Team.id.in_(team_ids)))}
        if team_ids
        else {}
    )
    categories = {c.code: c.name for c in await session.scalars(select(Category))}
    kinds = {k.code: k.name for k in await session.scalars(select(ActivityKind))}
    return _Names(organisation, categories, kinds, teams)


# -- activity kinds ---------------------------------------------------------------------


async def list_kinds(session: AsyncSession) -> Sequence[ActivityKind]:
    return (await session.scalars(select(ActivityKind).order_by(ActivityKind.position))).all()


async def define_kind(session: AsyncSession, principal: Principal, command: KindIn) -> ActivityKind:
    principal.require_role("county_admin")
    if await session.get(ActivityKind, command.code) is not None:
        raise Conflict(f"activity kind {command.code!r} already exists")
    position = (await session.scalar(select(func.max(ActivityKind.position)))) or 0
    kind = ActivityKind(
        code=command.code,
        name=command.name,
        category_hint=command.category_hint,
        position=position + 1,
    )
    session.add(kind)
    data = ev.ActivityKindDefined(code=kind.code, name=kind.name, category_hint=kind.category_hint)
    await OUTBOX.record(session, data, community="*", subject=kind.code)
    await session.commit()
    return kind
