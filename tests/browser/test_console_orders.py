"""居民点单 and 三必访五必谈 in a real browser: a community's staff take a phone order at the
desk, find it in the unassigned queue counting down, assign and reassign it; the assigned
team's leader accepts and completes it; the staff record the resident's rating; an overdue
order shows red and is cancelled with a reason; then the care tasks a party member's life
events bring are completed with a note. Each workflow ends with a check of the requests API."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote

from playwright.async_api import BrowserContext, Locator, Page, expect
from sqlalchemy import update

from services.requests import domain
from services.requests.models import CareTask, ServiceRequest, Team
from shared.db import utcnow
from shared.uow import unit_of_work
from tests.api import create_team, create_volunteer, next_phone, order_of
from tests.browser.conftest import CONSOLE_TEST, ZONE
from tests.browser.pages import only, open_page, rows_of, snap
from tests.conftest import ADMIN, Stack, eventually, token
from tests.dates import county_today
from tests.integration.test_requests import community_known, order, submit

pytestmark = CONSOLE_TEST


async def sign_in(page: Page, site: str, bearer: str, where: str) -> None:
    """Sign in with `bearer` through the link's form of the sign-in page, landing on `where`."""
    await page.goto(f"{site}/#/login?token={bearer}&redirect={quote(where)}")
    await expect(page).to_have_url(re.compile(re.escape(f"#{where}")))


async def choose(page: Page, select: Locator, option: str) -> None:
    """Pick `option` of an Element Plus select, as a person does: open it, click the option."""
    await select.click()
    await page.locator(".el-select-dropdown__item:visible", has_text=option).first.click()


async def pick(page: Page, radio: str) -> None:
    """Choose a radio button by clicking its words, as a person does."""
    await page.locator("label.el-radio").filter(has=page.get_by_role("radio", name=radio)).click()
    await expect(page.get_by_role("radio", name=radio)).to_be_checked()


async def known_team(
    stack: Stack, community: str, category: str, name: str, **fields: Any
) -> dict[str, Any]:
    """A team registered in the registry, once the requests service has heard of it."""
    team = await create_team(stack["registry"], community, category, name=name, **fields)

    async def known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            assert await session.get(Team, uuid.UUID(team["id"])) is not None

    await eventually(known)
    return team


async def quiet(page: Page) -> None:
    """Wait for the toasts to go, so that a screenshot shows the page itself."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


def unexpected(errors: list[str]) -> list[str]:
    """Script errors and server failures; a refused action (4xx) is the page's to explain."""
    return [e for e in errors if not re.match(r"^4\d\d ", e)]


