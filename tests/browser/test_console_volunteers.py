"""志愿者 in the console, in a real browser: search the list by phone suffix, team and party
membership (kept in the address); open a volunteer, edit it (a change made meanwhile by
someone else is caught and reloaded), record a party member's life event, deactivate it with
a reason; import a CSV with bad rows, watch the progress bar finish, read the rejected rows
and download them. Each workflow ends with what the services' APIs hold."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, Download, Locator, Page, expect

from tests.api import create_team, create_volunteer, join_team, next_phone, read
from tests.browser.conftest import CONSOLE_TEST
from tests.browser.pages import only, open_page, rows_of, snap
from tests.conftest import ADMIN, Stack, eventually, token

pytestmark = CONSOLE_TEST


async def sign_in(
    context: BrowserContext, site: str, community: str, to: str
) -> tuple[Page, list[str]]:
    """A community's admin, signed in through the link, on the page `to`."""
    secretary = token("community_admin", [community], sub="secretary")
    errors: list[str] = []
    page = await open_page(context, f"{site}/#/login?token={secretary}&redirect={to}", errors)
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    return page, errors


async def choose(page: Page, select: str, option: str) -> None:
    """Pick an option of an Element Plus select (its list opens in a popper)."""
    await page.get_by_test_id(select).click()
    await page.get_by_role("option", name=option, exact=True).click()


def toast(page: Page, text: str) -> Locator:
    return page.locator(".el-message--success").filter(has_text=text)


