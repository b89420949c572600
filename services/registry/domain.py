"""The registry's rules: who may register what, and the events each change publishes.

Functions here change rows and record outbox events in the session they are
given; the caller's unit of work commits. A function that changes a volunteer or
a team reads it with a row lock, so two writers of one record take turns.
"""

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
from services.registry import lifecycle as lc
from services.registry.models import (
    Branch,
    Category,
    Community,
    LifeEvent,
    ResidentUnit,
    RetiredCategory,
    Team,
    TeamMember,
    UnitAgreement,
    Volunteer,
)
from services.registry.outbox import OUTBOX
from services.registry.schemas import (
    AgreementIn,
    BranchIn,
    BranchPatch,
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
from shared.auth import ADMINS, Principal, Role
from shared.db import utcnow
from shared.errors import Conflict, Forbidden, Invalid, NotFound
from shared.events import EventData
from shared.ids import new_id
from shared.pagination import PINYIN, SortKey, Sorts
from shared.phones import mask_phone
from shared.scoping import get_in_scope, get_to_change, path_id, scoped
from shared.uow import flush_unique


async def _publish(session: AsyncSession, data: EventData, community: str, subject: Any) -> None:
    await OUTBOX.record(session, data, community=community, subject=str(subject))


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


# -- branches ----------------------------------------------------------------------

# Who sees a branch's secretary's phone whole (of a branch they may read), and who may
# record a resident unit's agreement (of a unit whose community they may write to).
BRANCH_ADMINS: tuple[Role, ...] = ("county_admin", "branch_admin")
CO_BUILDERS: tuple[Role, ...] = ("county_admin", "branch_admin", "community_admin")


async def branches_in_scope(session: AsyncSession, principal: Principal) -> set[str] | None:
    """The branches of the token's communities, or None for all of them."""
    scope = principal.community_filter()
    if scope is None:
        return None
    found = await session.scalars(
        select(Community.branch).where(Community.id.in_(scope), Community.branch.is_not(None))
    )
    return {branch for branch in found if branch is not None}


def secretary_phone_shown(principal: Principal, branch: Branch) -> str | None:
    """Whole to county admins and the branch's admins (who could read it), masked to others."""
    phone = branch.secretary_phone
    if phone is None or principal.role in BRANCH_ADMINS:
        return phone
    return mask_phone(phone)


def _branch_event(kind: type[ev.BranchState], branch: Branch) -> ev.BranchState:
    phone = branch.secretary_phone
    return kind(
        branch_id=branch.id,
        name=branch.name,
        secretary_name=branch.secretary_name,
        secretary_phone_masked=mask_phone(phone) if phone is not None else None,
        version=branch.version,
    )


async def _publish_branch(
    session: AsyncSession, kind: type[ev.BranchState], branch: Branch
) -> None:
    # A branch spans communities: "*" keys it apart from any one of them, like categories.
    await _publish(session, _branch_event(kind, branch), "*", branch.id)


async def create_branch(session: AsyncSession, principal: Principal, command: BranchIn) -> Branch:
    principal.require_county_wide()
    if await session.get(Branch, command.id) is not None:
        raise Conflict(f"branch {command.id!r} already exists")
    branch = Branch(**command.model_dump(), version=1)
    session.add(branch)
    await flush_unique(session, f"branch {command.id!r} already exists")
    await _publish_branch(session, ev.BranchRegistered, branch)
    return branch


async def _branch_named(session: AsyncSession, key: str) -> None:
    """The branch a new community names: a branch's id; a name no branch has as its id yet
    registers that branch (id and name alike), as free labels did before branches were
    records, so a county can go on creating communities as it did."""
    if await session.get(Branch, key) is not None:
        return
    try:
        # A savepoint: of two communities naming the same new branch at once, the one
        # that waited finds the other's branch, and the branch is registered once.
        async with session.begin_nested():
            branch = Branch(id=key, name=key, version=1)
            session.add(branch)
            await session.flush()
            await _publish_branch(session, ev.BranchRegistered, branch)
    except IntegrityError:
        pass


async def list_branches(session: AsyncSession, principal: Principal) -> Sequence[Branch]:
    query = select(Branch).order_by(Branch.id)
    visible = await branches_in_scope(session, principal)
    if visible is not None:
        query = query.where(Branch.id.in_(visible))
    return (await session.scalars(query)).all()


async def get_branch(
    session: AsyncSession, principal: Principal, branch_id: str, *, for_update: bool = False
) -> Branch:
    branch = await session.get(
        Branch, branch_id, with_for_update=True if for_update else None, populate_existing=True
    )
    visible = await branches_in_scope(session, principal)
    if branch is None or (visible is not None and branch.id not in visible):
        raise NotFound("branch not found")
    return branch


async def update_branch(
    session: AsyncSession, principal: Principal, branch_id: str, patch: BranchPatch
) -> Branch:
    """Rename a branch or change its secretary: county admins and the branch's admins."""
    branch = await get_branch(session, principal, branch_id, for_update=True)
    principal.require_role(*BRANCH_ADMINS)
    changes = patch.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise Invalid("name cannot be empty", field="name")
    for name, value in changes.items():
        setattr(branch, name, value)
    branch.version += 1
    await _publish_branch(session, ev.BranchChanged, branch)
    return branch


async def communities_of(
    session: AsyncSession, branch_ids: Sequence[str]
) -> dict[str, list[Community]]:
    """Each branch's communities, by id."""
    result: dict[str, list[Community]] = {b: [] for b in branch_ids}
    if branch_ids:
        found = await session.scalars(
            select(Community).where(Community.branch.in_(branch_ids)).order_by(Community.id)
        )
        for community in found:
            result[str(community.branch)].append(community)
    return result


async def units_of(
    session: AsyncSession, principal: Principal, community_ids: Sequence[str]
) -> Sequence[ResidentUnit]:
    """The resident units of these communities that the caller may see."""
    visible = [c for c in community_ids if principal.sees(c)]
    if not visible:
        return []
    return (
        await session.scalars(
            select(ResidentUnit)
            .where(ResidentUnit.community_id.in_(visible))
            .order_by(ResidentUnit.community_id, ResidentUnit.id)
        )
    ).all()


# -- communities -------------------------------------------------------------------


async def create_community(
    session: AsyncSession, principal: Principal, command: CommunityIn
) -> Community:
    principal.require_county_wide()
    if await session.get(Community, command.id) is not None:
        raise Conflict(f"community {command.id!r} already exists")
    if command.branch is not None:
        await _branch_named(session, command.branch)
    community = Community(id=command.id, name=command.name, branch=command.branch)
    session.add(community)
    await flush_unique(session, f"community {command.id!r} already exists")
    await _publish(
        session,
        # A community is created once and never changes: its one version is 1.
        ev.CommunityCreated(
            community_id=command.id, name=command.name, branch=command.branch, version=1
        ),
        command.id,
        command.id,
    )
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
        # Registered once and never changed: its one version is 1.
        version=1,
    )
    await _publish(session, data, unit.community_id, unit.id)
    return unit


