"""Figures for a scope (county, branch, community), read from the projections."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, distinct, func, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from services.stats.models import Category, Community, Team, TeamMember, Volunteer
from services.stats.schemas import CareTaskFigures, CategoryFigures, Overview, RequestFigures, Scope
from shared.auth import Principal
from shared.errors import Invalid, NotFound
from shared.tables import processed_events

CONSUMER = "projections"


@dataclass(frozen=True)
class Area:
    """The communities a figure covers; `None` means every community (the whole county)."""

    scope: Scope
    id: str | None
    communities: list[str] | None

    def restrict(self, column: Any) -> Any:
        return true() if self.communities is None else column.in_(self.communities)


async def resolve_area(
    session: AsyncSession, principal: Principal, scope: Scope, area_id: str | None
) -> Area:
    """The communities of a scope that the caller may see; 404 when that leaves none."""
    visible = principal.community_filter()
    if scope == "county":
        return Area(scope, area_id, visible)
    if area_id is None:
        raise Invalid(
            f"scope={scope} needs an id", errors=[{"loc": ["query", "id"], "msg": "required"}]
        )
    if scope == "community":
        principal.require_read(area_id, "community")
        return Area(scope, area_id, [area_id])
    members = list(await session.scalars(select(Community.id).where(Community.branch == area_id)))
    if visible is not None:
        members = [c for c in members if c in visible]
    if not members:
        raise NotFound("branch not found")
    return Area(scope, area_id, members)


async def as_of(session: AsyncSession) -> datetime | None:
    newest: datetime | None = await session.scalar(
        select(func.max(processed_events.c.event_time)).where(
            processed_events.c.consumer == CONSUMER
        )
    )
    return newest


async def overview(session: AsyncSession, area: Area) -> Overview:
    active = Volunteer.active.is_(True)
    volunteers, party_members = (
        await session.execute(
            select(
                func.count(),
                func.count().filter(Volunteer.is_party_member.is_(True)),
            ).where(active, area.restrict(Volunteer.community_id))
        )
    ).one()
    active_team = Team.status == "active"
    teams = await session.scalar(
        select(func.count()).select_from(Team).where(active_team, area.restrict(Team.community_id))
    )
    return Overview(
        scope=area.scope,
        id=area.id,
        communities=sorted(area.communities) if area.communities is not None else [],
        volunteers=volunteers,
        party_member_volunteers=party_members,
        teams=teams or 0,
        requests=RequestFigures(),
        care_tasks=CareTaskFigures(),
        by_category=await _by_category(session, area),
        as_of=await as_of(session),
    )


async def _counts(session: AsyncSession, statement: Any) -> dict[str, int]:
    return {key: count for key, count in await session.execute(statement)}


async def _by_category(session: AsyncSession, area: Area) -> list[CategoryFigures]:
    categories: Sequence[Category] = (
        await session.scalars(select(Category).order_by(Category.position, Category.code))
    ).all()
    active_team = and_(Team.status == "active", area.restrict(Team.community_id))
    teams = await _counts(
        session, select(Team.category, func.count()).where(active_team).group_by(Team.category)
    )
    members = await _counts(
        session,
        select(Team.category, func.count(distinct(TeamMember.volunteer_id)))
        .join(TeamMember, TeamMember.team_id == Team.id)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(active_team, Volunteer.active.is_(True))
        .group_by(Team.category),
    )
    return [
        CategoryFigures(
            category=c.code,
            name=c.name,
            teams=teams.get(c.code, 0),
            volunteers=members.get(c.code, 0),
        )
        for c in categories
    ]
