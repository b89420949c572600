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
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import FromClause, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as activities
from services.stats.models import (
    Activity,
    ActivityHours,
    DailyFigures,
    MonthlyFigures,
    VolunteerHours,
)
from shared.db import add_to, take_turns, upsert
from shared.events import Event

ZERO = Decimal(0)
# What the activity rollups (daily and monthly figures) add up, in the order of `Deltas.days`.
ACTIVITY_AMOUNTS = ["activities", "people_served", "volunteer_hours", "certified_hours"]


@dataclass(frozen=True)
class Counted:
    """An activity as the rollups count it."""

    community_id: str
    category: str
    day: date
    status: str
    people_served: int
    version: int
    hours: dict[uuid.UUID, Decimal]
    # Not counted, only shown (the public page); it moves with the activity's state.
    title: str = ""

    @property
    def counts(self) -> bool:
        return self.status != "voided"

    @property
    def certified(self) -> bool:
        return self.status == "verified"


# Volunteers and hours recur from event to event: parse each text once (both immutable).
_volunteer_id = lru_cache(maxsize=1 << 16)(uuid.UUID)


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
        {_volunteer_id(p.volunteer_id): _hours(p.hours) for p in data.participants},
        data.title,
    )


@dataclass
class Deltas:
    """Net changes to the rollups, keyed as their tables are."""

    days: dict[tuple[str, str, date], list[Any]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0, ZERO, ZERO])
    )
    volunteers: dict[uuid.UUID, list[Any]] = field(default_factory=dict)

    def add(self, activity: Counted, sign: int) -> None:
        if not activity.counts:
            return
        # Decimals added or taken away, never multiplied by the sign: this runs for
        # every event and participant, and Decimal arithmetic is not cheap.
        certified = activity.certified
        hours = activity.hours if sign > 0 else {v: -h for v, h in activity.hours.items()}
        total = sum(hours.values(), ZERO)
        day = self.days[(activity.community_id, activity.category, activity.day)]
        day[0] += sign
        day[1] += sign * activity.people_served
        day[2] += total
        if certified:
            day[3] += total
        volunteers = self.volunteers
        for volunteer_id, amount in hours.items():
            entry = volunteers.get(volunteer_id)
            if entry is None:
                volunteers[volunteer_id] = [
                    activity.community_id,
                    amount,
                    amount if certified else ZERO,
                ]
                continue
            entry[1] += amount
            if certified:
                entry[2] += amount


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
    before: dict[uuid.UUID, Counted], updates: Iterable[tuple[uuid.UUID, Counted]]
) -> tuple[dict[uuid.UUID, Counted], Deltas]:
    """Apply state updates in order over `before`; the changed activities and the deltas.

    Plain Python: the rule lives here and its test calls it directly.
    """
    current = dict(before)
    changed: dict[uuid.UUID, Counted] = {}
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


async def _counted(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Counted]:
    # Core statements: plain rows, no ORM identity map for rows read once.
    activity, activity_hours = Activity.__table__.c, ActivityHours.__table__.c
    hours: dict[uuid.UUID, dict[uuid.UUID, Decimal]] = defaultdict(dict)
    for activity_id, volunteer_id, amount in await session.execute(
        select(activity_hours.activity_id, activity_hours.volunteer_id, activity_hours.hours).where(
            activity_hours.activity_id.in_(ids)
        )
    ):
        hours[activity_id][volunteer_id] = amount
    rows = await session.execute(
        select(
            activity.id,
            activity.community_id,
            activity.category,
            activity.day,
            activity.status,
            activity.people_served,
            activity.version,
            activity.title,
        ).where(activity.id.in_(ids))
    )
    return {row[0]: Counted(*row[1:7], hours[row[0]], row[7]) for row in rows}


async def project_activities(
    session: AsyncSession, events: list[Event[Any]], zone: ZoneInfo
) -> None:
    await take_turns(session, "stats.activities", (event.community for event in events))
    updates = [(uuid.UUID(e.data.activity_id), counted_from_event(e.data, zone)) for e in events]
    before = await _counted(session, list({activity_id for activity_id, _ in updates}))
    changed, deltas = net_changes(before, updates)
    if not changed:
        return
    await upsert(
        session,
        Activity.__table__,
        [
            {
                "id": activity_id,
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
    stale = [activity_id for activity_id in rewritten if activity_id in before]
    if stale:
        await session.execute(delete(ActivityHours).where(ActivityHours.activity_id.in_(stale)))
    hours_rows = [
        {"activity_id": activity_id, "volunteer_id": volunteer_id, "hours": hours}
        for activity_id in rewritten
        for volunteer_id, hours in changed[activity_id].hours.items()
    ]
    await upsert(session, ActivityHours.__table__, hours_rows, key=["activity_id", "volunteer_id"])
    await add_to_days_and_months(
        session, DailyFigures.__table__, MonthlyFigures.__table__, deltas.days, ACTIVITY_AMOUNTS
    )
    await add_to(
        session,
        VolunteerHours.__table__,
        [
            {"volunteer_id": v, "community_id": d[0], "hours": d[1], "certified_hours": d[2]}
            for v, d in deltas.volunteers.items()
        ],
        key=["volunteer_id"],
        amounts=["hours", "certified_hours"],
    )