async def test_a_phone_order_is_taken_assigned_reassigned_done_and_rated(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    # A green team only: an order for a sports event (purple) finds no team of its color.
    green = await known_team(stack, community, "green", "绿色环保队")
    leader = await create_volunteer(registry, community, name="李队长")
    await community_known(stack, community)
    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    menu = page.get_by_test_id("menu")
    await expect(menu).to_contain_text("居民点单")
    await expect(menu).to_contain_text("三必访五必谈")

    # -- the desk takes a phone order
    await menu.get_by_role("menuitem", name="居民点单").click()
    await page.get_by_test_id("new-order").click()
    form = page.get_by_test_id("order-form")
    await expect(form).to_contain_text("1–2000 个字")  # the API's rules beside their fields
    await expect(form).to_contain_text("5–15 位数字")
    await pick(page, "电话")
    await page.get_by_label("居民姓名").fill("赵大爷")
    phone = next_phone()
    await page.get_by_label("联系电话").fill("12ab")
    await page.get_by_label("地址").click()  # the phone field's check runs on leaving it
    phone_item = page.locator(".el-form-item").filter(has=page.get_by_label("联系电话"))
    await expect(phone_item.locator(".el-form-item__error")).to_have_text(
        "电话应为 5–15 位数字，可带 +"
    )
    await page.get_by_label("联系电话").fill(phone)
    await page.get_by_label("地址").fill("幸福小区3号楼2单元")
    await choose(page, page.get_by_test_id("field-kind"), "体育活动")
    await page.get_by_label("需求描述").fill("周六上午社区广场的健身操活动，需要志愿者组织")
    await pick(page, "紧急")
    await snap(page, "console-order-form")
    await page.get_by_role("button", name="受理", exact=True).click()
    await expect(page.locator(".el-message--success").last).to_contain_text("待派单")
    await expect(page).to_have_url(re.compile(r"#/orders/[0-9a-f-]{36}$"))
    order_id = page.url.rsplit("/", 1)[1]
    taken = await order_of(stack, order_id)
    assert (taken["status"], taken["team_id"], taken["channel"]) == ("submitted", None, "phone")
    assert taken["resident"] == {"name": "赵大爷", "phone": phone, "address": "幸福小区3号楼2单元"}
    assert (taken["service_kind"], taken["category"], taken["urgency"]) == (
        "sports",
        "purple",
        "urgent",
    )

    # -- the unassigned queue shows it, counting down its four hours
    await page.get_by_role("button", name="返回列表").click()
    await expect(page).to_have_url(re.compile(r"#/orders$"))
    rows = rows_of(page, "order-table")
    mine = rows.filter(has_text="赵大爷")
    await only(mine)
    await expect(mine.get_by_test_id("countdown")).to_have_text(re.compile(r"剩余 3小时5\d分"))
    await expect(mine).to_contain_text("待派单")
    await expect(mine).to_contain_text("体育活动")
    # The purple team the order needs is registered meanwhile.
    purple = await known_team(
        stack, community, "purple", "紫色文体队", leader_volunteer_id=leader["id"]
    )

    # -- assign it (to the green team, by hand), then reassign it to the purple one
    await mine.get_by_role("button", name="查看 赵大爷 的工单").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("待派单")
    await expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"剩余 3小时5\d分"))
    await page.get_by_test_id("assign-team").click()
    dropdown = page.locator(".el-select-dropdown:visible")
    await expect(dropdown.locator(".el-select-group__title")).to_have_text(
        ["对口服务队", "其他服务队"]
    )
    await dropdown.locator(".el-select-dropdown__item", has_text="绿色环保队").click()
    await page.get_by_role("button", name="派单", exact=True).click()
    await expect(page.locator(".el-message--success").last).to_contain_text("已派给绿色环保队")
    await expect(page.get_by_test_id("order-team")).to_have_text("绿色环保队")
    assert (await order_of(stack, order_id))["team_id"] == green["id"]
    await choose(page, page.get_by_test_id("assign-team"), "紫色文体队")
    await page.get_by_role("button", name="改派", exact=True).click()
    await expect(page.locator(".el-message--success").last).to_contain_text("已改派给紫色文体队")
    await expect(page.get_by_test_id("order-team")).to_have_text("紫色文体队")
    assigned = await order_of(stack, order_id)
    assert (assigned["status"], assigned["team_id"]) == ("assigned", purple["id"])
    # Staff do not accept for the team here: the leader does (admins could); an open order
    # its community cannot serve may go up to the branch.
    actions = page.get_by_test_id("order-actions")
    await expect(actions.get_by_role("button")).to_have_text(["接单", "上报大支部", "取消工单"])

    # -- the purple team's leader accepts and completes it
    leader_token = token("team_leader", [community], sub=leader["id"])
    await sign_in(page, console_site, leader_token, f"/orders/{order_id}")
    await expect(page.get_by_test_id("who")).to_contain_text("服务队队长")
    await expect(actions.get_by_role("button")).to_have_text(["接单"])
    await actions.get_by_role("button", name="接单").click()
    await expect(page.get_by_test_id("order-status")).to_have_text("已接单")
    await actions.get_by_role("button", name="完成").click()
    await page.get_by_label("完成情况").fill("已组织8名志愿者带领健身操，居民参与30余人")
    await page.get_by_role("button", name="确认完成").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("工单已完成")
    await expect(page.get_by_test_id("order-status")).to_have_text("已完成")
    await expect(page.get_by_test_id("countdown")).to_have_text("按时完成")
    await expect(actions.get_by_role("button")).to_have_count(0)
    done = await order_of(stack, order_id)
    assert done["status"] == "completed"
    assert done["completion_note"] == "已组织8名志愿者带领健身操，居民参与30余人"

    # -- back at the desk, the resident's rating is recorded
    await sign_in(page, console_site, secretary, f"/orders/{order_id}")
    await actions.get_by_role("button", name="居民评价").click()
    await page.get_by_test_id("rate-score").locator(".el-rate__item").nth(4).click()
    await page.get_by_label("居民意见").fill("活动组织得很好")
    await page.get_by_role("button", name="提交评价").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("已记录居民评价")
    await expect(actions.get_by_role("button")).to_have_count(0)

    # The history, as the API gives it, in Chinese with the leader's name.
    history = page.get_by_test_id("order-history").locator(".el-timeline-item")
    await expect(history).to_have_count(6)
    await expect(history.nth(1)).to_contain_text("派给 绿色环保队")
    await expect(history.nth(2)).to_contain_text("派给 紫色文体队")
    await expect(history.nth(3)).to_contain_text("操作人：李队长")
    await expect(history.nth(5)).to_contain_text("5 星：活动组织得很好")
    await quiet(page)
    await snap(page, "console-order-detail")

    rated = await order_of(stack, order_id)
    assert (rated["rating"], rated["rating_comment"]) == (5, "活动组织得很好")
    assert [(h["action"], h["to_status"], h["actor"]) for h in rated["history"]] == [
        ("submit", "submitted", "secretary"),
        ("assign", "assigned", "secretary"),
        ("assign", "assigned", "secretary"),
        ("accept", "accepted", leader["id"]),
        ("complete", "completed", leader["id"]),
        ("rate", "completed", "secretary"),
    ]
    assert unexpected(errors) == []


