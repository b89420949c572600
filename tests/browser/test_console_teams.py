"""The console's 社区与支部 and 服务队 pages in a real browser: a community admin founds a
team with a leader found by search, adds two volunteers found by name and by a phone's last
digits, removes one, makes another the leader and deactivates the team; the communities
under their branch with their resident units, and a county admin adding a community. Each
workflow ends with a check through the registry's API."""

from __future__ import annotations

import re
import uuid

from playwright.async_api import BrowserContext, Locator, Page, expect

from tests.api import create_community, create_volunteer
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import calm, confirm, only, open_page, rows_of, snap, toast
from tests.conftest import ADMIN, Stack, new_community, token

pytestmark = CONSOLE_TEST


async def sign_in(page: Page, given: str, who: str) -> None:
    """On the sign-in page: paste a token."""
    await page.get_by_label("访问令牌").fill(given)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("who")).to_contain_text(who)


async def pick(page: Page, within: Page | Locator, label: str, typed: str, option: str) -> None:
    """Choose in a select: type into it (a remote search for volunteers), click the option."""
    field = within.get_by_label(label, exact=True)
    # The box around the input takes the click, as a person's does (a placeholder lies
    # over the input itself).
    await field.locator("xpath=ancestor::div[contains(@class, 'el-select__wrapper')][1]").click()
    if typed:
        await field.fill(typed)
    await page.get_by_role("option", name=option).click()
    # The list closes before anything else is clicked: a list still fading out over the
    # next field once took a click meant for that field's option.
    await expect(page.locator(".el-select-dropdown").filter(visible=True)).to_have_count(0)


async def settled(page: Page) -> None:
    """No toast or open list over the page, for a screenshot."""
    await calm(page)
    await expect(page.locator(".el-select__popper:visible")).to_have_count(0)


