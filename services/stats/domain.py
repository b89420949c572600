"""Figures for a scope (county, branch, community) and a period, read from the projections."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, get_args
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.requests.care_schemas import CareKind
from services.requests.schemas import OPEN_STATUSES
from services.stats.handlers import CONSUMERS
from services.stats.models import (
    Activity,
    Branch,
    CareRecipient,
    CareTask,
    CareVisit,
    Category,
    CategoryMembers,
    Community,
    CommunityVolunteers,
    DailyFigures,
    MonthlyFigures,
    Request,
    RequestCounts,
    RequestDays,
    RequestMonths,
    ResidentUnit,
    Team,
    Volunteer,
    VolunteerHours,
)
from services.stats.projections import ACTIVITY_AMOUNTS
from services.stats.replicas import REQUEST_DAY_AMOUNTS
from services.stats.schemas import (
    AreaCommunity,
    Areas,
    BranchWork,
    CareRegisterFigures,
    CareTaskFigures,
    CategoryFigures,
    Interval,
    Metric,
    OpenRequest,
    Overview,
    Point,
    PublicActivity,
    PublicBranchWork,
    PublicCare,
    PublicColor,
    PublicCommunity,
    PublicPage,
    PublicUnit,
    RankBy,
    Ranked,
    RequestFigures,
    Scope,
    UnitWork,
)
from shared import progress
from shared.auth import Principal
from shared.db import utcnow
from shared.errors import Invalid, NotFound


@dataclass(frozen=True)
class Area:
    """The communities a figure covers; `None` means every community (the whole county)."""

    scope: Scope
    id: str | None
    name: str
    communities: list[str] | None

    def restrict(self, column: Any) -> Any:
        return true() if self.communities is None else column.in_(self.communities)


@dataclass(frozen=True)
class Period:
    start: date | None
    end: date | None
    zone: ZoneInfo

    def days(self, column: Any) -> Any:
        conditions = []
        if self.start is not None:
            conditions.append(column >= self.start)
        if self.end is not None:
            conditions.append(column <= self.end)
        return and_(true(), *conditions)

    def times(self, column: Any) -> Any:
        conditions = []
        if self.start is not None:
            conditions.append(column >= datetime.combine(self.start, time(), self.zone))
        if self.end is not None:
            conditions.append(
                column < datetime.combine(self.end + timedelta(days=1), time(), self.zone)
            )
        return and_(true(), *conditions)


# Days a period may start or end on: beyond them the day's bounds overflow a datetime.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9998, 12, 31)


def period(start: date | None, end: date | None, zone: str) -> Period:
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise Invalid(
                f"{name} is not between {EARLIEST_DAY} and {LATEST_DAY}",
                errors=[{"loc": ["query", name], "msg": "out of range"}],
            )
    if start and end and start > end:
        raise Invalid("from is after to", errors=[{"loc": ["query", "from"], "msg": "after to"}])
    return Period(start, end, ZoneInfo(zone))


async def branch_names(session: AsyncSession, branch_ids: Sequence[str]) -> dict[str, str]:
    """The name each branch is shown by: the registry's, or its id while stats has not
    seen its record yet."""
    if not branch_ids:
        return {}
    rows = await session.execute(select(Branch.id, Branch.name).where(Branch.id.in_(branch_ids)))
    named = {branch_id: name for branch_id, name in rows}
    return {branch_id: named.get(branch_id, branch_id) for branch_id in branch_ids}


async def branch_name(session: AsyncSession, branch_id: str) -> str:
    return (await branch_names(session, [branch_id]))[branch_id]


async def resolve_area(
    session: AsyncSession, principal: Principal, scope: Scope, area_id: str | None
) -> Area:
    """The communities of a scope that the caller may see; 404 when that leaves none.

    The county scope is the whole county to a county_admin, who is refused it (403) with a
    token limited to some communities: its figures would be a part called the county. To
    the other roles it is all of their communities, which is what they ask for."""
    visible = principal.community_filter()
    if scope == "county":
        if principal.role == "county_admin":
            principal.require_county_wide()
        return Area(scope, None, "全县", visible)
    if area_id is None:
        raise Invalid(
            f"scope={scope} needs an id", errors=[{"loc": ["query", "id"], "msg": "required"}]
        )
    if scope == "community":
        principal.require_read(area_id, "community")
        community = await session.get(Community, area_id)
        return Area(scope, area_id, community.name if community else area_id, [area_id])
    members = list(await session.scalars(select(Community.id).where(Community.branch == area_id)))
    if visible is not None:
        members = [c for c in members if c in visible]
    if not members:
        raise NotFound("branch not found")
    return Area(scope, area_id, await branch_name(session, area_id), members)


async def as_of(session: AsyncSession) -> datetime | None:
    return await progress.newest_event_time(session, CONSUMERS)


async def overview(session: AsyncSession, area: Area, when: Period) -> Overview:
    volunteers, party_members = (
        await session.execute(
            select(
                func.coalesce(func.sum(CommunityVolunteers.volunteers), 0),
                func.coalesce(func.sum(CommunityVolunteers.party_members), 0),
            ).where(area.restrict(CommunityVolunteers.community_id))
        )
    ).one()
    teams = await _grouped(
        session,
        select(Team.category, func.count())
        .where(Team.status == "active", area.restrict(Team.community_id))
        .group_by(Team.category),
    )
    figures = await _figures(session, area, when)
    requests = await _requests(session, area, when)
    # Totals over every category seen, also one the categories table does not know yet.
    totals = [sum((f[i] for f in figures.values()), 0) for i in range(4)]
    return Overview(
        scope=area.scope,
        id=area.id,
        name=area.name,
        start=when.start,
        end=when.end,
        communities=sorted(area.communities) if area.communities is not None else [],
        volunteers=int(volunteers),
        party_member_volunteers=int(party_members),
        teams=sum(t[0] for t in teams.values()),
        activities=int(totals[0]),
        people_served=int(totals[1]),
        volunteer_hours=float(totals[2]),
        certified_hours=float(totals[3]),
        requests=_request_figures([sum(r[i] for r in requests.values()) for i in range(8)]),
        paid_orders=int(sum(r[8] for r in requests.values())),
        income=float(sum((r[9] for r in requests.values()), Decimal(0))),
        care_tasks=await _care_tasks(session, area),
        branch_work=await _branch_work(session, area, when),
        care_register=await _care_register(session, area, when),
        by_category=await _by_category(session, area, teams, figures, requests),
        as_of=await as_of(session),
    )


def _next_month(day: date) -> date:
    return date(day.year + 1, 1, 1) if day.month == 12 else date(day.year, day.month + 1, 1)


def whole_months(start: date | None, end: date | None) -> tuple[date | None, date | None] | None:
    """The months wholly inside a period, as [first, after) of months' first days (None:
    unbounded on that side); None when it holds no whole month."""
    first = None if start is None else start if start.day == 1 else _next_month(start)
    after = None
    if end is not None:
        after = (
            _next_month(end) if end + timedelta(days=1) == _next_month(end) else end.replace(day=1)
        )
    if first is not None and after is not None and first >= after:
        return None
    return first, after


def split_period(
    start: date | None, end: date | None, month: Any, day: Any
) -> tuple[Any | None, Any | None]:
    """A period as a condition on a monthly rollup's `month` (its whole months) and one
    on a daily rollup's `day` (the days of partial months at its edges); None where
    that rollup has nothing to give."""
    months = whole_months(start, end)
    if months is None:
        bounds = [day >= start] if start is not None else []
        bounds += [day <= end] if end is not None else []
        return None, and_(true(), *bounds)
    first, after = months
    edges = []
    if start is not None and first is not None and start < first:
        edges.append(and_(day >= start, day < first))
    if end is not None and after is not None and after <= end:
        edges.append(and_(day >= after, day <= end))
    in_months = []
    if first is not None:
        in_months.append(month >= first)
    if after is not None:
        in_months.append(month < after)
    return and_(true(), *in_months), or_(*edges) if edges else None


async def _figures(session: AsyncSession, area: Area, when: Period) -> dict[str, list[Any]]:
    """Activities, people served, hours and certified hours per category."""
    return await _sums_by_category(
        session, area, when, MonthlyFigures, DailyFigures, ACTIVITY_AMOUNTS
    )


async def _sums_by_category(
    session: AsyncSession,
    area: Area,
    when: Period,
    monthly: type[MonthlyFigures] | type[RequestMonths],
    daily: type[DailyFigures] | type[RequestDays],
    amounts: Sequence[str],
) -> dict[str, list[Any]]:
    """`amounts` summed per category over a period: whole months from the monthly
    rollup, the days of partial months at its edges from the daily one."""
    sums: dict[str, list[Any]] = {}
    in_months, in_days = split_period(when.start, when.end, monthly.month, daily.day)
    table: type[MonthlyFigures | RequestMonths | DailyFigures | RequestDays]
    for table, where in ((monthly, in_months), (daily, in_days)):
        if where is None:
            continue
        rows = await session.execute(
            select(table.category, *(func.sum(getattr(table, name)) for name in amounts))
            .where(area.restrict(table.community_id), where)
            .group_by(table.category)
        )
        for category, *values in rows:
            entry = sums.setdefault(category, [0] * len(amounts))
            for i, value in enumerate(values):
                entry[i] += value or 0
    return sums


async def _requests(session: AsyncSession, area: Area, when: Period) -> dict[str, list[Any]]:
    """Per category: submitted, open, completed, cancelled, overdue, on time, sum and
    number of ratings, completed paid orders (ints), and their income (a Decimal)."""
    if when.start is None and when.end is None:
        f = RequestCounts
        is_open = f.status.in_(OPEN_STATUSES)
        statement = (
            select(
                f.category,
                func.sum(f.requests),
                func.sum(f.requests).filter(is_open),
                func.sum(f.requests).filter(f.status == "completed"),
                func.sum(f.requests).filter(f.status == "cancelled"),
                func.sum(f.overdue).filter(is_open),
                func.sum(f.on_time).filter(f.status == "completed"),
                func.sum(f.rating_sum),
                func.sum(f.ratings),
                func.sum(f.paid_orders),
                func.sum(f.income),
            )
            .where(area.restrict(f.community_id))
            .group_by(f.category)
        )
        return {
            row[0]: [*(int(v or 0) for v in row[1:10]), row[10] or Decimal(0)]
            for row in await session.execute(statement)
        }
    # A period: the request rollups count each request on its local day of submission,
    # as `Period.times` bounds it.
    sums = await _sums_by_category(
        session, area, when, RequestMonths, RequestDays, REQUEST_DAY_AMOUNTS
    )
    return {
        category: [*(int(v) for v in values[:-1]), Decimal(values[-1])]
        for category, values in sums.items()
    }


def _request_figures(counts: list[int]) -> RequestFigures:
    submitted, open_, done, cancelled, overdue, on_time, rating_sum, ratings = counts
    return RequestFigures(
        submitted=submitted,
        open=open_,
        completed=done,
        cancelled=cancelled,
        overdue=overdue,
        on_time_rate=round(on_time / done, 4) if done else None,
        avg_rating=round(rating_sum / ratings, 2) if ratings else None,
    )


async def _care_tasks(session: AsyncSession, area: Area) -> CareTaskFigures:
    is_open = CareTask.status == "open"
    row = (
        await session.execute(
            select(
                func.count().filter(is_open),
                func.count().filter(CareTask.status == "done"),
                func.count().filter(is_open, CareTask.overdue.is_(True)),
            ).where(area.restrict(CareTask.community_id))
        )
    ).one()
    return CareTaskFigures(open=row[0], done=row[1], overdue=row[2])


# -- 服务难题联解: the branch's joint work ------------------------------------------------

# Served by a team of another community than the order's (the branch gave it to them).
SERVED_ACROSS = and_(
    Request.status == "completed", Request.serving_community_id != Request.community_id
)


async def _branch_work(session: AsyncSession, area: Area, when: Period) -> BranchWork:
    """Completed orders of the period (by submission, as every order figure) served across
    communities: given by the area's teams, received by its communities; escalations of
    the period; escalations waiting for a team now, and those flagged as waiting too long."""
    in_period = when.times(Request.submitted_at)
    given = await session.scalar(
        select(func.count()).where(
            SERVED_ACROSS, area.restrict(Request.serving_community_id), in_period
        )
    )
    # Over the whole county, what its teams gave is what its communities received.
    received = (
        given
        if area.communities is None
        else await session.scalar(
            select(func.count()).where(
                SERVED_ACROSS, area.restrict(Request.community_id), in_period
            )
        )
    )
    escalated_here = and_(Request.escalated_at.is_not(None), area.restrict(Request.community_id))
    escalated = await session.scalar(select(func.count()).where(escalated_here, in_period))
    waits = and_(
        escalated_here, Request.status.in_(OPEN_STATUSES), Request.branch_assigned.is_(False)
    )
    waiting, overdue = (
        await session.execute(
            select(func.count(), func.count().filter(Request.escalation_overdue.is_(True))).where(
                waits
            )
        )
    ).one()
    return BranchWork(
        given=given or 0,
        received=received or 0,
        escalated=escalated or 0,
        escalations_waiting=waiting,
        escalations_overdue=overdue,
        units=await _unit_work(session, area, when) if area.scope == "branch" else [],
    )


async def _unit_work(session: AsyncSession, area: Area, when: Period) -> list[UnitWork]:
    """The branch's resident units, each with the orders of other communities its teams
    completed within the period."""
    units = (
        await session.scalars(
            select(ResidentUnit)
            .where(area.restrict(ResidentUnit.community_id))
            .order_by(ResidentUnit.community_id, ResidentUnit.name, ResidentUnit.id)
        )
    ).all()
    if not units:
        return []
    rows = await session.execute(
        select(Team.unit_id, func.count())
        .select_from(Request)
        .join(Team, Team.id == Request.team_id)
        .where(
            SERVED_ACROSS,
            when.times(Request.submitted_at),
            Team.unit_id.in_([u.id for u in units]),
        )
        .group_by(Team.unit_id)
    )
    given: dict[str | None, int] = {unit_id: count for unit_id, count in rows}
    return [
        UnitWork(unit_id=u.id, name=u.name, community_id=u.community_id, given=given.get(u.id, 0))
        for u in units
    ]


# -- 关爱对象: people under care -------------------------------------------------------------

CARE_KINDS: tuple[str, ...] = get_args(CareKind)


async def _care_register(session: AsyncSession, area: Area, when: Period) -> CareRegisterFigures:
    """People under care now (per kind) and overdue today in the service's zone; visits
    made within the period and how many of them within the plan."""
    today = utcnow().astimezone(when.zone).date()
    under_care = and_(CareRecipient.status == "active", area.restrict(CareRecipient.community_id))
    by_kind = dict.fromkeys(CARE_KINDS, 0)
    overdue = 0
    for kind, people, late in await session.execute(
        select(
            CareRecipient.kind,
            func.count(),
            func.count().filter(CareRecipient.next_due_on < today),
        )
        .where(under_care)
        .group_by(CareRecipient.kind)
    ):
        by_kind[kind] = people
        overdue += late
    visits, on_time = (
        await session.execute(
            select(func.count(), func.count().filter(CareVisit.on_time.is_(True))).where(
                area.restrict(CareVisit.community_id), when.days(CareVisit.visited_on)
            )
        )
    ).one()
    return CareRegisterFigures(
        under_care=sum(by_kind.values()),
        by_kind=by_kind,
        visits=visits,
        visits_on_time=on_time,
        overdue=overdue,
    )


async def _grouped(session: AsyncSession, statement: Any) -> dict[str, Sequence[Any]]:
    return {row[0]: row[1:] for row in await session.execute(statement)}


async def _by_category(
    session: AsyncSession,
    area: Area,
    teams: dict[str, Sequence[Any]],
    figures: dict[str, list[Any]],
    requests: dict[str, list[int]],
) -> list[CategoryFigures]:
    categories = (
        await session.scalars(select(Category).order_by(Category.position, Category.code))
    ).all()
    # Summed over communities: a team's members are volunteers of its own community.
    members = await _grouped(
        session,
        select(CategoryMembers.category, func.sum(CategoryMembers.members))
        .where(area.restrict(CategoryMembers.community_id))
        .group_by(CategoryMembers.category),
    )
    result = []
    for c in categories:
        f = figures.get(c.code, (0, 0, 0, 0))
        result.append(
            CategoryFigures(
                category=c.code,
                name=c.name,
                teams=teams.get(c.code, (0,))[0],
                volunteers=int(members.get(c.code, (0,))[0] or 0),
                activities=int(f[0] or 0),
                people_served=int(f[1] or 0),
                volunteer_hours=float(f[2] or 0),
                certified_hours=float(f[3] or 0),
                requests=requests.get(c.code, [0])[0],
            )
        )
    return result


# -- time series -----------------------------------------------------------------------


def period_label(day: date, interval: Interval) -> str:
    if interval == "day":
        return day.isoformat()
    if interval == "week":
        year, week, _ = day.isocalendar()
        return f"{year}-W{week:02d}"
    return f"{day.year}-{day.month:02d}"


def default_range(today: date, interval: Interval) -> tuple[date, date]:
    if interval == "day":
        return today - timedelta(days=29), today
    if interval == "week":
        return today - timedelta(weeks=11, days=today.weekday()), today
    start = date(today.year - 1, today.month, 1) if today.month < 12 else date(today.year, 1, 1)
    return start, today


def buckets(start: date, end: date, interval: Interval, values: dict[date, float]) -> list[Point]:
    """Every period from start to end, zero where nothing happened."""
    totals: dict[str, float] = {}
    day = start
    while day <= end:
        totals.setdefault(period_label(day, interval), 0.0)
        day += timedelta(days=1)
    for day, value in values.items():
        label = period_label(day, interval)
        if label in totals:
            totals[label] += value
    return [Point(period=label, value=round(value, 2)) for label, value in totals.items()]


async def timeseries(
    session: AsyncSession, area: Area, metric: Metric, interval: Interval, when: Period, today: date
) -> list[Point]:
    start, end = default_range(today, interval)
    span = Period(when.start or start, when.end or end, when.zone)
    assert span.start is not None and span.end is not None
    if (span.end - span.start).days > 3700:
        raise Invalid(
            "a time series covers at most ten years",
            errors=[{"loc": ["query", "from"], "msg": "too far"}],
        )
    values: dict[date, float] = defaultdict(float)
    if metric == "requests_completed":
        column = Request.completed_at
        rows = await session.scalars(
            select(column).where(
                area.restrict(Request.community_id), span.times(column), column.is_not(None)
            )
        )
        for moment in rows:
            if moment is not None:
                values[moment.astimezone(span.zone).date()] += 1
        return buckets(span.start, span.end, interval, values)
    # Requests submitted from the request rollups (by local day of submission), the
    # other metrics from the figures: whole months of a monthly series from the
    # monthly rollup, labelled by their first day, the rest from the daily one.
    monthly: Any
    daily: Any
    if metric == "requests_submitted":
        monthly, daily, name = RequestMonths, RequestDays, "requests"
    elif metric == "income":
        monthly, daily, name = RequestMonths, RequestDays, "income"
    else:
        monthly, daily, name = MonthlyFigures, DailyFigures, metric
    in_months, in_days = (
        split_period(span.start, span.end, monthly.month, daily.day)
        if interval == "month"
        else (None, span.days(daily.day))
    )
    for table, day_column, where in (
        (monthly, monthly.month, in_months),
        (daily, daily.day, in_days),
    ):
        if where is None:
            continue
        sums = await session.execute(
            select(day_column, func.sum(getattr(table, name)))
            .where(area.restrict(table.community_id), where)
            .group_by(day_column)
        )
        for day, value in sums:
            values[day] += float(value or 0)
    return buckets(span.start, span.end, interval, values)


# -- leaderboard, open orders, areas -----------------------------------------------------


async def leaderboard(session: AsyncSession, area: Area, by: RankBy, limit: int) -> list[Ranked]:
    column = VolunteerHours.hours if by == "hours" else VolunteerHours.certified_hours
    rows = await session.execute(
        select(VolunteerHours, Volunteer.name)
        .join(Volunteer, Volunteer.id == VolunteerHours.volunteer_id)
        .where(area.restrict(VolunteerHours.community_id), Volunteer.active.is_(True), column > 0)
        .order_by(column.desc(), VolunteerHours.volunteer_id)
        .limit(limit)
    )
    return [
        Ranked(
            rank=rank,
            volunteer_id=str(entry.volunteer_id),
            name=name,
            community_id=entry.community_id,
            hours=float(entry.hours),
            certified_hours=float(entry.certified_hours),
        )
        for rank, (entry, name) in enumerate(rows, start=1)
    ]


async def open_requests(session: AsyncSession, area: Area, limit: int) -> list[OpenRequest]:
    rows = await session.scalars(
        select(Request)
        .where(area.restrict(Request.community_id), Request.status.in_(OPEN_STATUSES))
        .order_by(case((Request.overdue.is_(True), 0), else_=1), Request.due_at)
        .limit(limit)
    )
    return [
        OpenRequest(
            request_id=str(r.id),
            community_id=r.community_id,
            category=r.category,
            service_kind=r.service_kind,
            status=r.status,
            submitted_at=r.submitted_at,
            due_at=r.due_at,
            overdue=r.overdue,
        )
        for r in rows
    ]


async def areas(session: AsyncSession, principal: Principal) -> Areas:
    query = select(Community).order_by(Community.id)
    visible = principal.community_filter()
    if visible is not None:
        query = query.where(Community.id.in_(visible))
    communities = (await session.scalars(query)).all()
    branches = sorted({c.branch for c in communities if c.branch})
    names = await branch_names(session, branches)
    return Areas(
        communities=[
            AreaCommunity(
                id=c.id,
                name=c.name,
                branch=c.branch,
                branch_name=names[c.branch] if c.branch else None,
            )
            for c in communities
        ],
        branches=branches,
        branch_names=names,
        county=principal.sees_all,
        county_scope=principal.sees_all or principal.role != "county_admin",
    )


# -- the public page (公示栏) --------------------------------------------------------------

RECENT_ACTIVITIES = 10


async def public_area(session: AsyncSession, scope: Scope, area_id: str) -> Area:
    """A community or a branch as anyone may see it, without a token; 404 when unknown."""
    if scope == "community":
        community = await session.get(Community, area_id)
        if community is None:
            raise NotFound("community not found")
        return Area(scope, area_id, community.name, [area_id])
    members = list(
        await session.scalars(
            select(Community.id).where(Community.branch == area_id).order_by(Community.id)
        )
    )
    if not members:
        raise NotFound("branch not found")
    return Area(scope, area_id, await branch_name(session, area_id), members)


async def recent_activities(
    session: AsyncSession, area: Area, limit: int = RECENT_ACTIVITIES
) -> list[PublicActivity]:
    """The newest activities that count (not voided) and have a title: title and day only."""
    rows = await session.execute(
        select(
            Activity.title, Activity.day, Activity.category, Activity.community_id, Community.name
        )
        .join(Community, Community.id == Activity.community_id)
        .where(
            area.restrict(Activity.community_id), Activity.status != "voided", Activity.title != ""
        )
        .order_by(Activity.day.desc(), Activity.id)
        .limit(limit)
    )
    return [
        PublicActivity(
            title=title, day=day, category=category, community_id=community_id, community_name=name
        )
        for title, day, category, community_id, name in rows
    ]


async def public_page(session: AsyncSession, area: Area, zone: str) -> PublicPage:
    """The figures of all time, as the overview gives them, with no person in them."""
    assert area.id is not None and area.communities is not None and area.scope != "county"
    all_time = period(None, None, zone)
    figures = await overview(session, area, all_time)
    communities: list[PublicCommunity] = []
    branch: str | None = area.id
    branch_shown: str | None = area.name
    if area.scope == "community":
        community = await session.get(Community, area.id)
        branch = community.branch if community else None
        branch_shown = await branch_name(session, branch) if branch else None
    else:
        rows = await session.execute(
            select(Community.id, Community.name).where(Community.id.in_(area.communities))
        )
        names = {community_id: name for community_id, name in rows}
        for community_id in area.communities:
            one = Area(
                "community", community_id, names.get(community_id, community_id), [community_id]
            )
            f = await overview(session, one, all_time)
            communities.append(
                PublicCommunity(
                    id=community_id,
                    name=one.name,
                    volunteers=f.volunteers,
                    teams=f.teams,
                    activities=f.activities,
                    people_served=f.people_served,
                    volunteer_hours=f.volunteer_hours,
                    given=f.branch_work.given,
                    received=f.branch_work.received,
                )
            )
    return PublicPage(
        scope=area.scope,
        id=area.id,
        name=area.name,
        branch=branch,
        branch_name=branch_shown,
        volunteers=figures.volunteers,
        party_member_volunteers=figures.party_member_volunteers,
        teams=figures.teams,
        activities=figures.activities,
        people_served=figures.people_served,
        volunteer_hours=figures.volunteer_hours,
        colors=[
            PublicColor(
                category=c.category,
                name=c.name,
                teams=c.teams,
                volunteers=c.volunteers,
                activities=c.activities,
                people_served=c.people_served,
                volunteer_hours=c.volunteer_hours,
            )
            for c in figures.by_category
        ],
        recent_activities=await recent_activities(session, area),
        communities=communities,
        branch_work=PublicBranchWork(
            given=figures.branch_work.given,
            received=figures.branch_work.received,
            escalated=figures.branch_work.escalated,
            units=[PublicUnit(name=u.name, given=u.given) for u in figures.branch_work.units],
        ),
        care_register=PublicCare(
            under_care=figures.care_register.under_care,
            by_kind=figures.care_register.by_kind,
            visits=figures.care_register.visits,
            visits_on_time=figures.care_register.visits_on_time,
            overdue=figures.care_register.overdue,
        ),
        as_of=figures.as_of,
    )
