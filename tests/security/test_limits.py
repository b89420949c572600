"""Limits against careless or hostile clients: bodies too large (413) and floods of
requests without a valid token (429)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY

from tests.api import next_phone
from tests.conftest import ADMIN, RunningService, Stack, auth
from tests.security.world import PROBLEM_JSON

TOO_LARGE = "https://qise.dev/problems/payload-too-large"

# A POST route of each service. Stats' only one rebuilds its projections: it is called
# by a community admin, who may not, so that nothing happens even if the limit failed.
POSTS = {
    "registry": "/volunteers",
    "activities": "/activities",
    "requests": "/requests",
    "stats": "/admin/rebuild",
}


def padded_json(community: str, size: int) -> bytes:
    """A JSON object of exactly `size` bytes: the body of a volunteer with a very long name."""
    head = f'{{"community_id": "{community}", "phone": "{next_phone()}", "name": "'.encode()
    return head + b"x" * (size - len(head) - 2) + b'"}'


async def chunks(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    """A streamed body: httpx sends it chunked, without Content-Length."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def assert_too_large(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == TOO_LARGE and response.json()["status"] == 413


async def volunteers_of(stack: Stack, community: str) -> list[dict[str, Any]]:
    listed = await stack["registry"].get(
        "/volunteers", params={"community_id": community, "limit": 500}, headers=ADMIN
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


def headers_for(service: str, community: str) -> dict[str, str]:
    if service == "stats":
        return {**auth("community_admin", [community]), "Content-Type": "application/json"}
    return {**ADMIN, "Content-Type": "application/json"}


@pytest.mark.parametrize("service", list(POSTS))
async def test_a_json_body_over_the_limit_is_413(
    stack: Stack, community: str, service: str
) -> None:
    limit = stack.services[service].settings.max_body_bytes
    assert limit == 1_000_000
    body = padded_json(community, limit + 1)
    response = await stack[service].post(
        POSTS[service], content=body, headers=headers_for(service, community)
    )
    assert_too_large(response)
    assert str(limit) in response.json()["detail"]
    assert await volunteers_of(stack, community) == []


# A streamed body is counted as the route reads it; no route of stats reads a body (its
# only POST takes none), so a body streamed to stats is never read and never refused.
@pytest.mark.parametrize("service", ["registry", "activities", "requests"])
async def test_a_chunked_body_over_the_limit_is_413(
    stack: Stack, community: str, service: str
) -> None:
    body = padded_json(community, stack.services[service].settings.max_body_bytes + 1)
    request = stack[service].build_request(
        "POST", POSTS[service], content=chunks(body), headers=headers_for(service, community)
    )
    assert "content-length" not in request.headers
    assert request.headers["transfer-encoding"] == "chunked"
    assert_too_large(await stack[service].send(request))
    assert await volunteers_of(stack, community) == []


async def test_a_body_at_the_limit_is_read(stack: Stack, community: str) -> None:
    """Exactly max_body_bytes is allowed: the name is too long (422), not the body (413)."""
    body = padded_json(community, stack.services["registry"].settings.max_body_bytes)
    response = await stack["registry"].post(
        "/volunteers", content=body, headers=headers_for("registry", community)
    )
    assert response.status_code == 422, response.text
    assert ["body", "name"] in [e["loc"] for e in response.json()["errors"]]


def volunteers_csv(phone: str, size: int) -> bytes:
    """A CSV of one volunteer, padded with blank lines (which the import skips) to `size`."""
    rows = f"name,phone\n导入志愿者,{phone}\n".encode()
    return rows + b"\n" * (size - len(rows))


async def test_a_volunteer_csv_over_the_import_limit_is_413(stack: Stack, community: str) -> None:
    limit = stack.services["registry"].settings.import_max_bytes  # type: ignore[attr-defined]
    registry = stack["registry"]
    for size in (limit + 1, limit + 200_000):  # the route's check, then the body limit's
        csv = volunteers_csv(next_phone(), size)
        response = await registry.post(
            "/volunteers/import",
            params={"community_id": community},
            files={"file": ("volunteers.csv", csv, "text/csv")},
            headers=ADMIN,
        )
        assert_too_large(response)
    assert await volunteers_of(stack, community) == []


async def test_a_volunteer_csv_may_be_larger_than_a_json_body(stack: Stack, community: str) -> None:
    phone = next_phone()
    csv = volunteers_csv(phone, 1_500_000)
    response = await stack["registry"].post(
        "/volunteers/import",
        params={"community_id": community},
        files={"file": ("volunteers.csv", csv, "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "errors": []}
    assert [v["phone"] for v in await volunteers_of(stack, community)] == [phone]


async def test_a_streamed_csv_over_the_limit_is_413(stack: Stack, community: str) -> None:
    limit = stack.services["registry"].settings.import_max_bytes  # type: ignore[attr-defined]
    boundary = "qise-boundary"
    part = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="v.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    body = part + volunteers_csv(next_phone(), limit + 200_000) + f"\r\n--{boundary}--\r\n".encode()
    response = await stack["registry"].post(
        "/volunteers/import",
        params={"community_id": community},
        content=chunks(body),
        headers={**ADMIN, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert_too_large(response)
    assert await volunteers_of(stack, community) == []


# -- the pace of requests without a valid token ----------------------------------------

PROXY = "10.0.0.7"  # an ingress, in the trusted network of `limited`


@pytest.fixture(scope="module")
async def limited(stack: Stack) -> AsyncIterator[RunningService]:
    """A registry of its own that allows 5 requests without a token, and 5 tokens that
    fail, at once, then one a second (the shared one's budget belongs to the other tests);
    it believes X-Forwarded-For from 10.0.0.0/8, as from an ingress."""
    url = await stack.database("registry_limited")
    service = await stack.start(
        "registry",
        url,
        anonymous_per_minute=60,
        anonymous_burst=5,
        trusted_proxies=("10.0.0.0/8",),
    )
    try:
        yield service
    finally:
        await service.stop()


def client_of(service: RunningService, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=service.manager.app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://registry", timeout=30)


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "1"  # 60 a minute: one more each second
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"] == "https://qise.dev/problems/too-many-requests"


def metric(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, {"service": "registry", **labels}) or 0.0


async def test_requests_without_a_token_are_limited(limited: RunningService) -> None:
    async with client_of(limited, "192.0.2.1") as client:
        for _ in range(5):
            assert (await client.get("/communities")).status_code == 401
        assert_too_many(await client.get("/communities"))
        assert_too_many(await client.post("/volunteers", json={}))
        # A valid token still works from the same address, and so does /healthz.
        for _ in range(3):
            assert (await client.get("/communities", headers=ADMIN)).status_code == 200
        for _ in range(10):
            assert (await client.get("/healthz")).status_code == 200
        # Retry-After is honest: a second later one more request is let through.
        await asyncio.sleep(1.1)
        assert (await client.get("/communities")).status_code == 401
        assert_too_many(await client.get("/communities"))
    async with client_of(limited, "192.0.2.2") as neighbour:
        # Another address has its own budget.
        assert (await neighbour.get("/communities")).status_code == 401


async def test_a_token_guesser_is_slowed_while_a_colleague_keeps_working(
    limited: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    verifier = limited.app.state.tokens
    checked: list[str] = []
    verify = verifier.verify

    async def counted(token: str) -> Any:
        checked.append(token)
        return await verify(token)

    monkeypatch.setattr(verifier, "verify", counted)
    colleague = auth("community_admin", ["c-guessed"], sub="colleague")
    refused_before = metric("qise_rate_limited_total", reason="bad_token")
    async with client_of(limited, "192.0.2.3") as client:
        assert (await client.get("/communities", headers=colleague)).status_code == 200
        started = time.monotonic()
        statuses = []
        for n in range(500):
            guess = {"Authorization": f"Bearer eyJhbGciOiJIUzI1NiJ9.e30.guess{n}"}
            answer = await client.get("/communities", headers=guess)
            statuses.append(answer.status_code)
            if n % 50 == 0:
                assert (await client.get("/communities", headers=colleague)).status_code == 200
        elapsed = time.monotonic() - started
        # Guesses checked: the burst, and one a second while they ran; each was a 401.
        guesses = len([token for token in checked if "guess" in token])
        assert 5 <= guesses <= 5 + elapsed + 1, (guesses, elapsed)
        assert statuses.count(401) == guesses and statuses.count(429) == 500 - guesses
        assert_too_many(answer)
        assert metric("qise_rate_limited_total", reason="bad_token") - refused_before == (
            500 - guesses
        )
        exposed = (await client.get("/metrics")).text
        assert 'qise_rate_limited_total{reason="bad_token",service="registry"}' in exposed
        # After the window the address is heard again, one token a second.
        await asyncio.sleep(1.1)
        assert (await client.get("/communities", headers=guess)).status_code == 401
        assert_too_many(await client.get("/communities", headers=guess))


async def test_a_spoofed_forwarded_for_does_not_buy_a_fresh_budget(
    limited: RunningService,
) -> None:
    async with client_of(limited, "192.0.2.5") as spoofer:
        statuses = [
            (
                await spoofer.get("/communities", headers={"X-Forwarded-For": f"198.51.100.{n}"})
            ).status_code
            for n in range(8)
        ]
    assert statuses == [401] * 5 + [429] * 3


async def test_behind_a_trusted_proxy_each_client_has_its_own_budget(
    limited: RunningService,
) -> None:
    async with client_of(limited, PROXY) as ingress:

        async def forwarded(chain: str) -> int:
            answer = await ingress.get("/communities", headers={"X-Forwarded-For": chain})
            return answer.status_code

        first = [await forwarded("203.0.113.1") for _ in range(5)]
        assert first == [401] * 5
        assert await forwarded("203.0.113.1") == 429
        # What the client wrote left of the address the ingress appended does not count.
        assert await forwarded("198.51.100.99, 203.0.113.1") == 429
        # Another client behind the same ingress is limited apart.
        assert await forwarded("203.0.113.2") == 401


@pytest.fixture(scope="module")
async def public_stats(stack: Stack) -> AsyncIterator[RunningService]:
    """A stats of its own whose public pages allow 2 requests at once per address, behind
    an ingress in 10.0.0.0/8."""
    url = await stack.database("stats_proxied")
    service = await stack.start(
        "stats",
        url,
        consumer_group="qise-stats-proxied",
        public_per_minute=60,
        public_burst=2,
        trusted_proxies=("10.0.0.0/8",),
    )
    try:
        yield service
    finally:
        await service.stop()


async def test_the_public_pages_count_the_same_forwarded_client(
    public_stats: RunningService,
) -> None:
    transport = httpx.ASGITransport(app=public_stats.manager.app, client=(PROXY, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://stats") as ingress:

        async def page(client: str) -> int:
            answer = await ingress.get("/public/nowhere", headers={"X-Forwarded-For": client})
            return answer.status_code

        assert [await page("203.0.113.1") for _ in range(3)] == [404, 404, 429]
        assert await page("203.0.113.2") == 404
