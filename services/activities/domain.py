"""The activities rules: logging what a team did, verifying, voiding, correcting,
counting each volunteer's hours and issuing their certificates; offering shared
resources (资源联享) and booking them.

Each function reads and changes rows in the session it is given and records the
events that report the change; it never commits: the caller's unit of work does.
An activity's moves are decided by `lifecycle`; what changes an existing row reads
it with a row lock first.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, Protocol, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from sqlalchemy import Select, Table, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as ev
from services.activities import lifecycle
from services.activities.certificate_data import CertificateData, ServiceLine
from services.activities.lifecycle import ActivityState
from services.activities.models import (
    Activity,
    ActivityKind,
    Booking,
    Category,
    Certificate,
    CertificateCounter,
    Community,
    Participation,
    Resource,
    Team,
    Volunteer,
)
from services.activities.outbox import OUTBOX
from services.activities.schemas import (
    ActivityIn,
    BookingIn,
    CertificateCheck,
    CorrectionIn,
    HoursEntry,
    KindIn,
    OpeningHours,
    Period,
    ResourceIn,
    ResourcePatch,
    VolunteerHours,
)
from shared.auth import ADMINS, Principal, Role
from shared.db import insert_for, insert_together, utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotFound, NotYetKnown
from shared.ids import new_id
from shared.names import mask_name
from shared.pagination import SortKey, Sorts
from shared.scoping import get_by_id, get_in_scope, get_to_change, scoped
from shared.tables import outbox as OUTBOX_LOG
from shared.uow import flush_unique

ACTIVITIES = cast(Table, Activity.__table__)
PARTICIPATIONS = cast(Table, Participation.__table__)
COUNTERS = cast(Table, CertificateCounter.__table__)
# Days a period may start or end on: beyond them the day's bounds overflow a datetime.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


# -- who may do what ------------------------------------------------------------------


class _Led(Protocol):
    """A team as far as who leads it: the mapped row or the one read for a command."""

    @property
    def leader_volunteer_id(self) -> uuid.UUID | None: ...


def _leads(principal: Principal, team: _Led) -> bool:
    leader = team.leader_volunteer_id
    return principal.role == "team_leader" and leader is not None and str(leader) == principal.sub


def _require_admin_or_leader(principal: Principal, team: _Led | None, action: str) -> None:
    if principal.role in ADMINS or (team is not None and _leads(principal, team)):
        return
    raise Forbidden(f"only the community's admins or the team's leader may {action}")


# -- logging ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NamedTeam:
    id: uuid.UUID
    community_id: str
    category: str
    name: str
    status: str
    leader_volunteer_id: uuid.UUID | None


@dataclass(frozen=True, slots=True)
class NamedVolunteer:
    id: uuid.UUID
    community_id: str
    active: bool


@dataclass(frozen=True)
class Named:
    """The team and the volunteers a command names, as the replicas here know them."""

    team: NamedTeam | None
    volunteers: dict[uuid.UUID, NamedVolunteer]


TEAMS = cast(Table, Team.__table__)
VOLUNTEERS = cast(Table, Volunteer.__table__)
_TEAM_COLUMNS = [TEAMS.c[f.name] for f in fields(NamedTeam)]
_VOLUNTEER_COLUMNS = [
    VOLUNTEERS.c[f.name].label(f"volunteer_{f.name}") for f in fields(NamedVolunteer)
]


async def _read_named(session: AsyncSession, command: ActivityIn) -> Named:
    """The team and the participants in one round trip: the team's row once per volunteer
    found (once with no volunteer when none is), none when the team is not known here."""
    ids = [p.volunteer_id for p in command.participants]
    rows = (
        await session.execute(
            select(*_TEAM_COLUMNS, *_VOLUNTEER_COLUMNS)
            .select_from(TEAMS.outerjoin(VOLUNTEERS, VOLUNTEERS.c.id.in_(ids)))
            .where(TEAMS.c.id == command.team_id)
        )
    ).all()
    if not rows:
        return Named(None, {})
    first = rows[0]
    team = NamedTeam(*first[: len(_TEAM_COLUMNS)])
    volunteers = {
        row.volunteer_id: NamedVolunteer(*row[len(_TEAM_COLUMNS) :])
        for row in rows
        if row.volunteer_id is not None
    }
    return Named(team, volunteers)


def _known_team(named: Named, team_id: uuid.UUID) -> NamedTeam:
    if named.team is None:
        raise NotYetKnown(
            f"team {team_id} is not known here yet; if it was just registered, retry",
            errors=[{"loc": ["body", "team_id"], "msg": "not known yet"}],
        )
    return named.team


def _check_references(named: Named, command: ActivityIn) -> NamedTeam:
    """The command's team, once it and the participants check out against registry events."""
    team = _known_team(named, command.team_id)
    if team.community_id != command.community_id:
        raise Invalid(
            f"team {command.team_id} is not a team of {command.community_id}", field="team_id"
        )
    if team.status != "active":
        raise Invalid(f"team {team.name} is inactive", field="team_id")
    ids = [p.volunteer_id for p in command.participants]
    found = named.volunteers
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
    return team


