"""The registry's HTTP routes: parse, call one domain function, shape the answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Query, Response, UploadFile

from services.registry import domain, personal_data
from services.registry.lifecycle import TeamState, VolunteerState
from services.registry.models import (
    Branch,
    Category,
    Community,
    LifeEvent,
    ResidentUnit,
    Team,
    UnitAgreement,
    Volunteer,
)
from services.registry.schemas import (
    AgreementIn,
    AgreementOut,
    BranchCommunity,
    BranchDetail,
    BranchIn,
    BranchOut,
    BranchPatch,
    CategoryIn,
    CategoryOut,
    CategoryPatch,
    CommunityIn,
    CommunityOut,
    DeactivateIn,
    EraseIn,
    ImportResult,
    LifeEventIn,
    LifeEventOut,
    MemberIn,
    MemberOut,
    PathBranch,
    PersonalTeam,
    PersonalUnit,
    RegistryPersonalData,
    ResidentUnitDetail,
    ResidentUnitIn,
    ResidentUnitOut,
    TeamIn,
    TeamOut,
    TeamPatch,
    TeamSort,
    VolunteerIn,
    VolunteerOut,
    VolunteerPatch,
    VolunteerSort,
)
from shared.auth import CurrentUser, Principal
from shared.db import utcnow
from shared.errors import PayloadTooLarge
from shared.pagination import Page, Paging, SortBy, paginate, sort_by
from shared.phones import mask_phone
from shared.schemas import Id, PathId, PathSlug, Slug
from shared.service import RuntimeDep, SessionDep
from shared.settings import county_today
from shared.uow import unit_of_work

router = APIRouter()


def community_out(community: Community) -> CommunityOut:
    return CommunityOut.model_validate(community, from_attributes=True)


def volunteer_out(
    volunteer: Volunteer, principal: Principal, team_ids: list[str], *, whole_phone: bool = False
) -> VolunteerOut:
    """The answer: what the volunteer's events carry, and what stays in the registry."""
    state = VolunteerState.of(volunteer)
    joined = state.party_joined_on
    phone = state.phone or ""  # none once erased
    # Whole to the community's admins, masked to anyone else (events carry it masked).
    if phone and not (whole_phone or principal.is_admin_of(state.community_id)):
        phone = mask_phone(phone)
    return VolunteerOut(
        **state.shown(),
        id=str(state.id),
        phone=phone,
        availability=state.availability,
        political_birthday=joined.strftime("%m-%d") if joined else None,
        deactivated_reason=state.deactivated_reason,
        # Memberships are rows of their own: events of the team report them.
        team_ids=team_ids,
        created_at=state.created_at,
        updated_at=state.updated_at,
        erased_at=state.erased_at,
    )


def team_out(team: Team, member_count: int) -> TeamOut:
    """The answer: what the team's events carry, with its active members counted."""
    state = TeamState.of(team)
    return TeamOut(
        **state.shown(),
        id=str(state.id),
        # Counted from the memberships when answering.
        member_count=member_count,
        created_at=state.created_at,
    )


def unit_out(unit: ResidentUnit, principal: Principal) -> ResidentUnitOut:
    phone = unit.contact_phone
    if phone and not principal.is_admin_of(unit.community_id):
        phone = mask_phone(phone)
    return ResidentUnitOut(
        id=str(unit.id),
        community_id=unit.community_id,
        name=unit.name,
        kind=unit.kind,
        contact_name=unit.contact_name,
        contact_phone=phone,
        created_at=unit.created_at,
    )


def branch_out(branch: Branch, principal: Principal, community_ids: list[str]) -> BranchOut:
    return BranchOut(
        id=branch.id,
        name=branch.name,
        secretary_name=branch.secretary_name,
        secretary_phone=domain.secretary_phone_shown(principal, branch),
        community_ids=community_ids,
        created_at=branch.created_at,
    )


def agreement_out(agreement: UnitAgreement) -> AgreementOut:
    today = county_today()
    return AgreementOut(
        id=str(agreement.id),
        resident_unit_id=str(agreement.resident_unit_id),
        community_id=agreement.community_id,
        brings=list(agreement.brings),
        description=agreement.description,
        starts_on=agreement.starts_on,
        ends_on=agreement.ends_on,
        active=agreement.starts_on <= today <= agreement.ends_on,
        created_at=agreement.created_at,
    )


