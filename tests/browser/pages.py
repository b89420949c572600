"""What the browser tests do on a page of the console: open it (noting script errors and
failed loads), read its tables, answer its message boxes and wait for its messages, and
screenshots of it at an office screen's width and a phone's (var/screenshots/, listed in
docs/console.md)."""

from __future__ import annotations

from pathlib import Path

from playwright.async_api import (
    BrowserContext,
    ConsoleMessage,
    Locator,
    Page,
    Response,
    ViewportSize,
    expect,
)

SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "screenshots"
DESKTOP = ViewportSize(width=1280, height=900)
PHONE = ViewportSize(width=375, height=812)


async def open_page(context: BrowserContext, url: str, errors: list[str] | None = None) -> Page:
    """A page; with `errors`, script errors and failed loads are noted there."""
    page = await context.new_page()
    if errors is not None:

        def failed_load(response: Response) -> None:
            if response.status >= 400:
                errors.append(f"{response.status} {response.url}")

        def console_error(message: ConsoleMessage) -> None:
            # A failed load is already noted with its address by failed_load.
            if message.type == "error" and not message.text.startswith("Failed to load"):
                errors.append(f"console: {message.text}")

        page.on("pageerror", lambda error: errors.append(f"script error: {error}"))
        page.on("response", failed_load)
        page.on("console", console_error)
    await page.goto(url)
    return page


async def snap(page: Page, name: str) -> None:
    """`name`.png at an office screen's width and `name`-375.png at a phone's, whole page;
    the page is left at the width it had."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    was = page.viewport_size or DESKTOP
    await page.set_viewport_size(DESKTOP)
    await page.wait_for_timeout(250)  # the layout settles (the menu folds at phone width)
    await page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)
    await page.set_viewport_size(PHONE)
    await page.wait_for_timeout(250)
    await page.screenshot(path=SCREENSHOTS / f"{name}-375.png", full_page=True)
    await page.set_viewport_size(was)
    await page.wait_for_timeout(250)


def rows_of(page: Page, table: str) -> Locator:
    """The body rows of the table with test id `table`."""
    return page.get_by_test_id(table).locator("tbody tr")


async def only(rows: Locator, *texts: str) -> None:
    """`rows` are one row, holding each of `texts`."""
    await expect(rows).to_have_count(1)
    for text in texts:
        await expect(rows.first).to_contain_text(text)


async def confirm(page: Page, button: str) -> None:
    """Answer the open message box with its `button`."""
    box = page.get_by_role("dialog").filter(has=page.locator(".el-message-box__title"))
    await box.get_by_role("button", name=button, exact=True).click()


async def toast(page: Page, text: str) -> None:
    """A success message saying `text` shows."""
    await expect(page.locator(".el-message--success").filter(has_text=text)).to_be_visible()


async def calm(page: Page) -> None:
    """No message is left over the page (they fade by themselves), for a screenshot."""
    await expect(page.locator(".el-message")).to_have_count(0, timeout=10_000)