def _volunteer_problem(volunteer: NamedVolunteer, community_id: str) -> str | None:
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


async def _checked_team(
    session: AsyncSession,
    command: ActivityIn,
    now: datetime,
    skew: timedelta,
    named: Named | None = None,
) -> NamedTeam:
    """The activity's team, once the command adds up and what it names is known here
    (`named`: what it names, when already read)."""
    # Bad input first: "not yet known, retry" must not send a hopeless request round again.
    lifecycle.check_adds_up(command, now, skew)
    await _check_kind(session, command.kind)
    return _check_references(named or await _read_named(session, command), command)


async def _insert(session: AsyncSession, state: ActivityState, event: ev.ActivityLogged) -> None:
    """Write a new activity and its participations, and record its event.

    Core inserts, all three in one statement on PostgreSQL: the ORM's unit of work
    would cost more than the writing for rows that are written once and not changed
    in this transaction, and each statement more is a round trip more.
    """
    _, logged = OUTBOX.entry(session, event, community=state.community_id, subject=str(state.id))
    await insert_together(
        session,
        [
            (ACTIVITIES, [state.columns()]),
            (PARTICIPATIONS, state.participation_rows()),
            (OUTBOX_LOG, [logged]),
        ],
    )


async def _record(session: AsyncSession, state: ActivityState, event: ev.ActivityState) -> None:
    await OUTBOX.record(session, event, community=state.community_id, subject=str(state.id))


async def log_activity(
    session: AsyncSession, principal: Principal, command: ActivityIn, skew: timedelta
) -> ActivityState:
    """Log an activity; the answer is its state as written."""
    principal.require_write(command.community_id)
    named = None
    if principal.role not in ADMINS:
        # Only now does it matter who leads the team, so only now must we know it.
        named = await _read_named(session, command)
        _require_admin_or_leader(
            principal, _known_team(named, command.team_id), "log this team's activities"
        )
    now = utcnow()
    team = await _checked_team(session, command, now, skew, named)
    state, event = lifecycle.log(
        command, activity_id=new_id(), category=team.category, by=principal.sub, at=now, skew=skew
    )
    await _insert(session, state, event)
    return state


# -- reading ----------------------------------------------------------------------------


async def get_activity(
    session: AsyncSession, principal: Principal, activity_id: str
) -> ActivityState:
    row = await get_in_scope(session, Activity, activity_id, principal, "activity")
    return (await states_of(session, [row]))[0]


async def states_of(session: AsyncSession, rows: Sequence[Activity]) -> list[ActivityState]:
    """The states of activity rows, with their participants, in the rows' order."""
    participants = await participants_of(session, [row.id for row in rows])
    return [ActivityState.of_rows(row, participants[row.id]) for row in rows]


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


# What `GET /activities?sort=` may sort by; an activity's hours are its participants' sum.
ACTIVITY_SORTS: Sorts = {
    "started_at": SortKey.of(Activity.started_at),
    "people_served": SortKey.of(Activity.people_served),
    "hours": SortKey(
        select(func.coalesce(func.sum(Participation.hours), 0))
        .where(Participation.activity_id == Activity.id)
        .scalar_subquery(),
        Decimal,
        nullable=False,
    ),
}


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


async def _save(
    session: AsyncSession, row: Activity, state: ActivityState, event: ev.ActivityState
) -> None:
    """Write a move's new state onto its (locked) row and record the move's event."""
    state.write_to(row)
    await _record(session, state, event)


