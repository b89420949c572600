"""The dashboard: one static page at `GET /` and its assets under `/dashboard/`.

The page holds no data and needs no token to load; its script calls the `/stats/...`
routes with the token the user brings (`#token=...`, localStorage, or a small form).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from fastapi import APIRouter
from fastapi.responses import FileResponse

from shared.errors import NotFound

ASSETS: Final = Path(__file__).parent / "dashboard"

# The only files served, with their types: nothing else in the folder is reachable.
MEDIA_TYPES: Final = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
}

# Everything the page needs comes from this origin; no inline script, no CDN, no fonts
# from elsewhere. The token travels in the fragment, which no browser sends anywhere.
_PAGE_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # Revalidate every time (ETag/Last-Modified make that cheap) so a new release shows.
    "Cache-Control": "no-cache",
}

router = APIRouter(tags=["dashboard"])


@router.get(
    "/",
    response_class=FileResponse,
    responses={200: {"content": {"text/html": {}}}},
    summary="The dashboard page",
)
async def page() -> FileResponse:
    """The dashboard (数据看板): a static page whose script reads the `/stats/...` routes."""
    return FileResponse(
        ASSETS / "index.html", media_type="text/html; charset=utf-8", headers=_PAGE_HEADERS
    )


@router.get("/dashboard/{name}", include_in_schema=False)
async def asset(name: str) -> FileResponse:
    """The page's script and style sheet."""
    media_type = MEDIA_TYPES.get(name)
    if media_type is None:
        raise NotFound(f"no dashboard asset {name!r}")
    return FileResponse(ASSETS / name, media_type=media_type, headers=_PAGE_HEADERS)