def list_resident_units(principal: Principal, community_id: str | None) -> Select[ResidentUnit]:
    query = select(ResidentUnit)
    return scoped(query, ResidentUnit.community_id, principal, community_id)


async def get_resident_unit(
    session: AsyncSession, principal: Principal, unit_id: str
) -> ResidentUnit:
    return await get_in_scope(session, ResidentUnit, unit_id, principal, "resident unit")


async def agreements_of(session: AsyncSession, unit: ResidentUnit) -> Sequence[UnitAgreement]:
    return (
        await session.scalars(
            select(UnitAgreement)
            .where(UnitAgreement.resident_unit_id == unit.id)
            .order_by(UnitAgreement.starts_on, UnitAgreement.id)
        )
    ).all()


async def record_agreement(
    session: AsyncSession, principal: Principal, unit_id: str, command: AgreementIn
) -> UnitAgreement:
    """What a unit brings to its branch, and for when: the unit's community's admins, the
    branch's admins (whose token holds the branch's communities) and county admins."""
    unit = await get_resident_unit(session, principal, unit_id)
    principal.require_write(unit.community_id)
    principal.require_role(*CO_BUILDERS)
    agreement = UnitAgreement(
        id=new_id(),
        resident_unit_id=unit.id,
        community_id=unit.community_id,
        brings=list(command.brings),
        description=command.description,
        starts_on=command.starts_on,
        ends_on=command.ends_on,
        recorded_by=principal.sub,
    )
    session.add(agreement)
    data = ev.ResidentUnitAgreementSigned(
        agreement_id=str(agreement.id),
        resident_unit_id=str(unit.id),
        community_id=unit.community_id,
        brings=list(command.brings),
        starts_on=command.starts_on,
        ends_on=command.ends_on,
        # Recorded once and never changed: its one version is 1.
        version=1,
    )
    await _publish(session, data, unit.community_id, unit.id)
    return agreement