async def verify_activity(
    session: AsyncSession, principal: Principal, activity_id: str
) -> ActivityState:
    row = await get_to_change(session, Activity, activity_id, principal, "activity")
    team = await session.get(Team, row.team_id)
    _require_admin_or_leader(principal, team, "verify this team's activities")
    [before] = await states_of(session, [row])
    after, event = lifecycle.verify(before, by=principal.sub, at=utcnow())
    await _save(session, row, after, event)
    return after


async def void_activity(
    session: AsyncSession, principal: Principal, activity_id: str, reason: str
) -> ActivityState:
    row = await get_to_change(session, Activity, activity_id, principal, "activity")
    principal.require_role(*ADMINS)
    [before] = await states_of(session, [row])
    after, event = lifecycle.void(before, reason=reason, by=principal.sub, at=utcnow())
    await _save(session, row, after, event)
    return after


async def correct_activity(
    session: AsyncSession,
    principal: Principal,
    activity_id: str,
    correction: CorrectionIn,
    skew: timedelta,
) -> ActivityState:
    """Void an activity and log its corrected version, linked both ways, in one step."""
    row = await get_to_change(session, Activity, activity_id, principal, "activity")
    principal.require_role(*ADMINS)
    [old] = await states_of(session, [row])
    # Answered before the look-ups: they would read another community's team otherwise.
    lifecycle.check_correctable(old, correction)
    now = utcnow()
    team = await _checked_team(session, correction, now, skew)
    done = lifecycle.correct(
        old,
        correction,
        new_id=new_id(),
        category=team.category,
        by=principal.sub,
        at=now,
        skew=skew,
    )
    await _save(session, row, done.voided, done.voided_event)
    await _insert(session, done.replacement, done.logged_event)
    return done.replacement


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


async def hours_on_every_activity(
    session: AsyncSession, volunteer_id: uuid.UUID
) -> Sequence[tuple[Activity, Decimal]]:
    """A volunteer's hours on each activity they took part in, voided ones too."""
    return await _entries(session, volunteer_id, ("logged", "verified", "voided"))


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
        entries=[hours_entry(a, hours) for a, hours in entries],
    )


def hours_entry(activity: Activity, hours: Decimal) -> HoursEntry:
    """A volunteer's hours on one activity, as answered."""
    return HoursEntry(
        activity_id=str(activity.id),
        title=activity.title,
        kind=activity.kind,
        category=activity.category,
        team_id=str(activity.team_id),
        started_at=activity.started_at,
        ended_at=activity.ended_at,
        hours=float(hours),
        status=activity.status,
    )


@dataclass(frozen=True)
class _Content:
    """What a certificate of a volunteer's period certifies, and the digest naming it."""

    volunteer: Volunteer
    start: date | None
    end: date | None
    entries: Sequence[tuple[Activity, Decimal]]
    total: Decimal
    digest: str


async def _content(
    session: AsyncSession, volunteer: Volunteer, start: date | None, end: date | None, zone: str
) -> _Content:
    if start and end and start > end:
        raise Invalid("from is after to", errors=[{"loc": ["query", "from"], "msg": "after to"}])
    low, high = day_bounds(start, end, zone)
    entries = await _entries(session, volunteer.id, ("verified",), low, high)
    total = sum((hours for _, hours in entries), Decimal(0))
    digest = hashlib.sha256(
        repr((str(volunteer.id), start, end, [(str(a.id), str(h)) for a, h in entries])).encode()
    ).hexdigest()
    return _Content(volunteer, start, end, entries, total, digest)


async def _issued(session: AsyncSession, content: _Content) -> Certificate | None:
    """The certificate issued for this content, if any."""
    return await session.scalar(
        select(Certificate)
        .where(
            Certificate.volunteer_id == content.volunteer.id,
            Certificate.content_digest == content.digest,
        )
        # The first issued, should an older version have issued one twice.
        .order_by(Certificate.issued_on, Certificate.number)
        .limit(1)
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
    public_url: str,
) -> CertificateData:
    """The service certificate of a volunteer's certified hours in a period, to read.

    Writes nothing: the certificate issued for this content, with its number, or
    else a preview without a number (`number` None) until one is issued.
    """
    volunteer = await _volunteer(session, principal, volunteer_id)
    content = await _content(session, volunteer, start, end, zone)
    issued = await _issued(session, content)
    return await _certificate_data(
        session, content, issued, zone, person_in_charge, handler, public_url
    )


