"""The console's 关爱对象 pages in a real browser: a community admin registers a person
under care with their consent, a weekly plan and the orange team, logs a visit, sees another
person (registered through the API as under care for weeks) overdue in red with the days
late and counted at the top, and ends the first person's care with a reason. Ends with
checks through the requests API."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import BrowserContext, Locator, Page, expect

from services.requests.models import Community, Team
from shared.db import utcnow
from tests.api import create_team
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import calm, open_page, snap, toast
from tests.conftest import ADMIN, Stack, token
from tests.security.world import known

pytestmark = CONSOLE_TEST


async def pick(page: Page, within: Page | Locator, label: str, option: str) -> None:
    field = within.get_by_label(label, exact=True)
    await field.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')][1]").click()
    await page.get_by_role("option", name=option, exact=True).click()
    await expect(page.locator(".el-select-dropdown").filter(visible=True)).to_have_count(0)


async def test_register_visit_overdue_and_end_care(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry, requests = stack["registry"], stack["requests"]
    team = await create_team(registry, community, "orange", name="橙色关爱队")
    await known(stack, "requests", Community, community)
    await known(stack, "requests", Team, uuid.UUID(team["id"]))
    today = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).date()
    # Another person, under care for 20 days with a weekly plan and never visited: 13 days late.
    late = await requests.post(
        "/care-recipients",
        json={
            "community_id": community,
            "name": "李大爷",
            "phone": "13900001111",
            "kind": "disabled",
            "consent": True,
            "consent_on": str(today - timedelta(days=21)),
            "under_care_since": str(today - timedelta(days=20)),
            "plan_days": 7,
            "team_id": team["id"],
        },
        headers=ADMIN,
    )
    assert late.status_code == 201, late.text

    admin = token("community_admin", [community], sub="care-admin")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={admin}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    await page.get_by_test_id("menu").get_by_role("menuitem", name="关爱对象").click()
    table = page.get_by_test_id("care-recipient-table")
    await expect(table).to_contain_text("李大爷")

    # Register a person under care: consent first, the reason for it said beside it.
    await page.get_by_test_id("register-care").click()
    dialog = page.get_by_test_id("care-dialog")
    await dialog.get_by_label("姓名").fill("王奶奶")
    await dialog.get_by_label("联系电话").fill("13800002222")
    await dialog.get_by_label("住址").fill("3号楼2单元501")
    await pick(page, dialog, "类别", "独居老人")
    await expect(dialog).to_contain_text("个人信息保护法")
    await dialog.get_by_role("button", name="登记", exact=True).click()
    await expect(dialog).to_contain_text("须经本人（或监护人）同意才能登记")
    await dialog.get_by_text("本人（或监护人）已同意登记").click()
    await dialog.get_by_text("每两周").click()
    await dialog.get_by_text("每周", exact=True).click()
    await pick(page, dialog, "负责服务队", "橙色关爱队")
    await snap(page, "console-care-register")
    await dialog.get_by_role("button", name="登记", exact=True).click()
    await toast(page, "已登记关爱对象 王奶奶")
    facts = page.get_by_test_id("care-facts")
    await expect(facts).to_contain_text("7 天后应走访")
    await expect(facts).to_contain_text("橙色关爱队")
    await expect(facts).to_contain_text("13800002222")

    # Log a visit.
    await page.get_by_test_id("log-visit").click()
    visit = page.get_by_test_id("visit-dialog")
    await visit.get_by_label("走访情况").fill("上门测血压，130/85，精神不错")
    await visit.get_by_role("button", name="记录", exact=True).click()
    await toast(page, "已记录对 王奶奶 的走访")
    await expect(page.get_by_test_id("visit-table")).to_contain_text("上门测血压")
    await expect(page.get_by_test_id("visit-table")).to_contain_text("按时")
    await calm(page)
    await snap(page, "console-care-recipient")
    recipient_id = page.url.rsplit("/", 1)[-1]

    # The list: the late one in red with its days late, and counted at the top.
    await page.get_by_role("button", name="返回列表").click()
    row = table.locator("tr").filter(has_text="李大爷")
    await expect(row.get_by_test_id("care-next-due")).to_contain_text("逾期 13 天")
    await expect(row).to_have_class(re.compile("row-overdue"))
    await expect(page.get_by_test_id("care-overdue-count")).to_have_text("1")
    await pick(page, page, "走访", "逾期")
    await page.get_by_role("button", name="查询").click()
    await expect(page).to_have_url(re.compile("overdue=true"))
    await expect(table).not_to_contain_text("王奶奶")
    await expect(table).to_contain_text("李大爷")
    await calm(page)
    await snap(page, "console-care-recipients")

    # End the first person's care, with a reason (confirmed in the dialog).
    await page.goto(f"{console_site}/#/care-recipients/{recipient_id}")
    await page.get_by_test_id("end-care").click()
    ending = page.get_by_test_id("end-dialog")
    await ending.get_by_role("button", name="确认结束").click()
    await expect(ending).to_contain_text("请填写结束关爱的原因")
    await ending.get_by_label("结束原因").fill("已随子女搬离本社区")
    await ending.get_by_role("button", name="确认结束").click()
    await toast(page, "已结束对 王奶奶 的关爱")
    await expect(page.get_by_test_id("care-facts")).to_contain_text("已随子女搬离本社区")

    # The requests API holds what the pages did.
    ended = (await requests.get(f"/care-recipients/{recipient_id}", headers=ADMIN)).json()
    assert (ended["status"], ended["end_reason"], ended["visits"]) == (
        "ended",
        "已随子女搬离本社区",
        1,
    )
    assert (ended["kind"], ended["plan_days"], ended["team_id"]) == (
        "elderly_alone",
        7,
        team["id"],
    )
    assert ended["consent_on"] == str(today) and ended["address"] == "3号楼2单元501"
    visits = (await requests.get(f"/care-recipients/{recipient_id}/visits", headers=ADMIN)).json()
    [logged] = visits["items"]
    assert (logged["visited_on"], logged["on_time"], logged["recorded_by"]) == (
        str(today),
        True,
        "care-admin",
    )
    [summary] = (
        await requests.get(
            "/care-recipients/summary", params={"community_id": community}, headers=ADMIN
        )
    ).json()
    assert (summary["under_care"], summary["overdue"]) == (1, 1)
    assert not errors, errors
