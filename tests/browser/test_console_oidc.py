"""Signing in to the console through the county's identity provider, in a real browser:
the authorization-code flow with PKCE (S256) against a Keycloak-shaped provider served
here (tests/browser/oidc_provider.py). The console reads the role from
`realm_access.roles` (QISE_ROLE_CLAIM), the services verify the provider's RS256 token
with its public key, and the dashboard answers. Also: a tampered PKCE verifier is
refused by the provider, an account without a Qise role is told so, an expired token
sends the user back through the provider to the page they were on, and signing out ends
the provider's session."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode

import pytest
from playwright.async_api import BrowserContext, Page, Route, expect

from services.console.app import create_app
from shared.auth import TokenVerifier
from tests.browser.conftest import (
    ToTheStack,
    console_settings,
    needs_chromium,
    needs_console_build,
    serve,
)
from tests.browser.oidc_provider import REALM_PATH, Account, FakeProvider
from tests.browser.pages import open_page, snap
from tests.conftest import Stack

pytestmark = [pytest.mark.browser, needs_chromium, needs_console_build]


@pytest.fixture(scope="module")
async def provider() -> AsyncIterator[FakeProvider]:
    fake = FakeProvider()
    async with serve(fake.app()) as url:
        fake.issuer = url + REALM_PATH
        yield fake


@pytest.fixture(scope="module")
async def oidc_console(stack: Stack, provider: FakeProvider) -> AsyncIterator[str]:
    """The console offering the provider: Keycloak's realm roles carry the role."""
    settings = console_settings(
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        role_claim="realm_access.roles",
    )
    async with serve(create_app(settings, transport=ToTheStack(stack))) as url:
        provider.redirect_uris = {f"{url}/auth/callback"}
        provider.post_logout_redirect_uris = {f"{url}/"}
        yield url


@pytest.fixture
def services_trust_provider(stack: Stack, provider: FakeProvider, community: str) -> Iterator[None]:
    """While the test runs, the stack's services check tokens as a deployment with the
    county's provider does (QISE_OIDC_ISSUER, QISE_JWT_ALGORITHMS=RS256, QISE_JWT_AUDIENCE,
    QISE_ROLE_CLAIM=realm_access.roles): its discovery document and JWKS, fetched over HTTP.
    (After the test's community is made with the test secret.)"""
    before = {name: service.app.state.tokens for name, service in stack.services.items()}
    for service in stack.services.values():
        settings = service.settings.model_copy(
            update={
                "oidc_issuer": provider.issuer,
                "jwt_algorithms": ("RS256",),
                "jwt_audience": provider.audience,
                "role_claim": "realm_access.roles",
                "communities_claim": "communities",
            }
        )
        service.app.state.tokens = TokenVerifier(settings)
    try:
        yield
    finally:
        for name, service in stack.services.items():
            service.app.state.tokens = before[name]


@pytest.fixture(autouse=True)
def fresh_provider(provider: FakeProvider) -> None:
    provider.account = None
    provider.token_seconds = 600
    provider.challenges.clear()
    provider.refusals.clear()
    provider.ended.clear()


