"""Registry and requests state into the stats replicas and their rollups, a batch at a time.

A batch keeps, per entity (and per membership), the state with the highest
version and writes each table with one statement; events from before their
type carried a version are version 0 and keep arrival order among themselves.
The rollups the overview reads (volunteers per community, members per category,
requests per status) move with the rows: a volunteer's or request's contribution
is taken out as it was and put back as it is, and the members of every
(community, category) the batch touched are counted again, so they stay exact
whatever the order and however often events arrive. Each batch first takes its
communities' turn (`take_turns`): two consumers applying one community's events
at once, as while partitions move, do so one after the other, so neither takes
out a contribution the other has already replaced.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, distinct, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase

from services.registry import events as registry
from services.registry.replicas import membership_row
from services.requests import care_events as care
from services.requests import events as requests
from services.requests.schemas import OPEN_STATUSES
from services.stats.models import (
    Branch,
    CareRecipient,
    CareTask,
    CareVisit,
    Category,
    CategoryMembers,
    Community,
    CommunityVolunteers,
    Request,
    RequestCounts,
    RequestDays,
    RequestMonths,
    ResidentUnit,
    Team,
    TeamMember,
    Volunteer,
)
from services.stats.projections import add_to_days_and_months
from shared.consumer import BatchHandler
from shared.db import UNVERSIONED, add_to, take_turns, upsert
from shared.events import Event
from shared.replica import key_source, state_row

Row = dict[str, Any]
ZERO = Decimal(0)
# A row's share of a rollup: the rollup's key and the amounts it adds, or None.
Contribution = Callable[[Mapping[str, Any]], tuple[tuple[Any, ...], tuple[Any, ...]] | None]

# -- the rules, plain Python -------------------------------------------------------------


def is_newer(new: Mapping[str, Any], old: Mapping[str, Any]) -> bool:
    """Whether `new` replaces `old`, as the versioned upsert has it: a higher version
    does, an equal one does not, except that unversioned rows replace each other."""
    return bool(old["version"] < new["version"] or old["version"] == new["version"] == UNVERSIONED)


def newest(rows: Iterable[Row], key: Callable[[Row], Any]) -> dict[Any, Row]:
    """Each entity's newest row (`key` tells the entity), in arrival order."""
    kept: dict[Any, Row] = {}
    for row in rows:
        old = kept.get(key(row))
        if old is None or is_newer(row, old):
            kept[key(row)] = row
    return kept


def changed(before: Mapping[Any, Mapping[str, Any]], after: dict[Any, Row]) -> dict[Any, Row]:
    """The rows that will replace what the table holds: new, or newer."""
    return {
        key: row
        for key, row in after.items()
        if (old := before.get(key)) is None or is_newer(row, old)
    }


def by(*columns: str) -> Callable[[Mapping[str, Any]], Any]:
    """A row's key: its one column, or the tuple of several."""
    if len(columns) == 1:
        (column,) = columns
        return lambda row: row[column]
    return lambda row: tuple(row[c] for c in columns)


def rollup_deltas(
    before: Mapping[Any, Mapping[str, Any]], after: Mapping[Any, Row], share: Contribution
) -> dict[tuple[Any, ...], list[Any]]:
    """Net change of a rollup when each row of `after` replaces its `before`."""
    deltas: dict[tuple[Any, ...], list[Any]] = {}
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


def income_share(row: Mapping[str, Any]) -> tuple[int, Decimal]:
    """A request's share of the collective economy: a completed paid order, its price."""
    if row["status"] != "completed" or not row["paid"]:
        return 0, ZERO
    price = row["price"]
    # A float from an event, a Decimal from the table: both as the same Decimal.
    return 1, ZERO if price is None else Decimal(str(price))


# What every request rollup adds up after its count and per-status columns, in order.
REQUEST_TALLY = ["overdue", "on_time", "rating_sum", "ratings", "paid_orders", "income"]
# What `request_share` adds to request_counts (the status is in its key).
REQUEST_COUNT_AMOUNTS = ["requests", *REQUEST_TALLY]