async def test_an_overdue_order_shows_red_and_is_cancelled_with_a_reason(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    await known_team(stack, community, "orange", "橙色关爱队")
    late = await submit(stack["requests"], order(community, urgency="urgent"))
    await submit(
        stack["requests"],
        order(
            community,
            service_kind="health_consultation",
            description="腿脚不便，需要上门量血压",
            resident={"name": "孙阿姨", "phone": "13900001111"},
        ),
    )
    # Its four hours are over: the due time moved back, and the scheduler's round run now.
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    async with sessionmaker() as session, unit_of_work(session):
        await session.execute(
            update(ServiceRequest)
            .where(ServiceRequest.id == uuid.UUID(late["id"]))
            .values(due_at=utcnow() - timedelta(minutes=95))
        )
    async with sessionmaker() as session, unit_of_work(session):
        await domain.mark_overdue(session, utcnow(), ZONE)
    assert (await order_of(stack, late["id"]))["overdue"] is True

    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(
        context, f"{console_site}/#/login?token={secretary}&redirect=%2Forders", errors
    )
    views = page.get_by_test_id("order-views")
    rows = rows_of(page, "order-table")
    # Open orders: the late one marked red, the other counting down its 72 hours.
    await views.get_by_role("tab", name="处理中").click()
    await expect(rows).to_have_count(2)
    await expect(rows.filter(has_text="赵大爷")).to_have_class(re.compile("row-overdue"))
    on_time = rows.filter(has_text="孙阿姨")
    await expect(on_time.get_by_test_id("countdown")).to_have_text(re.compile(r"剩余 2天23小时"))
    await expect(on_time).not_to_have_class(re.compile("row-overdue"))
    await snap(page, "console-orders")
    await views.get_by_role("tab", name="已超时").click()
    await expect(page).to_have_url(re.compile(r"#/orders\?view=overdue$"))
    await only(rows)
    await expect(rows.first).to_have_class(re.compile("row-overdue"))
    await expect(rows.first.get_by_test_id("countdown")).to_have_text(
        re.compile(r"已超时 1小时3[4-6]分")
    )
    # The tab lives in the address: a reload shows the same list.
    await page.reload()
    await expect(rows.first.get_by_test_id("countdown")).to_contain_text("已超时")

    await rows.first.click()
    await expect(page.get_by_test_id("countdown")).to_contain_text("已超时")
    await page.get_by_role("button", name="取消工单").click()
    await page.get_by_role("button", name="确认取消").click()  # no reason yet
    await expect(page.locator(".el-dialog .el-form-item__error")).to_have_text("请填写取消原因")
    await page.get_by_label("取消原因").fill("居民已自行解决")
    await page.get_by_role("button", name="确认取消").click()
    confirm = page.locator(".el-message-box")
    await expect(confirm).to_contain_text("确定取消这张工单吗")
    await confirm.get_by_role("button", name="确定取消").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("工单已取消")
    await expect(page.get_by_test_id("order-status")).to_have_text("已取消")

    cancelled = await order_of(stack, late["id"])
    assert (cancelled["status"], cancelled["cancel_reason"]) == ("cancelled", "居民已自行解决")
    await page.get_by_role("button", name="返回列表").click()
    await expect(rows).to_have_count(0)  # an overdue order no longer open leaves the tab
    assert unexpected(errors) == []


async def test_care_tasks_from_life_events_are_completed_with_a_note(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry, requests = stack["registry"], stack["requests"]
    member = await create_volunteer(
        registry, community, name="陈建国", is_party_member=True, party_joined_on="1985-07-01"
    )
    today = county_today().isoformat()
    for kind in ("hospitalized", "retired"):
        recorded = await registry.post(
            f"/volunteers/{member['id']}/life-events",
            json={"kind": kind, "occurred_on": today},
            headers=ADMIN,
        )
        assert recorded.status_code == 201, recorded.text

    async def tasks() -> dict[str, dict[str, Any]]:
        listed = await requests.get(
            "/care-tasks", params={"community_id": community}, headers=ADMIN
        )
        items = listed.json()["items"]
        assert len(items) == 2, items
        return {t["reason"]: t for t in items}

    made = await eventually(tasks)
    visit, talk = made["hospitalized"], made["retired"]
    # The talk was due three days ago: the scheduler's round marks it.
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    async with sessionmaker() as session, unit_of_work(session):
        await session.execute(
            update(CareTask)
            .where(CareTask.id == uuid.UUID(talk["id"]))
            .values(due_on=county_today() - timedelta(days=3))
        )
    async with sessionmaker() as session, unit_of_work(session):
        await domain.mark_overdue(session, utcnow(), ZONE)

    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)
    await page.get_by_test_id("menu").get_by_role("menuitem", name="三必访五必谈").click()
    rows = page.get_by_test_id("care-table").locator(".el-table__body-wrapper tbody tr")
    await expect(rows).to_have_count(2)
    visit_row = rows.filter(has_text="住院")
    talk_row = rows.filter(has_text="退休")
    await expect(visit_row).to_contain_text("必访")
    await expect(visit_row.get_by_test_id("care-due")).to_have_text(re.compile(r"还剩 [67] 天"))
    await expect(talk_row).to_contain_text("必谈")
    await expect(talk_row.get_by_test_id("care-due")).to_have_text("已超期 3 天")
    await expect(talk_row).to_have_class(re.compile("row-overdue"))
    await snap(page, "console-care-tasks")

    await page.get_by_test_id("care-views").get_by_role("tab", name="已超期").click()
    await expect(page).to_have_url(re.compile(r"#/care-tasks\?view=overdue$"))
    await only(rows, "退休")

    await page.get_by_test_id("care-views").get_by_role("tab", name="待办").click()
    await expect(rows).to_have_count(2)
    await page.get_by_role("button", name="完成 陈建国 的必访").click()
    await page.get_by_label("走访/谈心情况").fill("已到医院探望，转达组织关心")
    await page.get_by_role("button", name="确认完成").click()
    await expect(page.locator(".el-message--success").last).to_contain_text(
        "已完成对 陈建国 的必访"
    )
    await only(rows)

    await page.get_by_test_id("care-views").get_by_role("tab", name="已完成").click()
    await only(rows, "已到医院探望，转达组织关心")

    done = (await tasks())["hospitalized"]
    assert (done["id"], done["status"], done["note"]) == (
        visit["id"],
        "done",
        "已到医院探望，转达组织关心",
    )
    assert done["completed_by"] == "secretary"
    assert (await tasks())["retired"]["status"] == "open"
    assert unexpected(errors) == []
