"""活动 in the console (工作台), in a real browser: a community admin logs an activity for a
team registered a moment before (the console waits out activities' `not-yet-known` behind
a spinner), finds it in the list, verifies it, corrects one and voids another; each
workflow ends with what the activities API holds."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from playwright.async_api import BrowserContext, Page, Route, expect

from tests.api import create_team, create_volunteer, join_team
from tests.browser.conftest import CONSOLE_TEST, ZONE
from tests.browser.pages import only, open_page, snap, toast
from tests.conftest import ADMIN, Stack, token
from tests.integration.test_activities import NOT_YET_KNOWN, activity_body, log

pytestmark = CONSOLE_TEST


async def crew(stack: Stack, community: str, names: tuple[str, ...]) -> dict[str, Any]:
    """A team of the orange color and its volunteers, registered through the registry API."""
    registry = stack["registry"]
    people = [await create_volunteer(registry, community, name=n) for n in names]
    team = await create_team(registry, community, "orange", name="橙色义诊服务队")
    for person in people:
        await join_team(registry, team, person)
    return {"team": team, "people": people}


async def signed_in(context: BrowserContext, site: str, community: str, to: str) -> Page:
    secretary = token("community_admin", [community], sub="secretary")
    page = await open_page(context, f"{site}/#/login?token={secretary}&redirect={quote(to)}")
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    return page


async def choose(page: Page, label: str, option: str) -> None:
    """Pick `option` of the select labelled `label` (Element Plus renders the list apart)."""
    field = page.get_by_role("combobox", name=label, exact=True)
    await page.locator(".el-select__wrapper").filter(has=field).click()
    item = page.locator(".el-select-dropdown__item:visible")
    await item.filter(has_text=re.compile(f"^{re.escape(option)}$")).click()


async def type_time(page: Page, label: str, moment: datetime) -> None:
    field = page.get_by_label(label, exact=True)
    await field.fill(moment.strftime("%Y-%m-%d %H:%M"))
    await field.press("Tab")  # Enter would submit the form


async def settled(page: Page, name: str) -> None:
    """`snap` once the toasts are gone, so they hide nothing of the page."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    await snap(page, name)


def yesterday(hour: int, minute: int = 0) -> datetime:
    today = datetime.now(ZoneInfo(ZONE)).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return today - timedelta(days=1)