def claims_of(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


def secretary(community: str) -> Account:
    """A community admin as Keycloak knows her: Keycloak's own roles beside two of ours."""
    return Account(
        sub="5d2c1a9e-0c1b-4f6e-9a57-1f6f3c2b7d10",
        username="wangfang",
        realm_roles=["offline_access", "uma_authorization", "volunteer", "community_admin"],
        communities=[community],
    )


async def stored_token(page: Page) -> str | None:
    value = await page.evaluate("localStorage.getItem('qise.console.token')")
    return str(value) if value is not None else None


@pytest.mark.usefixtures("services_trust_provider")
async def test_sign_in_through_the_provider_see_the_dashboard_and_sign_out(
    community: str, provider: FakeProvider, oidc_console: str, context: BrowserContext
) -> None:
    provider.account = secretary(community)
    errors: list[str] = []
    page = await open_page(context, f"{oidc_console}/#/volunteers", errors)

    # Not signed in: the sign-in page offers the county's account; pasting a token is
    # folded away for local use.
    sign_in = page.get_by_test_id("oidc-sign-in")
    await expect(sign_in).to_have_text("使用县统一身份认证登录")
    await expect(page.get_by_text("本地调试：粘贴令牌")).to_be_visible()
    await expect(page.get_by_label("访问令牌")).to_be_hidden()
    await snap(page, "console-login-oidc")

    await sign_in.click()

    # Through the provider and back to the page asked for, the code gone from the address.
    await expect(page.get_by_test_id("volunteer-table")).to_be_visible()
    assert page.url == f"{oidc_console}/#/volunteers"
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    (method, challenge) = provider.challenges[-1]
    assert (method, len(challenge)) == ("S256", 43)  # base64url of a SHA-256, no padding
    assert provider.refusals == []
    token = await stored_token(page)
    assert token is not None
    claims = claims_of(token)
    assert claims["iss"] == provider.issuer
    assert claims["realm_access"]["roles"] == provider.account.realm_roles

    # The dashboard, its figures from the stats service, which took the provider's token.
    menu = page.get_by_test_id("menu")
    await expect(menu.get_by_role("menuitem")).to_contain_text(["工作台", "志愿者", "报告"])
    await menu.get_by_role("menuitem", name="工作台").click()
    await expect(page.get_by_test_id("board-heading")).to_contain_text("测试社区")
    await expect(page.get_by_test_id("figure-volunteers")).to_have_attribute("data-value", "0")

    # Signing out ends the provider's session too, and comes back to the sign-in page.
    # (From a page that does not reload on its own when the session empties: the board
    # does, and its loads without a token would be refused while it goes.)
    await menu.get_by_role("menuitem", name="志愿者").click()
    await expect(page.get_by_test_id("volunteer-table")).to_be_visible()
    await page.get_by_test_id("sign-out").click()
    # Through the provider's end-session endpoint and back to the console's front page.
    await expect(page).to_have_url(f"{oidc_console}/#/login?redirect=/")
    await expect(page.get_by_test_id("oidc-sign-in")).to_be_visible()
    assert await stored_token(page) is None
    (ended,) = provider.ended
    assert ended["id_token_hint"]
    assert claims_of(ended["id_token_hint"])["aud"] == provider.client_id
    assert errors == []


@pytest.mark.usefixtures("services_trust_provider")
async def test_an_expired_token_goes_back_through_the_provider_to_the_same_page(
    community: str, provider: FakeProvider, oidc_console: str, context: BrowserContext
) -> None:
    provider.account = secretary(community)
    provider.token_seconds = 6
    page = await open_page(context, f"{oidc_console}/#/teams")
    await page.get_by_test_id("oidc-sign-in").click()
    await expect(page.get_by_test_id("who")).to_contain_text("社区管理员")
    token = await stored_token(page)
    assert token is not None
    expires = claims_of(token)["exp"]

    # Past its expiry the token is not used again: to sign-in, keeping the page.
    provider.token_seconds = 600
    await page.wait_for_timeout(max(0.0, expires - time.time() + 0.5) * 1000)
    await page.get_by_test_id("menu").get_by_role("menuitem", name="志愿者").click()
    await expect(page.get_by_test_id("oidc-sign-in")).to_be_visible()
    assert page.url == f"{oidc_console}/#/login?redirect=/volunteers"
    assert await stored_token(page) is None

    # The provider's session stands: one click and back on that page with a new token.
    await page.get_by_test_id("oidc-sign-in").click()
    await expect(page.get_by_test_id("volunteer-table")).to_be_visible()
    assert page.url == f"{oidc_console}/#/volunteers"
    renewed = await stored_token(page)
    assert renewed is not None and claims_of(renewed)["exp"] > expires
    assert len(provider.challenges) == 2


async def test_a_tampered_pkce_verifier_is_refused(
    community: str, provider: FakeProvider, oidc_console: str, context: BrowserContext
) -> None:
    provider.account = secretary(community)
    errors: list[str] = []
    page = await open_page(context, f"{oidc_console}/", errors)

    # Whoever holds the code without the browser's verifier gets no token.
    async def tamper(route: Route) -> None:
        form = {k: v[0] for k, v in parse_qs(route.request.post_data or "").items()}
        form["code_verifier"] = form["code_verifier"][:-4] + "AAAA"
        await route.continue_(post_data=urlencode(form))

    await page.route(f"{provider.issuer}/protocol/openid-connect/token", tamper)
    await page.get_by_test_id("oidc-sign-in").click()
    failure = page.get_by_test_id("callback-error")
    await expect(failure).to_contain_text("统一身份认证未能完成登录")
    await expect(failure).to_contain_text("PKCE verification failed")
    await snap(page, "console-sign-in-refused")
    assert provider.refusals == ["code_verifier"]
    assert await stored_token(page) is None
    assert "code=" not in page.url  # spent: out of the address
    assert errors == [f"400 {provider.issuer}/protocol/openid-connect/token"]

    # Back to sign-in from there.
    await page.get_by_role("button", name="返回登录").click()
    await expect(page.get_by_test_id("oidc-sign-in")).to_be_visible()


async def test_an_account_without_a_qise_role_is_told_so(
    community: str, provider: FakeProvider, oidc_console: str, context: BrowserContext
) -> None:
    provider.account = Account(
        sub="0e8f", username="visitor", realm_roles=["offline_access"], communities=[community]
    )
    page = await open_page(context, f"{oidc_console}/")
    await page.get_by_test_id("oidc-sign-in").click()
    await expect(page.get_by_test_id("callback-error")).to_contain_text(
        "您的账号还没有七色工作台的角色（令牌的 realm_access.roles）"
    )
    assert provider.refusals == []  # the provider gave the token; the console has no use for it
    assert await stored_token(page) is None
