"""Registry and requests state into the stats replicas and their rollups, a batch at a time.

A batch keeps, per entity, the state with the highest version (for unversioned
entities, the last one) and writes each table with one statement. The rollups
the overview reads (volunteers per community, members per category, requests
per status) move with the rows: a volunteer's or request's contribution is taken
out as it was and put back as it is, and the members of every (community,
category) the batch touched are counted again, so they stay exact whatever the
order and however often events arrive.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, distinct, func, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from services.registry import events as registry
from services.requests import events as requests
from services.stats.models import (
    CareTask,
    Category,
    CategoryMembers,
    Community,
    CommunityVolunteers,
    Request,
    RequestCounts,
    RequestDays,
    RequestMonths,
    Team,
    TeamMember,
    Volunteer,
)
from services.stats.projections import by_month
from shared.consumer import BatchHandler
from shared.db import add_to, upsert
from shared.events import Event
from shared.replica import state_row

Row = dict[str, Any]
# A row's share of a rollup: the rollup's key and the amounts it adds, or None.
Contribution = Callable[[Mapping[str, Any]], tuple[tuple[Any, ...], tuple[int, ...]] | None]

# -- the rules, plain Python -------------------------------------------------------------


def newest(rows: Iterable[Row], key: str) -> dict[Any, Row]:
    """Each entity's newest row, in order: a higher version wins, an equal one does not
    (as the versioned upsert would have it); without versions the last row wins."""
    kept: dict[Any, Row] = {}
    for row in rows:
        old = kept.get(row[key])
        if old is None or "version" not in row or old["version"] < row["version"]:
            kept[row[key]] = row
    return kept


def changed(before: Mapping[Any, Mapping[str, Any]], after: dict[Any, Row]) -> dict[Any, Row]:
    """The rows that will replace what the table holds: new, or of a higher version."""
    return {
        key: row
        for key, row in after.items()
        if (old := before.get(key)) is None or old["version"] < row["version"]
    }


def rollup_deltas(
    before: Mapping[Any, Mapping[str, Any]], after: Mapping[Any, Row], share: Contribution
) -> dict[tuple[Any, ...], list[int]]:
    """Net change of a rollup when each row of `after` replaces its `before`."""
    deltas: dict[tuple[Any, ...], list[int]] = {}
    for key, row in after.items():
        for sign, state in ((-1, before.get(key)), (1, row)):
            counted = share(state) if state is not None else None
            if counted is None:
                continue
            rollup_key, amounts = counted
            entry = deltas.setdefault(rollup_key, [0] * len(amounts))
            for i, amount in enumerate(amounts):
                entry[i] += sign * amount
    return {key: amounts for key, amounts in deltas.items() if any(amounts)}


def volunteer_share(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
    if not row["active"]:
        return None
    return (row["community_id"],), (1, 1 if row["is_party_member"] else 0)


def request_share(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
    completed_at, rating = row["completed_at"], row["rating"]
    on_time = row["status"] == "completed" and completed_at is not None
    return (row["community_id"], row["category"], row["status"]), (
        1,
        1 if row["overdue"] else 0,
        1 if on_time and completed_at <= row["due_at"] else 0,
        rating or 0,
        0 if rating is None else 1,
    )


# Statuses of a request still to be done.
OPEN = ("submitted", "assigned", "accepted")
REQUEST_DAY_AMOUNTS = [
    "requests",
    "open",
    "completed",
    "cancelled",
    "overdue",
    "on_time",
    "rating_sum",
    "ratings",
]


def request_day_share(zone: ZoneInfo) -> Contribution:
    """A request's share of the request days: keyed by its local day of submission
    (as `Period.times` bounds a period in that zone), its status as a column."""

    def share(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[int, ...]] | None:
        status, completed_at, rating = row["status"], row["completed_at"], row["rating"]
        is_open = status in OPEN
        done = status == "completed"
        day = row["submitted_at"].astimezone(zone).date()
        return (row["community_id"], row["category"], day), (
            1,
            1 if is_open else 0,
            1 if done else 0,
            1 if status == "cancelled" else 0,
            1 if is_open and row["overdue"] else 0,
            1 if done and completed_at is not None and completed_at <= row["due_at"] else 0,
            rating or 0,
            0 if rating is None else 1,
        )

    return share


# -- reading and writing ------------------------------------------------------------------


async def _current(
    session: AsyncSession, model: type[DeclarativeBase], ids: list[Any], columns: list[str]
) -> dict[Any, Row]:
    table: Table = model.__table__  # type: ignore[assignment]
    if not ids:
        return {}
    rows = await session.execute(
        select(table.c.id, *(table.c[c] for c in columns)).where(table.c.id.in_(ids))
    )
    return {row.id: dict(row._mapping) for row in rows}


async def _replace_versioned(
    session: AsyncSession, model: type[DeclarativeBase], rows: dict[Any, Row], columns: list[str]
) -> tuple[dict[Any, Row], dict[Any, Row]]:
    """Write the rows newer than the table's; what they replace, and the rows written."""
    before = await _current(session, model, list(rows), [*columns, "version"])
    fresh = changed(before, rows)
    await upsert(session, model.__table__, list(fresh.values()), key=["id"], newer_than="version")
    return before, fresh