async def test_found_a_team_add_and_remove_members_and_deactivate_it(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    leader = await create_volunteer(registry, community, name="赵敏")
    by_name = await create_volunteer(registry, community, name="钱进", is_party_member=True)
    by_phone = await create_volunteer(registry, community, name="孙丽", skills=["急救"])
    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")

    menu = page.get_by_test_id("menu")
    await menu.get_by_role("menuitem", name="服务队").click()
    await expect(page.get_by_test_id("team-table")).to_contain_text("没有符合条件的服务队")
    # The seven colors, by their Chinese names, filter the list.
    colors = page.get_by_test_id("filter-category")
    seven = ["红色先锋", "橙色关爱", "金色创业", "绿色环保", "青色应急", "蓝色平安", "紫色文体"]
    await expect(colors.locator(".el-radio-button")).to_have_text(["全部类别", *seven])

    # Found a team; its leader is found by name in the community's volunteers.
    await page.get_by_test_id("create-team").click()
    form = page.get_by_test_id("team-form")
    await expect(form).to_contain_text("同一社区内不能重名")
    await pick(page, form, "服务类别", "", "橙色关爱")
    chosen = form.get_by_label("服务类别", exact=True).locator(
        "xpath=ancestor::div[contains(@class, 'el-select__wrapper')][1]"
    )
    await expect(chosen).to_contain_text("橙色关爱")  # not the option beside it
    await form.get_by_label("队名").fill("橙色关爱服务队")
    await pick(page, form, "队长", "赵敏", "赵敏")
    await form.get_by_role("button", name="成立").click()
    await toast(page, "已成立服务队 橙色关爱服务队")
    await expect(page).to_have_url(re.compile(r"/#/teams/[0-9a-f-]{36}$"))
    team_id = page.url.rsplit("/", 1)[-1]
    await expect(page.get_by_test_id("team-name")).to_have_text("橙色关爱服务队")
    await expect(page.get_by_test_id("team-leader")).to_have_text("赵敏")
    members = rows_of(page, "member-table")
    await only(members)

    # Two more: one found by name, one by the last four digits of the phone.
    await pick(page, page, "添加队员", "钱进", "钱进")
    await page.get_by_role("button", name="加入").click()
    await toast(page, "已将 钱进 加入服务队")
    await pick(page, page, "添加队员", by_phone["phone"][-4:], "孙丽")
    await page.get_by_role("button", name="加入").click()
    await toast(page, "已将 孙丽 加入服务队")
    await expect(members).to_have_count(3)
    await expect(page.get_by_test_id("member-count")).to_have_text("3 人")
    # A member already in the team is offered but cannot be chosen again.
    picker = page.get_by_label("添加队员", exact=True)
    await picker.click(force=True)
    await picker.fill("钱进")
    await expect(page.get_by_role("option", name="钱进")).to_contain_text("已在队中")
    await page.get_by_test_id("team-name").click()  # away from the list: it folds
    await settled(page)
    await snap(page, "console-team")

    # Remove one, after a confirmation.
    await page.get_by_role("button", name="将 钱进 移出").click()
    await expect(page.get_by_role("dialog")).to_contain_text("确定将 钱进 移出 橙色关爱服务队")
    await confirm(page, "移出")
    await toast(page, "已将 钱进 移出服务队")
    await expect(members).to_have_count(2)
    await expect(page.get_by_test_id("member-table")).not_to_contain_text("钱进")

    # Another leader, from the members.
    await page.get_by_role("button", name="将 孙丽 设为队长").click()
    await confirm(page, "设为队长")
    await toast(page, "孙丽 已是队长")
    await expect(page.get_by_test_id("team-leader")).to_have_text("孙丽")

    # Renamed through the edit dialog; the leader shown there by name.
    await page.get_by_test_id("edit-team").click()
    edit = page.get_by_test_id("edit-form")
    await expect(edit.get_by_label("队长", exact=True)).to_be_visible()
    await expect(edit).to_contain_text("孙丽")
    await edit.get_by_label("队名").fill("橙色关爱志愿服务队")
    await edit.get_by_role("button", name="保存").click()
    await toast(page, "已保存服务队的修改")
    await expect(page.get_by_test_id("team-name")).to_have_text("橙色关爱志愿服务队")

    # Deactivate, after a confirmation that says what it means.
    await page.get_by_test_id("deactivate-team").click()
    await expect(page.get_by_role("dialog")).to_contain_text("不再接单")
    await confirm(page, "停用")
    await toast(page, "已停用服务队 橙色关爱志愿服务队")
    await expect(page.get_by_test_id("team-status")).to_have_text("已停用")
    await expect(page.get_by_test_id("add-member")).to_be_hidden()
    await expect(page.get_by_test_id("deactivate-team")).to_be_hidden()

    # What the registry holds is what was done.
    team = await registry.get(f"/teams/{team_id}", headers=ADMIN)
    assert team.status_code == 200, team.text
    assert team.json()["status"] == "inactive"
    assert team.json()["name"] == "橙色关爱志愿服务队"
    assert team.json()["category"] == "orange"
    assert team.json()["community_id"] == community
    assert team.json()["leader_volunteer_id"] == by_phone["id"]
    assert team.json()["member_count"] == 2
    listed = await registry.get("/volunteers", params={"team_id": team_id}, headers=ADMIN)
    assert listed.status_code == 200, listed.text
    assert {v["id"] for v in listed.json()["items"]} == {leader["id"], by_phone["id"]}
    assert by_name["id"] not in {v["id"] for v in listed.json()["items"]}

    # The list, filtered by color and status in the address, shows it with its leader.
    await menu.get_by_role("menuitem", name="服务队").click()
    await colors.get_by_text("橙色关爱").click()
    await expect(page).to_have_url(f"{console_site}/#/teams?category=orange")
    rows = rows_of(page, "team-table")
    await only(rows, "橙色关爱志愿服务队", "孙丽", "已停用")
    await pick(page, page.get_by_test_id("filters"), "状态", "", "在役")
    await page.get_by_role("button", name="查询").click()
    await expect(page).to_have_url(f"{console_site}/#/teams?category=orange&status=active")
    await expect(page.get_by_test_id("team-table")).to_contain_text("没有符合条件的服务队")
    await pick(page, page.get_by_test_id("filters"), "状态", "", "全部")
    await page.get_by_role("button", name="查询").click()
    await page.reload()
    await only(rows)
    await snap(page, "console-teams")
    assert errors == []


async def test_communities_under_their_branch_and_resident_units(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    neighbour = await new_community(stack, "c", "邻里社区")
    elsewhere = f"c{uuid.uuid4().hex[:12]}"
    await create_community(registry, elsewhere, f"城西社区 {elsewhere}", "城西大支部")
    secretary = token("community_admin", [community, neighbour, elsewhere], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")

    await page.get_by_test_id("menu").get_by_role("menuitem", name="社区与支部").click()
    # The communities under their branches; only a county admin adds communities.
    east = page.get_by_test_id("branch-测试大支部")
    await expect(east).to_contain_text("2 个社区")
    await expect(east).to_contain_text(f"测试社区 {community}")
    await expect(east).to_contain_text(f"邻里社区 {neighbour}")
    await expect(page.get_by_test_id("branch-城西大支部")).to_contain_text(elsewhere)
    await expect(page.get_by_test_id("add-community")).to_be_hidden()
    await expect(page.get_by_test_id("unit-table")).to_contain_text("没有驻区单位")

    # Register a resident unit of the community; the client checks the phone first.
    await page.get_by_test_id("add-unit").click()
    unit_form = page.get_by_test_id("unit-form")
    await pick(page, unit_form, "社区", "", f"测试社区 {community}")
    await unit_form.get_by_label("单位名称").fill("县人民医院")
    await pick(page, unit_form, "单位类型", "", "医院")
    await unit_form.get_by_label("联系人").fill("周主任")
    await unit_form.get_by_label("联系电话").fill("12ab")
    await unit_form.get_by_role("button", name="登记").click()
    await expect(unit_form).to_contain_text("手机号应为 5–15 位数字，可带 +")
    await unit_form.get_by_label("联系电话").fill("0571-8888 1234")
    await unit_form.get_by_role("button", name="登记").click()
    await toast(page, "已登记驻区单位 县人民医院")
    await expect(page).to_have_url(f"{console_site}/#/communities?community_id={community}")
    units = rows_of(page, "unit-table")
    await only(units, "县人民医院", "057188881234")

    listed = await registry.get(
        "/resident-units", params={"community_id": community}, headers=ADMIN
    )
    assert listed.status_code == 200, listed.text
    (unit,) = listed.json()["items"]
    assert (unit["name"], unit["kind"], unit["contact_name"]) == ("县人民医院", "医院", "周主任")
    assert unit["contact_phone"] == "057188881234"

    # Another community's units, from its row: none.
    await page.get_by_role("button", name=f"邻里社区 {neighbour}的驻区单位").click()
    await expect(page).to_have_url(f"{console_site}/#/communities?community_id={neighbour}")
    await expect(page.get_by_test_id("unit-table")).to_contain_text("没有驻区单位")
    await page.get_by_role("button", name=f"测试社区 {community}的驻区单位").click()
    await only(units)
    await settled(page)
    await snap(page, "console-communities")

    # A county admin adds a community to a branch.
    await page.get_by_test_id("sign-out").click()
    await sign_in(page, token(), "县级管理员")
    await page.get_by_test_id("menu").get_by_role("menuitem", name="社区与支部").click()
    await page.get_by_test_id("add-community").click()
    added = f"c{uuid.uuid4().hex[:12]}"
    community_form = page.get_by_test_id("community-form")
    await community_form.get_by_label("社区编号").fill("Bad Id")
    await community_form.get_by_label("社区名称").fill(f"新建社区 {added}")
    await community_form.get_by_role("button", name="新增").click()
    await expect(community_form).to_contain_text("编号应为 2–40 位小写字母")
    await community_form.get_by_label("社区编号").fill(added)
    await pick(page, community_form, "所属大支部", "城西", "城西大支部")
    await community_form.get_by_role("button", name="新增").click()
    await toast(page, f"已新增社区 新建社区 {added}")
    await expect(page.get_by_test_id("branch-城西大支部")).to_contain_text(added)

    got = await registry.get(f"/communities/{added}", headers=ADMIN)
    assert got.status_code == 200, got.text
    assert got.json()["branch"] == "城西大支部"
    assert errors == []
