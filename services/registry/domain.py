"""The registry's rules: who may register what, and the events each change publishes."""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Select, func, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.registry import events as ev
from services.registry.models import (
    Category,
    Community,
    LifeEvent,
    ResidentUnit,
    Team,
    TeamMember,
    Volunteer,
)
from services.registry.schemas import (
    CategoryIn,
    CategoryPatch,
    CommunityIn,
    ImportError_,
    ImportResult,
    LifeEventIn,
    MemberIn,
    ResidentUnitIn,
    TeamIn,
    TeamPatch,
    VolunteerIn,
    VolunteerPatch,
)
from services.registry.volunteer_csv import describe, parse_volunteer_csv, row_to_volunteer
from shared.auth import ADMINS, Principal
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import EventData
from shared.phones import mask_phone
from shared.scoping import get_in_scope, scoped

OUTBOX = ev.OUTBOX


async def _publish(session: AsyncSession, data: EventData, community: str, subject: Any) -> None:
    await OUTBOX.record(session, data, community=community, subject=str(subject))


def _parse_id(value: str, what: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound(f"{what} not found") from None


def _field_id(value: str, field: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid(f"{field} is not a UUID", field=field) from None


async def _require_admin_write(
    session: AsyncSession, principal: Principal, community_id: str
) -> Community:
    """An admin of an existing community in the caller's scope."""
    principal.require_write(community_id)
    principal.require_role(*ADMINS)
    community = await session.get(Community, community_id)
    if community is None:
        raise Invalid(f"community {community_id!r} does not exist", field="community_id")
    return community


# -- communities -------------------------------------------------------------------


async def create_community(
    session: AsyncSession, principal: Principal, command: CommunityIn
) -> Community:
    principal.require_role("county_admin")
    if await session.get(Community, command.id) is not None:
        raise Conflict(f"community {command.id!r} already exists")
    community = Community(id=command.id, name=command.name, branch=command.branch)
    session.add(community)
    await _publish(
        session,
        ev.CommunityCreated(community_id=command.id, name=command.name, branch=command.branch),
        command.id,
        command.id,
    )
    await _commit(session, f"community {command.id!r} already exists")
    return community


async def list_communities(session: AsyncSession, principal: Principal) -> Sequence[Community]:
    query = select(Community).order_by(Community.id)
    scope = principal.community_filter()
    if scope is not None:
        query = query.where(Community.id.in_(scope))
    return (await session.scalars(query)).all()


async def get_community(
    session: AsyncSession, principal: Principal, community_id: str
) -> Community:
    principal.require_read(community_id, "community")
    community = await session.get(Community, community_id)
    if community is None:
        raise NotFound("community not found")
    return community


# -- resident units ----------------------------------------------------------------


async def create_resident_unit(
    session: AsyncSession, principal: Principal, command: ResidentUnitIn
) -> ResidentUnit:
    await _require_admin_write(session, principal, command.community_id)
    unit = ResidentUnit(**command.model_dump())
    session.add(unit)
    await session.flush()
    data = ev.ResidentUnitRegistered(
        resident_unit_id=str(unit.id),
        community_id=unit.community_id,
        name=unit.name,
        kind=unit.kind,
    )
    await _publish(session, data, unit.community_id, unit.id)
    await session.commit()
    return unit


def list_resident_units(principal: Principal, community_id: str | None) -> Select[ResidentUnit]:
    query = select(ResidentUnit)
    return scoped(query, ResidentUnit.community_id, principal, community_id)


# -- categories --------------------------------------------------------------------


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    return (
        await session.scalars(select(Category).order_by(Category.position, Category.code))
    ).all()


async def define_category(
    session: AsyncSession, principal: Principal, command: CategoryIn
) -> Category:
    principal.require_role("county_admin")
    if await session.get(Category, command.code) is not None:
        raise Conflict(f"category {command.code!r} already exists")
    position = (await session.scalar(select(func.max(Category.position)))) or 0
    category = Category(
        code=command.code, name=command.name, description=command.description, position=position + 1
    )
    session.add(category)
    await _publish_category(session, category)
    await _commit(session, f"category {command.code!r} already exists")
    return category


async def update_category(
    session: AsyncSession, principal: Principal, code: str, patch: CategoryPatch
) -> Category:
    principal.require_role("county_admin")
    category = await session.get(Category, code)
    if category is None:
        raise NotFound("category not found")
    if patch.name is not None:
        category.name = patch.name
    if patch.description is not None:
        category.description = patch.description
    await _publish_category(session, category)
    await session.commit()
    return category


async def delete_category(session: AsyncSession, principal: Principal, code: str) -> None:
    principal.require_role("county_admin")
    category = await session.get(Category, code)
    if category is None:
        raise NotFound("category not found")
    teams = await session.scalar(
        select(func.count()).select_from(Team).where(Team.category == code)
    )
    if teams:
        raise Conflict(f"category {code!r} is used by {teams} team(s) and cannot be deleted")
    await session.delete(category)
    await session.commit()


async def _publish_category(session: AsyncSession, category: Category) -> None:
    data = ev.CategoryDefined(
        code=category.code,
        name=category.name,
        description=category.description,
        position=category.position,
    )
    # Categories belong to the whole county; "*" keys them apart from any community.
    await _publish(session, data, "*", category.code)


# -- teams -------------------------------------------------------------------------


def _team_state(team: Team) -> dict[str, Any]:
    return {
        "team_id": str(team.id),
        "community_id": team.community_id,
        "category": team.category,
        "name": team.name,
        "leader_volunteer_id": str(team.leader_volunteer_id) if team.leader_volunteer_id else None,
        "status": team.status,
        "version": team.version,
    }


async def _volunteer_of(
    session: AsyncSession, community_id: str, volunteer_id: str, field: str
) -> Volunteer:
    volunteer = await session.get(Volunteer, _field_id(volunteer_id, field))
    if volunteer is None or volunteer.community_id != community_id:
        raise Invalid(f"volunteer {volunteer_id} is not a volunteer of {community_id}", field=field)
    if not volunteer.active:
        raise Invalid(f"volunteer {volunteer_id} is deactivated", field=field)
    return volunteer


async def register_team(session: AsyncSession, principal: Principal, command: TeamIn) -> Team:
    await _require_admin_write(session, principal, command.community_id)
    if await session.get(Category, command.category) is None:
        raise Invalid(f"unknown category {command.category!r}", field="category")
    leader_id = None
    if command.leader_volunteer_id is not None:
        leader = await _volunteer_of(
            session, command.community_id, command.leader_volunteer_id, "leader_volunteer_id"
        )
        leader_id = leader.id
    await _unique_team_name(session, command.community_id, command.name)
    team = Team(
        community_id=command.community_id,
        category=command.category,
        name=command.name,
        leader_volunteer_id=leader_id,
        status="active",
        version=1,
    )
    session.add(team)
    await session.flush()
    await _publish(session, ev.TeamRegistered(**_team_state(team)), team.community_id, team.id)
    if leader_id is not None:
        session.add(TeamMember(team_id=team.id, volunteer_id=leader_id))
        await _publish(
            session,
            ev.TeamMemberJoined(team_id=str(team.id), volunteer_id=str(leader_id)),
            team.community_id,
            team.id,
        )
    await _commit(session, f"a team named {command.name!r} already exists")
    return team


async def _unique_team_name(session: AsyncSession, community_id: str, name: str) -> None:
    clash = await session.scalar(
        select(Team.id).where(Team.community_id == community_id, Team.name == name)
    )
    if clash is not None:
        raise Conflict(f"a team named {name!r} already exists in {community_id}")


async def get_team(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    return await get_in_scope(session, Team, team_id, principal, "team")


async def _team_for_write(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    team = await get_team(session, principal, team_id)
    principal.require_write(team.community_id)
    return team


def _require_team_manager(principal: Principal, team: Team) -> None:
    """Admins of the community, or the leader of this very team."""
    if principal.role in ADMINS:
        return
    leader = team.leader_volunteer_id
    if principal.role == "team_leader" and leader is not None and str(leader) == principal.sub:
        return
    raise Forbidden("only the community's admins or this team's leader may do this")


async def update_team(
    session: AsyncSession, principal: Principal, team_id: str, patch: TeamPatch
) -> Team:
    team = await _team_for_write(session, principal, team_id)
    principal.require_role(*ADMINS)
    if patch.name is not None and patch.name != team.name:
        await _unique_team_name(session, team.community_id, patch.name)
        team.name = patch.name
    if "leader_volunteer_id" in patch.model_fields_set:
        if patch.leader_volunteer_id is None:
            team.leader_volunteer_id = None
        else:
            leader = await _volunteer_of(
                session, team.community_id, patch.leader_volunteer_id, "leader_volunteer_id"
            )
            team.leader_volunteer_id = leader.id
    team.version += 1
    await _publish(session, ev.TeamUpdated(**_team_state(team)), team.community_id, team.id)
    await _commit(session, "a team with that name already exists")
    return team


async def deactivate_team(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    team = await _team_for_write(session, principal, team_id)
    principal.require_role(*ADMINS)
    if team.status == "inactive":
        return team
    team.status = "inactive"
    team.version += 1
    await _publish(session, ev.TeamUpdated(**_team_state(team)), team.community_id, team.id)
    await session.commit()
    return team


def list_teams(
    principal: Principal,
    community_id: str | None,
    category: str | None,
    status: str | None,
) -> Select[Team]:
    query = select(Team)
    if category is not None:
        query = query.where(Team.category == category)
    if status is not None:
        query = query.where(Team.status == status)
    return scoped(query, Team.community_id, principal, community_id)


async def member_counts(session: AsyncSession, team_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not team_ids:
        return {}
    rows = await session.execute(
        select(TeamMember.team_id, func.count())
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(TeamMember.team_id.in_(team_ids), Volunteer.active.is_(True))
        .group_by(TeamMember.team_id)
    )
    return {team_id: count for team_id, count in rows}


async def add_member(
    session: AsyncSession, principal: Principal, team_id: str, command: MemberIn
) -> TeamMember:
    team = await _team_for_write(session, principal, team_id)
    _require_team_manager(principal, team)
    if team.status != "active":
        raise Conflict("the team is inactive")
    volunteer = await _volunteer_of(
        session, team.community_id, command.volunteer_id, "volunteer_id"
    )
    if await session.get(TeamMember, (team.id, volunteer.id)) is not None:
        raise Conflict("the volunteer is already a member of this team")
    member = TeamMember(team_id=team.id, volunteer_id=volunteer.id)
    session.add(member)
    await _publish(
        session,
        ev.TeamMemberJoined(team_id=str(team.id), volunteer_id=str(volunteer.id)),
        team.community_id,
        team.id,
    )
    await _commit(session, "the volunteer is already a member of this team")
    return member


async def remove_member(
    session: AsyncSession, principal: Principal, team_id: str, volunteer_id: str
) -> None:
    team = await _team_for_write(session, principal, team_id)
    _require_team_manager(principal, team)
    member = await session.get(TeamMember, (team.id, _parse_id(volunteer_id, "member")))
    if member is None:
        raise NotFound("the volunteer is not a member of this team")
    await session.delete(member)
    if team.leader_volunteer_id == member.volunteer_id:
        team.leader_volunteer_id = None
        team.version += 1
        await _publish(session, ev.TeamUpdated(**_team_state(team)), team.community_id, team.id)
    await _publish(
        session,
        ev.TeamMemberLeft(team_id=str(team.id), volunteer_id=volunteer_id),
        team.community_id,
        team.id,
    )
    await session.commit()


# -- volunteers --------------------------------------------------------------------


def volunteer_state(volunteer: Volunteer) -> dict[str, Any]:
    return {
        "volunteer_id": str(volunteer.id),
        "community_id": volunteer.community_id,
        "name": volunteer.name,
        "phone_masked": mask_phone(volunteer.phone),
        "gender": volunteer.gender,
        "birth_year": volunteer.birth_year,
        "skills": list(volunteer.skills or []),
        "is_party_member": volunteer.is_party_member,
        "party_joined_on": volunteer.party_joined_on,
        "active": volunteer.active,
        "version": volunteer.version,
    }


async def _phone_taken(session: AsyncSession, community_id: str, phone: str) -> bool:
    found = await session.scalar(
        select(Volunteer.id).where(Volunteer.community_id == community_id, Volunteer.phone == phone)
    )
    return found is not None


async def _add_volunteer(session: AsyncSession, command: VolunteerIn) -> Volunteer:
    if await _phone_taken(session, command.community_id, command.phone):
        raise Conflict(
            f"a volunteer with phone {mask_phone(command.phone)} already exists in"
            f" {command.community_id}",
            errors=[{"loc": ["body", "phone"], "msg": "duplicate phone in this community"}],
        )
    now = utcnow()
    volunteer = Volunteer(
        **command.model_dump(), active=True, version=1, created_at=now, updated_at=now
    )
    session.add(volunteer)
    await session.flush()
    await _publish(
        session,
        ev.VolunteerRegistered(**volunteer_state(volunteer)),
        volunteer.community_id,
        volunteer.id,
    )
    return volunteer


async def register_volunteer(
    session: AsyncSession, principal: Principal, command: VolunteerIn
) -> Volunteer:
    await _require_admin_write(session, principal, command.community_id)
    volunteer = await _add_volunteer(session, command)
    await _commit(session, "a volunteer with this phone already exists in this community")
    return volunteer


async def get_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Volunteer:
    return await get_in_scope(session, Volunteer, volunteer_id, principal, "volunteer")


async def _volunteer_for_write(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Volunteer:
    volunteer = await get_volunteer(session, principal, volunteer_id)
    principal.require_write(volunteer.community_id)
    principal.require_role(*ADMINS)
    return volunteer


async def update_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str, patch: VolunteerPatch
) -> Volunteer:
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    changes = patch.model_dump(exclude_unset=True)
    if changes.get("phone") not in (None, volunteer.phone) and await _phone_taken(
        session, volunteer.community_id, changes["phone"]
    ):
        raise Conflict(
            "another volunteer of this community has that phone",
            errors=[{"loc": ["body", "phone"], "msg": "duplicate phone in this community"}],
        )
    for required in ("name", "phone", "is_party_member"):
        if required in changes and changes[required] is None:
            raise Invalid(f"{required} cannot be empty", field=required)
    merged = {**_volunteer_fields(volunteer), **changes}
    if merged.get("is_party_member") is False:
        merged["party_joined_on"] = None
    try:
        VolunteerIn.model_validate({"community_id": volunteer.community_id, **merged})
    except ValidationError as error:
        raise Invalid(
            "the volunteer would be invalid after this change",
            errors=[
                {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in error.errors()
            ],
        ) from None
    for name, value in merged.items():
        setattr(volunteer, name, value)
    volunteer.version += 1
    volunteer.updated_at = utcnow()
    await _publish(
        session,
        ev.VolunteerUpdated(**volunteer_state(volunteer)),
        volunteer.community_id,
        volunteer.id,
    )
    await _commit(session, "another volunteer of this community has that phone")
    return volunteer


def _volunteer_fields(volunteer: Volunteer) -> dict[str, Any]:
    names = (
        "name",
        "phone",
        "gender",
        "birth_year",
        "skills",
        "availability",
        "is_party_member",
        "party_joined_on",
    )
    return {name: getattr(volunteer, name) for name in names}


async def deactivate_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str, reason: str
) -> Volunteer:
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    if not volunteer.active:
        raise Conflict("the volunteer is already deactivated")
    volunteer.active = False
    volunteer.deactivated_reason = reason
    volunteer.version += 1
    volunteer.updated_at = utcnow()
    await _publish(
        session,
        ev.VolunteerDeactivated(**volunteer_state(volunteer), reason=reason),
        volunteer.community_id,
        volunteer.id,
    )
    await session.commit()
    return volunteer


@dataclass(frozen=True)
class VolunteerFilter:
    community_id: str | None = None
    team_id: str | None = None
    q: str | None = None
    is_party_member: bool | None = None
    active: bool | None = None


def list_volunteers(principal: Principal, where: VolunteerFilter) -> Select[Volunteer]:
    query = select(Volunteer)
    if where.team_id is not None:
        try:
            team_uuid = uuid.UUID(where.team_id)
        except ValueError:
            raise Invalid(
                "team_id is not a UUID", errors=[{"loc": ["query", "team_id"], "msg": "not a UUID"}]
            ) from None
        query = query.where(
            Volunteer.id.in_(select(TeamMember.volunteer_id).where(TeamMember.team_id == team_uuid))
        )
    if where.q:
        term = where.q.strip()
        condition = Volunteer.name.contains(term, autoescape=True)
        # Only admins, who see phones whole, may search by them: to anyone else a phone
        # suffix search would give the masked digits away one at a time.
        if term.isdigit() and principal.role in ADMINS:
            condition = condition | Volunteer.phone.endswith(term, autoescape=True)
        query = query.where(condition)
    if where.is_party_member is not None:
        query = query.where(Volunteer.is_party_member.is_(where.is_party_member))
    if where.active is not None:
        query = query.where(Volunteer.active.is_(where.active))
    return scoped(query, Volunteer.community_id, principal, where.community_id)


async def team_ids_of(
    session: AsyncSession, volunteer_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[str]]:
    result: dict[uuid.UUID, list[str]] = {v: [] for v in volunteer_ids}
    if volunteer_ids:
        rows = await session.execute(
            select(TeamMember.volunteer_id, TeamMember.team_id)
            .where(TeamMember.volunteer_id.in_(volunteer_ids))
            .order_by(TeamMember.team_id)
        )
        for volunteer_id, team_id in rows:
            result[volunteer_id].append(str(team_id))
    return result


# -- bulk import -------------------------------------------------------------------


async def import_volunteers(
    session: AsyncSession,
    principal: Principal,
    community_id: str,
    content: bytes,
    first_line: int = 1,
) -> ImportResult:
    """Create each good row; report each bad one by its line. One row is all or nothing."""
    await _require_admin_write(session, principal, community_id)
    errors: list[ImportError_] = []
    created = 0
    try:
        rows = parse_volunteer_csv(content, first_line)
    except csv.Error as error:
        # e.g. a lone carriage return inside a field, or a field beyond the csv module's limit
        raise Invalid(f"the file is not a readable CSV: {error}", field="file") from None
    for line, values in rows:
        try:
            command = row_to_volunteer(community_id, values)
        except ValidationError as error:
            errors.append(ImportError_(row=line, detail=describe(error)))
            continue
        except ValueError as error:
            errors.append(ImportError_(row=line, detail=str(error)))
            continue
        try:
            async with session.begin_nested():
                await _add_volunteer(session, command)
            created += 1
        except Conflict:
            errors.append(
                ImportError_(
                    row=line,
                    detail=f"phone: {mask_phone(command.phone)} is already registered here",
                )
            )
        except IntegrityError:
            errors.append(ImportError_(row=line, detail="phone: duplicate in this community"))
        except DBAPIError as error:
            # A value the database refuses (SQLSTATE 22), e.g. a NUL character in a name.
            if not str(getattr(error.orig, "sqlstate", "") or "").startswith("22"):
                raise
            errors.append(
                ImportError_(row=line, detail="a value cannot be stored (a NUL character?)")
            )
    await session.commit()
    return ImportResult(created=created, errors=errors)


# -- party-member life events ------------------------------------------------------


async def record_life_event(
    session: AsyncSession, principal: Principal, volunteer_id: str, command: LifeEventIn
) -> LifeEvent:
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    if not volunteer.is_party_member:
        raise Invalid("life events are recorded for party members only", field="volunteer_id")
    event = LifeEvent(
        community_id=volunteer.community_id,
        volunteer_id=volunteer.id,
        kind=command.kind,
        occurred_on=command.occurred_on,
        note=command.note,
        recorded_by=principal.sub,
    )
    session.add(event)
    await session.flush()
    await _publish(
        session,
        ev.PartyMemberLifeEventRecorded(
            life_event_id=str(event.id),
            volunteer_id=str(volunteer.id),
            volunteer_name=volunteer.name,
            kind=command.kind,
            occurred_on=command.occurred_on,
            note=command.note,
        ),
        volunteer.community_id,
        volunteer.id,
    )
    await session.commit()
    return event


async def list_life_events(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Sequence[LifeEvent]:
    volunteer = await get_volunteer(session, principal, volunteer_id)
    return (
        await session.scalars(
            select(LifeEvent).where(LifeEvent.volunteer_id == volunteer.id).order_by(LifeEvent.id)
        )
    ).all()


# -- helpers -----------------------------------------------------------------------


async def _commit(session: AsyncSession, conflict: str) -> None:
    """Commit; a unique constraint hit by a concurrent writer is the same 409 as a checked one."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Conflict(conflict) from None
