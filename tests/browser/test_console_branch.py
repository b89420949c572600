"""大支部 and 服务难题联解 in a real browser: a county admin finds the branch and records what a
resident unit brings (共建协议); a community without an orange team escalates a resident's
order to the branch from the order page; the branch's admin gives it, in 难题联解, to the
resident unit's orange team in the other community; that team's leader accepts and completes
it. Each step ends with a check of the services' API."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from playwright.async_api import BrowserContext, Page, expect

from services.requests.models import Team
from tests.api import create, create_branch, create_team, create_volunteer, order_of
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import open_page, snap
from tests.conftest import ADMIN, Stack, auth, eventually, token
from tests.dates import county_today
from tests.integration.test_escalation import community_of_branch
from tests.integration.test_requests import order, submit
from tests.security.world import known, slug

pytestmark = CONSOLE_TEST


async def signed_in(context: BrowserContext, site: str, bearer: str, errors: list[str]) -> Page:
    """A fresh page signed in with `bearer` (the page's caches start empty)."""
    page = await open_page(context, f"{site}/#/login?token={bearer}", errors)
    await expect(page.get_by_test_id("menu")).to_be_visible()
    return page


async def quiet(page: Page) -> None:
    """Wait for the toasts to go, so that a screenshot shows the page itself."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


def unexpected(errors: list[str]) -> list[str]:
    """Script errors and server failures; a refused action (4xx) is the page's to explain."""
    return [e for e in errors if not re.match(r"^4\d\d ", e)]


async def test_a_hard_order_goes_through_the_branch_to_a_resident_units_team(
    stack: Stack, console_site: str, context: BrowserContext
) -> None:
    registry, requests = stack["registry"], stack["requests"]
    # -- a branch of two communities: home has no orange team; the neighbour has a resident
    # unit (a hospital) whose orange team serves the branch.
    branch_id = slug("b")
    await create_branch(
        registry,
        branch_id,
        f"东城大支部{branch_id[-4:]}",
        secretary_name="周书记",
        secretary_phone="13900001111",
    )
    home = await community_of_branch(stack, branch_id)
    neighbour = await community_of_branch(stack, branch_id)
    unit = await create(
        registry,
        "/resident-units",
        {"community_id": neighbour, "name": "县人民医院", "kind": "医院"},
    )
    unit_id = unit["id"]
    leader = await create_volunteer(registry, neighbour, name="钱医生", unit_id=unit_id)
    team = await create_team(
        registry,
        neighbour,
        "orange",
        name="医院橙色服务队",
        leader_volunteer_id=leader["id"],
        unit_id=unit_id,
    )
    await known(stack, "requests", Team, uuid.UUID(team["id"]))

    async def hall_offered() -> None:
        offered = await stack["activities"].post(
            "/resources",
            json={
                "community_id": neighbour,
                "owner_unit_id": unit_id,
                "kind": "hall",
                "name": "医院多功能厅",
                "capacity": 80,
                "availability": [{"weekday": 6, "from": "09:00", "to": "17:00"}],
                "shared_with_branch": True,
            },
            headers=ADMIN,
        )
        assert offered.status_code == 201, offered.text

    await eventually(hall_offered)

    errors: list[str] = []
    # -- the county admin: the branch list, its detail, an agreement recorded on the page
    page = await signed_in(context, console_site, token("county_admin"), errors)
    menu = page.get_by_test_id("menu")
    await menu.get_by_role("menuitem", name="大支部").click()
    row = page.get_by_test_id("branch-table").locator("tr", has_text=branch_id)
    await expect(row).to_contain_text("周书记")
    await expect(row).to_contain_text("13900001111")  # whole to a county admin
    await expect(row).to_contain_text("联解社区")
    await snap(page, "console-branches")
    await row.get_by_role("button", name=re.compile("查看")).click()
    await expect(page).to_have_url(re.compile(rf"#/branches/{branch_id}$"))
    await expect(page.get_by_test_id("branch-community")).to_have_count(2)
    units = page.get_by_test_id("branch-units")
    await expect(units).to_contain_text("县人民医院")
    await expect(units).to_contain_text("尚无共建协议")
    await expect(page.get_by_test_id("branch-resources")).to_contain_text("医院多功能厅")
    await expect(page.get_by_test_id("branch-resources")).to_contain_text("周六 09:00–17:00")

    await page.get_by_role("button", name="为 县人民医院 登记共建协议").click()
    form = page.get_by_test_id("agreement-form")
    await page.get_by_test_id("agreement-save").click()  # nothing chosen: said beside the fields
    await expect(form).to_contain_text("请至少选择一项")
    await form.get_by_text("志愿者", exact=True).click()
    await form.get_by_text("车辆", exact=True).click()
    today = county_today()
    await page.get_by_label("开始日期").fill(today.isoformat())
    await page.get_by_label("开始日期").press("Enter")
    await page.get_by_label("结束日期").fill((today + timedelta(days=365)).isoformat())
    await page.get_by_label("结束日期").press("Enter")
    await page.get_by_label("说明").fill("医生志愿者每周上门，救护车应急")
    await page.get_by_test_id("agreement-save").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("共建协议")
    agreements = units.locator(".agreements")
    await expect(agreements).to_contain_text("志愿者、车辆")
    await expect(agreements).to_contain_text("生效中")
    await quiet(page)
    await snap(page, "console-branch")
    detail = await registry.get(f"/resident-units/{unit_id}", headers=ADMIN)
    assert detail.status_code == 200, detail.text
    [agreement] = detail.json()["agreements"]
    assert agreement["brings"] == ["volunteers", "vehicles"] and agreement["active"] is True
    assert agreement["starts_on"] == today.isoformat()
    await page.close()

    # -- the home community (no orange team) escalates an order from the order page
    hard = await submit(
        requests, order(home), headers=auth("community_admin", [home], sub="home-admin")
    )
    assert hard["status"] == "submitted"  # no team of its color at home
    page = await signed_in(
        context, console_site, token("community_admin", [home], sub="home-admin"), errors
    )
    await page.goto(f"{console_site}/#/orders/{hard['id']}")
    await page.get_by_test_id("escalate").click()
    await page.get_by_test_id("escalate-confirm").click()
    await expect(page.get_by_role("dialog", name="上报大支部")).to_contain_text("请填写上报原因")
    await page.get_by_label("上报原因").fill("本社区没有橙色服务队，老人急需上门理发")
    await page.get_by_test_id("escalate-confirm").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("已上报大支部")
    await expect(page.get_by_test_id("escalation-reason")).to_have_text(
        "本社区没有橙色服务队，老人急需上门理发"
    )
    await expect(page.get_by_test_id("escalate")).to_have_count(0)  # once only
    await expect(page.get_by_test_id("order-history")).to_contain_text("上报大支部")
    await quiet(page)
    await snap(page, "console-order-escalated")
    escalated = await order_of(stack, hard["id"])
    assert escalated["escalated_at"] and escalated["status"] == "submitted"
    await page.get_by_role("button", name="返回列表").click()
    await expect(page.get_by_test_id("order-table").get_by_test_id("escalated")).to_have_text(
        "已上报"
    )
    await page.close()

    # -- the branch's admin gives it to the hospital's orange team (难题联解)
    page = await signed_in(
        context,
        console_site,
        token("branch_admin", [home, neighbour], sub="branch-secretary"),
        errors,
    )
    menu = page.get_by_test_id("menu")
    await expect(menu).to_contain_text("大支部")
    await menu.get_by_role("menuitem", name="难题联解").click()
    queue = page.get_by_test_id("escalation-table")
    await expect(queue.locator("tbody tr")).to_have_count(1)
    await expect(queue).to_contain_text("已等待")
    await expect(queue).to_contain_text("本社区没有橙色服务队")
    await snap(page, "console-escalations")
    await queue.get_by_test_id("assign-escalation").click()
    await page.get_by_test_id("escalation-team").click()
    option = page.locator(".el-select-dropdown__item:visible", has_text="驻区单位：县人民医院")
    await expect(option).to_contain_text("医院橙色服务队")
    await option.click()
    await page.get_by_test_id("escalation-assign").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("医院橙色服务队")
    await expect(queue.locator("tbody tr")).to_have_count(0)
    served = await order_of(stack, hard["id"])
    assert (served["status"], served["team_id"]) == ("assigned", team["id"])
    assert served["serving_community_id"] == neighbour and served["community_id"] == home
    await page.close()

    # -- the hospital team's leader works it as the team's own
    page = await signed_in(
        context, console_site, token("team_leader", [neighbour], sub=leader["id"]), errors
    )
    await page.goto(f"{console_site}/#/orders/{hard['id']}")
    await expect(page.get_by_test_id("order-team")).to_have_text("医院橙色服务队")
    await page.get_by_test_id("order-actions").get_by_role("button", name="接单").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("已接单")
    await page.get_by_test_id("order-actions").get_by_role("button", name="完成").click()
    await page.get_by_label("完成情况").fill("医院志愿者已上门理发")
    await page.get_by_role("button", name="确认完成").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("已完成")
    await page.close()

    done = await order_of(stack, hard["id"])
    assert (done["status"], done["community_id"], done["serving_community_id"]) == (
        "completed",
        home,
        neighbour,
    )
    assert done["completion_note"] == "医院志愿者已上门理发"
    assert [h["action"] for h in done["history"]][-4:] == [
        "escalate",
        "assign",
        "accept",
        "complete",
    ]
    assert unexpected(errors) == []
