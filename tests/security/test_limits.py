"""Limits against careless or hostile clients: bodies too large (413) and floods of
requests without a valid token (429)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

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


@pytest.fixture(scope="module")
async def limited(stack: Stack) -> AsyncIterator[RunningService]:
    """A registry of its own that allows 5 requests without a valid token at once, then
    one a second (the shared one's budget belongs to the other tests)."""
    url = await stack.database("registry_limited")
    service = await stack.start("registry", url, anonymous_per_minute=60, anonymous_burst=5)
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


async def test_repeated_bad_tokens_end_in_429(limited: RunningService) -> None:
    bad = {"Authorization": "Bearer not.a.token"}
    async with client_of(limited, "192.0.2.3") as client:
        for _ in range(5):
            assert (await client.get("/communities", headers=bad)).status_code == 401
        assert_too_many(await client.get("/communities", headers=bad))
        assert (await client.get("/communities", headers=ADMIN)).status_code == 200


async def test_healthz_is_never_limited(limited: RunningService) -> None:
    async with client_of(limited, "192.0.2.4") as client:
        for _ in range(30):
            assert (await client.get("/healthz")).status_code == 200
        for _ in range(5):
            await client.get("/communities")
        assert_too_many(await client.get("/communities"))
        assert (await client.get("/healthz")).status_code == 200
