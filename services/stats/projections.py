"""Activities into rollups, a batch at a time.

An activity event carries the activity's whole state and a version. Its
contribution to the rollups (daily figures, volunteer hours) is taken out as
it was last counted and put back as it is now, so verifying moves hours to
certified, voiding takes everything out, and a stale or repeated event changes
nothing. A batch reads the activities it touches in one query, works out the
net change in memory, and writes it in a handful of statements. A batch first takes
its communities' turn (`take_turns`), so two consumers of one community's events,
as while partitions move, never both take out the state the other replaces.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from sqlalchemy import FromClause, delete, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as activities
from services.stats.models import (
    Activity,
    ActivityHours,
    DailyFigures,
    MonthlyFigures,
    VolunteerHours,
)
from shared.db import add_to, on_postgresql, take_turns, upsert
from shared.events import Event

ZERO = Decimal(0)
# What the activity rollups (daily and monthly figures) add up, in the order of `Deltas.days`.
ACTIVITY_AMOUNTS = ["activities", "people_served", "volunteer_hours", "certified_hours"]


class Counted(NamedTuple):
    """An activity as the rollups count it (a tuple: made for every event, cheaply)."""

    community_id: str
    category: str
    day: date
    status: str
    people_served: int
    version: int
    # By volunteer id as text: hashed many times a batch, where a UUID hashes in Python.
    hours: dict[str, Decimal]
    # Not counted, only shown (the public page); it moves with the activity's state.
    title: str = ""

    @property
    def counts(self) -> bool:
        return self.status != "voided"

    @property
    def certified(self) -> bool:
        return self.status == "verified"


# Volunteers and hours recur from event to event: parse each text once (both immutable).
_volunteer_id = lru_cache(maxsize=1 << 14)(uuid.UUID)


@lru_cache(maxsize=1 << 12)
def _hours(hours: float) -> Decimal:
    return Decimal(str(hours))


def counted_from_event(data: activities.ActivityState, zone: ZoneInfo) -> Counted:
    return Counted(
        data.community_id,
        data.category,
        data.started_at.astimezone(zone).date(),
        data.status,
        data.people_served,
        data.version,
        {p.volunteer_id: _hours(p.hours) for p in data.participants},
        data.title,
    )


@dataclass
class Deltas:
    """Net changes to the rollups, keyed as their tables are."""

    days: dict[tuple[str, str, date], list[Any]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, ZERO, ZERO])
    )
    volunteers: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, activity: Counted, sign: int) -> None:
        if activity.status == "voided":
            return
        # Decimals added or taken away, never multiplied by the sign: this runs for
        # every event and participant, and Decimal arithmetic is not cheap.
        certified = activity.status == "verified"
        hours = activity.hours
        total = sum(hours.values(), ZERO)
        day = self.days[(activity.community_id, activity.category, activity.day)]
        day[0] += sign
        day[1] += sign * activity.people_served
        volunteers = self.volunteers
        if sign > 0:
            day[2] += total
            if certified:
                day[3] += total
            for volunteer_id, amount in hours.items():
                entry = volunteers.get(volunteer_id)
                if entry is None:
                    volunteers[volunteer_id] = [
                        activity.community_id,
                        amount,
                        amount if certified else ZERO,
                    ]
                else:
                    entry[1] += amount
                    if certified:
                        entry[2] += amount
            return
        day[2] -= total
        if certified:
            day[3] -= total
        for volunteer_id, amount in hours.items():
            entry = volunteers.get(volunteer_id)
            if entry is None:
                volunteers[volunteer_id] = [
                    activity.community_id,
                    -amount,
                    -amount if certified else ZERO,
                ]
            else:
                entry[1] -= amount
                if certified:
                    entry[2] -= amount


def by_month(
    days: Mapping[tuple[str, str, date], Sequence[Any]],
) -> dict[tuple[str, str, date], list[Any]]:
    """Day deltas `(community, category, day)` added up per month, keyed by the month's
    first day; a month whose deltas net to nothing is left out."""
    months: dict[tuple[str, str, date], list[Any]] = {}
    for (community_id, category, day), amounts in days.items():
        entry = months.setdefault((community_id, category, day.replace(day=1)), [0] * len(amounts))
        for i, amount in enumerate(amounts):
            entry[i] += amount
    return {key: amounts for key, amounts in months.items() if any(amounts)}


async def add_to_days_and_months(
    session: AsyncSession,
    daily: FromClause,
    monthly: FromClause,
    days: Mapping[tuple[str, str, date], Sequence[Any]],
    amounts: list[str],
) -> None:
    """Add day deltas `(community, category, day)` to a daily rollup, and the same deltas
    added up per month to its monthly one, so the two always agree."""
    for table, period, deltas in ((daily, "day", days), (monthly, "month", by_month(days))):
        await add_to(
            session,
            table,
            [
                {
                    "community_id": community_id,
                    "category": category,
                    period: day,
                    **dict(zip(amounts, d, strict=True)),
                }
                for (community_id, category, day), d in deltas.items()
            ],
            key=["community_id", "category", period],
            amounts=amounts,
        )


def net_changes(
    before: dict[str, Counted], updates: Iterable[tuple[str, Counted]]
) -> tuple[dict[str, Counted], Deltas]:
    """Apply state updates in order over `before`; the changed activities and the deltas.

    Plain Python: the rule lives here and its test calls it directly.
    """
    current = dict(before)
    changed: dict[str, Counted] = {}
    deltas = Deltas()
    for activity_id, new in updates:
        old = current.get(activity_id)
        if old is not None and old.version >= new.version:
            continue
        if old is not None:
            deltas.add(old, -1)
        deltas.add(new, +1)
        current[activity_id] = changed[activity_id] = new
    return changed, deltas


async def _counted(session: AsyncSession, ids: list[str]) -> dict[str, Counted]:
    """The activities of `ids` as last counted, by id as text, in one statement."""
    # Core statements: plain rows, no ORM identity map for rows read once.
    activity, activity_hours = Activity.__table__.c, ActivityHours.__table__.c
    if on_postgresql(session):
        # One array parameter (no list of binds to expand and compile), and the hours
        # gathered beside each activity instead of read by a second query.
        rows = await session.execute(_COUNTED_PG, {"ids": ids})
        return {
            str(id_): Counted(
                community_id,
                category,
                day,
                status,
                people_served,
                version,
                dict(zip(map(str, volunteers), hours, strict=True)) if volunteers else {},
                title,
            )
            for (
                id_,
                community_id,
                category,
                day,
                status,
                people_served,
                version,
                title,
                volunteers,
                hours,
            ) in rows
        }
    uuids = [uuid.UUID(i) for i in ids]
    hours: dict[uuid.UUID, dict[str, Decimal]] = defaultdict(dict)
    for activity_id, volunteer_id, amount in await session.execute(
        select(activity_hours.activity_id, activity_hours.volunteer_id, activity_hours.hours).where(
            activity_hours.activity_id.in_(uuids)
        )
    ):
        hours[activity_id][str(volunteer_id)] = amount
    found = await session.execute(
        select(
            activity.id,
            activity.community_id,
            activity.category,
            activity.day,
            activity.status,
            activity.people_served,
            activity.version,
            activity.title,
        ).where(activity.id.in_(uuids))
    )
    return {str(row[0]): Counted(*row[1:7], hours[row[0]], row[7]) for row in found}


# From the ids, so the plan walks the primary keys (an `= ANY(array)` of a prepared
# statement's generic plan may read the whole table instead).
_COUNTED_PG = text(
    "SELECT a.id, a.community_id, a.category, a.day, a.status, a.people_served, a.version,"
    " a.title, h.volunteers, h.hours FROM unnest(CAST(:ids AS uuid[])) AS wanted(id)"
    " JOIN activities AS a ON a.id = wanted.id"
    " LEFT JOIN LATERAL (SELECT array_agg(volunteer_id) AS volunteers, array_agg(hours) AS hours"
    " FROM activity_hours WHERE activity_id = a.id) AS h ON true"
)


async def project_activities(
    session: AsyncSession, events: list[Event[Any]], zone: ZoneInfo
) -> None:
    await take_turns(session, "stats.activities", (event.community for event in events))
    updates = [(e.data.activity_id, counted_from_event(e.data, zone)) for e in events]
    before = await _counted(session, list({activity_id for activity_id, _ in updates}))
    changed, deltas = net_changes(before, updates)
    if not changed:
        return
    ids = {activity_id: uuid.UUID(activity_id) for activity_id in changed}
    await upsert(
        session,
        Activity.__table__,
        [
            {
                "id": ids[activity_id],
                "community_id": a.community_id,
                "category": a.category,
                "title": a.title,
                "day": a.day,
                "status": a.status,
                "people_served": a.people_served,
                "version": a.version,
            }
            for activity_id, a in changed.items()
        ],
        key=["id"],
    )
    # Hours rows only where they differ from what the table holds: a verify or a void
    # keeps the participants, a new activity has nothing to take away.
    rewritten = [
        activity_id
        for activity_id, a in changed.items()
        if (old := before.get(activity_id)) is None or old.hours != a.hours
    ]
    stale = [ids[activity_id] for activity_id in rewritten if activity_id in before]
    if stale:
        await session.execute(delete(ActivityHours).where(ActivityHours.activity_id.in_(stale)))
    hours_rows = [
        {"activity_id": ids[activity_id], "volunteer_id": _volunteer_id(volunteer_id), "hours": h}
        for activity_id in rewritten
        for volunteer_id, h in changed[activity_id].hours.items()
    ]
    await upsert(session, ActivityHours.__table__, hours_rows, key=["activity_id", "volunteer_id"])
    await add_to_days_and_months(
        session, DailyFigures.__table__, MonthlyFigures.__table__, deltas.days, ACTIVITY_AMOUNTS
    )
    await add_to(
        session,
        VolunteerHours.__table__,
        [
            {
                "volunteer_id": _volunteer_id(v),
                "community_id": d[0],
                "hours": d[1],
                "certified_hours": d[2],
            }
            for v, d in deltas.volunteers.items()
        ],
        key=["volunteer_id"],
        amounts=["hours", "certified_hours"],
    )