# -- registry -------------------------------------------------------------------------------

REGISTRY_STATE: dict[str, tuple[type[DeclarativeBase], dict[str, str]]] = {
    registry.CommunityCreated.event_type: (Community, {"id": "community_id"}),
    registry.CategoryDefined.event_type: (Category, {}),
    registry.VolunteerRegistered.event_type: (Volunteer, {"id": "volunteer_id"}),
    registry.VolunteerUpdated.event_type: (Volunteer, {"id": "volunteer_id"}),
    registry.VolunteerDeactivated.event_type: (Volunteer, {"id": "volunteer_id"}),
    registry.TeamRegistered.event_type: (Team, {"id": "team_id"}),
    registry.TeamUpdated.event_type: (Team, {"id": "team_id"}),
}
MEMBERSHIPS = (registry.TeamMemberJoined.event_type, registry.TeamMemberLeft.event_type)
REGISTRY_TYPES = frozenset([*REGISTRY_STATE, *MEMBERSHIPS])


async def apply_registry(session: AsyncSession, events: list[Event[Any]]) -> None:
    states: dict[type[DeclarativeBase], list[Row]] = {}
    # The last join or leave of each (team, volunteer) decides; True is a member.
    memberships: dict[tuple[uuid.UUID, uuid.UUID], bool] = {}
    for event in events:
        kind = event.envelope.type
        if kind in MEMBERSHIPS:
            pair = (uuid.UUID(event.data.team_id), uuid.UUID(event.data.volunteer_id))
            memberships[pair] = kind == registry.TeamMemberJoined.event_type
            continue
        model, sources = REGISTRY_STATE[kind]
        states.setdefault(model, []).append(state_row(model, event.data.model_dump(), sources))

    for model, key in ((Community, "id"), (Category, "code")):
        rows = newest(states.get(model, []), key)
        await upsert(session, model.__table__, list(rows.values()), key=[key])

    volunteers_before, volunteers = await _replace_versioned(
        session,
        Volunteer,
        newest(states.get(Volunteer, []), "id"),
        ["community_id", "active", "is_party_member"],
    )
    await add_to(
        session,
        CommunityVolunteers.__table__,
        [
            {"community_id": key[0], "volunteers": d[0], "party_members": d[1]}
            for key, d in rollup_deltas(volunteers_before, volunteers, volunteer_share).items()
        ],
        key=["community_id"],
        amounts=["volunteers", "party_members"],
    )
    teams_before, teams = await _replace_versioned(
        session, Team, newest(states.get(Team, []), "id"), ["community_id", "category", "status"]
    )

    joined = [{"team_id": t, "volunteer_id": v} for (t, v), member in memberships.items() if member]
    await upsert(session, TeamMember.__table__, joined, key=["team_id", "volunteer_id"])
    left = [pair for pair, member in memberships.items() if not member]
    if left:
        await session.execute(
            delete(TeamMember).where(tuple_(TeamMember.team_id, TeamMember.volunteer_id).in_(left))
        )

    # Whose membership may count differently now: every (community, category) of a
    # changed team (before and after), of a team joined or left, and of the teams
    # of a volunteer who came, went or became (in)active.
    touched: set[tuple[str, str]] = set()
    for team_id, row in teams.items():
        touched.add((row["community_id"], row["category"]))
        if (old := teams_before.get(team_id)) is not None:
            touched.add((old["community_id"], old["category"]))
    moved = [
        volunteer_id
        for volunteer_id, row in volunteers.items()
        if (old := volunteers_before.get(volunteer_id)) is None or old["active"] != row["active"]
    ]
    team_ids = list({team_id for team_id, _ in memberships})
    if team_ids or moved:
        volunteer_teams = select(TeamMember.team_id).where(TeamMember.volunteer_id.in_(moved))
        touched.update(
            (community, category)
            for community, category in await session.execute(
                select(Team.community_id, Team.category)
                .where(or_(Team.id.in_(team_ids), Team.id.in_(volunteer_teams)))
                .distinct()
            )
        )
    await count_members(session, touched)