@dataclass(frozen=True)
class Issued:
    """An issued certificate: what it says, its number, and whether this call issued it."""

    data: CertificateData
    number: str
    fresh: bool


async def issue_certificate(
    session: AsyncSession,
    principal: Principal,
    volunteer_id: str,
    start: date | None,
    end: date | None,
    zone: str,
    public_url: str,
) -> Issued:
    """Issue the service certificate of a volunteer's certified hours in a period.

    The same content keeps the number it was issued with (`fresh` False); new
    content gets the next number of its community and year.
    """
    # Locked: one volunteer's issuing is serial, so a second issuer finds the first's certificate.
    volunteer = await get_to_change(session, Volunteer, volunteer_id, principal, "volunteer")
    principal.require_role(*ADMINS)
    content = await _content(session, volunteer, start, end, zone)
    issued = await _issued(session, content)
    fresh = issued is None
    if issued is None:
        issued = await _issue(session, principal, content, zone)
    data = await _certificate_data(session, content, issued, zone, None, None, public_url)
    return Issued(data, issued.number, fresh)


def certificate_prefix(community_id: str, year: int) -> str:
    """Numbers run per community and year: QS-<community>-<year>-000001, ..."""
    return f"QS-{community_id}-{year}-"


async def _next_serial(session: AsyncSession, prefix: str) -> int:
    """The next serial of a prefix, in one atomic statement (PostgreSQL and SQLite).

    Concurrent issuers of one prefix queue on its counter row: none sees another's
    serial, and none fails.
    """
    statement = insert_for(session, COUNTERS).values(prefix=prefix, last=1)
    statement = statement.on_conflict_do_update(
        index_elements=["prefix"], set_={"last": COUNTERS.c.last + 1}
    ).returning(COUNTERS.c.last)
    return int((await session.execute(statement)).scalar_one())


async def _issue(
    session: AsyncSession, principal: Principal, content: _Content, zone: str
) -> Certificate:
    volunteer = content.volunteer
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    prefix = certificate_prefix(volunteer.community_id, today.year)
    issued = Certificate(
        id=new_id(),
        number=f"{prefix}{await _next_serial(session, prefix):06d}",
        community_id=volunteer.community_id,
        volunteer_id=volunteer.id,
        period_from=content.start,
        period_to=content.end,
        certified_hours=content.total,
        content_digest=content.digest,
        issued_on=today,
        issued_by=principal.sub,
        check_code=new_check_code(),
        counted=_counted(content.entries),
    )
    session.add(issued)
    # Taken only if an older version still counts numbers itself: then a 409, never a 500.
    await flush_unique(session, "that certificate number was taken meanwhile; try again")
    data = ev.CertificateIssued(
        number=issued.number,
        volunteer_id=str(volunteer.id),
        community_id=volunteer.community_id,
        certified_hours=float(content.total),
        period_from=content.start,
        period_to=content.end,
    )
    await OUTBOX.record(session, data, community=volunteer.community_id, subject=issued.number)
    return issued


async def _certificate_data(
    session: AsyncSession,
    content: _Content,
    issued: Certificate | None,
    zone: str,
    person_in_charge: str | None,
    handler: str | None,
    public_url: str,
) -> CertificateData:
    """What the certificate says; not issued yet, it is a preview dated today."""
    tz = ZoneInfo(zone)
    volunteer = content.volunteer
    names = await _names(session, content.entries, volunteer.community_id)
    return CertificateData(
        number=issued.number if issued else None,
        issued_on=issued.issued_on if issued else utcnow().astimezone(tz).date(),
        volunteer_name=volunteer.name,
        volunteer_number=str(volunteer.id),
        period_from=content.start,
        period_to=content.end,
        total_hours=float(content.total),
        lines=[
            ServiceLine(
                day=a.started_at.astimezone(tz).date(),
                title=a.title,
                category_name=names.categories.get(a.category, a.category),
                kind_name=names.kinds.get(a.kind, a.kind),
                team_name=names.teams.get(a.team_id, ""),
                hours=float(hours),
            )
            for a, hours in content.entries
        ],
        organisation=names.organisation,
        person_in_charge=person_in_charge,
        handler=handler,
        check_code=issued.check_code if issued else None,
        verification_url=verification_url(public_url, issued) if issued else None,
    )


