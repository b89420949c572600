"""A volunteer's hours (志愿时长) and service certificate in the console, and "我的" on a
phone: an admin previews, issues, downloads and prints a certificate; a volunteer and a
team leader open their own page at 375 px, and the leader accepts and completes an order
of the team. Each workflow ends with a check of the services' APIs."""

from __future__ import annotations

import uuid
from typing import Any

from playwright.async_api import BrowserContext, Page, expect

from tests.api import create_volunteer, join_team
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import only, open_page, rows_of, snap
from tests.conftest import ADMIN, Stack, eventually, token
from tests.dates import county_today
from tests.integration.test_activities import activity_body, log, when
from tests.integration.test_requests import order, submit, team_known

pytestmark = CONSOLE_TEST


async def served(
    stack: Stack,
    community: str,
    team: dict[str, Any],
    people: list[dict[str, Any]],
    *,
    verify: bool,
    **fields: Any,
) -> dict[str, Any]:
    """An activity of the team with these people, logged (and verified) through the API."""
    response = await log(stack["activities"], activity_body(community, team, people, **fields))
    assert response.status_code == 201, response.text
    activity: dict[str, Any] = response.json()
    if verify:
        verified = await stack["activities"].post(
            f"/activities/{activity['id']}/verify", headers=ADMIN
        )
        assert verified.status_code == 200, verified.text
    return activity


async def test_an_admin_previews_issues_and_downloads_a_certificate(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry, activities = stack["registry"], stack["activities"]
    volunteer = await create_volunteer(registry, community, name="王芳")
    team = await team_known(stack, community, "orange")
    clinic = await served(
        stack, community, team, [volunteer], verify=True, title="义诊进社区", **when(48)
    )
    haircut = await served(
        stack,
        community,
        team,
        [volunteer],
        verify=False,
        kind="care_visit",
        title="助老理发",
        participants=[{"volunteer_id": volunteer["id"], "hours": 1.5}],
        **when(24),
    )

    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)
    await page.get_by_test_id("menu").get_by_role("menuitem", name="志愿者").click()
    await page.get_by_role("button", name="王芳的志愿时长").click()
    await expect(page).to_have_url(f"{console_site}/#/volunteers/{volunteer['id']}/hours")
    await expect(page.get_by_test_id("hours-title")).to_have_text("志愿时长 · 王芳")

    # The totals, the years and colors, and every activity, as the API counts them.
    await expect(page.get_by_test_id("hours-total")).to_contain_text("3.5")
    await expect(page.get_by_test_id("hours-certified")).to_contain_text("2")
    await expect(page.get_by_test_id("hours-pending")).to_contain_text("1.5")
    await expect(page.get_by_test_id("hours-by-category")).to_contain_text("橙色关爱")
    rows = rows_of(page, "hours-table")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("助老理发")
    await expect(rows.first).to_contain_text("关爱走访")
    await expect(rows.first).to_contain_text("待核实")
    await expect(rows.nth(1)).to_contain_text("义诊")
    await expect(rows.nth(1)).to_contain_text(team["name"])

    # A filter lives in the address and survives a reload.
    await page.get_by_test_id("filter-status").click()
    await page.get_by_role("option", name="已核实").click()
    await expect(page).to_have_url(
        f"{console_site}/#/volunteers/{volunteer['id']}/hours?status=verified"
    )
    await page.reload()
    await only(rows, "义诊进社区")

    # The preview (GET) issues nothing: no number, marked as a preview.
    card = page.get_by_test_id("certificate")
    paper = page.frame_locator("[data-testid=certificate-frame]")
    await expect(card.get_by_test_id("certificate-preview")).to_have_text("未出具 · 预览")
    await expect(paper.locator(".number")).to_have_text("证明编号：（未编号，预览）")
    await expect(paper.locator(".statement")).to_contain_text("累计志愿服务时长 2 小时")
    await card.get_by_label("负责人").fill("李书记")
    await card.get_by_role("button", name="预览").click()
    await expect(paper.locator(".issuer")).to_contain_text("李书记")

    # Issue it (after a confirmation): the number and the date are shown.
    await card.get_by_role("button", name="出具证明").click()
    dialog = page.get_by_role("dialog", name="出具证明")
    await expect(dialog).to_contain_text("已核实 2 小时")
    await dialog.get_by_role("button", name="出具").click()
    prefix = f"QS-{community}-{county_today().year}-"
    await expect(page.locator(".el-message--success")).to_contain_text(f"已出具证明，编号 {prefix}")
    shown = card.get_by_test_id("certificate-number")
    await expect(shown).to_contain_text(prefix)
    number = (await shown.locator("b").first.inner_text()).strip()
    await expect(card.get_by_test_id("certificate-date")).to_contain_text("年")
    # Beside the number, the check code anyone verifies it with (GET /certificates/{number}).
    code = (await card.get_by_test_id("certificate-code").inner_text()).strip()
    assert len(code.replace("-", "")) == 8
    await expect(paper.locator(".number")).to_have_text(f"证明编号：{number}　核验码：{code}")

    # Download the PDF: a real file, named by its number.
    async with page.expect_download() as waiting:
        await card.get_by_role("button", name="下载 PDF").click()
    download = await waiting.value
    assert download.suggested_filename == f"{number}.pdf"
    saved = await download.path()
    assert saved is not None and saved.read_bytes().startswith(b"%PDF")

    # Print: the print view's window.print (stubbed here: headless Chromium has no printer).
    await page.evaluate(
        "() => { const view = document.querySelector('[data-testid=certificate-frame]')"
        ".contentWindow; view.print = () => { window.__printed = true } }"
    )
    await card.get_by_role("button", name="打印").click()
    assert await page.evaluate("window.__printed") is True
    await snap(page, "console-volunteer-hours")

    # The activities service holds the certificate: the same content keeps its number.
    again = await activities.post(f"/volunteer-hours/{volunteer['id']}/certificate", headers=ADMIN)
    assert again.status_code == 200, again.text
    assert again.json()["number"] == number
    assert again.json()["total_hours"] == 2
    assert [line["title"] for line in again.json()["lines"]] == [clinic["title"]]
    rendered = await activities.get(
        f"/volunteer-hours/{volunteer['id']}/certificate", headers=ADMIN
    )
    assert number in rendered.text and "预览" not in rendered.text
    hours = await activities.get(f"/volunteer-hours/{volunteer['id']}", headers=ADMIN)
    assert {e["activity_id"]: e["status"] for e in hours.json()["entries"]} == {
        clinic["id"]: "verified",
        haircut["id"]: "logged",
    }
    assert errors == []


