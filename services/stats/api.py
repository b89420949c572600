"""The stats HTTP routes: figures, time series, leaderboard, reports, the dashboard."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from fastapi.types import DecoratedCallable
from sqlalchemy.ext.asyncio import AsyncSession

from services.stats import domain, personal_data, rebuild
from services.stats.public_page import PublicAnswers, render_public_html
from services.stats.report import render_report_html, render_report_markdown, render_report_pdf
from services.stats.schemas import (
    Areas,
    ConsumerLag,
    CountedHours,
    CountedMembership,
    Interval,
    KeptVolunteer,
    Lag,
    Metric,
    OpenRequest,
    Overview,
    Point,
    PublicPage,
    RankBy,
    Ranked,
    Rebuild,
    RebuildPartition,
    RebuildReplica,
    Scope,
    StatsPersonalData,
)
from services.stats.settings import StatsSettings
from shared.auth import CurrentUser
from shared.db import on_postgresql, utcnow
from shared.openapi import too_many_response
from shared.schemas import End, PathId, Start
from shared.service import Runtime, RuntimeDep, SessionDep
from shared.uow import unit_of_work

router = APIRouter()

AreaId = Annotated[
    str | None, Query(alias="id", max_length=100, description="Branch or community id")
]


def _zone(request: Request) -> str:
    settings: StatsSettings = request.app.state.settings
    return settings.timezone


@router.get("/stats/overview", tags=["stats"])
async def overview(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scope: Scope = "county",
    area_id: AreaId = None,
    start: Start = None,
    end: End = None,
) -> Overview:
    """Headline figures for the county, a branch or a community, as of the newest event applied.

    Activities, people served, hours and orders count within the period; volunteers,
    teams and care tasks are as they stand now.
    """
    area = await domain.resolve_area(session, user, scope, area_id)
    return await domain.overview(session, area, domain.period(start, end, _zone(request)))


@router.get("/stats/volunteers/{volunteer_id}/personal-data", tags=["personal data"])
async def export_personal_data(
    volunteer_id: PathId, session: SessionDep, user: CurrentUser
) -> StatsPersonalData:
    """What stats keeps on a volunteer (PIPL): the name it shows on the leaderboard, their
    hours as counted, their teams. For the community's admins and the volunteer themself.
    Stats has no audit log of its own: the registry records each export."""
    held = await personal_data.volunteer_figures(session, user, volunteer_id)
    volunteer, totals = held.volunteer, held.totals
    return StatsPersonalData(
        exported_at=utcnow(),
        volunteer=KeptVolunteer.model_validate(volunteer),
        hours=float(totals.hours) if totals else 0.0,
        certified_hours=float(totals.certified_hours) if totals else 0.0,
        activities=[
            CountedHours(activity_id=str(h.activity_id), title=title, day=day, hours=float(h.hours))
            for h, title, day in held.hours
        ],
        teams=[
            CountedMembership(team_id=str(m.team_id), member=m.member) for m in held.memberships
        ],
    )


@router.get("/stats/timeseries", tags=["stats"])
async def timeseries(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    metric: Metric = "activities",
    interval: Interval = "day",
    scope: Scope = "county",
    area_id: AreaId = None,
    start: Start = None,
    end: End = None,
) -> list[Point]:
    """A metric per day, ISO week or month; every period listed, zero where nothing happened."""
    area = await domain.resolve_area(session, user, scope, area_id)
    zone = _zone(request)
    today = utcnow().astimezone(ZoneInfo(zone)).date()
    return await domain.timeseries(
        session, area, metric, interval, domain.period(start, end, zone), today
    )


@router.get("/stats/leaderboard", tags=["stats"])
async def leaderboard(
    session: SessionDep,
    user: CurrentUser,
    metric: RankBy = "hours",
    scope: Scope = "county",
    area_id: AreaId = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[Ranked]:
    """Volunteers ranked by their hours (or certified hours) on activities that count."""
    area = await domain.resolve_area(session, user, scope, area_id)
    return await domain.leaderboard(session, area, metric, limit)


@router.get("/stats/open-requests", tags=["stats"])
async def open_requests(
    session: SessionDep,
    user: CurrentUser,
    scope: Scope = "county",
    area_id: AreaId = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> list[OpenRequest]:
    """Orders not yet done, overdue first, then by due time."""
    area = await domain.resolve_area(session, user, scope, area_id)
    return await domain.open_requests(session, area, limit)


@router.get("/stats/areas", tags=["stats"])
async def areas(session: SessionDep, user: CurrentUser) -> Areas:
    """The communities and branches the caller may look at."""
    return await domain.areas(session, user)


@router.get("/stats/lag", tags=["stats"])
async def lag(session: SessionDep, runtime: RuntimeDep, user: CurrentUser) -> Lag:
    """How far behind each consumer is, and the time of the newest event applied."""
    applied = await rebuild.applied_counts(session)
    consumers = [
        ConsumerLag(
            consumer=consumer.name,
            topic=topic,
            partitions=[p for t, p in consumer.assigned if t == topic],
            lag=sum(v for (t, _), v in consumer.lag.items() if t == topic)
            if consumer.lag
            else None,
            applied=applied.get(consumer.name, 0),
        )
        for consumer in runtime.consumers
        for topic in consumer.topics
    ]
    state = await rebuild.read_state(session)
    return Lag(
        as_of=await domain.as_of(session),
        generation=state.generation,
        building=state.building,
        consumers=consumers,
    )


def _rebuilds(request: Request) -> rebuild.Rebuilds:
    rebuilds: rebuild.Rebuilds = request.app.state.rebuilds
    return rebuilds


REBUILD_ANSWERS: dict[int | str, dict[str, Any]] = {
    409: {"description": "A rebuild is under way already"}
}


@router.post("/admin/rebuild", tags=["operations"], status_code=202, responses=REBUILD_ANSWERS)
async def rebuild_projections(
    request: Request, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> dict[str, int]:
    """Build the projections again from the topics, as a new generation (a county_admin
    over all communities). On PostgreSQL every replica builds its share of the partitions
    beside the generation in use, which answers until the new one has caught up; GET
    /admin/rebuild follows it. SQLite (one process) empties the projections in place."""
    user.require_county_wide()
    rebuilds = _rebuilds(request)
    if not on_postgresql(session):
        return {"generation": await rebuild.rebuild_in_place(runtime, rebuilds)}
    async with unit_of_work(session):
        building = await rebuild.start_build(session)
    rebuilds.wake()
    return {"generation": building}


@router.get("/admin/rebuild", tags=["operations"])
async def rebuild_progress(
    request: Request, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> Rebuild:
    """The generation in use, the one being built (null: none), each partition's offset
    and events applied in both, and what this replica builds. Done when `building` is null
    and `active` is the generation POST answered."""
    user.require_county_wide()
    return await _rebuild_status(request, session, runtime)


@router.delete("/admin/rebuild", tags=["operations"])
async def abandon_rebuild(
    request: Request, session: SessionDep, runtime: RuntimeDep, user: CurrentUser
) -> Rebuild:
    """Abandon the generation being built, if any: every replica stops building it and its
    tables are dropped; the generation in use goes on."""
    user.require_county_wide()
    if on_postgresql(session):
        async with unit_of_work(session):
            abandoned = await rebuild.abandon_build(session)
        _rebuilds(request).wake()
        if abandoned is not None:
            await rebuild.drop_schema(runtime.engine, rebuild.build_schema(abandoned))
    return await _rebuild_status(request, session, runtime)


async def _rebuild_status(request: Request, session: AsyncSession, runtime: Runtime) -> Rebuild:
    rebuilds = _rebuilds(request)
    state, partitions = await rebuild.progress_report(session, runtime)
    return Rebuild(
        active=state.generation,
        building=state.building,
        partitions=[RebuildPartition.model_validate(p, from_attributes=True) for p in partitions],
        replica=RebuildReplica(replica=rebuilds.replica, building=rebuilds.building_here()),
    )


@router.get(
    "/reports/summary",
    tags=["reports"],
    response_class=Response,
    responses={200: {"content": {"text/markdown": {}, "text/html": {}, "application/pdf": {}}}},
)
async def summary_report(
    request: Request,
    session: SessionDep,
    user: CurrentUser,
    scope: Scope = "county",
    area_id: AreaId = None,
    start: Start = None,
    end: End = None,
    format: Literal["markdown", "html", "pdf"] = "markdown",
) -> Response:
    """A report in Chinese in the style of the source document's own summary: Markdown,
    a printable HTML page, or an A4 PDF that embeds its font."""
    # The report says in words what the overview gives in figures, for the same query.
    figures = await overview(request, session, user, scope, area_id, start, end)
    if format == "html":
        return HTMLResponse(render_report_html(figures))
    if format == "pdf":
        return Response(
            render_report_pdf(figures),
            media_type="application/pdf",
            headers={"Content-Disposition": f'inline; filename="summary-{scope}.pdf"'},
        )
    return PlainTextResponse(
        render_report_markdown(figures), media_type="text/markdown; charset=utf-8"
    )


# -- the public page (公示栏): no token ---------------------------------------------------

PUBLIC_ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"text/html": {}},
        "headers": {"Cache-Control": {"schema": {"type": "string"}}},
    },
    429: too_many_response(),
}
PublicFormat = Annotated[
    Literal["html", "json"], Query(description="html (default, printable on A4) or json")
]


def _public_answers(request: Request) -> PublicAnswers:
    answers: PublicAnswers | None = getattr(request.app.state, "public_answers", None)
    if answers is None:
        answers = request.app.state.public_answers = PublicAnswers(request.app.state.settings)
    return answers


async def _public(
    request: Request, session: SessionDep, scope: Scope, area_id: str, format: str
) -> Response:
    answers = _public_answers(request)
    client = request.client.host if request.client else "unknown"
    if not answers.limit.take(client):
        return answers.limit.too_many("too many requests for public pages from this address")
    key = (scope, area_id, format)
    kept = answers.get(key)
    if kept is None:
        area = await domain.public_area(session, scope, area_id)
        page = await domain.public_page(session, area, _zone(request))
        if format == "json":
            kept = answers.put(key, page.model_dump_json().encode(), "application/json")
        else:
            kept = answers.put(key, render_public_html(page).encode(), "text/html; charset=utf-8")
    return Response(
        kept.body, media_type=kept.media_type, headers={"Cache-Control": answers.cache_control()}
    )


def _public_page(path: str) -> Callable[[DecoratedCallable], DecoratedCallable]:
    """A notice board's route: the page as HTML or JSON, cacheable, limited per address."""
    return router.get(path, tags=["public"], response_model=PublicPage, responses=PUBLIC_ANSWERS)


@_public_page("/public/{community_id}")
async def public_community(
    request: Request,
    session: SessionDep,
    community_id: Annotated[str, Path(max_length=40)],
    format: PublicFormat = "html",
) -> Response:
    """A community's notice board (公示栏), for anyone, without a token: the seven colors'
    figures and the recent activities' titles and days; no name or phone of anyone.
    Kept and cacheable for a few minutes; limited per address (429)."""
    return await _public(request, session, "community", community_id, format)


@_public_page("/public/branches/{branch}")
async def public_branch(
    request: Request,
    session: SessionDep,
    branch: Annotated[str, Path(max_length=100)],
    format: PublicFormat = "html",
) -> Response:
    """A branch's notice board: its figures, its communities' figures side by side (the
    branch's joint work) and its recent activities; as the community's page otherwise."""
    return await _public(request, session, "branch", branch, format)