async def count_members(session: AsyncSession, keys: set[tuple[str, str]]) -> None:
    """Count again the active members of active teams of each (community, category)."""
    if not keys:
        return
    counted = dict.fromkeys(keys, 0)
    rows = await session.execute(
        select(Team.community_id, Team.category, func.count(distinct(TeamMember.volunteer_id)))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(
            Team.status == "active",
            Volunteer.active.is_(True),
            tuple_(Team.community_id, Team.category).in_(list(keys)),
        )
        .group_by(Team.community_id, Team.category)
    )
    for community, category, members in rows:
        counted[(community, category)] = members
    await upsert(
        session,
        CategoryMembers.__table__,
        [
            {"community_id": community, "category": category, "members": members}
            for (community, category), members in sorted(counted.items())
        ],
        key=["community_id", "category"],
    )


# -- requests -------------------------------------------------------------------------------

REQUEST_STATE: dict[str, tuple[type[DeclarativeBase], dict[str, str]]] = {
    **{
        event.event_type: (Request, {"id": "request_id"})
        for event in (
            requests.RequestSubmitted,
            requests.RequestAssigned,
            requests.RequestAccepted,
            requests.RequestCompleted,
            requests.RequestRated,
            requests.RequestCancelled,
            requests.RequestOverdue,
        )
    },
    **{
        event.event_type: (CareTask, {"id": "care_task_id"})
        for event in (
            requests.CareTaskCreated,
            requests.CareTaskCompleted,
            requests.CareTaskOverdue,
        )
    },
}
REQUEST_TYPES = frozenset(REQUEST_STATE)


def requests_replicator(zone: ZoneInfo) -> BatchHandler:
    """The requests batch handler, with the zone whose days the request days count."""

    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        await apply_requests(session, events, zone)

    return apply


async def apply_requests(session: AsyncSession, events: list[Event[Any]], zone: ZoneInfo) -> None:
    states: dict[type[DeclarativeBase], list[Row]] = {}
    for event in events:
        model, sources = REQUEST_STATE[event.envelope.type]
        states.setdefault(model, []).append(state_row(model, event.data.model_dump(), sources))
    before, fresh = await _replace_versioned(
        session,
        Request,
        newest(states.get(Request, []), "id"),
        [
            "community_id",
            "category",
            "status",
            "overdue",
            "submitted_at",
            "completed_at",
            "due_at",
            "rating",
        ],
    )
    await add_to(
        session,
        RequestCounts.__table__,
        [
            {
                "community_id": community,
                "category": category,
                "status": status,
                "requests": d[0],
                "overdue": d[1],
                "on_time": d[2],
                "rating_sum": d[3],
                "ratings": d[4],
            }
            for (community, category, status), d in rollup_deltas(
                before, fresh, request_share
            ).items()
        ],
        key=["community_id", "category", "status"],
        amounts=["requests", "overdue", "on_time", "rating_sum", "ratings"],
    )
    days = rollup_deltas(before, fresh, request_day_share(zone))
    await add_to(
        session,
        RequestDays.__table__,
        [
            {
                "day": day,
                "community_id": community,
                "category": category,
                **dict(zip(REQUEST_DAY_AMOUNTS, d, strict=True)),
            }
            for (community, category, day), d in days.items()
        ],
        key=["day", "community_id", "category"],
        amounts=REQUEST_DAY_AMOUNTS,
    )
    await add_to(
        session,
        RequestMonths.__table__,
        [
            {
                "community_id": community,
                "category": category,
                "month": month,
                **dict(zip(REQUEST_DAY_AMOUNTS, d, strict=True)),
            }
            for (community, category, month), d in by_month(days).items()
        ],
        key=["community_id", "category", "month"],
        amounts=REQUEST_DAY_AMOUNTS,
    )
    await _replace_versioned(
        session, CareTask, newest(states.get(CareTask, []), "id"), ["community_id"]
    )