def request_share(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
    completed_at, rating = row["completed_at"], row["rating"]
    on_time = row["status"] == "completed" and completed_at is not None
    return (row["community_id"], row["category"], row["status"]), (
        1,
        1 if row["overdue"] else 0,
        1 if on_time and completed_at <= row["due_at"] else 0,
        rating or 0,
        0 if rating is None else 1,
        *income_share(row),
    )


# What `request_day_share` adds to the request days and months (statuses are columns).
REQUEST_DAY_AMOUNTS = ["requests", "open", "completed", "cancelled", *REQUEST_TALLY]


def request_day_share(zone: ZoneInfo) -> Contribution:
    """A request's share of the request days: keyed by its local day of submission
    (as `Period.times` bounds a period in that zone), its status as a column."""

    def share(row: Mapping[str, Any]) -> tuple[tuple[Any, ...], tuple[Any, ...]] | None:
        status, completed_at, rating = row["status"], row["completed_at"], row["rating"]
        is_open = status in OPEN_STATUSES
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
            *income_share(row),
        )

    return share


# -- reading and writing ------------------------------------------------------------------


async def _current(
    session: AsyncSession,
    model: type[DeclarativeBase],
    key: list[str],
    keys: list[Any],
    columns: list[str],
) -> dict[Any, Row]:
    table: Table = model.__table__  # type: ignore[assignment]
    if not keys:
        return {}
    keyed = table.c[key[0]] if len(key) == 1 else tuple_(*(table.c[c] for c in key))
    rows = await session.execute(
        select(*(table.c[c] for c in key), *(table.c[c] for c in columns)).where(keyed.in_(keys))
    )
    current = [dict(row._mapping) for row in rows]
    return {by(*key)(row): row for row in current}


async def _replace_versioned(
    session: AsyncSession,
    model: type[DeclarativeBase],
    rows: Iterable[Row],
    columns: list[str],
    key: tuple[str, ...] = ("id",),
) -> tuple[dict[Any, Row], dict[Any, Row]]:
    """Write each entity's newest row where it is newer than the table's; what they
    replace, and the rows written (both by key)."""
    latest = newest(rows, by(*key))
    before = await _current(session, model, list(key), list(latest), [*columns, "version"])
    fresh = changed(before, latest)
    await upsert(
        session, model.__table__, list(fresh.values()), key=list(key), newer_than="version"
    )
    return before, fresh


# -- registry -------------------------------------------------------------------------------

REPLICA: dict[str, type[DeclarativeBase]] = {
    "community": Community,
    "category": Category,
    "team": Team,
    "volunteer": Volunteer,
}
REGISTRY_STATE: dict[str, tuple[type[DeclarativeBase], dict[str, str]]] = {
    event_type: (REPLICA[what.entity], key_source(REPLICA[what.entity], what.key))
    for event_type, what in registry.REPLICA.items()
}
# Resident units (驻区单位), kept by stats alone: whose teams' service the branch counts.
REGISTRY_STATE[registry.ResidentUnitRegistered.event_type] = (
    ResidentUnit,
    {"id": "resident_unit_id"},
)
# Branches (社区大支部), kept by stats alone: the names the branch's figures are shown by.
REGISTRY_STATE.update(
    {
        event.event_type: (Branch, {"id": "branch_id"})
        for event in (registry.BranchRegistered, registry.BranchChanged)
    }
)
REGISTRY_TYPES = frozenset([*REGISTRY_STATE, *registry.MEMBERSHIPS])


