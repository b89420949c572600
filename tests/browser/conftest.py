"""What every browser test shares: Debian's Chromium through Playwright, a fresh profile
per test, the console on a real port forwarding to the running stack, and screenshots of
each page at an office screen's width and a phone's (var/screenshots/, listed in
docs/console.md)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Response,
    ViewportSize,
    async_playwright,
)
from starlette.types import ASGIApp

from services.console.app import create_app
from services.console.settings import WEB_BUILD, ConsoleSettings
from shared.broker import free_port
from tests.conftest import Stack

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
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
ZONE = "Asia/Shanghai"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=812)

needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's Chromium at /usr/bin/chromium "
    "(apt-get install chromium fonts-wqy-zenhei; .ci/run does it)",
)
needs_console_build = pytest.mark.skipif(
    not (WEB_BUILD / "index.html").is_file(),
    reason="the console's web app is not built: run `make web`",
)


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


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile (nothing in localStorage) at the size of an office screen."""
    fresh = await browser.new_context(
        viewport=DESKTOP, locale="zh-CN", timezone_id=ZONE, accept_downloads=True
    )
    try:
        yield fresh
    finally:
        await fresh.close()


@pytest.fixture
async def phone(browser: Browser) -> AsyncIterator[BrowserContext]:
    """A fresh profile on a phone: 375 px wide, touch."""
    fresh = await browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        timezone_id=ZONE,
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    try:
        yield fresh
    finally:
        await fresh.close()


async def open_page(context: BrowserContext, url: str, errors: list[str] | None = None) -> Page:
    """A page; with `errors`, script errors and failed loads are noted there."""
    page = await context.new_page()
    if errors is not None:

        def failed_load(response: Response) -> None:
            if response.status >= 400:
                errors.append(f"{response.status} {response.url}")

        def console_error(message: ConsoleMessage) -> None:
            # A failed load is already noted with its address by failed_load.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                errors.append(f"console: {message.text}")

        page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
        page.on("response", failed_load)
        page.on("console", console_error)
    await page.goto(url)
    return page


async def snap(page: Page, name: str) -> None:
    """`name`.png at an office screen's width and `name`-375.png at a phone's, whole page;
    the page is left at the width it had."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    was = page.viewport_size or DESKTOP
    await page.set_viewport_size(DESKTOP)
    await page.wait_for_timeout(250)  # the layout settles (the menu folds at phone width)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    await page.set_viewport_size(PHONE)
    await page.wait_for_timeout(250)
    await page.screenshot(path=SCREENSHOTS / f"{name}-375.png", full_page=True)
    await page.set_viewport_size(was)
    await page.wait_for_timeout(250)


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


@asynccontextmanager
async def serve(app: ASGIApp, port: int | None = None) -> AsyncIterator[str]:
    """`app` on a real port of this machine (`port`, or a free one): its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=port or free_port(), log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{config.port}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture(scope="module")
async def console_site(stack: Stack) -> AsyncIterator[str]:
    """The console on a real port of this machine, forwarding to the running stack."""
    async with serve(create_app(console_settings(), transport=ToTheStack(stack))) as url:
        yield url
