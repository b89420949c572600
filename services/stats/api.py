"""The stats HTTP routes."""

from __future__ import annotations

from fastapi import APIRouter

from services.stats import domain
from services.stats.schemas import Overview, Scope
from shared.auth import CurrentUser
from shared.service import SessionDep

router = APIRouter()


@router.get("/stats/overview", tags=["stats"])
async def overview(
    session: SessionDep,
    user: CurrentUser,
    scope: Scope = "county",
    id: str | None = None,
) -> Overview:
    """Headline figures for the county, a branch or a community, as of the newest event applied."""
    area = await domain.resolve_area(session, user, scope, id)
    return await domain.overview(session, area)
