"""个人信息 on a volunteer's page, in a real browser: a community's admin downloads the JSON
of everything the four services hold on the volunteer, then erases it on the person's
request (a reason is required); the page, and the registry, show the placeholder."""

from __future__ import annotations

import json
import uuid

import pytest
from playwright.async_api import BrowserContext, expect

from services.stats.models import Volunteer as StatsVolunteer
from shared.personal_data import ERASED_VOLUNTEER_NAME
from tests.api import create_volunteer, read
from tests.browser.conftest import needs_chromium, needs_console_build
from tests.browser.pages import snap
from tests.browser.test_console_hours import sign_in_on_phone
from tests.browser.test_console_volunteers import (
    downloaded,
    sign_in,
    snap_settled,
    toast,
)
from tests.conftest import Stack, token
from tests.security.world import known

pytestmark = [pytest.mark.browser, needs_chromium, needs_console_build]


async def test_export_then_erase_a_volunteer(
    stack: Stack, community: str, console_site: str, context: BrowserContext
) -> None:
    person = await create_volunteer(
        stack["registry"], community, name="陈秀英", birth_year=1958, skills=["剪纸"]
    )
    # Every part answers once the services have heard of the volunteer.
    await known(stack, "stats", StatsVolunteer, uuid.UUID(person["id"]))
    page, errors = await sign_in(context, console_site, community, f"/volunteers/{person['id']}")
    await expect(page.get_by_test_id("volunteer-title")).to_contain_text("陈秀英")

    async with page.expect_download() as download:
        await page.get_by_test_id("export-personal-data").click()
    saved = await download.value
    assert saved.suggested_filename.startswith(f"个人信息-{person['id']}-")
    gathered = json.loads(await downloaded(saved))
    assert gathered["missing"] == []
    assert sorted(gathered["parts"]) == ["activities", "registry", "requests", "stats"]
    assert gathered["parts"]["registry"]["volunteer"]["phone"] == person["phone"]
    await expect(toast(page, "已导出个人信息")).to_be_visible()

    await page.get_by_test_id("erase-personal-data").click()
    dialog = page.get_by_test_id("erase-dialog")
    await expect(dialog).to_be_visible()
    await dialog.get_by_test_id("confirm-erase").click()
    await expect(dialog).to_contain_text("请填写删除原因")  # nothing sent without a reason
    assert (await read(stack["registry"], f"/volunteers/{person['id']}"))["name"] == "陈秀英"
    await snap_settled(page, "console-volunteer-erase")
    await dialog.locator("#erase-reason").fill("本人书面申请删除")
    await dialog.get_by_test_id("confirm-erase").click()
    await expect(toast(page, "已删除这位志愿者的个人信息")).to_be_visible()
    await expect(page.get_by_test_id("volunteer-title")).to_contain_text(ERASED_VOLUNTEER_NAME)
    await expect(page.get_by_test_id("erased-tag")).to_be_visible()
    await expect(page.get_by_test_id("erase-personal-data")).to_have_count(0)
    # Nothing left to edit: a save would be refused (409) anyway.
    await expect(page.get_by_test_id("edit")).to_have_count(0)
    await snap_settled(page, "console-volunteer-erased")
    held = await read(stack["registry"], f"/volunteers/{person['id']}")
    assert (held["name"], held["phone"], held["skills"]) == (ERASED_VOLUNTEER_NAME, "", [])
    assert errors == []


async def test_a_volunteer_downloads_their_own_personal_data_on_their_phone(
    stack: Stack, community: str, console_site: str, phone: BrowserContext
) -> None:
    person = await create_volunteer(stack["registry"], community, name="林晓燕")
    await known(stack, "stats", StatsVolunteer, uuid.UUID(person["id"]))
    page = await phone.new_page()
    await sign_in_on_phone(page, console_site, token("volunteer", [community], sub=person["id"]))
    card = page.get_by_test_id("me-personal-data")
    await card.scroll_into_view_if_needed()
    await snap(page, "console-me-personal-data")
    # Their own copy, and no way to erase it themself (that request goes to the community).
    await expect(card.get_by_test_id("erase-personal-data")).to_have_count(0)
    async with page.expect_download() as download:
        await card.get_by_test_id("export-personal-data").click()
    gathered = json.loads(await downloaded(await download.value))
    assert gathered["missing"] == []
    assert gathered["parts"]["registry"]["volunteer"]["name"] == "林晓燕"
    assert gathered["parts"]["registry"]["volunteer"]["phone"] == person["phone"]
