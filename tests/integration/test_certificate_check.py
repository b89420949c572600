"""Anyone holding a certificate checks it without a token, from its QR code or by typing
its number and check code: valid, superseded once an activity it counted is voided, or
unknown; the name masked, nothing else of the person. Issuing is in the audit log."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from alembic import command
from asgi_lifespan import LifespanManager
from sqlalchemy import insert, select, update

from services.activities import app as activities_app
from services.activities.domain import CHECK_CODE_ALPHABET
from services.activities.models import Certificate
from services.activities.settings import ActivitiesSettings
from services.console.app import create_app
from services.console.settings import ConsoleSettings
from shared.db import create_engine
from shared.migrate import alembic_config
from tests.api import create_team, create_volunteer, published_events
from tests.conftest import ADMIN, Stack, auth
from tests.integration.test_activities import activity_body, certificate_row, log
from tests.pdfs import needs_poppler, qr_texts, render_pages

CHECKED = {"number", "status", "volunteer_name", "certified_hours", "period", "organisation"}
_addresses = itertools.count(1)


def _own_address(stack: Stack) -> httpx.ASGITransport:
    """To the activities service from an address of its own (so its own rate buckets)."""
    n = next(_addresses)
    return httpx.ASGITransport(
        app=stack.services["activities"].manager.app, client=(f"127.0.{n // 250}.{n % 250}", 4000)
    )


@pytest.fixture
async def stranger(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """A school or employer: no token, straight to the service."""
    async with httpx.AsyncClient(transport=_own_address(stack), base_url="http://a") as client:
        yield client


@pytest.fixture
async def console(stack: Stack) -> AsyncIterator[httpx.AsyncClient]:
    """The console, its /api/activities/ forwarded to the service: where a QR code leads."""
    settings = ConsoleSettings(_env_file=None, activities_url="http://activities.test")
    app = create_app(settings, transport=_own_address(stack))
    async with LifespanManager(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://console") as client:
            yield client


@pytest.fixture
async def issued(stack: Stack, community: str) -> dict[str, Any]:
    """A volunteer (张晓明) with one verified activity, and the certificate issued for it."""
    registry, activities = stack["registry"], stack["activities"]
    person = await create_volunteer(registry, community, name="张晓明")
    team = await create_team(registry, community, "orange")
    activity = (await log(activities, activity_body(community, team, [person]))).json()
    verified = await activities.post(f"/activities/{activity['id']}/verify", headers=ADMIN)
    assert verified.status_code == 200, verified.text
    path = f"/volunteer-hours/{person['id']}/certificate"
    answer = await activities.post(path, headers=auth(sub="admin-liu"))
    assert answer.status_code == 201, answer.text
    return {
        "person": person,
        "team": team,
        "activity": activity,
        "path": path,
        "certificate": answer.json(),
    }


def _check_path(certificate: dict[str, Any]) -> str:
    return f"/certificates/{certificate['number']}"


@needs_poppler
async def test_a_certificate_verifies_from_its_qr_code(
    stack: Stack, issued: dict[str, Any], console: httpx.AsyncClient
) -> None:
    certificate = issued["certificate"]
    code = certificate["check_code"]
    assert len(code) == 8 and set(code) <= set(CHECK_CODE_ALPHABET)
    assert certificate["verification_url"] == (
        f"http://127.0.0.1:8000/api/activities/certificates/{certificate['number']}?code={code}"
    )
    pdf = await stack["activities"].get(issued["path"], params={"format": "pdf"}, headers=ADMIN)
    assert pdf.status_code == 200, pdf.text
    [page] = render_pages(pdf.content, dpi=150)
    assert qr_texts(page) == [certificate["verification_url"]]
    # What a phone does with it: ask the console, which forwards /api/activities/ on.
    url = urlsplit(certificate["verification_url"])
    answer = await console.get(f"{url.path}?{url.query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/json"
    assert answer.headers["cache-control"] == "no-store"
    body = answer.json()
    assert body == {
        "number": certificate["number"],
        "status": "valid",
        "volunteer_name": "张*明",
        "certified_hours": 2.0,
        "period": {"start": None, "end": None},
        "organisation": certificate["organisation"],
        "issued_on": certificate["issued_on"],
    }
    assert "测试社区" in body["organisation"]
    # Nothing personal: not the whole name, the phone, or the volunteer's id.
    for private in ("张晓明", issued["person"]["phone"], issued["person"]["id"]):
        assert private not in answer.text


async def test_a_void_supersedes_it_and_later_hours_do_not(
    stack: Stack, community: str, issued: dict[str, Any], stranger: httpx.AsyncClient
) -> None:
    activities = stack["activities"]
    certificate = issued["certificate"]
    params = {"code": certificate["check_code"]}
    later = (
        await log(activities, activity_body(community, issued["team"], [issued["person"]]))
    ).json()
    await activities.post(f"/activities/{later['id']}/verify", headers=ADMIN)
    still = await stranger.get(_check_path(certificate), params=params)
    assert still.json()["status"] == "valid", "it never claimed the hours verified since"

    void = await activities.post(
        f"/activities/{issued['activity']['id']}/void",
        json={"reason": "重复登记"},
        headers=ADMIN,
    )
    assert void.status_code == 200, void.text
    answer = await stranger.get(_check_path(certificate), params=params)
    body = answer.json()
    assert body["status"] == "superseded"
    # What it claimed is still shown, so the reader sees which certificate no longer holds.
    assert body["certified_hours"] == 2.0 and body["volunteer_name"] == "张*明"
    page = await stranger.get(_check_path(certificate), params=params | {"format": "html"})
    assert "已失效" in page.text and "真实有效" not in page.text


async def test_a_certificate_issued_before_holds_while_its_content_is_unchanged(
    stack: Stack, issued: dict[str, Any], stranger: httpx.AsyncClient
) -> None:
    """Issued before what it counted was recorded (`counted` None): its content digest."""
    certificate = issued["certificate"]
    async with stack.services["activities"].runtime.sessionmaker() as session:
        await session.execute(
            update(Certificate)
            .where(Certificate.number == certificate["number"])
            .values(counted=None)
        )
        await session.commit()
    path, params = _check_path(certificate), {"code": certificate["check_code"]}
    assert (await stranger.get(path, params=params)).json()["status"] == "valid"
    await stack["activities"].post(
        f"/activities/{issued['activity']['id']}/void", json={"reason": "重复"}, headers=ADMIN
    )
    assert (await stranger.get(path, params=params)).json()["status"] == "superseded"


async def test_an_unknown_number_and_a_wrong_code_answer_alike(
    issued: dict[str, Any], stranger: httpx.AsyncClient
) -> None:
    certificate = issued["certificate"]
    number, code = certificate["number"], certificate["check_code"]
    wrong = "".join("2" if c != "2" else "3" for c in code)
    answers = [
        await stranger.get(f"/certificates/{number}", params={"code": wrong}),
        await stranger.get(f"/certificates/{number}"),
        await stranger.get(f"/certificates/{number}", params={"code": code[:7]}),
        await stranger.get(f"/certificates/{number}x", params={"code": code}),
        await stranger.get("/certificates/QS-nowhere-2026-000001", params={"code": code}),
    ]
    for answer in answers:
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body.pop("number") in (number, f"{number}x", "QS-nowhere-2026-000001")
        assert body == {
            "status": "unknown",
            "volunteer_name": None,
            "certified_hours": None,
            "period": None,
            "organisation": None,
            "issued_on": None,
        }
    as_typed = f"{code[:4].lower()}-{code[4:]}"
    typed = await stranger.get(f"/certificates/{number}", params={"code": as_typed})
    assert typed.json()["status"] == "valid", "typed in lower case with the printed dash"


async def test_browsers_get_a_page(issued: dict[str, Any], stranger: httpx.AsyncClient) -> None:
    certificate = issued["certificate"]
    path, params = _check_path(certificate), {"code": certificate["check_code"]}
    browser = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    page = await stranger.get(path, params=params, headers=browser)
    assert page.headers["content-type"].startswith("text/html")
    assert "该证明真实有效" in page.text and "张*明" in page.text and "张晓明" not in page.text
    assert page.headers["vary"] == "Accept"
    asked = await stranger.get(path, params=params | {"format": "html"})
    assert asked.headers["content-type"].startswith("text/html")
    scripted = await stranger.get(path, params=params, headers={"Accept": "*/*"})
    assert scripted.json()["status"] == "valid"
    unknown = await stranger.get(path, headers=browser)
    assert "未找到" in unknown.text and '<input name="code"' in unknown.text


async def test_checks_are_limited_per_address(
    stack: Stack, issued: dict[str, Any], stranger: httpx.AsyncClient
) -> None:
    settings = stack.services["activities"].settings
    assert isinstance(settings, ActivitiesSettings)
    burst = settings.certificate_checks_burst
    path = _check_path(issued["certificate"])
    answers = [await stranger.get(path, params={"code": "AAAAAAAA"}) for _ in range(burst + 5)]
    assert [a.status_code for a in answers[:burst]] == [200] * burst
    assert answers[-1].status_code == 429
    assert answers[-1].headers["content-type"] == "application/problem+json"
    assert int(answers[-1].headers["retry-after"]) >= 1


async def test_issuing_is_in_the_audit_log_and_the_code_is_not(
    stack: Stack, community: str, issued: dict[str, Any]
) -> None:
    certificate = issued["certificate"]
    audit = await stack["activities"].get(
        "/audit",
        params={"community_id": community, "type": "qise.certificate.issued.v1"},
        headers=ADMIN,
    )
    assert audit.status_code == 200, audit.text
    [entry] = audit.json()["items"]
    assert entry["subject"] == certificate["number"]
    assert entry["actor"] == "admin-liu", "who issued it"
    issued_at = datetime.fromisoformat(entry["time"])
    assert (datetime.now(UTC) - issued_at).total_seconds() < 300, "when"
    assert entry["data"]["certified_hours"] == 2.0
    # The code is a secret between the certificate and its holder: no event carries it.
    for event in await published_events(stack, "activities", community):
        assert certificate["check_code"] not in str(event)


async def test_certificates_issued_before_get_a_code_each(stack: Stack) -> None:
    """Migration 0010 draws a check code for every certificate already issued."""
    url = await stack.databases.create("activities_check_codes")
    config = alembic_config(url, activities_app.MIGRATIONS, activities_app.METADATA)
    await asyncio.to_thread(command.upgrade, config, "0009")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Certificate),
                [certificate_row(f"QS-a-2026-{serial:06d}") for serial in range(1, 21)],
            )
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            rows = (
                await connection.execute(select(Certificate.check_code, Certificate.counted))
            ).all()
        codes = [code for code, _ in rows]
        assert len(codes) == 20 and len(set(codes)) == 20
        assert all(len(c) == 8 and set(c) <= set(CHECK_CODE_ALPHABET) for c in codes)
        assert {counted for _, counted in rows} == {None}, "what they counted was not recorded"
    finally:
        await engine.dispose()