async def _organisation(session: AsyncSession, community_id: str) -> str:
    """Who issues a community's certificates: 龙泉社区（城南大支部）."""
    community = await session.get(Community, community_id)
    if community is None:
        return community_id
    return community.name + (f"（{community.branch}）" if community.branch else "")


@dataclass(frozen=True)
class _Names:
    organisation: str
    categories: dict[str, str]
    kinds: dict[str, str]
    teams: dict[uuid.UUID, str]


async def _names(
    session: AsyncSession, entries: Sequence[tuple[Activity, Decimal]], community_id: str
) -> _Names:
    organisation = await _organisation(session, community_id)
    team_ids = {a.team_id for a, _ in entries}
    teams = (
        {t.id: t.name for t in await session.scalars(select(Team).where(Team.id.in_(team_ids)))}
        if team_ids
        else {}
    )
    categories = {c.code: c.name for c in await session.scalars(select(Category))}
    kinds = {k.code: k.name for k in await session.scalars(select(ActivityKind))}
    return _Names(organisation, categories, kinds, teams)


# -- checking a certificate (no token: anyone holding one) ------------------------------

# 31 characters none of which reads as another (no 0/O, 1/I/L): 8 of them are ~40 bits,
# short enough to type from paper, and too many to guess at the pace a client is allowed.
CHECK_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CHECK_CODE_LENGTH = 8
# Through the console, the one origin the public reaches (`/api/<service>/...`).
VERIFICATION_PATH = "/api/activities/certificates/"


def new_check_code() -> str:
    return "".join(secrets.choice(CHECK_CODE_ALPHABET) for _ in range(CHECK_CODE_LENGTH))


def normalise_check_code(typed: str) -> str:
    """The code as stored, from what a person typed: any case, spaces and dashes between."""
    return "".join(typed.split()).replace("-", "").upper()


def verification_url(public_url: str, issued: Certificate) -> str:
    """The absolute address that checks an issued certificate (what its QR code holds)."""
    number = quote(issued.number, safe="")
    return f"{public_url.rstrip('/')}{VERIFICATION_PATH}{number}?code={issued.check_code}"


def _counted(entries: Sequence[tuple[Activity, Decimal]]) -> list[dict[str, str]]:
    return [{"activity_id": str(a.id), "hours": str(hours)} for a, hours in entries]


def still_holds(counted: Sequence[dict[str, str]], counting_now: dict[str, Decimal]) -> bool:
    """Whether every activity a certificate counted still counts, with the same hours.

    `counting_now` maps the verified activities among them to the volunteer's hours now.
    Activities verified since do not matter: the certificate never claimed them.
    """
    return all(counting_now.get(c["activity_id"]) == Decimal(c["hours"]) for c in counted)


async def _holds(session: AsyncSession, issued: Certificate, zone: str) -> bool:
    if issued.counted is None:
        # Issued before what it counted was recorded: it holds while its content is unchanged.
        volunteer = await session.get(Volunteer, issued.volunteer_id)
        if volunteer is None:
            return False
        content = await _content(session, volunteer, issued.period_from, issued.period_to, zone)
        return content.digest == issued.content_digest
    ids = [uuid.UUID(c["activity_id"]) for c in issued.counted]
    rows = await session.execute(
        select(Participation.activity_id, Participation.hours)
        .join(Activity, Activity.id == Participation.activity_id)
        .where(
            Participation.volunteer_id == issued.volunteer_id,
            Participation.activity_id.in_(ids),
            Activity.status == "verified",
        )
    )
    return still_holds(issued.counted, {str(a): hours for a, hours in rows})


async def check_certificate(
    session: AsyncSession, number: str, code: str | None, zone: str
) -> CertificateCheck:
    """What a certificate's number and check code tell anyone: whether it holds, and what
    it certified, the name masked. A wrong code answers as an unknown number does, so
    that no one learns which numbers exist."""
    issued = await session.scalar(select(Certificate).where(Certificate.number == number))
    typed = normalise_check_code(code or "")
    if issued is None or not hmac.compare_digest(typed.encode(), issued.check_code.encode()):
        return CertificateCheck(number=number, status="unknown")
    volunteer = await session.get(Volunteer, issued.volunteer_id)
    return CertificateCheck(
        number=issued.number,
        status="valid" if await _holds(session, issued, zone) else "superseded",
        volunteer_name=mask_name(volunteer.name) if volunteer is not None else None,
        certified_hours=float(issued.certified_hours),
        period=Period(start=issued.period_from, end=issued.period_to),
        organisation=await _organisation(session, issued.community_id),
        issued_on=issued.issued_on,
    )