async def branch_of(session: AsyncSession, community_id: str) -> str | None:
    return await session.scalar(select(Community.branch).where(Community.id == community_id))


async def _unit_for(
    session: AsyncSession, community_id: str, unit_id: str, *, same_branch: bool
) -> uuid.UUID:
    """A resident unit of the community, or (`same_branch`) of a community of its branch."""
    unit = await session.get(ResidentUnit, _field_id(unit_id, "unit_id"))
    if unit is not None and unit.community_id == community_id:
        return unit.id
    if unit is not None and same_branch:
        branch = await branch_of(session, community_id)
        if branch is not None and branch == await branch_of(session, unit.community_id):
            return unit.id
    where = f"{community_id} or its branch" if same_branch else community_id
    raise Invalid(f"resident unit {unit_id} is not a unit of {where}", field="unit_id")


# -- categories --------------------------------------------------------------------


async def list_categories(session: AsyncSession) -> Sequence[Category]:
    return (
        await session.scalars(select(Category).order_by(Category.position, Category.code))
    ).all()


async def define_category(
    session: AsyncSession, principal: Principal, command: CategoryIn
) -> Category:
    principal.require_county_wide()
    if await session.get(Category, command.code) is not None:
        raise Conflict(f"category {command.code!r} already exists")
    position = (await session.scalar(select(func.max(Category.position)))) or 0
    # Defined again after a deletion, it goes on from its last version.
    retired = await session.get(RetiredCategory, command.code, with_for_update=True)
    category = Category(
        code=command.code,
        name=command.name,
        description=command.description,
        position=position + 1,
        version=(retired.version if retired is not None else 0) + 1,
    )
    if retired is not None:
        await session.delete(retired)
    session.add(category)
    await flush_unique(session, f"category {command.code!r} already exists")
    await _publish_category(session, category)
    return category


async def update_category(
    session: AsyncSession, principal: Principal, code: str, patch: CategoryPatch
) -> Category:
    principal.require_county_wide()
    # FOR NO KEY UPDATE: renames take turns, teams registering with the category need not wait.
    category = await session.get(
        Category, code, with_for_update={"key_share": True}, populate_existing=True
    )
    if category is None:
        raise NotFound("category not found")
    if patch.name is not None:
        category.name = patch.name
    if patch.description is not None:
        category.description = patch.description
    category.version += 1
    await _publish_category(session, category)
    return category


async def delete_category(session: AsyncSession, principal: Principal, code: str) -> None:
    principal.require_county_wide()
    # Locked before counting: a team registering with it meanwhile is counted, or waits and fails.
    category = await session.get(Category, code, with_for_update=True, populate_existing=True)
    if category is None:
        raise NotFound("category not found")
    teams = await session.scalar(
        select(func.count()).select_from(Team).where(Team.category == code)
    )
    if teams:
        raise Conflict(f"category {code!r} is used by {teams} team(s) and cannot be deleted")
    await session.merge(RetiredCategory(code=code, version=category.version))
    await session.delete(category)


