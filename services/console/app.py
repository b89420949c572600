"""The console (工作台): the one origin a browser uses. `/` is the built web app;
`/api/<service>/<path>` is forwarded to that service. It owns no data."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from services.console.proxy import forward
from services.console.settings import ConsoleSettings
from shared.errors import PROBLEM_BASE, PROBLEM_JSON
from shared.limits import trust_forwarded_for
from shared.service import RequestTimer

SETTINGS = ConsoleSettings

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>工作台未构建</title>
<p>工作台的网页尚未构建（{web_dir} 不存在）。请安装 Node.js 20 后运行
<code>make web</code>（或 <code>cd services/console/web &amp;&amp; npm ci &amp;&amp;
npm run build</code>）。</p>"""

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

# Where the identity provider sends the browser back with the code: a path, not a hash
# route (a redirect URI may not carry a fragment); the web app takes it from there.
CALLBACK_PATH = "/auth/callback"

log = logging.getLogger(__name__)


def _built(settings: ConsoleSettings) -> bool:
    return (settings.web_root / "index.html").is_file()


def api_router(settings: ConsoleSettings) -> APIRouter:
    router = APIRouter()
    upstreams = settings.upstreams()

    @router.api_route("/api/{service}/{path:path}", methods=METHODS, include_in_schema=False)
    async def to_service(service: str, path: str, request: Request) -> Response:
        if service not in upstreams:
            return JSONResponse(
                {
                    "type": PROBLEM_BASE + "not-found",
                    "title": "Not found",
                    "status": 404,
                    "detail": f"没有名为 {service} 的服务；可用：{'、'.join(upstreams)}。",
                },
                status_code=404,
                media_type=PROBLEM_JSON,
            )
        client: httpx.AsyncClient = request.app.state.client
        return await forward(client, service, upstreams[service], path, request)

    return router


def create_app(
    settings: ConsoleSettings | None = None, transport: httpx.AsyncBaseTransport | None = None
) -> FastAPI:
    """`transport` replaces the network to the services (tests)."""
    settings = settings or ConsoleSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # No retries, no redirects followed: the browser sees what the service answered.
        async with httpx.AsyncClient(
            timeout=settings.upstream_timeout_seconds, follow_redirects=False, transport=transport
        ) as client:
            app.state.client = client
            yield

    app = FastAPI(
        title="Qise console",
        description="The web console (工作台) and the one origin for the four services' APIs.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.add_middleware(RequestTimer, service=settings.service)
    trust_forwarded_for(app, settings.trusted_proxies)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        """Ready when the web app is built; the services answer for themselves."""
        ready = _built(settings)
        body: dict[str, Any] = {"status": "ok" if ready else "unavailable", "web": ready}
        return JSONResponse(body, status_code=200 if ready else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @app.get("/auth/config", include_in_schema=False)
    async def auth_config() -> JSONResponse:
        """How the web app signs in and reads a token's claims (no token needed)."""
        return JSONResponse(settings.auth_config(), headers={"Cache-Control": "no-cache"})

    if settings.oidc_issuer and not settings.oidc_client_id:
        log.warning(
            "QISE_OIDC_ISSUER is set but QISE_OIDC_CLIENT_ID is not: the console offers"
            " only token sign-in"
        )

    app.include_router(api_router(settings))

    if _built(settings):

        @app.get(CALLBACK_PATH, include_in_schema=False)
        async def sign_in_callback() -> FileResponse:
            return FileResponse(
                settings.web_root / "index.html", headers={"Cache-Control": "no-store"}
            )

        app.mount("/", StaticFiles(directory=settings.web_root, html=True), name="web")
    else:

        @app.get("/", include_in_schema=False)
        async def not_built() -> HTMLResponse:
            return HTMLResponse(NOT_BUILT.format(web_dir=settings.web_root), status_code=503)

    return app
