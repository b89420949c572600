"""The dashboard in a real browser: Debian's Chromium, driven by Playwright, reading the
running stats service over a real HTTP port. What the page shows must be what the
API answers, for the community the token holds and no other."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.async_api import (
    BrowserContext,
    expect,
)
from starlette.types import ASGIApp

from services.stats import dashboard
from shared.broker import free_port
from tests.api import create_community
from tests.browser.conftest import ZONE, needs_chromium, populate, served
from tests.browser.pages import SCREENSHOTS, open_page
from tests.conftest import ADMIN, Stack, eventually, token
from tests.integration.test_stats import HEADLINE

pytestmark = [
    pytest.mark.browser,
    needs_chromium,
]


def shown(value: float) -> str:
    """A number as the page writes it: thousands separators, at most one decimal."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def site_app(stack: Stack) -> ASGIApp:
    """The running stats service with its dashboard page.

    Once services/stats/app.py includes the dashboard router the service is served as it
    is; until then the page's routes are put in front of it.
    """
    stats = stack.services["stats"]
    if any(getattr(route, "path", None) == "/" for route in stats.app.routes):
        return stats.manager.app
    app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)
    app.include_router(dashboard.router)
    app.mount("/", stats.manager.app)
    return app


@pytest.fixture(scope="module")
async def site(stack: Stack) -> AsyncIterator[str]:
    """The stats service on a real port of this machine, for the browser to reach."""
    config = uvicorn.Config(
        site_app(stack), host="127.0.0.1", port=free_port(), lifespan="off", log_level="warning"
    )
    async with served(config) as url:
        yield url


async def stats_caught_up(stack: Stack, community: str) -> dict[str, Any]:
    """The community's overview once every event of `populate` is applied."""

    async def check() -> dict[str, Any]:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        figures: dict[str, Any] = response.json()
        assert (figures["volunteers"], figures["teams"], figures["activities"]) == (2, 1, 2)
        assert figures["certified_hours"] == 4.0
        assert figures["requests"]["submitted"] == 2
        assert figures["requests"]["avg_rating"] == 5.0
        return figures

    return await eventually(check)


async def known_to_stats(stack: Stack, *communities: str) -> None:
    async def check() -> None:
        response = await stack["stats"].get("/stats/areas", headers=ADMIN)
        known = {c["id"] for c in response.json()["communities"]}
        assert set(communities) <= known

    await eventually(check)