async def sign_in_on_phone(page: Page, site: str, jwt: str) -> None:
    """Sign in by the link: it lands on 我的, also the first item of the folded menu."""
    await page.goto("about:blank")  # a new load: the sign-in page reads the link once
    await page.goto(f"{site}/#/login?token={jwt}")
    await expect(page).to_have_url(f"{site}/#/me")
    await page.get_by_role("button", name="菜单").click()
    items = page.locator(".el-drawer").get_by_role("menuitem")
    await expect(items.first).to_have_text("我的")
    await items.first.click()
    await expect(page).to_have_url(f"{site}/#/me")


async def test_a_volunteer_and_a_team_leader_on_their_phones(
    stack: Stack, community: str, console_site: str, phone: BrowserContext
) -> None:
    registry, requests, activities = stack["registry"], stack["requests"], stack["activities"]
    leader = await create_volunteer(registry, community, name="张队长")
    member = await create_volunteer(
        registry, community, name="李强", is_party_member=True, party_joined_on="2001-07-01"
    )
    team = await team_known(stack, community, "orange", leader_volunteer_id=leader["id"])
    await join_team(stack["registry"], team, member)  # the leader is a member already
    await served(stack, community, team, [leader, member], verify=True, title="义诊进社区")
    issued = await activities.post(f"/volunteer-hours/{member['id']}/certificate", headers=ADMIN)
    assert issued.status_code == 201, issued.text
    number = issued.json()["number"]
    event = await registry.post(
        f"/volunteers/{member['id']}/life-events",
        json={"kind": "hospitalized", "occurred_on": county_today().isoformat()},
        headers=ADMIN,
    )
    assert event.status_code == 201, event.text

    async def care_task() -> None:
        listed = await requests.get(
            "/care-tasks", params={"volunteer_id": member["id"]}, headers=ADMIN
        )
        assert len(listed.json()["items"]) == 1, listed.text

    await eventually(care_task)
    need = f"独居老人需要上门理发 {uuid.uuid4().hex[:4]}"
    placed = await submit(requests, order(community, description=need))
    assert placed["team_id"] == team["id"] and placed["status"] == "assigned"

    # The volunteer: their hours, certificate, team's order (not theirs to accept), care.
    errors: list[str] = []
    page = await open_page(phone, f"{console_site}/", errors)
    jwt = token("volunteer", [community], sub=member["id"])
    await sign_in_on_phone(page, console_site, jwt)
    await expect(page.get_by_test_id("me-hello")).to_contain_text("李强，您好")
    await expect(page.get_by_test_id("me-total")).to_contain_text("2")
    await expect(page.get_by_test_id("me-certificate")).to_contain_text(number)
    orders = page.get_by_test_id("me-orders")
    await expect(orders.get_by_test_id("order-card")).to_contain_text(need)
    await expect(orders.get_by_test_id("order-card")).to_contain_text("待接单")
    await expect(orders.get_by_role("button", name="接单")).to_have_count(0)
    await expect(page.get_by_test_id("me-care")).to_contain_text("住院")
    await expect(page.get_by_test_id("me-activities")).to_contain_text("义诊进社区")
    async with page.expect_download() as waiting:
        await page.get_by_role("button", name="下载证明 PDF").click()
    download = await waiting.value
    assert download.suggested_filename == f"{number}.pdf"
    saved = await download.path()
    assert saved is not None and saved.read_bytes().startswith(b"%PDF")
    await snap(page, "console-me-volunteer")
    await page.get_by_test_id("sign-out").click()
    await expect(page.get_by_test_id("login-form")).to_be_visible()

    # The team leader: the team's order to accept and complete; a member's care task (their
    # illness) is not the leader's to read: only the leader's own, of which there is none.
    await sign_in_on_phone(page, console_site, token("team_leader", [community], sub=leader["id"]))
    await expect(page.get_by_test_id("me-hello")).to_contain_text("张队长，您好")
    await expect(page.get_by_test_id("me-hello")).to_contain_text(f"{team['name']} · 队长")
    care = page.get_by_test_id("me-care")
    await expect(care).to_contain_text("暂无待办的关怀任务")
    await expect(care).not_to_contain_text("住院")
    card = page.get_by_test_id("me-team-orders").get_by_test_id("order-card").filter(has_text=need)
    await expect(card).to_contain_text("待接单")
    await expect(card).to_contain_text("剩余")
    await snap(page, "console-me-leader")
    await card.get_by_role("button", name="接单").click()
    await expect(page.locator(".el-message--success")).to_contain_text("已接单")
    await expect(card).to_contain_text("服务中")
    await card.get_by_role("button", name="完成服务").click()
    dialog = page.get_by_role("dialog", name="完成服务")
    await dialog.get_by_placeholder("服务情况（选填）").fill("已上门理发，老人满意")
    await dialog.get_by_role("button", name="确认完成").click()
    await expect(page.locator(".el-message--success").last).to_contain_text("服务已完成")
    await expect(card).to_have_count(0)
    await expect(page.get_by_test_id("me-team-orders")).to_contain_text("暂无待办订单")

    # What the requests service holds: completed by the leader, with the note.
    done = await requests.get(f"/requests/{placed['id']}", headers=ADMIN)
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "completed"
    assert done.json()["completion_note"] == "已上门理发，老人满意"
    moves = [(h["action"], h["actor"]) for h in done.json()["history"]]
    assert ("accept", leader["id"]) in moves and ("complete", leader["id"]) in moves
    assert errors == []