async def apply_registry(session: AsyncSession, events: list[Event[Any]]) -> None:
    await take_turns(session, "stats.registry", (event.community for event in events))
    states: dict[type[DeclarativeBase], list[Row]] = {}
    joins_and_leaves: list[Row] = []
    for event in events:
        kind = event.envelope.type
        if kind in registry.MEMBERSHIPS:
            joins_and_leaves.append(membership_row(event))
            continue
        model, sources = REGISTRY_STATE[kind]
        states.setdefault(model, []).append(state_row(model, event.data.model_dump(), sources))

    await _replace_versioned(session, Branch, states.get(Branch, []), [])
    await _replace_versioned(session, Community, states.get(Community, []), [])
    await _replace_versioned(session, Category, states.get(Category, []), [], key=("code",))
    await _replace_versioned(session, ResidentUnit, states.get(ResidentUnit, []), [])
    volunteers_before, volunteers = await _replace_versioned(
        session,
        Volunteer,
        states.get(Volunteer, []),
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
        session, Team, states.get(Team, []), ["community_id", "category", "status"]
    )
    _, memberships = await _replace_versioned(
        session, TeamMember, joins_and_leaves, ["member"], key=("team_id", "volunteer_id")
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
        volunteer_teams = select(TeamMember.team_id).where(
            TeamMember.volunteer_id.in_(moved), TeamMember.member.is_(True)
        )
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
            TeamMember.member.is_(True),
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
            requests.RequestEscalated,
            requests.RequestEscalationOverdue,
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
    **{
        event.event_type: (CareRecipient, {"id": "care_recipient_id"})
        for event in care.CARE_REGISTER_EVENTS
    },
}
REQUEST_TYPES = frozenset(REQUEST_STATE)
# A visit's own row, besides the person's state its event carries.
VISIT_SOURCES = {"id": "visit_id"}


def branch_assigned(event: Event[Any]) -> bool:
    """An escalated order given a team: by the branch (or its community) since it went up."""
    return (
        event.envelope.type == requests.RequestAssigned.event_type
        and event.data.escalated_at is not None
    )


def requests_replicator(zone: ZoneInfo) -> BatchHandler:
    """The requests batch handler, with the zone whose days the request days count."""

    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        await apply_requests(session, events, zone)

    return apply


async def apply_requests(session: AsyncSession, events: list[Event[Any]], zone: ZoneInfo) -> None:
    await take_turns(session, "stats.requests", (event.community for event in events))
    states: dict[type[DeclarativeBase], list[Row]] = {}
    visits: dict[Any, Row] = {}
    assigned: set[uuid.UUID] = set()
    for event in events:
        model, sources = REQUEST_STATE[event.envelope.type]
        data = event.data.model_dump()
        states.setdefault(model, []).append(state_row(model, data, sources))
        if event.envelope.type == care.CareVisitLogged.event_type:
            visit = state_row(CareVisit, data, VISIT_SOURCES)
            visits[visit["id"]] = visit
        elif branch_assigned(event):
            assigned.add(uuid.UUID(event.data.request_id))
    before, fresh = await _replace_versioned(
        session,
        Request,
        states.get(Request, []),
        [
            "community_id",
            "category",
            "status",
            "overdue",
            "submitted_at",
            "completed_at",
            "due_at",
            "rating",
            "paid",
            "price",
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
                **dict(zip(REQUEST_COUNT_AMOUNTS, d, strict=True)),
            }
            for (community, category, status), d in rollup_deltas(
                before, fresh, request_share
            ).items()
        ],
        key=["community_id", "category", "status"],
        amounts=REQUEST_COUNT_AMOUNTS,
    )
    await add_to_days_and_months(
        session,
        RequestDays.__table__,
        RequestMonths.__table__,
        rollup_deltas(before, fresh, request_day_share(zone)),
        REQUEST_DAY_AMOUNTS,
    )
    # Once given a team since its escalation, always: whatever order the events come in.
    if assigned:
        await session.execute(
            update(Request)
            .where(Request.id.in_(sorted(assigned)), Request.branch_assigned.is_(False))
            .values(branch_assigned=True)
            .execution_options(synchronize_session=False)
        )
    await _replace_versioned(session, CareTask, states.get(CareTask, []), ["community_id"])
    await _replace_versioned(
        session, CareRecipient, states.get(CareRecipient, []), ["community_id"]
    )
    await upsert(session, CareVisit.__table__, list(visits.values()), key=["id"])