async def test_the_board_shows_what_the_api_answers(
    stack: Stack, community: str, site: str, context: BrowserContext
) -> None:
    await populate(stack, community, talk_hours=2.5, talk_length=3)
    expected = await stats_caught_up(stack, community)
    where = {"scope": "community", "id": community}
    ranked = (
        await stack["stats"].get("/stats/leaderboard", params={**where, "limit": 10}, headers=ADMIN)
    ).json()
    series = (await stack["stats"].get("/stats/timeseries", params=where, headers=ADMIN)).json()

    secretary = token("community_admin", [community])
    errors: list[str] = []
    page = await open_page(context, f"{site}/#token={secretary}", errors)
    await expect(page.locator("body")).to_have_attribute("data-state", "ready")

    # The token was kept and taken out of the address bar.
    assert "token" not in page.url
    stored = await page.evaluate("localStorage.getItem('qise.dashboard.token')")
    assert stored == secretary

    # Its only community is the scope; pick it if the page chose otherwise.
    picker = page.get_by_test_id("scope-picker")
    if await picker.input_value() != f"community:{community}":
        await picker.select_option(f"community:{community}")
        await expect(page.locator("body")).to_have_attribute("data-state", "ready")

    for key in HEADLINE:
        figure = page.get_by_test_id(f"figure-{key}")
        await expect(figure).to_have_text(shown(expected[key]))
        assert float(await figure.get_attribute("data-value") or "nan") == expected[key]
    assert await page.get_by_test_id("figure-people_served").text_content() == "1,260"

    requests = expected["requests"]
    for key in ("submitted", "open", "completed"):
        await expect(page.get_by_test_id(f"requests-{key}")).to_have_text(shown(requests[key]))
    await expect(page.get_by_test_id("requests-on_time_rate")).to_have_text("100%")
    await expect(page.get_by_test_id("requests-avg_rating")).to_have_text("5.0 分")
    for key in ("open", "done", "overdue"):
        care = expected["care_tasks"][key]
        await expect(page.get_by_test_id(f"care-{key}")).to_have_text(shown(care))

    # The orange bar, in orange, says the orange figures; unknown colors would be grey.
    orange = next(c for c in expected["by_category"] if c["category"] == "orange")
    bar = page.get_by_test_id("category-bar-orange")
    await expect(bar).to_have_attribute("data-value", str(orange["activities"]))
    await expect(bar.locator(".bar-value")).to_have_text(f"{shown(orange['activities'])} 次")
    assert await bar.locator(".bar-fill").get_attribute("fill") == "#f46036"
    await page.locator("#category-metric").select_option("people_served")
    await expect(bar.locator(".bar-value")).to_have_text(f"{shown(orange['people_served'])} 人次")
    await page.locator("#category-metric").select_option("activities")

    # The last 30 days by default, one point per day.
    await expect(page.get_by_test_id("timeseries").locator("svg")).to_have_attribute(
        "data-points", str(len(series))
    )
    await expect(page.locator("#series-note")).to_have_text("活动次数 · 近 30 天")

    # By month: one point per month of the server's default span.
    await page.get_by_role("radio", name="月").click()
    months = (
        await stack["stats"].get(
            "/stats/timeseries", params={**where, "interval": "month"}, headers=ADMIN
        )
    ).json()
    await expect(page.get_by_test_id("timeseries").locator("svg")).to_have_attribute(
        "data-points", str(len(months))
    )
    await page.get_by_role("radio", name="日").click()
    await expect(page.locator("#series-note")).to_have_text("活动次数 · 近 30 天")

    # The leaderboard and the open orders are the API's.
    rows = page.get_by_test_id("leaderboard").locator("tbody tr")
    await expect(rows).to_have_count(len(ranked))
    await expect(rows.first.locator("td").nth(1)).to_have_text(ranked[0]["name"])
    open_rows = page.get_by_test_id("open-requests").locator("tbody tr")
    await expect(open_rows).to_have_count(requests["open"])
    await expect(open_rows.first).to_contain_text("关爱老人")

    # "数据截至" in local time, no earlier than the answer the test read.
    as_of = await page.get_by_test_id("as-of").text_content() or ""
    match = re.fullmatch(r"数据截至 (\d{4}/\d\d/\d\d \d\d:\d\d:\d\d)", as_of)
    assert match, as_of
    shown_at = datetime.strptime(match[1], "%Y/%m/%d %H:%M:%S").replace(tzinfo=ZoneInfo(ZONE))
    assert shown_at >= datetime.fromisoformat(expected["as_of"]).replace(microsecond=0)

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "dashboard.png", full_page=True)

    # A period counts only what happened in it: the figures follow the date pickers.
    since = (datetime.now(ZoneInfo(ZONE)) - timedelta(days=2)).date().isoformat()
    recent = (
        await stack["stats"].get("/stats/overview", params={**where, "from": since}, headers=ADMIN)
    ).json()
    assert recent["activities"] < expected["activities"]  # the talk was three days ago
    await page.locator("#from-date").fill(since)
    await expect(page.get_by_test_id("area-name")).to_contain_text(f"{since} 至 今天")
    await expect(page.locator("body")).to_have_attribute("data-state", "ready")
    for key in ("activities", "people_served", "volunteer_hours"):
        await expect(page.get_by_test_id(f"figure-{key}")).to_have_text(shown(recent[key]))
    await page.get_by_role("button", name="全部时间").click()
    await expect(page.get_by_test_id("figure-activities")).to_have_text(
        shown(expected["activities"])
    )

    await page.set_viewport_size({"width": 390, "height": 844})
    await page.wait_for_timeout(300)  # the charts redraw at the new width
    await page.screenshot(path=SCREENSHOTS / "dashboard-phone.png", full_page=True)
    assert errors == []


async def test_without_a_token_the_page_asks_for_one(site: str, context: BrowserContext) -> None:
    page = await open_page(context, f"{site}/")
    form = page.get_by_test_id("token-form")
    await expect(form).to_be_visible()
    await expect(page.locator("body")).to_have_attribute("data-state", "login")
    await expect(page.locator("#board")).to_be_hidden()

    # A token the service refuses (401) is forgotten and asked for again.
    await page.get_by_label("访问令牌").fill("not-a-token")
    await page.get_by_role("button", name="进入看板").click()
    await expect(page.locator("#token-error")).to_have_text("令牌无效或已过期，请重新输入。")
    await expect(form).to_be_visible()
    assert await page.evaluate("localStorage.getItem('qise.dashboard.token')") is None

    # A good one opens the board, county-wide for a county admin.
    await page.get_by_label("访问令牌").fill(token())
    await page.get_by_role("button", name="进入看板").click()
    await expect(page.locator("body")).to_have_attribute("data-state", "ready")
    await expect(form).to_be_hidden()
    assert await page.get_by_test_id("scope-picker").input_value() == "county:"
    await expect(page.get_by_test_id("figure-volunteers")).not_to_have_text("—")

    # The stored token is used the next time, with nothing in the address.
    again = await open_page(context, f"{site}/")
    await expect(again.locator("body")).to_have_attribute("data-state", "ready")


async def test_a_community_outside_the_token_is_not_offered(
    stack: Stack, community: str, site: str, context: BrowserContext
) -> None:
    elsewhere = f"{community}x"
    await create_community(stack["registry"], elsewhere, "别的社区", "测试大支部")
    await known_to_stats(stack, community, elsewhere)

    page = await open_page(context, f"{site}/#token={token('community_admin', [community])}")
    await expect(page.locator("body")).to_have_attribute("data-state", "ready")
    offered = await page.locator("#scope-picker option").evaluate_all(
        "options => options.map(o => o.value)"
    )
    # Neither the other community, nor its branch, nor the whole county.
    assert offered == [f"community:{community}"]
