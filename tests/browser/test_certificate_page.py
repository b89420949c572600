"""The certificate's HTML page in a real browser: its QR code, drawn as inline SVG, is read
back off a screenshot and holds the verification address; and the check page a phone
opens from that code reads as it should."""

from __future__ import annotations

from io import BytesIO

import pytest
from PIL import Image
from playwright.async_api import BrowserContext

from services.activities.certificate import render_check_html, render_html
from tests.browser.conftest import needs_chromium
from tests.browser.pages import PHONE, SCREENSHOTS
from tests.pdfs import qr_texts
from tests.unit.test_certificate import URL, _check, _data

pytestmark = [pytest.mark.browser, needs_chromium]


async def test_the_qr_code_on_the_html_certificate_holds_the_verification_address(
    context: BrowserContext,
) -> None:
    page = await context.new_page()
    await page.set_content(render_html(_data()))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    await page.screenshot(path=str(SCREENSHOTS / "certificate.png"), full_page=True)
    qr = page.locator("svg.qr")
    await qr.scroll_into_view_if_needed()
    shot = Image.open(BytesIO(await qr.screenshot())).convert("L")
    assert qr_texts(shot) == [URL]


async def test_the_check_page_on_a_phone(context: BrowserContext) -> None:
    page = await context.new_page()
    await page.set_viewport_size(PHONE)
    await page.set_content(render_check_html(_check()))
    await page.screenshot(path=str(SCREENSHOTS / "certificate-check.png"), full_page=True)
    status = page.locator(".status")
    assert "该证明真实有效" in await status.inner_text()
    assert "张*梅" in await page.locator(".facts").inner_text()
    # Nothing wider than the phone: no sideways scrolling to read the verdict.
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