async def snap_settled(page: Page, name: str) -> None:
    """The page's screenshots once its toasts have gone."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
    await snap(page, name)


async def downloaded(download: Download) -> bytes:
    """What the browser saved."""
    return await asyncio.to_thread(Path(await download.path()).read_bytes)


async def test_search_by_phone_suffix_team_and_party_membership(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    await create_volunteer(
        registry, community, name="赵党员", phone="13900004321", is_party_member=True
    )
    await create_volunteer(registry, community, name="钱群众", phone="13800004321")
    teamed = await create_volunteer(registry, community, name="孙队员", is_party_member=True)
    team = await create_team(registry, community, "orange", name="橙色助老服务队")
    await join_team(registry, team, teamed)

    page, errors = await sign_in(context, console_site, community, "/volunteers")
    rows = rows_of(page, "volunteer-table")
    await expect(rows).to_have_count(3)

    # The last four digits of a phone, and party members only.
    await page.get_by_test_id("filter-q").fill("4321")
    await page.get_by_role("button", name="查询").click()
    await expect(rows).to_have_count(2)
    await choose(page, "filter-party", "是")
    await page.get_by_role("button", name="查询").click()
    await only(rows, "赵党员")
    await expect(page).to_have_url(f"{console_site}/#/volunteers?q=4321&is_party_member=true")

    # The address keeps the search: a reload shows the same list.
    await page.reload()
    await expect(page.get_by_test_id("filter-q")).to_have_value("4321")
    await only(rows, "赵党员")

    # By team: only its member.
    await page.get_by_role("button", name="重置").click()
    await expect(rows).to_have_count(3)
    await choose(page, "filter-team", "橙色助老服务队")
    await page.get_by_role("button", name="查询").click()
    await only(rows, "孙队员")
    assert f"team_id={team['id']}" in page.url
    await snap_settled(page, "console-volunteers-filters")

    # The registry answers the same searches with the same volunteers.
    async def names(**query: str) -> list[str]:
        response = await registry.get(
            "/volunteers", params={"community_id": community, **query}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        return [v["name"] for v in response.json()["items"]]

    assert await names(q="4321", is_party_member="true") == ["赵党员"]
    assert await names(team_id=team["id"]) == ["孙队员"]
    assert errors == []


async def test_edit_record_a_life_event_and_deactivate(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    volunteer = await create_volunteer(
        registry,
        community,
        name="周红",
        birth_year=1970,
        skills=["理发"],
        is_party_member=True,
        party_joined_on="1995-07-01",
    )
    page, errors = await sign_in(context, console_site, community, f"/volunteers/{volunteer['id']}")
    details = page.get_by_test_id("volunteer-details")
    await expect(page.get_by_test_id("volunteer-title")).to_contain_text("周红")
    await expect(details).to_contain_text("1995-07-01 入党（政治生日 07-01）")
    await expect(details).to_contain_text(volunteer["phone"])

    # Someone else changes the volunteer while this edit is open: caught before saving.
    await page.get_by_test_id("edit").click()
    await page.get_by_label("可服务时间").fill("工作日晚上")
    meanwhile = await registry.patch(
        f"/volunteers/{volunteer['id']}", json={"skills": ["理发", "维修"]}, headers=ADMIN
    )
    assert meanwhile.status_code == 200, meanwhile.text
    await page.get_by_role("button", name="保存").click()
    changed = page.get_by_role("dialog", name="信息已被他人修改")
    await expect(changed).to_contain_text("其他人修改了这位志愿者的信息")
    await changed.get_by_role("button", name="重新加载").click()
    await expect(details).to_contain_text("维修")

    # Edited again on the new version: only the changed field is sent.
    await page.get_by_test_id("edit").click()
    await page.get_by_label("可服务时间").fill("工作日晚上")
    await page.get_by_label("出生年份").fill("1972")
    await page.get_by_role("button", name="保存").click()
    await expect(toast(page, "已保存 周红 的信息")).to_be_visible()
    await expect(details).to_contain_text("工作日晚上")
    held = await read(stack["registry"], f"/volunteers/{volunteer['id']}")
    assert (held["availability"], held["birth_year"]) == ("工作日晚上", 1972)
    assert held["skills"] == ["理发", "维修"]  # the other person's change stands

    # A party member's life event: recorded, listed, and a must-visit for the community.
    await page.get_by_test_id("record-event").click()
    dialog = page.get_by_test_id("life-event-dialog")
    # By keyboard: the select is labelled, opens with Enter, and picks with Enter.
    kind = dialog.get_by_label("事件")
    await kind.focus()
    await kind.press("Enter")
    await expect(page.get_by_role("option", name="生病（必访）")).to_be_visible()
    await kind.press("ArrowDown")  # 生病
    await kind.press("ArrowDown")  # 住院
    await kind.press("Enter")
    await expect(dialog.locator(".el-select")).to_contain_text("住院（必访）")
    occurred = dialog.get_by_placeholder("选择日期")
    await occurred.fill("2025-01-10")
    await occurred.press("Tab")
    await dialog.get_by_label("备注").fill("因病住院治疗")
    await dialog.get_by_role("button", name="记录", exact=True).click()
    await expect(toast(page, "已记录党员生活事件：住院")).to_be_visible()
    events = rows_of(page, "life-event-table")
    await only(events, "2025-01-10", "住院", "必访", "因病住院治疗")
    await snap_settled(page, "console-volunteer-detail")

    listed = await registry.get(f"/volunteers/{volunteer['id']}/life-events", headers=ADMIN)
    assert listed.status_code == 200, listed.text
    assert [
        (e["kind"], e["occurred_on"], e["note"], e["recorded_by"]) for e in listed.json()["items"]
    ] == [("hospitalized", "2025-01-10", "因病住院治疗", "secretary")]

    async def visit_task() -> None:
        tasks = await stack["requests"].get(
            "/care-tasks", params={"community_id": community}, headers=ADMIN
        )
        assert tasks.status_code == 200, tasks.text
        assert [
            (t["volunteer_id"], t["kind"])
            for t in tasks.json()["items"]
            if t["reason"] == "hospitalized"
        ] == [(volunteer["id"], "visit")]

    await eventually(visit_task)

    # Deactivated with a reason, after a confirmation that asks for it.
    await page.get_by_test_id("deactivate").click()
    confirm = page.get_by_test_id("deactivate-dialog")
    await expect(confirm).to_contain_text("确定要停用吗")
    await confirm.get_by_role("button", name="确认停用").click()
    await expect(confirm.locator(".el-form-item__error")).to_have_text("请填写停用原因")
    await confirm.get_by_label("停用原因").fill("搬离本社区")
    await confirm.get_by_role("button", name="确认停用").click()
    await expect(toast(page, "已停用志愿者 周红")).to_be_visible()
    await expect(page.get_by_test_id("volunteer-status")).to_have_text("已停用")
    await expect(page.get_by_test_id("deactivated-reason")).to_have_text("已停用：搬离本社区")
    await expect(page.get_by_test_id("deactivate")).to_have_count(0)

    held = await read(stack["registry"], f"/volunteers/{volunteer['id']}")
    assert (held["active"], held["deactivated_reason"]) == (False, "搬离本社区")
    assert errors == []


def import_file(existing_phone: str, rows: int) -> tuple[bytes, dict[int, str]]:
    """A CSV of `rows` lines after the header (one blank), with bad rows and why they are bad."""
    lines = ["name,phone,gender,birth_year,is_party_member,party_joined_on,skills"]
    bad: dict[int, str] = {}
    for line in range(2, rows + 2):
        if line == 3:
            lines.append("坏手机,12ab,女,1980,否,,")
            bad[line] = "手机号：手机号应为 5–15 位数字，可带 +"
        elif line == 5:
            lines.append("")  # a blank line: skipped, but it still counts
        elif line == 60:
            lines.append(f"重复号,{existing_phone},男,1980,否,,")
            bad[line] = "该社区已有此手机号"
        elif line == 115:  # in the second chunk of 100 rows
            lines.append(f"错性别,{next_phone()},未知,1980,否,,")
            bad[line] = "性别：“未知”不是 男 或 女"
        else:
            joined = "2001-07-01" if line % 2 else ""
            member = "是" if joined else "否"
            lines.append(f'导入{line},{next_phone()},女,1975,{member},{joined},"理发;急救"')
    return ("\n".join(lines) + "\n").encode(), bad


async def test_import_a_csv_with_bad_rows(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    registry = stack["registry"]
    existing = await create_volunteer(registry, community, name="老志愿者")
    content, bad = import_file(existing["phone"], rows=120)
    good = 120 - len(bad) - 1  # less the blank line

    page, errors = await sign_in(context, console_site, community, "/volunteers")
    await page.get_by_test_id("import").click()
    await expect(page.get_by_test_id("import-columns")).to_contain_text("party_joined_on")

    # The template: every column, for Excel (UTF-8 with a BOM).
    async with page.expect_download() as template_download:
        await page.get_by_test_id("template").click()
    template = await template_download.value
    assert template.suggested_filename == "志愿者导入模板.csv"
    text = (await downloaded(template)).decode("utf-8")
    assert text.startswith(
        "\ufeffname,phone,gender,birth_year,is_party_member,party_joined_on,skills\r\n"
    )

    await (
        page.get_by_test_id("csv-upload")
        .locator("input[type=file]")
        .set_input_files({"name": "志愿者名单.csv", "mimeType": "text/csv", "buffer": content})
    )
    await expect(page.get_by_test_id("import-file")).to_contain_text(
        f"共 {120 - 1} 行数据，将分 2 批上传"
    )
    await expect(page.get_by_test_id("import-preview")).to_contain_text("导入2")
    await page.get_by_test_id("start-import").click()

    progress = page.get_by_role("progressbar", name="导入进度")
    await expect(progress).to_have_attribute("aria-valuenow", "100", timeout=30_000)
    await expect(page.get_by_test_id("import-summary")).to_have_text(
        f"导入完成：新增 {good} 名志愿者，3 行未导入，原因见下表。"
    )
    rejects = rows_of(page, "reject-table")
    await expect(rejects).to_have_count(3)
    for row, (line, reason) in zip(await rejects.all(), bad.items(), strict=True):
        await expect(row.locator("td").first).to_have_text(str(line))
        await expect(row).to_contain_text(reason)
    await snap_settled(page, "console-volunteer-import")

    # The rejected rows as a CSV: line, reason, then the row as it was in the file.
    async with page.expect_download() as rejects_download:
        await page.get_by_test_id("download-rejects").click()
    download = await rejects_download.value
    assert download.suggested_filename == "志愿者名单-未导入的行.csv"
    raw = await downloaded(download)
    assert raw.startswith(b"\xef\xbb\xbf")
    table = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert table[0] == ["行号", "未导入原因", "name", "phone", "gender", "birth_year",
                        "is_party_member", "party_joined_on", "skills"]  # fmt: skip
    assert [int(r[0]) for r in table[1:]] == list(bad)
    assert [r[2] for r in table[1:]] == ["坏手机", "重复号", "错性别"]
    for r, reason in zip(table[1:], bad.values(), strict=True):
        assert reason in r[1]

    # The registry holds the good rows and none of the bad ones.
    async def imported() -> list[dict[str, Any]]:
        response = await registry.get(
            "/volunteers", params={"community_id": community, "limit": 500}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    held = {v["name"]: v for v in await imported()}
    assert len(held) == good + 1  # with the volunteer who was there before
    assert not {"坏手机", "重复号", "错性别"} & set(held)
    assert held["导入7"]["is_party_member"] is True
    assert held["导入7"]["party_joined_on"] == "2001-07-01"
    assert held["导入8"]["skills"] == ["理发", "急救"]
    assert errors == []
