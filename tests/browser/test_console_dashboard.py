"""数据看板 and 报告 in the console, in a real browser: a scope and a period chosen like a
person (kept in the address, kept over a reload), every figure equal to what the stats API
answers for them; the summary report as the API writes it, downloaded, and printed with
the menu and buttons hidden; and the banner when a service is out of reach, with 重试
bringing the figures (and the form, with what was typed) back."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from tests.api import next_phone, read
from tests.browser.conftest import CONSOLE_TEST, ZONE, populate
from tests.browser.pages import open_page, snap
from tests.conftest import ADMIN, Stack, eventually, token
from tests.integration.test_stats import HEADLINE

pytestmark = CONSOLE_TEST


def shown(value: float) -> str:
    """A number as the page writes it: thousands separators, at most one decimal."""
    text = f"{value:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def js_number(value: float) -> str:
    """A number as the page's script writes it into an attribute (4.0 is "4")."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def today() -> datetime:
    return datetime.now(ZoneInfo(ZONE))


def hash_query(page: Page) -> dict[str, str]:
    """The query of the page's address after the #/ (hash history)."""
    fragment = urlsplit(page.url).fragment
    return {k: v[0] for k, v in parse_qs(urlsplit(fragment).query).items()}


async def stats_caught_up(stack: Stack, community: str) -> None:
    async def check() -> None:
        response = await stack["stats"].get(
            "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
        )
        figures = response.json()
        assert (figures["volunteers"], figures["teams"], figures["activities"]) == (2, 1, 2)
        assert figures["certified_hours"] == 4.0
        assert figures["requests"]["avg_rating"] == 5.0

    await eventually(check)


@pytest.fixture
async def populated(stack: Stack, community: str) -> None:
    """The test's community holds `populate`'s data, and stats has applied all of it."""
    await populate(stack, community)
    await stats_caught_up(stack, community)


async def board_matches_the_api(page: Page, stack: Stack, where: dict[str, str]) -> None:
    """Every figure, both charts' data, the leaderboard and the open orders are the API's."""
    figures = await read(stack["stats"], "/stats/overview", **where)
    for key in HEADLINE:
        card = page.get_by_test_id(f"figure-{key}")
        await expect(card).to_have_attribute("data-value", js_number(figures[key]))
        await expect(card.locator(".value")).to_contain_text(shown(figures[key]))
    for key in ("submitted", "open", "completed", "overdue"):
        await expect(page.get_by_test_id(f"requests-{key}")).to_have_attribute(
            "data-value", str(figures["requests"][key])
        )
    for key in ("paid_orders", "income"):  # 壮大集体经济
        await expect(page.get_by_test_id(f"requests-{key}")).to_have_attribute(
            "data-value", js_number(figures[key])
        )
    for key, value in figures["branch_work"].items():  # 服务难题联解
        if isinstance(value, int):
            await expect(page.get_by_test_id(f"branch-{key}")).to_have_attribute(
                "data-value", str(value)
            )
    for key in ("under_care", "visits", "visits_on_time", "overdue"):  # 关爱对象
        await expect(page.get_by_test_id(f"register-{key}")).to_have_attribute(
            "data-value", str(figures["care_register"][key])
        )
    for key in ("open", "done", "overdue"):
        await expect(page.get_by_test_id(f"care-{key}")).to_have_attribute(
            "data-value", str(figures["care_tasks"][key])
        )
    orange = next(c for c in figures["by_category"] if c["category"] == "orange")
    row = page.get_by_test_id("category-table").locator("tbody tr", has_text=orange["name"])
    cells = [orange[k] for k in ("teams", "volunteers", "activities")]
    cells += [shown(orange["people_served"]), shown(orange["volunteer_hours"]), orange["requests"]]
    await expect(row.locator("td")).to_have_text([orange["name"], *map(str, cells)])

    shape = {k: v for k, v in hash_query(page).items() if k in ("metric", "interval")}
    series = await read(stack["stats"], "/stats/timeseries", **where, **shape)
    chart = page.get_by_test_id("timeseries")
    await expect(chart).to_have_attribute("data-points", str(len(series)))
    total = round(sum(p["value"] for p in series), 2)
    await expect(chart).to_have_attribute("data-total", js_number(total))

    area = {k: v for k, v in where.items() if k in ("scope", "id")}
    ranked = await read(stack["stats"], "/stats/leaderboard", **area, limit=10)
    rows = page.get_by_test_id("leaderboard").locator("tbody tr")
    await expect(rows.locator("td:nth-child(2)")).to_have_text([r["name"] for r in ranked])
    waiting = await read(stack["stats"], "/stats/open-requests", **area, limit=20)
    await expect(page.get_by_test_id("open-requests").locator("tbody tr")).to_have_count(
        len(waiting)
    )


