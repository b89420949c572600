"""The console's 资源联享 pages in a real browser: a community admin offers a hall open on
weekdays 08:00-18:00 and shares it with the branch; the admin of a neighbour community of
the same branch books 09:00-11:00 through the page, is refused 10:00-12:00 with the Chinese
409 naming the booking in the way (and a time outside the opening hours beside the field),
and cancels; a booking made for an activity shows on the activity's page. Ends with checks
through the activities API."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import BrowserContext, expect

from services.activities.models import Community
from shared.db import utcnow
from tests.api import create_branch, create_community, create_team, create_volunteer
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import calm, confirm, open_page, snap, toast
from tests.conftest import ADMIN, Stack, auth, token
from tests.integration.test_activities import activity_body, log
from tests.security.world import known

pytestmark = CONSOLE_TEST


def _key(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def next_monday() -> date:
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    return today + timedelta(days=7 - today.weekday() + 7)  # a Monday 8-14 days ahead


async def test_offer_share_book_refuse_and_cancel(
    stack: Stack, console_site: str, context: BrowserContext
) -> None:
    registry, activities = stack["registry"], stack["activities"]
    branch = _key("b")
    await create_branch(registry, branch, "城南社区大支部")
    owner, neighbour = _key("c"), _key("c")
    for community, name in ((owner, "东风社区"), (neighbour, "西湖社区")):
        await create_community(registry, community, f"{name} {community}", branch)
    for community in (owner, neighbour):
        await known(stack, "activities", Community, community)

    # The owner's admin offers the hall, shared with the branch (weekdays 08:00-18:00 is
    # the editor's first proposal).
    owner_admin = token("community_admin", [owner], sub="owner-admin")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={owner_admin}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    await page.get_by_test_id("menu").get_by_role("menuitem", name="资源联享").click()
    await expect(page.get_by_test_id("resource-table")).to_contain_text("没有符合条件的资源")
    await page.get_by_test_id("offer-resource").click()
    dialog = page.get_by_test_id("offer-dialog")
    hall = f"多功能厅 {owner[-4:]}"
    await dialog.get_by_label("名称").fill(hall)
    await dialog.get_by_label("说明").fill("可容纳80人，有投影")
    await dialog.get_by_label("容量").fill("80")
    rows = dialog.get_by_test_id("availability").locator(".window")
    await expect(rows).to_have_count(5)
    shared = dialog.get_by_role("switch", name="向大支部共享")
    # The switch's box takes the click, as a person's does (the input itself is hidden).
    await shared.locator("xpath=ancestor::div[contains(@class, 'el-switch')][1]").click()
    await expect(shared).to_be_checked()
    await snap(page, "console-resource-offer")
    await dialog.get_by_role("button", name="提供", exact=True).click()
    await toast(page, f"已提供资源 {hall}")
    facts = page.get_by_test_id("resource-facts")
    await expect(facts).to_contain_text("周一 08:00–18:00；周二 08:00–18:00")
    await expect(facts).to_contain_text("向大支部共享")
    listed = await activities.get("/resources", params={"community_id": owner}, headers=ADMIN)
    [resource] = listed.json()["items"]

    # The neighbour's admin sees it among the branch's shared resources and books it.
    neighbour_admin = token("community_admin", [neighbour], sub="neighbour-admin")
    await page.goto(f"{console_site}/#/login?token={neighbour_admin}")
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    await page.get_by_test_id("menu").get_by_role("menuitem", name="资源联享").click()
    table = page.get_by_test_id("resource-table")
    await expect(table).to_contain_text(hall)
    await expect(table).to_contain_text("大支部共享")
    await calm(page)
    await snap(page, "console-resources")
    await table.get_by_role("link", name=hall).click()

    monday = next_monday()
    form = page.get_by_test_id("booking-form")
    await form.get_by_label("日期").fill(str(monday))
    await form.get_by_label("开始").fill("09:00")
    await form.get_by_label("结束").fill("11:00")
    await form.get_by_label("用途").fill("重阳节文艺演出排练")
    await form.get_by_role("button", name="预约").click()
    await toast(page, f"已预约 {hall}")
    day = page.get_by_test_id("week").locator(f"[data-day='{monday}']")
    await expect(day.get_by_test_id("booking")).to_contain_text("09:00–11:00")

    # An overlapping time is refused, in Chinese, naming the booking in the way.
    await form.get_by_label("开始").fill("10:00")
    await form.get_by_label("结束").fill("12:00")
    await form.get_by_label("用途").fill("合唱队排练")
    await form.get_by_role("button", name="预约").click()
    refused = page.get_by_test_id("booking-refused")
    await expect(refused).to_contain_text("该时段已被预约")
    await expect(refused).to_contain_text("09:00–11:00")
    # Outside the opening hours: said beside the start.
    await form.get_by_label("开始").fill("18:30")
    await form.get_by_label("结束").fill("19:30")
    await form.get_by_role("button", name="预约").click()
    await expect(form.locator(".el-form-item").filter(has_text="开始")).to_contain_text(
        "不在该资源的开放时间内"
    )
    await calm(page)
    await snap(page, "console-resource")

    # Cancel the booking (confirmed).
    await day.get_by_role("button", name="取消 09:00–11:00 的预约").click()
    await confirm(page, "取消预约")
    await toast(page, "已取消预约")
    await expect(day.get_by_test_id("booking")).to_contain_text("已取消")

    # A booking for an activity shows on the activity's page.
    leader = await create_volunteer(registry, neighbour, name="张队长")
    team = await create_team(registry, neighbour, "purple", leader_volunteer_id=leader["id"])
    logged = await log(activities, activity_body(neighbour, team, [leader], title="重阳文艺演出"))
    assert logged.status_code == 201, logged.text
    activity = logged.json()
    start = f"{monday + timedelta(days=1)}T14:00:00+08:00"
    end = f"{monday + timedelta(days=1)}T16:00:00+08:00"
    for_activity = await activities.post(
        f"/resources/{resource['id']}/bookings",
        json={
            "community_id": neighbour,
            "starts_at": start,
            "ends_at": end,
            "purpose": "演出",
            "activity_id": activity["id"],
        },
        headers=auth("community_admin", [neighbour], sub="neighbour-admin"),
    )
    assert for_activity.status_code == 201, for_activity.text
    await page.goto(f"{console_site}/#/activities/{activity['id']}")
    shown = page.get_by_test_id("activity-bookings")
    await expect(shown).to_contain_text(hall)
    await expect(shown).to_contain_text("14:00–16:00")

    # The activities API holds what the pages did.
    read = await activities.get(f"/resources/{resource['id']}", headers=ADMIN)
    assert read.json()["shared_with_branch"] is True
    assert read.json()["availability"] == [
        {"weekday": d, "from": "08:00", "to": "18:00"} for d in range(1, 6)
    ]
    week = await activities.get(
        f"/resources/{resource['id']}/bookings",
        params={"from": str(monday), "to": str(monday + timedelta(days=6))},
        headers=ADMIN,
    )
    found = sorted(
        (b["starts_at"], b["status"], b["community_id"], b["booked_by"])
        for b in week.json()["items"]
    )
    assert [(s, c, who) for _, s, c, who in found] == [
        ("cancelled", neighbour, "neighbour-admin"),
        ("booked", neighbour, "neighbour-admin"),
    ]
    again = await activities.get(f"/activities/{activity['id']}", headers=ADMIN)
    assert [b["resource_name"] for b in again.json()["bookings"]] == [hall]
    # Only the two refusals the test asked for failed to load.
    assert all(e.startswith(("409 ", "422 ")) for e in errors), errors