def category_out(category: Category) -> CategoryOut:
    return CategoryOut(code=category.code, name=category.name, description=category.description)


def life_event_out(event: LifeEvent) -> LifeEventOut:
    return LifeEventOut(
        id=str(event.id),
        volunteer_id=str(event.volunteer_id),
        community_id=event.community_id,
        kind=event.kind,
        occurred_on=event.occurred_on,
        note=event.note,
        recorded_by=event.recorded_by,
        created_at=event.created_at,
    )


# -- branches ----------------------------------------------------------------------


async def _branch_detail(session: SessionDep, branch: Branch, user: Principal) -> BranchDetail:
    communities = (await domain.communities_of(session, [branch.id]))[branch.id]
    units = await domain.units_of(session, user, [c.id for c in communities])
    return BranchDetail(
        **branch_out(branch, user, [c.id for c in communities]).model_dump(),
        communities=[BranchCommunity(id=c.id, name=c.name) for c in communities],
        resident_units=[unit_out(u, user) for u in units],
    )


@router.post("/branches", status_code=201, tags=["branches"])
async def create_branch(body: BranchIn, session: SessionDep, user: CurrentUser) -> BranchDetail:
    """Register a community big branch (社区大支部) (a county_admin over all communities)."""
    async with unit_of_work(session):
        branch = await domain.create_branch(session, user, body)
    return await _branch_detail(session, branch, user)


@router.get("/branches", tags=["branches"])
async def list_branches(session: SessionDep, user: CurrentUser) -> Page[BranchOut]:
    """The branches of the caller's communities (all of them, county-wide)."""
    branches = await domain.list_branches(session, user)
    communities = await domain.communities_of(session, [b.id for b in branches])
    return Page(items=[branch_out(b, user, [c.id for c in communities[b.id]]) for b in branches])


@router.get("/branches/{branch_id}", tags=["branches"])
async def get_branch(branch_id: PathBranch, session: SessionDep, user: CurrentUser) -> BranchDetail:
    """A branch with its communities and the resident units the caller may see."""
    return await _branch_detail(session, await domain.get_branch(session, user, branch_id), user)


@router.patch("/branches/{branch_id}", tags=["branches"])
async def update_branch(
    branch_id: PathBranch, body: BranchPatch, session: SessionDep, user: CurrentUser
) -> BranchDetail:
    """Rename a branch or change its secretary (county_admin, the branch's branch_admin)."""
    async with unit_of_work(session):
        branch = await domain.update_branch(session, user, branch_id, body)
    return await _branch_detail(session, branch, user)


# -- communities -------------------------------------------------------------------


@router.post("/communities", status_code=201, tags=["communities"])
async def create_community(
    body: CommunityIn, session: SessionDep, user: CurrentUser
) -> CommunityOut:
    """Add a community to the deployment (a county_admin over all communities)."""
    async with unit_of_work(session):
        community = await domain.create_community(session, user, body)
    return community_out(community)


@router.get("/communities", tags=["communities"])
async def list_communities(session: SessionDep, user: CurrentUser) -> Page[CommunityOut]:
    """The communities in the caller's scope."""
    communities = await domain.list_communities(session, user)
    return Page(items=[community_out(c) for c in communities])


@router.get("/communities/{community_id}", tags=["communities"])
async def get_community(
    community_id: PathSlug, session: SessionDep, user: CurrentUser
) -> CommunityOut:
    return community_out(await domain.get_community(session, user, community_id))


@router.post("/resident-units", status_code=201, tags=["communities"])
async def create_resident_unit(
    body: ResidentUnitIn, session: SessionDep, user: CurrentUser
) -> ResidentUnitOut:
    """Register a resident unit (驻区单位) that co-builds with a community."""
    async with unit_of_work(session):
        unit = await domain.create_resident_unit(session, user, body)
    return unit_out(unit, user)


@router.get("/resident-units", tags=["communities"])
async def list_resident_units(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
) -> Page[ResidentUnitOut]:
    query = domain.list_resident_units(user, community_id)
    return await paginate(
        session,
        query,
        ResidentUnit.id,
        paging,
        to_item=lambda u: unit_out(u, user),
    )