async def pick_day(page: Page, label: str, day: str) -> None:
    field = page.get_by_label(label, exact=True)
    await field.fill(day)
    await field.press("Enter")


@pytest.mark.usefixtures("populated")
async def test_the_dashboard_keeps_scope_and_period_and_shows_the_apis_figures(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={token()}", errors)

    # A county-wide token opens on the whole county.
    await expect(page.get_by_test_id("board-heading")).to_have_text("全县 · 全部时间")
    await board_matches_the_api(page, stack, {"scope": "county"})

    # The scope: this community, found by typing in the list the token may see.
    await page.get_by_role("combobox", name="统计范围").click()
    await page.get_by_role("combobox", name="统计范围").fill(community)
    await page.get_by_role("option", name=community).click()
    await expect(page.get_by_test_id("board-heading")).to_contain_text(community)
    assert hash_query(page) == {"scope": "community", "id": community}

    # The period: the last two days (the talk three days ago falls out).
    since = (today() - timedelta(days=2)).date().isoformat()
    until = today().date().isoformat()
    await pick_day(page, "开始日期", since)
    await pick_day(page, "结束日期", until)
    where = {"scope": "community", "id": community, "from": since, "to": until}
    await expect(page.get_by_test_id("board-heading")).to_contain_text(f"{since} 至 {until}")
    assert hash_query(page) == where
    recent = await read(stack["stats"], "/stats/overview", **where)
    assert (recent["activities"], recent["people_served"]) == (1, 1200)
    await board_matches_the_api(page, stack, where)

    # A reload keeps both, and so do the figures.
    await page.reload()
    await expect(page.get_by_label("开始日期", exact=True)).to_have_value(since)
    await expect(page.get_by_label("结束日期", exact=True)).to_have_value(until)
    await expect(page.get_by_test_id("board-heading")).to_contain_text(community)
    assert hash_query(page) == where
    await board_matches_the_api(page, stack, where)

    # The trend by week and in people served: also in the address, also the API's.
    await page.get_by_test_id("series-metric").click()
    await page.get_by_role("option", name="服务人次").click()
    await page.get_by_test_id("timeseries").get_by_text("周", exact=True).click()
    await expect(page.get_by_test_id("series-note")).to_have_text(
        f"服务人次 · 按周 · {since} 至 {until}"
    )
    assert hash_query(page) == {**where, "metric": "people_served", "interval": "week"}
    weeks = await read(
        stack["stats"], "/stats/timeseries", **where, metric="people_served", interval="week"
    )
    await expect(page.get_by_test_id("timeseries")).to_have_attribute(
        "data-total", js_number(round(sum(p["value"] for p in weeks), 2))
    )

    # A month: the whole of it, said as a month.
    month = today().strftime("%Y-%m")
    await page.get_by_label("按月", exact=True).fill(month)
    await page.get_by_label("按月", exact=True).press("Enter")
    await expect(page.get_by_test_id("board-heading")).to_contain_text(
        f"{today().year}年{today().month}月"
    )
    query = hash_query(page)
    assert query["from"] == f"{month}-01" and query["to"].startswith(month)
    await board_matches_the_api(
        page,
        stack,
        {"scope": "community", "id": community, "from": query["from"], "to": query["to"]},
    )

    await page.get_by_test_id("all-time").click()
    await expect(page.get_by_test_id("board-heading")).to_contain_text("全部时间")
    await board_matches_the_api(page, stack, {"scope": "community", "id": community})
    await snap(page, "console-dashboard")
    assert errors == []


@pytest.mark.usefixtures("populated")
async def test_the_report_is_the_apis_and_prints_without_the_shell(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)

    # The community's own board; the report follows its scope and period.
    await expect(page.get_by_test_id("board-heading")).to_contain_text(community)
    since = (today() - timedelta(days=2)).date().isoformat()
    await pick_day(page, "开始日期", since)
    await expect(page.get_by_test_id("board-heading")).to_contain_text(f"{since} 起")
    await page.get_by_test_id("to-report").click()
    await expect(page).to_have_url(re.compile(r"#/report\?"))
    await expect(page.get_by_test_id("menu").get_by_role("menuitem", name="报告")).to_be_visible()
    where = {"scope": "community", "id": community, "from": since}
    assert hash_query(page) == where

    # The report says what the API's report says, block for block.
    markdown = (
        await stack["stats"].get(
            "/reports/summary", params={**where, "format": "markdown"}, headers=ADMIN
        )
    ).text
    lines = [line for line in markdown.splitlines() if line]
    report = page.get_by_test_id("report")
    await expect(report.locator("h1")).to_have_text(lines[0].removeprefix("# "))
    headings = [line.removeprefix("## ") for line in lines if line.startswith("## ")]
    await expect(report.locator("h3")).to_have_text(headings)
    await expect(report.locator("p").nth(1)).to_have_text(lines[2])
    assert "开展活动1次，服务群众1200人次" in lines[2]

    # Downloaded: the API's own Markdown.
    async with page.expect_download() as downloading:
        await page.get_by_test_id("download-markdown").click()
    download = await downloading.value
    assert download.suggested_filename.endswith(".md")
    path = await download.path()
    assert path.read_text(encoding="utf-8") == markdown

    # 打印 asks the browser to print.
    await page.evaluate(
        "() => { window.print = () => { window.printed = (window.printed || 0) + 1 } }"
    )
    await page.get_by_role("button", name="打印").click()
    assert await page.evaluate("window.printed") == 1

    await snap(page, "console-report")
    # On paper: the report alone, without the menu, header, selectors or buttons.
    await page.emulate_media(media="print")
    await expect(page.get_by_test_id("menu")).to_be_hidden()
    await expect(page.get_by_test_id("sign-out")).to_be_hidden()
    await expect(page.get_by_role("button", name="打印")).to_be_hidden()
    await expect(page.get_by_test_id("area-period")).to_be_hidden()
    await expect(report.locator("h1")).to_be_visible()
    await snap(page, "console-report-print")
    await page.emulate_media(media="screen")
    await expect(page.get_by_test_id("menu")).to_be_visible()
    assert errors == []


@pytest.mark.usefixtures("populated")
async def test_an_unreachable_service_shows_a_banner_and_retry_brings_the_figures(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    secretary = token("community_admin", [community], sub="secretary")
    page = await open_page(context, f"{console_site}/#/login?token={secretary}")
    await expect(page.get_by_test_id("figure-volunteers")).to_have_attribute("data-value", "2")

    # The browser cannot reach the console for stats (the request fails outright).
    async def cut(route: Route) -> None:
        await route.abort("connectionrefused")

    await page.route("**/api/stats/**", cut)
    await page.reload()
    banner = page.get_by_test_id("outage-banner")
    await expect(banner).to_contain_text("统计服务暂时无法连接")
    await expect(page.get_by_test_id("figure-volunteers")).to_have_count(0)
    await snap(page, "console-outage")

    # Then the console answers for it as it does when stats is down (503); 重试 still fails.
    async def down(route: Route) -> None:
        await route.fulfill(
            status=503,
            content_type="application/problem+json",
            body='{"type":"about:blank","title":"Service Unavailable","status":503}',
        )

    await page.unroute("**/api/stats/**", cut)
    await page.route("**/api/stats/**", down)
    await banner.get_by_role("button", name="重试").click()
    await expect(banner).to_contain_text("统计服务暂时无法连接")

    # Back: 重试 loads the figures, and the banner goes.
    await page.unroute("**/api/stats/**", down)
    await banner.get_by_role("button", name="重试").click()
    await expect(banner).to_have_count(0)
    await board_matches_the_api(page, stack, {"scope": "community", "id": community})

    # A form: what was typed stays through the outage and 重试, and is then saved.
    await page.goto(f"{console_site}/#/volunteers/new")
    await expect(page.get_by_test_id("volunteer-form")).to_be_visible()
    phone = next_phone()
    await page.get_by_label("姓名").fill("赵敏")
    await page.get_by_label("手机号").fill(phone)
    await page.route("**/api/registry/**", down)
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(banner).to_contain_text("志愿者登记服务暂时无法连接")
    await expect(page.get_by_label("姓名")).to_have_value("赵敏")
    await page.unroute("**/api/registry/**", down)
    await banner.get_by_role("button", name="重试").click()
    await expect(banner).to_have_count(0)
    await expect(page.get_by_label("姓名")).to_have_value("赵敏")
    await expect(page.get_by_label("手机号")).to_have_value(phone)
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.locator(".el-message--success")).to_contain_text("已登记志愿者 赵敏")

    listed = await stack["registry"].get(
        "/volunteers", params={"community_id": community, "q": "赵敏"}, headers=ADMIN
    )
    assert [v["phone"] for v in listed.json()["items"]] == [phone]


async def test_a_county_admin_of_some_communities_opens_on_one_of_them(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    """Such a token is refused the county scope (403): its board opens on its community,
    with the figures the API gives, and offers no 全县."""
    await populate(stack, community)
    await stats_caught_up(stack, community)
    limited = token("county_admin", [community], sub="county-desk")
    refused = await stack["stats"].get(
        "/stats/overview",
        params={"scope": "county"},
        headers={"Authorization": f"Bearer {limited}"},
    )
    assert refused.status_code == 403, refused.text
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={limited}", errors)
    await expect(page.get_by_test_id("board-heading")).to_contain_text(community)
    await board_matches_the_api(page, stack, {"scope": "community", "id": community})
    await page.get_by_role("combobox", name="统计范围").click()
    await expect(page.get_by_role("option", name=community)).to_be_visible()
    await expect(page.get_by_role("option", name="全县")).to_have_count(0)
    assert errors == []
