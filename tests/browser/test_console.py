"""The console (工作台) in a real browser: sign in with a token from the link `qise up`
prints, register a volunteer through the form, find it in the list, and check it through
the registry API. The console runs on a real port and forwards /api/<service>/... to the
running services. Screenshots go to var/screenshots/ (docs/console.md lists them)."""

from __future__ import annotations

from playwright.async_api import BrowserContext, Page, expect

from tests.api import next_phone
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import SCREENSHOTS, only, open_page, rows_of
from tests.conftest import ADMIN, Stack, token

pytestmark = CONSOLE_TEST


async def fill_volunteer(page: Page, name: str, phone: str) -> None:
    await page.get_by_label("姓名").fill(name)
    await page.get_by_label("手机号").fill(phone)
    await page.get_by_label("出生年份").fill("1980")
    await page.get_by_label("可服务时间").fill("周末上午")
    await page.get_by_test_id("field-party").click()
    joined = page.get_by_placeholder("选择日期")
    await joined.fill("2005-07-01")
    await joined.press("Tab")  # Enter would submit the form


async def test_sign_in_register_a_volunteer_and_find_it(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{console_site}/#/login?token={secretary}", errors)

    # Signed in by the link: the token left the address, the menu follows the role.
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    assert "token" not in page.url
    assert await page.evaluate("localStorage.getItem('qise.console.token')") == secretary
    menu = page.get_by_test_id("menu")
    await expect(menu.get_by_role("menuitem")).to_have_text(
        [
            "工作台",
            "社区与支部",
            "大支部",
            "服务队",
            "志愿者",
            "活动",
            "居民点单",
            "三必访五必谈",
            "资源联享",
            "关爱对象",
            "报告",
        ]
    )

    await menu.get_by_role("menuitem", name="志愿者").click()
    await expect(page.get_by_test_id("volunteer-table")).to_contain_text("没有符合条件的志愿者")
    await page.get_by_test_id("register").click()
    await expect(page.get_by_test_id("volunteer-form")).to_be_visible()
    # The API's rules are written beside their fields.
    await expect(page.get_by_test_id("volunteer-form")).to_contain_text("5–15 位数字")
    await expect(page.get_by_test_id("volunteer-form")).to_contain_text("1–50 个字")

    # The client's own check first: a phone that is no phone.
    await page.get_by_label("姓名").fill("王芳")
    await page.get_by_label("手机号").fill("12ab")
    await page.get_by_role("button", name="登记", exact=True).click()
    phone_item = page.locator(".el-form-item").filter(has=page.get_by_label("手机号"))
    await expect(phone_item.locator(".el-form-item__error")).to_have_text(
        "手机号应为 5–15 位数字，可带 +"
    )

    phone = next_phone()
    await fill_volunteer(page, "王芳", phone)
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(page.locator(".el-message--success")).to_contain_text("已登记志愿者 王芳")

    # Back on the list, filtered to the community in the address, the volunteer is there.
    await expect(page).to_have_url(f"{console_site}/#/volunteers?community_id={community}")
    rows = rows_of(page, "volunteer-table")
    await only(rows, "王芳", "党员", "2005-07-01")

    # What the registry holds is what was typed.
    listed = await stack["registry"].get(
        "/volunteers", params={"community_id": community, "q": "王芳"}, headers=ADMIN
    )
    assert listed.status_code == 200, listed.text
    (volunteer,) = listed.json()["items"]
    assert volunteer["phone"] == phone
    assert (volunteer["birth_year"], volunteer["availability"]) == (1980, "周末上午")
    assert volunteer["is_party_member"] is True
    assert volunteer["party_joined_on"] == "2005-07-01"

    # Filters live in the address: a search by name survives a reload.
    await page.get_by_test_id("filter-q").fill("王")
    await page.get_by_role("button", name="查询").click()
    await expect(page).to_have_url(
        f"{console_site}/#/volunteers?community_id={community}&q=%E7%8E%8B"
    )
    await page.reload()
    await expect(page.get_by_test_id("filter-q")).to_have_value("王")
    await only(rows)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=SCREENSHOTS / "console-volunteers.png", full_page=True)

    # The same phone again: the service's answer is shown beside the phone field.
    await page.get_by_test_id("register").click()
    # The form first: the list's 姓名/手机尾号 filter answers to 姓名 too.
    await expect(page.get_by_test_id("volunteer-form")).to_be_visible()
    await fill_volunteer(page, "李强", phone)
    await page.get_by_role("button", name="登记", exact=True).click()
    await expect(phone_item.locator(".el-form-item__error")).to_have_text(
        "该社区已有使用此手机号的志愿者"
    )
    await expect(page.locator(".el-message--error")).to_contain_text("请按字段旁的提示修改")
    await page.screenshot(path=SCREENSHOTS / "console-volunteer-form.png", full_page=True)

    # A phone's width: the menu folds away, the form stays usable.
    await page.set_viewport_size({"width": 375, "height": 812})
    await page.wait_for_timeout(300)
    await expect(page.get_by_role("button", name="菜单")).to_be_visible()
    await page.screenshot(path=SCREENSHOTS / "console-volunteer-form-375.png", full_page=True)
    await page.get_by_role("button", name="取消").click()
    await expect(rows.first).to_contain_text("王芳")
    await page.screenshot(path=SCREENSHOTS / "console-volunteers-375.png", full_page=True)

    # Sign out: back to the sign-in page, the token forgotten.
    await page.get_by_test_id("sign-out").click()
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    assert await page.evaluate("localStorage.getItem('qise.console.token')") is None
    assert errors == [f"409 {console_site}/api/registry/volunteers"]


async def test_a_refused_token_stays_on_the_sign_in_page(
    console_site: str, context: BrowserContext
) -> None:
    page = await open_page(context, f"{console_site}/")
    await expect(page.get_by_test_id("login-form")).to_be_visible()
    await page.get_by_label("访问令牌").fill("not-a-token")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("login-form")).to_contain_text("这不是有效的访问令牌")
    # Well formed but signed with another secret: the services refuse it (401).
    forged = token().split(".")
    await page.get_by_label("访问令牌").fill(f"{forged[0]}.{forged[1]}.bad-signature")
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("login-form")).to_contain_text("令牌无效或已过期")
    assert await page.evaluate("localStorage.getItem('qise.console.token')") is None
