"""Sorting a console table by its column headers, in a real browser: the 活动 list starts with
the latest activity, a click on 时间 turns it to the earliest first and one on 服务人数 to the
most people served first; each order is in the address, kept over a reload, and is the order
the activities API gives for the same `sort`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.async_api import BrowserContext, Locator, Page, expect

from tests.api import create_team, create_volunteer
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import snap
from tests.browser.test_console_activities import signed_in, yesterday
from tests.conftest import ADMIN, Stack
from tests.integration.test_activities import activity_body, log

pytestmark = CONSOLE_TEST

# (title, days before yesterday, people served): the later, the fewer served but not least.
ACTIVITIES = [("晨练陪护", 2, 20), ("义诊进社区", 1, 120), ("助老理发", 0, 60)]


async def api_titles(stack: Stack, community: str, sort: str) -> list[str]:
    listed = await stack["activities"].get(
        "/activities", params={"community_id": community, "sort": sort}, headers=ADMIN
    )
    assert listed.status_code == 200, listed.text
    return [a["title"] for a in listed.json()["items"]]


def header(table: Locator, label: str) -> Locator:
    return table.locator("thead th").filter(has_text=re.compile(f"^{label}$"))


async def shows(page: Page, titles: list[str]) -> None:
    table = page.get_by_test_id("activity-table")
    await expect(table.locator("tbody tr")).to_have_count(len(titles))
    await expect(table.locator(".title-link")).to_have_text(titles)


async def test_sort_the_activities_by_a_column_and_keep_it_over_a_reload(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    person = await create_volunteer(registry, community, name="王芳")
    team = await create_team(registry, community, "orange", name="橙色义诊服务队")
    for title, days, served in ACTIVITIES:
        start: datetime = yesterday(9) - timedelta(days=days)
        body = activity_body(
            community,
            team,
            [person],
            title=title,
            started_at=start.isoformat(),
            ended_at=(start + timedelta(hours=2)).isoformat(),
            people_served=served,
            beneficiaries={},
        )
        assert (await log(stack["activities"], body)).status_code == 201

    page = await signed_in(context, console_site, community, "/activities")
    table = page.get_by_test_id("activity-table")
    # The latest first, its arrow on 时间; the address stays plain.
    await shows(page, ["助老理发", "义诊进社区", "晨练陪护"])
    await expect(header(table, "时间")).to_have_class(re.compile(r"\bdescending\b"))
    assert await api_titles(stack, community, "-started_at") == [
        "助老理发",
        "义诊进社区",
        "晨练陪护",
    ]
    await expect(page).to_have_url(re.compile(r"#/activities$"))

    # A click on 时间: the earliest first, in the address and through a reload.
    await header(table, "时间").click()
    await expect(page).to_have_url(re.compile(r"#/activities\?sort=started_at$"))
    await shows(page, ["晨练陪护", "义诊进社区", "助老理发"])
    await page.reload()
    await shows(page, ["晨练陪护", "义诊进社区", "助老理发"])
    await expect(header(table, "时间")).to_have_class(re.compile(r"\bascending\b"))
    assert await api_titles(stack, community, "started_at") == [
        "晨练陪护",
        "义诊进社区",
        "助老理发",
    ]

    # 服务人数: the most served first; a filter keeps the order, and so does a reload.
    await header(table, "服务人数").click()
    await expect(page).to_have_url(re.compile(r"#/activities\?sort=-people_served$"))
    await shows(page, ["义诊进社区", "助老理发", "晨练陪护"])
    await expect(header(table, "时间")).not_to_have_class(re.compile("ascending|descending"))
    await page.get_by_role("button", name="查询").click()
    await page.reload()
    await expect(header(table, "服务人数")).to_have_class(re.compile(r"\bdescending\b"))
    await shows(page, ["义诊进社区", "助老理发", "晨练陪护"])
    assert await api_titles(stack, community, "-people_served") == [
        "义诊进社区",
        "助老理发",
        "晨练陪护",
    ]
    await snap(page, "console-activities-sorted")

    # Back in history: the order of that address, its arrow shown again.
    await page.go_back()
    await expect(page).to_have_url(re.compile(r"#/activities\?sort=started_at$"))
    await shows(page, ["晨练陪护", "义诊进社区", "助老理发"])
    await expect(header(table, "时间")).to_have_class(re.compile(r"\bascending\b"))