async def test_log_an_activity_at_once_then_find_and_verify_it(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    team_people = await crew(stack, community, ("王芳", "李强"))
    team, (wang, li) = team_people["team"], team_people["people"]
    page = await signed_in(context, console_site, community, "/activities/new")

    # The first answer is activities not knowing the team yet (whether or not the registry's
    # news has arrived by now): the console must wait it out by itself behind a spinner.
    refused: list[str] = []

    async def not_known_at_first(route: Route) -> None:
        if route.request.method == "POST" and not refused:
            refused.append(route.request.url)
            await route.fulfill(
                status=422,
                headers={"Retry-After": "2", "Content-Type": "application/problem+json"},
                body=json.dumps(
                    {
                        "type": NOT_YET_KNOWN,
                        "title": "Referenced entity not known yet",
                        "status": 422,
                        "detail": f"team {team['id']} is not known here yet; retry",
                        "errors": [{"loc": ["body", "team_id"], "msg": "not known yet"}],
                    }
                ),
            )
        else:
            await route.continue_()

    await page.route(re.compile(r".*/api/activities/activities$"), not_known_at_first)

    form = page.get_by_test_id("activity-form")
    await expect(form).to_contain_text("不超过 24 小时")  # the API's rules beside their fields
    await expect(form).to_contain_text("各组人数之和不能超过服务人数")
    await choose(page, "服务队", "橙色义诊服务队")
    await choose(page, "活动类型", "义诊")
    await page.get_by_label("活动名称").fill("义诊进社区")
    await type_time(page, "开始时间", yesterday(9))
    await type_time(page, "结束时间", yesterday(11))
    await expect(page.get_by_test_id("length")).to_have_text("活动时长 2 小时")
    await page.get_by_label("地点").fill("社区广场")
    await page.get_by_test_id("whole-team").click()
    await expect(page.get_by_test_id("participants")).to_contain_text("王芳")
    await page.get_by_label("李强 服务时长").fill("3")
    await page.get_by_label("服务人数").fill("120")
    await page.get_by_test_id("add-beneficiary").click()
    await page.get_by_label("受益群体 1", exact=True).fill("老年人")
    await page.get_by_label("受益群体 1 人数").fill("80")
    await page.get_by_test_id("add-output").click()
    await page.get_by_label("成果 1", exact=True).fill("宣传资料（份）")
    await page.get_by_label("成果 1 数量").fill("300")

    # The form's own check first: 3 hours in a 2-hour activity, beside 李强's line.
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.get_by_test_id("participants")).to_contain_text("超过了活动时长（2.00 小时）")
    assert not refused
    await page.get_by_label("李强 服务时长").fill("1.5")
    await page.get_by_label("李强 服务时长").press("Tab")
    await settled(page, "console-activity-form")

    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.get_by_test_id("waiting")).to_contain_text("正在等待服务队/志愿者信息同步")
    await toast(page, "已登记活动 义诊进社区")
    assert len(refused) == 1
    await expect(page).to_have_url(re.compile(r"#/activities/[0-9a-f-]{36}$"))
    activity_id = page.url.rsplit("/", 1)[1]

    # The detail: its data, its people with their hours, its history; then verify it.
    facts = page.get_by_test_id("activity-facts")
    await expect(page.get_by_test_id("status")).to_have_text("已登记")
    await expect(facts).to_contain_text("橙色义诊服务队")
    await expect(facts).to_contain_text("老年人 80 人")
    await expect(facts).to_contain_text("2 人，共 3.5 小时")
    people = page.get_by_test_id("participant-table")
    await expect(people.locator("tbody tr").filter(has_text="李强")).to_contain_text("1.5 小时")
    await page.get_by_test_id("verify").click()
    await expect(page.locator(".el-message-box")).to_contain_text("共 3.5 小时将计为已认证时长")
    await page.get_by_role("button", name="确认核实").click()
    await toast(page, "已核实")
    await expect(page.get_by_test_id("status")).to_have_text("已核实")
    await expect(page.get_by_test_id("history")).to_contain_text("核实")
    await expect(page.get_by_test_id("verify")).to_have_count(0)
    await settled(page, "console-activity")

    # The list, filtered by status and team: the filters live in the address.
    await page.get_by_test_id("menu").get_by_role("menuitem", name="活动").click()
    table = page.get_by_test_id("activity-table")
    await expect(table.locator("tbody tr").first).to_contain_text("义诊进社区")
    await choose(page, "状态", "已核实")
    await choose(page, "服务队", "橙色义诊服务队")
    await page.get_by_role("button", name="查询").click()
    await expect(page).to_have_url(re.compile(rf"\?team_id={team['id']}&status=verified$"))
    await page.reload()
    rows = table.locator("tbody tr")
    await only(rows, "已核实", "3.5 小时")
    await settled(page, "console-activities")
    await choose(page, "状态", "已作废")
    await page.get_by_role("button", name="查询").click()
    await expect(table).to_contain_text("没有符合条件的活动")
    # A shared link with a period and a kind: the day it took place holds it, the next does not.
    day = yesterday(9).date()
    await page.goto(f"{console_site}/#/activities?kind=free_clinic&from={day}&to={day}")
    await expect(page.get_by_placeholder("开始日期")).to_have_value(day.isoformat())
    await only(rows, "义诊进社区")
    next_day = day + timedelta(days=1)
    await page.goto(f"{console_site}/#/activities?kind=free_clinic&from={next_day}&to={next_day}")
    await expect(table).to_contain_text("没有符合条件的活动")

    # What activities holds is what was typed, verified.
    read = await stack["activities"].get(f"/activities/{activity_id}", headers=ADMIN)
    assert read.status_code == 200, read.text
    activity = read.json()
    assert (activity["status"], activity["verified_by"]) == ("verified", "secretary")
    assert activity["team_id"] == team["id"]
    assert (activity["category"], activity["kind"]) == ("orange", "free_clinic")
    assert (activity["title"], activity["location"]) == ("义诊进社区", "社区广场")
    assert activity["people_served"] == 120
    hours_of = {p["volunteer_id"]: p["hours"] for p in activity["participants"]}
    assert hours_of == {wang["id"]: 2.0, li["id"]: 1.5}
    assert activity["beneficiaries"] == {"老年人": 80}
    assert activity["outputs"] == {"宣传资料（份）": 300.0}
    started = datetime.fromisoformat(activity["started_at"])
    assert started == yesterday(9)
    hours = await stack["activities"].get(f"/volunteer-hours/{li['id']}", headers=ADMIN)
    assert hours.json()["certified_hours"] == 1.5