# -- activity kinds ---------------------------------------------------------------------


async def list_kinds(session: AsyncSession) -> Sequence[ActivityKind]:
    return (await session.scalars(select(ActivityKind).order_by(ActivityKind.position))).all()


async def define_kind(session: AsyncSession, principal: Principal, command: KindIn) -> ActivityKind:
    principal.require_county_wide()
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
    await flush_unique(session, f"activity kind {command.code!r} already exists")
    # A kind is defined once and never changes: its one version is 1.
    data = ev.ActivityKindDefined(
        code=kind.code, name=kind.name, category_hint=kind.category_hint, version=1
    )
    await OUTBOX.record(session, data, community="*", subject=kind.code)
    return kind


# -- shared resources (资源联享) -----------------------------------------------------------
#
# A resource is its community's: its admins offer, change and deactivate it. Shared with
# the branch, the admins and team leaders of every community of the same branch (as the
# registry replica knows branches) see it and book it; not shared, only its own community.


BOOKERS: tuple[Role, ...] = (*ADMINS, "team_leader")


async def _branch_of(session: AsyncSession, community_id: str) -> str | None:
    return await session.scalar(select(Community.branch).where(Community.id == community_id))


async def _token_branches(session: AsyncSession, principal: Principal) -> set[str]:
    """The branches of the communities in the caller's token."""
    rows = await session.scalars(
        select(Community.branch).where(
            Community.id.in_(principal.communities), Community.branch.is_not(None)
        )
    )
    return {b for b in rows if b}


async def _same_branch(session: AsyncSession, one: str, other: str) -> bool:
    branch = await _branch_of(session, one)
    return branch is not None and branch == await _branch_of(session, other)


async def _reaches(session: AsyncSession, principal: Principal, resource: Resource) -> bool:
    """Whether the caller may see a resource: its community's, or shared within its branch."""
    if principal.sees(resource.community_id):
        return True
    if not resource.shared_with_branch:
        return False
    branch = await _branch_of(session, resource.community_id)
    return branch is not None and branch in await _token_branches(session, principal)


async def _resource(
    session: AsyncSession, principal: Principal, resource_id: str, *, for_update: bool = False
) -> Resource:
    """The resource when the caller may see it (else 404); `for_update` locks its row until
    the unit of work ends, so bookings of one resource are decided one after the other."""
    row = await get_by_id(session, Resource, resource_id, "resource", for_update=for_update)
    if not await _reaches(session, principal, row):
        raise NotFound("resource not found")
    return row


def resource_data(row: Resource) -> dict[str, Any]:
    """A resource as its events and the API carry it."""
    return {
        "resource_id": str(row.id),
        "community_id": row.community_id,
        "owner_unit_id": row.owner_unit_id,
        "kind": row.kind,
        "name": row.name,
        "description": row.description,
        "capacity": row.capacity,
        "availability": list(row.availability),
        "shared_with_branch": row.shared_with_branch,
        "active": row.active,
        "version": row.version,
    }


async def _record_resource(
    session: AsyncSession, row: Resource, event: type[ev.ResourceState]
) -> None:
    data = event.model_validate(resource_data(row))
    await OUTBOX.record(session, data, community=row.community_id, subject=str(row.id))


def _window_rows(windows: Sequence[OpeningHours]) -> list[dict[str, Any]]:
    return [{"weekday": w.weekday, "from": w.from_, "to": w.to} for w in windows]