async def _publish_category(session: AsyncSession, category: Category) -> None:
    data = ev.CategoryDefined(
        code=category.code,
        name=category.name,
        description=category.description,
        position=category.position,
        version=category.version,
    )
    # Categories belong to the whole county; "*" keys them apart from any community.
    await _publish(session, data, "*", category.code)


# -- teams -------------------------------------------------------------------------


async def _volunteer_of(
    session: AsyncSession, community_id: str, volunteer_id: str, field: str
) -> Volunteer:
    """An active volunteer of the community, read FOR SHARE: a deactivation waits for us."""
    volunteer = await session.get(
        Volunteer,
        _field_id(volunteer_id, field),
        with_for_update={"read": True},
        populate_existing=True,
    )
    if volunteer is None or volunteer.community_id != community_id:
        raise Invalid(f"volunteer {volunteer_id} is not a volunteer of {community_id}", field=field)
    if not volunteer.active:
        raise Invalid(f"volunteer {volunteer_id} is deactivated", field=field)
    return volunteer


async def register_team(session: AsyncSession, principal: Principal, command: TeamIn) -> Team:
    await _require_admin_write(session, principal, command.community_id)
    # FOR KEY SHARE: a deletion of the category waits for us, or we see it gone.
    category = await session.get(
        Category,
        command.category,
        with_for_update={"read": True, "key_share": True},
        populate_existing=True,
    )
    if category is None:
        raise Invalid(f"unknown category {command.category!r}", field="category")
    leader_id = None
    if command.leader_volunteer_id is not None:
        leader = await _volunteer_of(
            session, command.community_id, command.leader_volunteer_id, "leader_volunteer_id"
        )
        leader_id = leader.id
    unit = None
    if command.unit_id is not None:
        unit = await _unit_for(session, command.community_id, command.unit_id, same_branch=False)
    await _unique_team_name(session, command.community_id, command.name)
    state, registered = lc.register_team(
        team_id=new_id(),
        community_id=command.community_id,
        category=command.category,
        name=command.name,
        leader=leader_id,
        at=utcnow(),
        unit=unit,
    )
    team = Team(**state.columns())
    session.add(team)
    await flush_unique(session, f"a team named {command.name!r} already exists")
    await _publish(session, registered, state.community_id, state.id)
    if leader_id is not None:
        state, joined = lc.admit_member(state, leader_id, already_member=False)
        state.write_to(team)
        session.add(TeamMember(team_id=state.id, volunteer_id=leader_id))
        await _publish(session, joined, state.community_id, state.id)
    return team


async def _unique_team_name(session: AsyncSession, community_id: str, name: str) -> None:
    clash = await session.scalar(
        select(Team.id).where(Team.community_id == community_id, Team.name == name)
    )
    if clash is not None:
        raise Conflict(f"a team named {name!r} already exists in {community_id}")


