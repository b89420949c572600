"""What every browser test shares: Debian's Chromium through Playwright, a fresh profile
per test, the console on a real port forwarding to the running stack, and the figures the
dashboards show. What a test does on a page is in `pages.py`."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, async_playwright
from starlette.types import ASGIApp

from services.console.app import create_app
from services.console.settings import WEB_BUILD, ConsoleSettings
from shared.broker import free_port
from tests.api import create_volunteer
from tests.browser.pages import DESKTOP, PHONE
from tests.conftest import ADMIN, Stack
from tests.integration.test_activities import activity_body, log, when
from tests.integration.test_requests import order, submit, team_known

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ZONE = "Asia/Shanghai"

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium fonts-wqy-zenhei; .ci/run does it)",
)
needs_console_build = pytest.mark.skipif(
    not (WEB_BUILD / "index.html").is_file(),
    reason="the console's web app is not built: run `make web`",
)
CONSOLE_TEST = [pytest.mark.browser, needs_chromium, needs_console_build]
"""The marks of a test of the console in a browser: `pytestmark = CONSOLE_TEST`."""


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            await chromium.close()


@asynccontextmanager
async def fresh_profile(browser: Browser, **device: Any) -> AsyncIterator[BrowserContext]:
    """A profile with nothing in localStorage, in Chinese and Beijing time, on `device`."""
    fresh = await browser.new_context(
        locale="zh-CN", timezone_id=ZONE, accept_downloads=True, **device
    )
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile at the size of an office screen."""
    async with fresh_profile(browser, viewport=DESKTOP) as fresh:
        yield fresh


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile on a phone: 375 px wide, touch."""
    async with fresh_profile(browser, viewport=PHONE, is_mobile=True, has_touch=True) as fresh:
        yield fresh


@asynccontextmanager
async def served(config: uvicorn.Config) -> AsyncIterator[str]:
    """The app of `config` served on its port of this machine while the block runs; its URL."""
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()  # it failed to start: raise why
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await serving


class ToTheStack(httpx.AsyncBaseTransport):
    """The console's way to the services: the stack's running apps, by host name."""

    def __init__(self, stack: Stack) -> None:
        self.transports = {
            name: httpx.ASGITransport(app=service.manager.app)
            for name, service in stack.services.items()
        }

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        return await self.transports[request.url.host].handle_async_request(request)


def console_settings(**overrides: Any) -> ConsoleSettings:
    """The console's settings for the stack (`ToTheStack` reaches the services by name)."""
    return ConsoleSettings(
        _env_file=None,
        registry_url="http://registry",
        activities_url="http://activities",
        requests_url="http://requests",
        stats_url="http://stats",
        **overrides,
    )


def serve(app: ASGIApp, port: int | None = None) -> AbstractAsyncContextManager[str]:
    """`app` on a real port of this machine (`port`, or a free one): its base URL."""
    return served(
        uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning")
    )


@pytest.fixture(scope="module")
async def console_site(stack: Stack) -> AsyncIterator[str]:
    """The console on a real port of this machine, forwarding to the running stack."""
    async with serve(create_app(console_settings(), transport=ToTheStack(stack))) as url:
        yield url


async def populate(
    stack: Stack, community: str, *, talk_hours: float = 2, talk_length: float = 2.0
) -> None:
    """What the dashboards show: two volunteers, an orange team, two activities (a clinic
    yesterday, 2 volunteers x 2 hours, verified; a talk three days ago, `talk_hours` of one
    volunteer), two orders (one open, one done and rated)."""
    registry, activities, requests = stack["registry"], stack["activities"], stack["requests"]
    people = [
        await create_volunteer(
            registry, community, name="王芳", is_party_member=True, party_joined_on="1990-07-01"
        ),
        await create_volunteer(registry, community, name="李强"),
    ]
    team = await team_known(stack, community, "orange")
    clinic = await log(activities, activity_body(community, team, people, people_served=1200))
    assert clinic.status_code == 201, clinic.text
    talk_body = activity_body(
        community,
        team,
        people[:1],
        title="健康讲座",
        people_served=60,
        beneficiaries={"elderly": 40},
        **when(hours_ago=72, length=talk_length),
    )
    talk_body["participants"][0]["hours"] = talk_hours
    talk = await log(activities, talk_body)
    assert talk.status_code == 201, talk.text
    verified = await activities.post(f"/activities/{clinic.json()['id']}/verify", headers=ADMIN)
    assert verified.status_code == 200, verified.text

    await submit(requests, order(community))  # stays open, assigned to the orange team
    done = (await submit(requests, order(community, service_kind="health_consultation")))["id"]
    for step, body in (("accept", None), ("complete", {}), ("rate", {"score": 5})):
        response = await requests.post(f"/requests/{done}/{step}", json=body, headers=ADMIN)
        assert response.status_code == 200, response.text