async def _unit_detail(
    session: SessionDep, unit: ResidentUnit, user: Principal
) -> ResidentUnitDetail:
    agreements = await domain.agreements_of(session, unit)
    return ResidentUnitDetail(
        **unit_out(unit, user).model_dump(),
        branch=await domain.branch_of(session, unit.community_id),
        agreements=[agreement_out(a) for a in agreements],
    )


@router.get("/resident-units/{unit_id}", tags=["communities"])
async def get_resident_unit(
    unit_id: PathId, session: SessionDep, user: CurrentUser
) -> ResidentUnitDetail:
    """A resident unit with its agreements; `active` marks those in force today."""
    return await _unit_detail(session, await domain.get_resident_unit(session, user, unit_id), user)


@router.post("/resident-units/{unit_id}/agreements", status_code=201, tags=["communities"])
async def record_agreement(
    unit_id: PathId, body: AgreementIn, session: SessionDep, user: CurrentUser
) -> AgreementOut:
    """Record what a resident unit brings to its branch, for a period (共驻共建): the unit's
    community's admins, the branch's admins, county admins."""
    async with unit_of_work(session):
        agreement = await domain.record_agreement(session, user, unit_id, body)
    return agreement_out(agreement)


# -- categories --------------------------------------------------------------------


@router.get("/categories", tags=["categories"])
async def list_categories(session: SessionDep, user: CurrentUser) -> list[CategoryOut]:
    """The service categories (colors): the seven by default."""
    return [category_out(c) for c in await domain.list_categories(session)]


@router.post("/categories", status_code=201, tags=["categories"])
async def define_category(body: CategoryIn, session: SessionDep, user: CurrentUser) -> CategoryOut:
    """Add a category (a county_admin over all communities)."""
    async with unit_of_work(session):
        category = await domain.define_category(session, user, body)
    return category_out(category)


@router.patch("/categories/{code}", tags=["categories"])
async def update_category(
    code: PathSlug, body: CategoryPatch, session: SessionDep, user: CurrentUser
) -> CategoryOut:
    """Rename a category or change its description (a county_admin over all communities)."""
    async with unit_of_work(session):
        category = await domain.update_category(session, user, code, body)
    return category_out(category)


@router.delete("/categories/{code}", status_code=204, tags=["categories"])
async def delete_category(code: PathSlug, session: SessionDep, user: CurrentUser) -> Response:
    """Delete a category no team uses (a county_admin over all communities)."""
    async with unit_of_work(session):
        await domain.delete_category(session, user, code)
    return Response(status_code=204)


# -- teams -------------------------------------------------------------------------


async def _team_out(session: SessionDep, team: Team) -> TeamOut:
    counts = await domain.member_counts(session, [team.id])
    return team_out(team, counts.get(team.id, 0))


@router.post("/teams", status_code=201, tags=["teams"])
async def register_team(body: TeamIn, session: SessionDep, user: CurrentUser) -> TeamOut:
    """Register a service team of a category in a community."""
    async with unit_of_work(session):
        team = await domain.register_team(session, user, body)
    return await _team_out(session, team)


@router.get("/teams", tags=["teams"])
async def list_teams(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    category: Slug | None = None,
    status: Annotated[str | None, Query(pattern="^(active|inactive)$")] = None,
    unit_id: Annotated[Id | None, Query(description="Teams formed by this resident unit")] = None,
    sort: SortBy[TeamSort] = None,
) -> Page[TeamOut]:
    """Teams in scope, with their active member counts; sorted by name (pinyin order),
    when founded or by member count, or else in the order they were founded."""
    query = domain.list_teams(user, community_id, category, status, unit_id)
    page = await paginate(
        session,
        query,
        Team.id,
        paging,
        to_item=lambda t: t,
        sort=sort_by(sort, domain.TEAM_SORTS),
    )
    counts = await domain.member_counts(session, [t.id for t in page.items])
    return Page(
        items=[team_out(t, counts.get(t.id, 0)) for t in page.items], next_cursor=page.next_cursor
    )


@router.get("/teams/{team_id}", tags=["teams"])
async def get_team(team_id: PathId, session: SessionDep, user: CurrentUser) -> TeamOut:
    return await _team_out(session, await domain.get_team(session, user, team_id))