async def test_correct_one_activity_and_void_another(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    team_people = await crew(stack, community, ("赵敏", "孙浩"))
    team, people = team_people["team"], team_people["people"]
    logged = []
    for title in ("健康咨询", "重复的健康咨询"):
        body = activity_body(community, team, people, title=title, people_served=40)
        response = await log(stack["activities"], {**body, "beneficiaries": {}})
        assert response.status_code == 201, response.text
        logged.append(response.json())
    first, second = logged

    # Correct the first: the form holds the activity as it stands, plus the reason.
    page = await signed_in(context, console_site, community, f"/activities/{first['id']}")
    await expect(page.get_by_test_id("status")).to_have_text("已登记")
    await page.get_by_test_id("correct").click()
    form = page.get_by_test_id("activity-form")
    await expect(page.get_by_label("活动名称")).to_have_value("健康咨询")
    await expect(page.get_by_label("服务人数")).to_have_value("40")
    await expect(page.get_by_test_id("participants")).to_contain_text("赵敏")
    await page.get_by_label("服务人数").fill("45")
    await page.get_by_role("button", name="提交更正").click()
    reason = page.locator(".el-form-item").filter(has=page.get_by_label("更正原因"))
    await expect(reason.locator(".el-form-item__error")).to_have_text("请填写更正原因")
    await page.get_by_label("更正原因").fill("服务人数记错")
    await expect(form).to_contain_text("原活动将作废")
    await settled(page, "console-activity-correct")
    await page.get_by_role("button", name="提交更正").click()
    await toast(page, "已更正活动 健康咨询")
    await expect(page).to_have_url(re.compile(r"#/activities/[0-9a-f-]{36}$"))
    replacement_id = page.url.rsplit("/", 1)[1]
    assert replacement_id != first["id"]
    await expect(page.get_by_test_id("history")).to_contain_text("更正登记")
    await page.get_by_role("link", name="查看原活动").click()
    await expect(page.get_by_test_id("voided-note")).to_contain_text("更正原因：服务人数记错")
    await expect(page.get_by_test_id("correct")).to_have_count(0)

    # Void the second with a reason, asked for in a dialog.
    await page.goto(f"{console_site}/#/activities/{second['id']}")
    await expect(page.get_by_test_id("status")).to_have_text("已登记")
    await page.get_by_test_id("void").click()
    dialog = page.get_by_test_id("void-dialog")
    await expect(dialog).to_contain_text("不能恢复")
    await dialog.get_by_test_id("confirm-void").click()
    await expect(dialog.locator(".el-form-item__error")).to_have_text("请填写作废原因")
    await dialog.get_by_label("作废原因").fill("重复登记")
    await dialog.get_by_test_id("confirm-void").click()
    await toast(page, "已作废")
    await expect(page.get_by_test_id("status")).to_have_text("已作废")
    await expect(page.get_by_test_id("voided-note")).to_contain_text("作废原因：重复登记")
    await expect(page.get_by_test_id("history")).to_contain_text("作废原因：重复登记")
    await expect(page.get_by_test_id("void")).to_have_count(0)
    await settled(page, "console-activity-voided")

    # What activities holds: the first voided and linked to its replacement, the second voided.
    activities = stack["activities"]
    old = (await activities.get(f"/activities/{first['id']}", headers=ADMIN)).json()
    new = (await activities.get(f"/activities/{replacement_id}", headers=ADMIN)).json()
    gone = (await activities.get(f"/activities/{second['id']}", headers=ADMIN)).json()
    assert (old["status"], old["corrected_by_activity_id"]) == ("voided", replacement_id)
    assert old["void_reason"] == "corrected: 服务人数记错"
    assert (new["status"], new["corrects_activity_id"]) == ("logged", first["id"])
    assert new["people_served"] == 45
    assert new["participants"] == old["participants"]
    # The form holds times to the second.
    for moment in ("started_at", "ended_at"):
        at = datetime.fromisoformat(old[moment]).replace(microsecond=0)
        assert datetime.fromisoformat(new[moment]) == at
    assert (gone["status"], gone["voided_by"]) == ("voided", "secretary")
    assert gone["void_reason"] == "重复登记"
    counted = await activities.get(
        "/activities", params={"community_id": community, "status": "logged"}, headers=ADMIN
    )
    assert [a["id"] for a in counted.json()["items"]] == [replacement_id]
