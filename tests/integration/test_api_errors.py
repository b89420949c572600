"""Auth, tenant scope and problem+json answers, through the registry's API."""

from __future__ import annotations

from tests.conftest import ADMIN, Stack, auth


async def test_no_token_is_401_problem(stack: Stack) -> None:
    response = await stack["registry"].get("/volunteers")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == "Bearer"
    body = response.json()
    assert body["status"] == 401 and body["title"] and body["detail"]


async def test_bad_token_is_401(stack: Stack) -> None:
    response = await stack["registry"].get(
        "/volunteers", headers={"Authorization": "Bearer not.a.token"}
    )
    assert response.status_code == 401


async def test_bad_input_names_the_field(stack: Stack, community: str) -> None:
    response = await stack["registry"].post(
        "/volunteers",
        json={"community_id": community, "name": "张三", "phone": "call me", "birth_year": "old"},
        headers=ADMIN,
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    locations = [tuple(e["loc"]) for e in response.json()["errors"]]
    assert ("body", "phone") in locations
    assert ("body", "birth_year") in locations
    listed = await stack["registry"].get(
        "/volunteers", params={"community_id": community}, headers=ADMIN
    )
    assert listed.json()["items"] == []


async def test_other_community_reads_404_and_writes_403(stack: Stack, community: str) -> None:
    created = await stack["registry"].post(
        "/volunteers",
        json={"community_id": community, "name": "张三", "phone": "13900000001"},
        headers=ADMIN,
    )
    assert created.status_code == 201
    outsider = auth("community_admin", ["elsewhere"])
    read = await stack["registry"].get(f"/volunteers/{created.json()['id']}", headers=outsider)
    assert read.status_code == 404
    write = await stack["registry"].post(
        "/volunteers",
        json={"community_id": community, "name": "李四", "phone": "13900000002"},
        headers=outsider,
    )
    assert write.status_code == 403
    stats = await stack["stats"].get(
        "/stats/overview", params={"scope": "community", "id": community}, headers=outsider
    )
    assert stats.status_code == 404


async def test_phone_masked_except_to_admins_of_the_community(stack: Stack, community: str) -> None:
    created = await stack["registry"].post(
        "/volunteers",
        json={"community_id": community, "name": "张三", "phone": "13912345678"},
        headers=ADMIN,
    )
    volunteer_id = created.json()["id"]
    assert created.json()["phone"] == "13912345678"
    as_admin = await stack["registry"].get(
        f"/volunteers/{volunteer_id}", headers=auth("community_admin", [community])
    )
    assert as_admin.json()["phone"] == "13912345678"
    as_volunteer = await stack["registry"].get(
        f"/volunteers/{volunteer_id}", headers=auth("volunteer", [community])
    )
    assert as_volunteer.json()["phone"] == "139****5678"