@router.patch("/teams/{team_id}", tags=["teams"])
async def update_team(
    team_id: PathId, body: TeamPatch, session: SessionDep, user: CurrentUser
) -> TeamOut:
    """Rename a team or change its leader."""
    async with unit_of_work(session):
        team = await domain.update_team(session, user, team_id, body)
    return await _team_out(session, team)


@router.post("/teams/{team_id}/deactivate", tags=["teams"])
async def deactivate_team(team_id: PathId, session: SessionDep, user: CurrentUser) -> TeamOut:
    """Stop a team taking orders and activities; it stays on record."""
    async with unit_of_work(session):
        team = await domain.deactivate_team(session, user, team_id)
    return await _team_out(session, team)


@router.post("/teams/{team_id}/members", status_code=201, tags=["teams"])
async def add_member(
    team_id: PathId, body: MemberIn, session: SessionDep, user: CurrentUser
) -> MemberOut:
    async with unit_of_work(session):
        member = await domain.add_member(session, user, team_id, body)
    return MemberOut(
        team_id=str(member.team_id),
        volunteer_id=str(member.volunteer_id),
        joined_at=member.joined_at,
    )


@router.delete("/teams/{team_id}/members/{volunteer_id}", status_code=204, tags=["teams"])
async def remove_member(
    team_id: PathId, volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> Response:
    async with unit_of_work(session):
        await domain.remove_member(session, user, team_id, volunteer_id)
    return Response(status_code=204)


# -- volunteers --------------------------------------------------------------------


async def _volunteer_out(
    session: SessionDep, volunteer: Volunteer, user: Principal
) -> VolunteerOut:
    teams = await domain.team_ids_of(session, [volunteer.id])
    return volunteer_out(volunteer, user, teams[volunteer.id])


@router.post("/volunteers", status_code=201, tags=["volunteers"])
async def register_volunteer(
    body: VolunteerIn, session: SessionDep, user: CurrentUser
) -> VolunteerOut:
    """Register a volunteer in a community (community admins)."""
    async with unit_of_work(session):
        volunteer = await domain.register_volunteer(session, user, body)
    return await _volunteer_out(session, volunteer, user)


@router.get("/volunteers", tags=["volunteers"])
async def list_volunteers(
    session: SessionDep,
    user: CurrentUser,
    paging: Paging,
    community_id: Slug | None = None,
    team_id: Id | None = None,
    q: Annotated[
        str | None, Query(max_length=50, description="Name contains, or phone ends with")
    ] = None,
    is_party_member: bool | None = None,
    active: bool | None = None,
    unit_id: Annotated[
        Id | None, Query(description="The resident unit's working party members (双报到)")
    ] = None,
    sort: SortBy[VolunteerSort] = None,
) -> Page[VolunteerOut]:
    """Volunteers in scope; search by name or phone suffix, team, party membership, unit.
    Sorted by name (pinyin order), when registered or year of birth (those without one
    last), or else in the order they were registered."""
    where = domain.VolunteerFilter(community_id, team_id, q, is_party_member, active, unit_id)
    page = await paginate(
        session,
        domain.list_volunteers(user, where),
        Volunteer.id,
        paging,
        to_item=lambda v: v,
        sort=sort_by(sort, domain.VOLUNTEER_SORTS),
    )
    teams = await domain.team_ids_of(session, [v.id for v in page.items])
    return Page(
        items=[volunteer_out(v, user, teams[v.id]) for v in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/volunteers/{volunteer_id}", tags=["volunteers"])
async def get_volunteer(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> VolunteerOut:
    return await _volunteer_out(
        session, await domain.get_volunteer(session, user, volunteer_id), user
    )


@router.patch("/volunteers/{volunteer_id}", tags=["volunteers"])
async def update_volunteer(
    volunteer_id: PathId, body: VolunteerPatch, session: SessionDep, user: CurrentUser
) -> VolunteerOut:
    async with unit_of_work(session):
        volunteer = await domain.update_volunteer(session, user, volunteer_id, body)
    return await _volunteer_out(session, volunteer, user)


@router.post("/volunteers/{volunteer_id}/deactivate", tags=["volunteers"])
async def deactivate_volunteer(
    volunteer_id: PathId, body: DeactivateIn, session: SessionDep, user: CurrentUser
) -> VolunteerOut:
    """Take a volunteer out of active service; the record is kept."""
    async with unit_of_work(session):
        volunteer = await domain.deactivate_volunteer(session, user, volunteer_id, body.reason)
    return await _volunteer_out(session, volunteer, user)


@router.post("/volunteers/import", tags=["volunteers"])
async def import_volunteers(
    session: SessionDep,
    user: CurrentUser,
    runtime: RuntimeDep,
    community_id: Slug,
    file: Annotated[UploadFile, File(description="UTF-8 CSV with a header row")],
    first_line: Annotated[
        int, Query(ge=1, description="Line number of the header row, for chunked uploads")
    ] = 1,
) -> ImportResult:
    """Create volunteers from a CSV; good rows land, bad rows are reported by line."""
    limit = getattr(runtime.settings, "import_max_bytes", 5_000_000)
    content = await file.read(limit + 1)
    if len(content) > limit:
        raise PayloadTooLarge(f"the CSV is larger than {limit} bytes; split it")
    async with unit_of_work(session):
        result = await domain.import_volunteers(session, user, community_id, content, first_line)
    return result


@router.post("/volunteers/{volunteer_id}/life-events", status_code=201, tags=["party members"])
async def record_life_event(
    volunteer_id: PathId, body: LifeEventIn, session: SessionDep, user: CurrentUser
) -> LifeEventOut:
    """Record an event in a party member's life that calls for a visit or a talk."""
    async with unit_of_work(session):
        event = await domain.record_life_event(session, user, volunteer_id, body)
    return life_event_out(event)


@router.get("/volunteers/{volunteer_id}/life-events", tags=["party members"])
async def list_life_events(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> Page[LifeEventOut]:
    """A party member's life events: for the community's admins and the member themself."""
    events = await domain.list_life_events(session, user, volunteer_id)
    return Page(items=[life_event_out(e) for e in events])


# -- personal data (PIPL) ----------------------------------------------------------


@router.get("/volunteers/{volunteer_id}/personal-data", tags=["personal data"])
async def export_personal_data(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> RegistryPersonalData:
    """Everything the registry holds on a volunteer (个人信息导出): the record with the phone
    whole, teams, resident unit, life events. For the community's admins and the volunteer
    themself; recorded in the audit log. The other services answer their parts at
    `/volunteer-hours/{id}/personal-data` (activities), `/volunteer-records/{id}/personal-data`
    (requests) and `/stats/volunteers/{id}/personal-data` (stats)."""
    async with unit_of_work(session):
        held = await personal_data.export_volunteer(session, user, volunteer_id)
    volunteer = held.volunteer
    joined = {m.team_id: m.joined_at for m in held.memberships}
    return RegistryPersonalData(
        exported_at=utcnow(),
        volunteer=volunteer_out(volunteer, user, [str(t) for t in joined], whole_phone=True),
        teams=[
            PersonalTeam(
                team_id=str(t.id),
                community_id=t.community_id,
                name=t.name,
                category=t.category,
                member=t.id in joined,
                joined_at=joined.get(t.id),
                leader=t.leader_volunteer_id == volunteer.id,
            )
            for t in held.teams
        ],
        unit=(
            PersonalUnit(id=str(held.unit.id), name=held.unit.name, kind=held.unit.kind)
            if held.unit is not None
            else None
        ),
        life_events=[life_event_out(e) for e in held.life_events],
    )


@router.post("/volunteers/{volunteer_id}/erase", tags=["personal data"])
async def erase_personal_data(
    volunteer_id: PathId, body: EraseIn, session: SessionDep, user: CurrentUser
) -> VolunteerOut:
    """Erase a volunteer's personal data on request (删除个人信息; the community's admins):
    anonymised in place, the name a placeholder, phone, gender, birth year, skills,
    availability, party joining date, resident unit and life-event notes gone; id,
    community, party membership, status, teams, activities, hours and statistics stay.
    Every service's replica drops the name through `qise.volunteer.erased.v1`. Erasing an
    erased volunteer changes nothing."""
    async with unit_of_work(session):
        volunteer = await personal_data.erase_volunteer(session, user, volunteer_id, body.reason)
    return await _volunteer_out(session, volunteer, user)
