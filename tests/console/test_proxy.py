"""The console's forwarding: `/api/<service>/<path>` reaches `<path>` of that service with
method, query, body and `Authorization` unchanged; a service that does not answer is a
problem+json 502/503; the built web app is served at `/`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from services.console.app import create_app
from services.console.settings import ConsoleSettings
from shared.broker import free_port
from shared.limits import trust_forwarded_for

CLOSED = f"http://127.0.0.1:{free_port()}"  # nothing listens there


def echo_service() -> FastAPI:
    """A stand-in service that answers with what it received."""
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PATCH", "DELETE"])
    async def echo(path: str, request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "host": request.headers.get("host"),
                "method": request.method,
                "path": "/" + path,
                "query": request.url.query,
                "body": (await request.body()).decode(),
                "authorization": request.headers.get("authorization"),
                "content_type": request.headers.get("content-type"),
                "forwarded_for": request.headers.get("x-forwarded-for"),
                "client": request.client.host if request.client else None,
            },
            status_code=201 if request.method == "POST" else 200,
            headers={"X-Upstream": "echo", "Location": "/volunteers/1"},
        )

    return app


def settings(tmp_path: Path) -> ConsoleSettings:
    """registry, activities and stats on the echo app; requests where nothing listens."""
    return ConsoleSettings(
        _env_file=None,
        web_dir=tmp_path / "dist",
        registry_url="http://registry.test",
        activities_url="http://activities.test",
        requests_url=CLOSED,
        stats_url="http://stats.test",
    )


@pytest.fixture
async def console(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    upstream = httpx.ASGITransport(app=echo_service())

    class Routed(httpx.AsyncBaseTransport):
        """The echo app for every host but the closed port, which gets the real network."""

        def __init__(self) -> None:
            self.network = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.host == "127.0.0.1":
                return await self.network.handle_async_request(request)
            return await upstream.handle_async_request(request)

    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text("<!doctype html><title>工作台</title>", "utf-8")
    app = create_app(settings(tmp_path), transport=Routed())
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app, client=("203.0.113.7", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client


async def test_forwards_path_query_body_and_authorization(console: httpx.AsyncClient) -> None:
    response = await console.post(
        "/api/registry/volunteers/import",
        params=[("community_id", "longquan"), ("q", "王 芳"), ("q", "2")],
        content='{"name": "王芳"}',
        headers={"Authorization": "Bearer abc.def.ghi", "Content-Type": "application/json"},
    )
    assert response.status_code == 201
    seen: dict[str, Any] = response.json()
    assert seen["host"] == "registry.test"
    assert seen["method"] == "POST"
    assert seen["path"] == "/volunteers/import"
    assert seen["query"] == "community_id=longquan&q=%E7%8E%8B+%E8%8A%B3&q=2"
    assert seen["body"] == '{"name": "王芳"}'
    assert seen["authorization"] == "Bearer abc.def.ghi"
    assert seen["content_type"] == "application/json"
    assert seen["forwarded_for"] == "203.0.113.7"
    assert response.headers["x-upstream"] == "echo"
    assert response.headers["location"] == "/volunteers/1"


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
async def test_every_method_reaches_the_named_service(
    console: httpx.AsyncClient, method: str
) -> None:
    response = await console.request(method, "/api/stats/stats/overview?scope=county")
    assert response.status_code == 200
    seen = response.json()
    assert (seen["host"], seen["method"], seen["path"], seen["query"]) == (
        "stats.test",
        method,
        "/stats/overview",
        "scope=county",
    )
    assert seen["authorization"] is None


async def test_a_service_that_does_not_answer_is_a_problem(console: httpx.AsyncClient) -> None:
    response = await console.get("/api/requests/requests", headers={"Authorization": "Bearer x"})
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 503
    assert problem["type"].endswith("/service-unavailable")
    assert problem["service"] == "requests"
    assert "requests" in problem["detail"]


async def test_an_unknown_service_is_404_problem(console: httpx.AsyncClient) -> None:
    response = await console.get("/api/billing/invoices")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_serves_the_web_app_and_its_probes(console: httpx.AsyncClient) -> None:
    page = await console.get("/")
    assert page.status_code == 200
    assert "工作台" in page.text
    assert (await console.get("/healthz")).status_code == 200
    assert (await console.get("/readyz")).json() == {"status": "ok", "web": True}
    assert "http_request_seconds" in (await console.get("/metrics")).text


async def test_without_a_build_it_says_how_to_make_one(tmp_path: Path) -> None:
    app = create_app(settings(tmp_path))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            page = await client.get("/")
            assert page.status_code == 503
            assert "make web" in page.text
            assert (await client.get("/readyz")).status_code == 503


async def test_behind_a_trusted_ingress_the_services_see_the_browsers_address(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The console and a service that trusts it resolve the same client: the browser's,
    never an address the browser wrote itself."""
    monkeypatch.setenv("QISE_TRUSTED_PROXIES", "10.0.0.0/8")
    service = echo_service()
    trust_forwarded_for(service, ("127.0.0.1",))  # the console reaches it from 127.0.0.1
    (tmp_path / "dist").mkdir()
    app = create_app(settings(tmp_path), transport=httpx.ASGITransport(app=service))
    async with LifespanManager(app) as manager:

        async def seen_by_service(peer: str, forwarded_for: str) -> str:
            transport = httpx.ASGITransport(app=manager.app, client=(peer, 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://console") as c:
                answer = await c.get(
                    "/api/registry/communities", headers={"X-Forwarded-For": forwarded_for}
                )
            client: str = answer.json()["client"]
            return client

        # Through the ingress (10.0.0.3), which appended the browser's address.
        assert await seen_by_service("10.0.0.3", "192.0.2.66, 203.0.113.7") == "203.0.113.7"
        # Straight from a browser that wrote an address of its choice.
        assert await seen_by_service("203.0.113.8", "192.0.2.66") == "203.0.113.8"