async def offer_resource(
    session: AsyncSession, principal: Principal, command: ResourceIn
) -> Resource:
    principal.require_write(command.community_id)
    principal.require_role(*ADMINS)
    row = Resource(
        id=new_id(),
        community_id=command.community_id,
        owner_unit_id=command.owner_unit_id,
        kind=command.kind,
        name=command.name,
        description=command.description,
        capacity=command.capacity,
        availability=_window_rows(command.availability),
        shared_with_branch=command.shared_with_branch,
        active=True,
        offered_by=principal.sub,
        version=1,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    await _record_resource(session, row, ev.ResourceOffered)
    return row


async def _resource_for_change(
    session: AsyncSession, principal: Principal, resource_id: str
) -> Resource:
    row = await _resource(session, principal, resource_id, for_update=True)
    principal.require_write(row.community_id)
    principal.require_role(*ADMINS)
    if not row.active:
        raise Conflict("the resource is deactivated", current_status="inactive")
    return row


async def _resource_changed(session: AsyncSession, row: Resource) -> None:
    """A change of a resource is its next version, which its event reports."""
    row.version += 1
    await session.flush()
    await _record_resource(session, row, ev.ResourceChanged)


async def change_resource(
    session: AsyncSession, principal: Principal, resource_id: str, patch: ResourcePatch
) -> Resource:
    row = await _resource_for_change(session, principal, resource_id)
    changes = patch.model_dump(exclude_unset=True)
    if "availability" in changes and patch.availability is not None:
        changes["availability"] = _window_rows(patch.availability)
    for name, value in changes.items():
        setattr(row, name, value)
    await _resource_changed(session, row)
    return row


async def deactivate_resource(
    session: AsyncSession, principal: Principal, resource_id: str
) -> Resource:
    """No longer bookable; bookings made stay (cancel them one by one if need be)."""
    row = await _resource_for_change(session, principal, resource_id)
    row.active = False
    await _resource_changed(session, row)
    return row


async def get_resource(session: AsyncSession, principal: Principal, resource_id: str) -> Resource:
    return await _resource(session, principal, resource_id)


async def list_resources(
    session: AsyncSession,
    principal: Principal,
    community_id: str | None,
    kind: str | None,
    active: bool | None,
) -> Select[Resource]:
    """The caller's communities' resources and those shared within its branches."""
    query = select(Resource)
    if kind is not None:
        query = query.where(Resource.kind == kind)
    if active is not None:
        query = query.where(Resource.active == active)
    visible = principal.community_filter()
    if visible is not None:
        branches = await _token_branches(session, principal)
        of_branches = select(Community.id).where(Community.branch.in_(branches))
        query = query.where(
            or_(
                Resource.community_id.in_(visible),
                and_(Resource.shared_with_branch, Resource.community_id.in_(of_branches)),
            )
        )
        if community_id is not None and not principal.sees(community_id):
            if await _branch_of(session, community_id) not in branches:
                raise NotFound("community not found")
    if community_id is not None:
        query = query.where(Resource.community_id == community_id)
    return query


# -- bookings ----------------------------------------------------------------------------


def booking_data(row: Booking) -> dict[str, Any]:
    return {
        "booking_id": str(row.id),
        "resource_id": str(row.resource_id),
        "resource_community_id": row.resource_community_id,
        "community_id": row.community_id,
        "starts_at": row.starts_at,
        "ends_at": row.ends_at,
        "purpose": row.purpose,
        "activity_id": str(row.activity_id) if row.activity_id else None,
        "status": row.status,
        "version": row.version,
    }


async def _check_activity(
    session: AsyncSession, activity_id: uuid.UUID | None, community_id: str
) -> None:
    """A booking names an activity of the booking community that still counts."""
    if activity_id is None:
        return
    activity = await session.get(Activity, activity_id)
    if activity is None or activity.community_id != community_id:
        raise Invalid(f"no activity {activity_id} of {community_id}", field="activity_id")
    if activity.status == "voided":
        raise Invalid("the activity is voided", field="activity_id")


async def book_resource(
    session: AsyncSession,
    principal: Principal,
    resource_id: str,
    command: BookingIn,
    zone: ZoneInfo,
) -> tuple[Booking, Resource]:
    """Book a resource for a time; never two live bookings of one resource overlap.

    The resource row is locked first: on PostgreSQL concurrent bookers of one resource
    queue on it, so each overlap check sees every booking committed before it (on SQLite
    every write transaction holds the database's write lock from its start). The loser
    of a race, like anyone asking for a taken time, gets a 409 naming the booking in the way.
    """
    principal.require_write(command.community_id)
    if principal.role not in BOOKERS:
        raise Forbidden("only the community's admins or team leaders may book resources")
    resource = await _resource(session, principal, resource_id, for_update=True)
    if resource.community_id != command.community_id and not (
        resource.shared_with_branch
        and await _same_branch(session, resource.community_id, command.community_id)
    ):
        raise Forbidden(f"the resource is not shared with community {command.community_id!r}")
    if not resource.active:
        raise Conflict("the resource is deactivated", current_status="inactive")
    lifecycle.check_within_availability(
        resource.availability, command.starts_at, command.ends_at, zone
    )
    await _check_activity(session, command.activity_id, command.community_id)
    taken = await session.scalar(
        select(Booking)
        .where(
            Booking.resource_id == resource.id,
            Booking.status == "booked",
            Booking.starts_at < command.ends_at,
            Booking.ends_at > command.starts_at,
        )
        .order_by(Booking.starts_at)
        .limit(1)
    )
    if taken is not None:
        raise Conflict(
            f"{resource.name} is booked from {taken.starts_at.isoformat()}"
            f" to {taken.ends_at.isoformat()} by {taken.community_id}",
            conflicting_booking_id=str(taken.id),
            starts_at=taken.starts_at.isoformat(),
            ends_at=taken.ends_at.isoformat(),
        )
    row = Booking(
        id=new_id(),
        resource_id=resource.id,
        resource_community_id=resource.community_id,
        community_id=command.community_id,
        # As stored and read back: in UTC, whatever offset the caller wrote.
        starts_at=command.starts_at.astimezone(UTC),
        ends_at=command.ends_at.astimezone(UTC),
        purpose=command.purpose,
        activity_id=command.activity_id,
        status="booked",
        booked_by=principal.sub,
        version=1,
        created_at=utcnow(),
    )
    session.add(row)
    await session.flush()
    data = ev.ResourceBooked.model_validate({**booking_data(row), "booked_by": principal.sub})
    await OUTBOX.record(session, data, community=row.community_id, subject=str(row.id))
    return row, resource


async def list_bookings(
    session: AsyncSession,
    principal: Principal,
    resource_id: str,
    start: date | None,
    end: date | None,
    zone: str,
) -> tuple[Resource, Select[Booking]]:
    """A resource's bookings (live and cancelled) starting in a period, for whoever sees it."""
    resource = await _resource(session, principal, resource_id)
    query = select(Booking).where(Booking.resource_id == resource.id)
    low, high = day_bounds(start, end, zone)
    if low is not None:
        query = query.where(Booking.ends_at > low)
    if high is not None:
        query = query.where(Booking.starts_at < high)
    return resource, query


async def cancel_booking(
    session: AsyncSession, principal: Principal, booking_id: str
) -> tuple[Booking, Resource]:
    """Cancel a booking (the booking community's admins or team leaders, or the resource's
    community's admins): its time is free again."""
    row = await get_by_id(session, Booking, booking_id, "booking", for_update=True)
    if not (principal.sees(row.community_id) or principal.sees(row.resource_community_id)):
        raise NotFound("booking not found")
    booker = principal.sees(row.community_id) and principal.role in BOOKERS
    if not (booker or principal.is_admin_of(row.resource_community_id)):
        raise Forbidden(
            "only the booking community's admins or team leaders, or the resource's admins,"
            " may cancel a booking"
        )
    if row.status != "booked":
        raise Conflict(f"the booking is {row.status}", current_status=row.status)
    row.status = "cancelled"
    row.cancelled_by = principal.sub
    row.cancelled_at = utcnow()
    row.version += 1
    await session.flush()
    data = ev.BookingCancelled.model_validate({**booking_data(row), "cancelled_by": principal.sub})
    await OUTBOX.record(session, data, community=row.community_id, subject=str(row.id))
    resource = await session.get(Resource, row.resource_id)
    assert resource is not None  # a booking's resource is never deleted (foreign key)
    return row, resource


async def resource_names(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not ids:
        return {}
    rows = await session.execute(select(Resource.id, Resource.name).where(Resource.id.in_(ids)))
    return {rid: name for rid, name in rows}


async def bookings_of_activities(
    session: AsyncSession, activity_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[Booking, str]]]:
    """The live bookings made for each activity, with their resource's name, by start."""
    result: dict[uuid.UUID, list[tuple[Booking, str]]] = {a: [] for a in activity_ids}
    if not activity_ids:
        return result
    rows = await session.execute(
        select(Booking, Resource.name)
        .join(Resource, Resource.id == Booking.resource_id)
        .where(Booking.activity_id.in_(activity_ids), Booking.status == "booked")
        .order_by(Booking.starts_at, Booking.id)
    )
    for booking, name in rows:
        assert booking.activity_id is not None
        result[booking.activity_id].append((booking, name))
    return result