async def get_team(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    return await get_in_scope(session, Team, team_id, principal, "team")


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
    team = await get_to_change(session, Team, team_id, principal, "team")
    principal.require_role(*ADMINS)
    name = team.name
    if patch.name is not None and patch.name != team.name:
        await _unique_team_name(session, team.community_id, patch.name)
        name = patch.name
    leader_id = team.leader_volunteer_id
    if "leader_volunteer_id" in patch.model_fields_set:
        leader_id = None
        if patch.leader_volunteer_id is not None:
            leader = await _volunteer_of(
                session, team.community_id, patch.leader_volunteer_id, "leader_volunteer_id"
            )
            leader_id = leader.id
    state, updated = lc.update_team(lc.TeamState.of(team), name=name, leader=leader_id)
    state.write_to(team)
    await flush_unique(session, "a team with that name already exists")
    await _publish(session, updated, state.community_id, state.id)
    return team


async def deactivate_team(session: AsyncSession, principal: Principal, team_id: str) -> Team:
    team = await get_to_change(session, Team, team_id, principal, "team")
    principal.require_role(*ADMINS)
    state, updated = lc.deactivate_team(lc.TeamState.of(team))
    if updated is not None:
        state.write_to(team)
        await _publish(session, updated, state.community_id, state.id)
    return team


# What `GET /teams?sort=` may sort by; a team's members are its active volunteers, as
# `member_counts` counts them.
TEAM_SORTS: Sorts = {
    "name": SortKey.of(Team.name, collation=PINYIN),
    "created_at": SortKey.of(Team.created_at),
    "member_count": SortKey(
        select(func.count())
        .select_from(TeamMember)
        .join(Volunteer, Volunteer.id == TeamMember.volunteer_id)
        .where(TeamMember.team_id == Team.id, Volunteer.active.is_(True))
        .scalar_subquery(),
        int,
        nullable=False,
    ),
}


def list_teams(
    principal: Principal,
    community_id: str | None,
    category: str | None,
    status: str | None,
    unit_id: str | None = None,
) -> Select[Team]:
    query = select(Team)
    if unit_id is not None:
        query = query.where(Team.unit_id == _query_id(unit_id, "unit_id"))
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
    team = await get_to_change(session, Team, team_id, principal, "team")
    _require_team_manager(principal, team)
    state = lc.TeamState.of(team)
    # The team's own state answers first, whoever the volunteer is.
    lc.check_team_is_active(state)
    volunteer = await _volunteer_of(
        session, team.community_id, command.volunteer_id, "volunteer_id"
    )
    member_now = await session.get(TeamMember, (team.id, volunteer.id))
    state, joined = lc.admit_member(state, volunteer.id, already_member=member_now is not None)
    state.write_to(team)
    member = TeamMember(team_id=team.id, volunteer_id=volunteer.id)
    session.add(member)
    await flush_unique(session, "the volunteer is already a member of this team")
    await _publish(session, joined, state.community_id, state.id)
    return member


async def remove_member(
    session: AsyncSession, principal: Principal, team_id: str, volunteer_id: str
) -> None:
    team = await get_to_change(session, Team, team_id, principal, "team")
    _require_team_manager(principal, team)
    member = await session.get(TeamMember, (team.id, path_id(volunteer_id, "member")))
    if member is None:
        raise NotFound("the volunteer is not a member of this team")
    await session.delete(member)
    state, events = lc.member_leaves(lc.TeamState.of(team), member.volunteer_id)
    state.write_to(team)
    for data in events:
        await _publish(session, data, state.community_id, state.id)


# -- volunteers --------------------------------------------------------------------


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
    state, registered = lc.register_volunteer(command, volunteer_id=new_id(), at=utcnow())
    volunteer = Volunteer(**state.columns())
    session.add(volunteer)
    await flush_unique(session, "a volunteer with this phone already exists in this community")
    await _publish(session, registered, state.community_id, state.id)
    return volunteer


async def register_volunteer(
    session: AsyncSession, principal: Principal, command: VolunteerIn
) -> Volunteer:
    await _require_admin_write(session, principal, command.community_id)
    if command.unit_id is not None:
        await _unit_for(session, command.community_id, command.unit_id, same_branch=True)
    return await _add_volunteer(session, command)


async def get_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Volunteer:
    return await get_in_scope(session, Volunteer, volunteer_id, principal, "volunteer")


async def _volunteer_for_write(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Volunteer:
    volunteer = await get_to_change(session, Volunteer, volunteer_id, principal, "volunteer")
    principal.require_role(*ADMINS)
    return volunteer


async def update_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str, patch: VolunteerPatch
) -> Volunteer:
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    if patch.unit_id is not None:
        await _unit_for(session, volunteer.community_id, patch.unit_id, same_branch=True)
    if patch.phone not in (None, volunteer.phone) and await _phone_taken(
        session, volunteer.community_id, patch.phone
    ):
        raise Conflict(
            "another volunteer of this community has that phone",
            errors=[{"loc": ["body", "phone"], "msg": "duplicate phone in this community"}],
        )
    state, updated = lc.update_volunteer(lc.VolunteerState.of(volunteer), patch, at=utcnow())
    state.write_to(volunteer)
    await flush_unique(session, "another volunteer of this community has that phone")
    await _publish(session, updated, state.community_id, state.id)
    return volunteer


async def deactivate_volunteer(
    session: AsyncSession, principal: Principal, volunteer_id: str, reason: str
) -> Volunteer:
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    state, deactivated = lc.deactivate_volunteer(
        lc.VolunteerState.of(volunteer), reason=reason, at=utcnow()
    )
    state.write_to(volunteer)
    await _publish(session, deactivated, state.community_id, state.id)
    return volunteer


@dataclass(frozen=True)
class VolunteerFilter:
    community_id: str | None = None
    team_id: str | None = None
    q: str | None = None
    is_party_member: bool | None = None
    active: bool | None = None
    unit_id: str | None = None


def _query_id(value: str, name: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise Invalid(
            f"{name} is not a UUID", errors=[{"loc": ["query", name], "msg": "not a UUID"}]
        ) from None


# What `GET /volunteers?sort=` may sort by: volunteers without a birth year sort last.
VOLUNTEER_SORTS: Sorts = {
    "name": SortKey.of(Volunteer.name, collation=PINYIN),
    "created_at": SortKey.of(Volunteer.created_at),
    "birth_year": SortKey.of(Volunteer.birth_year),
}


def list_volunteers(principal: Principal, where: VolunteerFilter) -> Select[Volunteer]:
    query = select(Volunteer)
    if where.unit_id is not None:
        query = query.where(Volunteer.unit_id == _query_id(where.unit_id, "unit_id"))
    if where.team_id is not None:
        team_uuid = _query_id(where.team_id, "team_id")
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
    """Create each good row; report each bad one by its line.

    One row is all or nothing (a savepoint each); the caller's unit of work commits
    the rows that landed, together.
    """
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
            # Taken before this import, earlier in it, or by a registration racing it.
            errors.append(
                ImportError_(
                    row=line,
                    detail=f"phone: {mask_phone(command.phone)} is already registered here",
                )
            )
        except DBAPIError as error:
            # A value the database refuses (SQLSTATE 22), e.g. a NUL character in a name.
            if not str(getattr(error.orig, "sqlstate", "") or "").startswith("22"):
                raise
            errors.append(
                ImportError_(row=line, detail="a value cannot be stored (a NUL character?)")
            )
    return ImportResult(created=created, errors=errors)


# -- party-member life events ------------------------------------------------------


async def record_life_event(
    session: AsyncSession, principal: Principal, volunteer_id: str, command: LifeEventIn
) -> LifeEvent:
    # Locked as for any write: a PATCH leaving the party comes wholly before or after.
    volunteer = await _volunteer_for_write(session, principal, volunteer_id)
    key = new_id()
    recorded = lc.record_life_event(lc.VolunteerState.of(volunteer), command, life_event_id=key)
    event = LifeEvent(
        id=key,
        community_id=volunteer.community_id,
        volunteer_id=volunteer.id,
        kind=command.kind,
        occurred_on=command.occurred_on,
        note=command.note,
        recorded_by=principal.sub,
    )
    session.add(event)
    await _publish(session, recorded, volunteer.community_id, volunteer.id)
    return event


def require_life_event_reader(principal: Principal, volunteer: Volunteer) -> None:
    """A party member's life events (illness, discipline, criticism ...) are read by the
    community's admins and the member themself; anyone else who sees the community: 403."""
    if not principal.is_admin_or_self(volunteer.community_id, str(volunteer.id)):
        raise Forbidden(
            "a party member's life events are for the community's admins and the member themself"
        )


async def list_life_events(
    session: AsyncSession, principal: Principal, volunteer_id: str
) -> Sequence[LifeEvent]:
    volunteer = await get_volunteer(session, principal, volunteer_id)
    require_life_event_reader(principal, volunteer)
    return (
        await session.scalars(
            select(LifeEvent).where(LifeEvent.volunteer_id == volunteer.id).order_by(LifeEvent.id)
        )
    ).all()
