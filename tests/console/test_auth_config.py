"""The console's public sign-in configuration (`GET /auth/config`, no token): whether to
offer the county's identity provider, and which claims carry the role and communities;
and the provider's way back (`/auth/callback`) answered with the web app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager

from services.console.app import create_app
from services.console.settings import ConsoleSettings

INDEX = "<!doctype html><title>工作台</title>"


@asynccontextmanager
async def client_for(settings: ConsoleSettings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client


@pytest.fixture
def web_dir(tmp_path: Path) -> Path:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "index.html").write_text(INDEX, "utf-8")
    return tmp_path / "dist"


async def test_without_a_provider_only_token_sign_in_is_offered(web_dir: Path) -> None:
    async with client_for(ConsoleSettings(_env_file=None, web_dir=web_dir)) as client:
        answer = await client.get("/auth/config")
        assert answer.status_code == 200
        assert answer.json() == {
            "oidc": None,
            "role_claim": "role",
            "communities_claim": "communities",
        }


async def test_the_provider_and_claim_paths_come_from_the_shared_names(
    web_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QISE_OIDC_ISSUER", "https://sso.example.gov.cn/realms/qise")
    monkeypatch.setenv("QISE_OIDC_CLIENT_ID", "qise-console")
    monkeypatch.setenv("QISE_ROLE_CLAIM", "realm_access.roles")
    monkeypatch.setenv("QISE_COMMUNITIES_CLAIM", "qise.communities")
    async with client_for(ConsoleSettings(_env_file=None, web_dir=web_dir)) as client:
        answer = await client.get("/auth/config")
        assert answer.json() == {
            "oidc": {
                "issuer": "https://sso.example.gov.cn/realms/qise",
                "client_id": "qise-console",
                "scope": "openid profile",
            },
            "role_claim": "realm_access.roles",
            "communities_claim": "qise.communities",
        }
        # The provider's way back is the web app, which takes the code from there.
        callback = await client.get("/auth/callback", params={"code": "c", "state": "s"})
        assert callback.status_code == 200
        assert callback.text == INDEX
        assert callback.headers["cache-control"] == "no-store"


async def test_an_issuer_without_a_client_id_is_not_offered(
    web_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = ConsoleSettings(
        _env_file=None, web_dir=web_dir, oidc_issuer="https://sso.example.gov.cn/realms/qise"
    )
    async with client_for(settings) as client:
        assert (await client.get("/auth/config")).json()["oidc"] is None
    assert "QISE_OIDC_CLIENT_ID is not" in caplog.text
