"""驻区单位 in the console's volunteer and team pages, in a real browser: a secretary of two
communities of one branch registers a working party member (在职党员双报到) with the unit of
the neighbouring community they work at, finds them by the 驻区单位 filter and sees the unit
on their page; then forms the hospital's team (组建单位) and finds it by its unit. Each
workflow ends with what the registry holds."""

from __future__ import annotations

import re

from playwright.async_api import BrowserContext, Page, expect

from tests.api import create_community, read
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import only, open_page, rows_of, snap
from tests.conftest import ADMIN, Stack, token
from tests.security.world import slug

pytestmark = CONSOLE_TEST


async def choose(page: Page, select: str, option: str) -> None:
    """Pick an option of an Element Plus select (its list opens in a popper)."""
    await page.get_by_test_id(select).click()
    await page.get_by_role("option", name=option, exact=True).click()
    await expect(page.locator(".el-select-dropdown").filter(visible=True)).to_have_count(0)


async def settled(page: Page) -> None:
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)


async def unit(stack: Stack, community: str, name: str, kind: str) -> str:
    made = await stack["registry"].post(
        "/resident-units",
        json={"community_id": community, "name": name, "kind": kind},
        headers=ADMIN,
    )
    assert made.status_code == 201, made.text
    unit_id: str = made.json()["id"]
    return unit_id


async def test_a_working_party_member_and_a_units_team(
    stack: Stack, console_site: str, context: BrowserContext
) -> None:
    branch = slug("b")
    home = await create_community(stack["registry"], slug("c"), f"龙泉社区{branch[-4:]}", branch)
    neighbour = await create_community(
        stack["registry"], slug("c"), f"青山社区{branch[-4:]}", branch
    )
    bank = await unit(stack, home, "农商银行", "金融")
    hospital = await unit(stack, neighbour, "县人民医院", "医院")
    secretary = token("community_admin", [home, neighbour], sub="secretary")
    errors: list[str] = []
    page = await open_page(
        context, f"{console_site}/#/login?token={secretary}&redirect=/volunteers/new", errors
    )
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")

    # -- register a working party member of home who works at the neighbour's hospital
    form = page.get_by_test_id("volunteer-form")
    await expect(form).to_contain_text("在职党员双报到：登记其工作单位")
    await expect(form.get_by_label("所属驻区单位")).to_be_disabled()  # no community yet
    await choose(page, "field-community", f"龙泉社区{branch[-4:]}")
    await form.get_by_label("姓名").fill("李在职")
    await form.get_by_label("手机号").fill("13700001234")
    await page.get_by_test_id("field-party").click()
    # The community's own unit first, then the branch's others with their community.
    await page.get_by_test_id("field-unit").click()
    options = page.get_by_role("option").filter(visible=True)
    await expect(options).to_have_text(["农商银行", f"县人民医院（青山社区{branch[-4:]}）"])
    await options.nth(1).click()
    await snap(page, "console-volunteer-unit-form")
    await form.get_by_role("button", name="登记").click()
    await expect(page.locator(".el-message--success")).to_contain_text("已登记志愿者 李在职")

    # -- the 驻区单位 filter (the community's and its branch's units), in the address
    await choose(page, "filter-unit", f"县人民医院（青山社区{branch[-4:]}）")
    await page.get_by_test_id("filters").get_by_role("button", name="查询").click()
    await expect(page).to_have_url(re.compile(f"unit_id={hospital}"))
    rows = rows_of(page, "volunteer-table")
    await only(rows, "李在职")
    await settled(page)
    await snap(page, "console-volunteers-unit-filter")

    # -- the volunteer's page shows the unit
    await page.get_by_test_id("volunteer-link").first.click()
    await expect(page.get_by_test_id("volunteer-unit")).to_have_text("县人民医院（在职党员双报到）")
    await settled(page)
    await snap(page, "console-volunteer-unit-detail")

    (volunteer,) = (await read(stack["registry"], "/volunteers", unit_id=hospital))["items"]
    assert (volunteer["name"], volunteer["community_id"]) == ("李在职", home)
    assert volunteer["unit_id"] == hospital and volunteer["is_party_member"] is True

    # -- editing: the unit changed to the home community's bank
    await page.get_by_test_id("edit").click()
    edit = page.get_by_test_id("volunteer-edit-form")
    await expect(page.get_by_test_id("field-unit")).to_contain_text(
        f"县人民医院（青山社区{branch[-4:]}）"
    )
    await choose(page, "field-unit", "农商银行")
    await edit.get_by_role("button", name="保存").click()
    await expect(page.get_by_test_id("volunteer-unit")).to_have_text("农商银行（在职党员双报到）")
    changed = await read(stack["registry"], f"/volunteers/{volunteer['id']}")
    assert changed["unit_id"] == bank

    # -- form the hospital's team in the neighbour community
    await page.get_by_test_id("menu").get_by_role("menuitem", name="服务队").click()
    await page.get_by_test_id("create-team").click()
    team_form = page.get_by_test_id("team-form")
    await choose(page, "team-community", f"青山社区{branch[-4:]}")
    await choose(page, "team-category", "橙色关爱")
    await team_form.get_by_label("队名").fill("医院橙色服务队")
    await page.get_by_test_id("team-unit").click()
    # Only the team's own community's units.
    await expect(page.get_by_role("option").filter(visible=True)).to_have_text(["县人民医院"])
    await page.get_by_role("option", name="县人民医院", exact=True).click()
    await expect(team_form).to_contain_text("由本社区的驻区单位组建")
    await snap(page, "console-team-unit-form")
    await team_form.get_by_role("button", name="成立").click()
    await expect(page.get_by_test_id("team-unit")).to_have_text("驻区单位：县人民医院")
    await settled(page)
    await snap(page, "console-team-unit-detail")

    # -- the team list: filtered by the unit (in the address), the unit beside the name
    await page.get_by_role("button", name="返回服务队列表").click()
    await choose(page, "filter-unit", "县人民医院")
    await page.get_by_test_id("filters").get_by_role("button", name="查询").click()
    await expect(page).to_have_url(re.compile(f"unit_id={hospital}"))
    teams = rows_of(page, "team-table")
    await only(teams, "医院橙色服务队")
    await expect(teams.first.get_by_test_id("team-unit")).to_have_text("驻区单位：县人民医院")
    await settled(page)
    await snap(page, "console-teams-unit-filter")

    (team,) = (await read(stack["registry"], "/teams", unit_id=hospital))["items"]
    assert (team["name"], team["community_id"], team["category"]) == (
        "医院橙色服务队",
        neighbour,
        "orange",
    )
    assert team["unit_id"] == hospital
    assert [e for e in errors if not re.match(r"^4\d\d ", e)] == []
