"""The activities service through its API: rules, the registry replica, the
lifecycle, volunteer hours, certificates and tenant isolation."""

from __future__ import annotations

import asyncio
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from alembic import command
from sqlalchemy import func, insert, select

from services.activities import app as activities_app
from services.activities.models import Certificate, CertificateCounter
from services.activities.models import Volunteer as ReplicaVolunteer
from services.registry import events as registry_events
from shared.db import create_engine
from shared.events import new_event
from shared.migrate import alembic_config
from shared.tables import processed_events
from tests.api import create_team, create_volunteer, event_types, published_events, send_raw
from tests.conftest import ADMIN, Stack, auth, eventually

NOT_YET_KNOWN = "https://qise.dev/problems/not-yet-known"


def when(hours_ago: float, length: float = 2.0) -> dict[str, str]:
    end = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {"started_at": (end - timedelta(hours=length)).isoformat(), "ended_at": end.isoformat()}


def activity_body(
    community: str, team: dict[str, Any], people: list[dict[str, Any]], **fields: Any
) -> dict[str, Any]:
    return {
        "community_id": community,
        "team_id": team["id"],
        "kind": "free_clinic",
        "title": "义诊进社区",
        **when(hours_ago=24),
        "location": "社区广场",
        "participants": [{"volunteer_id": p["id"], "hours": 2} for p in people],
        "people_served": 120,
        "beneficiaries": {"elderly": 80},
        "outputs": {"brochures": 300},
        **fields,
    }


async def log(
    client: httpx.AsyncClient, body: dict[str, Any], headers: dict[str, str] = ADMIN
) -> httpx.Response:
    """POST /activities as a client should: retry while the registry's news is on its way."""

    async def attempt() -> httpx.Response:
        response = await client.post("/activities", json=body, headers=headers)
        assert response.json().get("type") != NOT_YET_KNOWN, response.text
        return response

    return await eventually(attempt)


async def log_verified(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    """An activity logged and verified by the county admin: its hours are certified."""
    logged = await log(client, body)
    assert logged.status_code == 201, logged.text
    verified = await client.post(f"/activities/{logged.json()['id']}/verify", headers=ADMIN)
    assert verified.status_code == 200, verified.text
    return dict(verified.json())


@pytest.fixture
async def crew(stack: Stack, community: str) -> dict[str, Any]:
    """A team of the orange color with a leader and two volunteers, known to activities."""
    registry = stack["registry"]
    leader = await create_volunteer(registry, community, name="张队长")
    people = [await create_volunteer(registry, community, name=n) for n in ("王芳", "李强")]
    team = await create_team(registry, community, "orange", leader_volunteer_id=leader["id"])
    return {"team": team, "leader": leader, "people": people}


async def test_an_activity_takes_the_teams_category_and_publishes(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    response = await log(
        stack["activities"], activity_body(community, crew["team"], crew["people"])
    )
    assert response.status_code == 201, response.text
    activity = response.json()
    assert activity["category"] == "orange" and activity["status"] == "logged"
    assert activity["participants"][0]["hours"] == 2.0
    [event] = await published_events(stack, "activities", community)
    assert event["type"] == "qise.activity.logged.v1"
    assert event["subject"] == activity["id"] and event["data"]["version"] == 1
    assert len(event["data"]["participants"]) == 2


@pytest.mark.parametrize(
    ("change", "loc"),
    [
        (
            {"ended_at": "2026-01-01T08:00:00+08:00", "started_at": "2026-01-01T09:00:00+08:00"},
            ["body", "ended_at"],
        ),
        (
            {"started_at": "2026-01-01T08:00:00", "ended_at": "2026-01-01T09:00:00"},
            ["body", "started_at"],
        ),
        ({**when(hours_ago=-5)}, ["body", "ended_at"]),
        ({"people_served": -1}, ["body", "people_served"]),
        ({"people_served": 10, "beneficiaries": {"elderly": 11}}, ["body", "beneficiaries"]),
        ({"kind": "picnic"}, ["body", "kind"]),
        ({"title": ""}, ["body", "title"]),
        ({"title": "长" * 201}, ["body", "title"]),
        ({"participants": []}, ["body", "participants"]),
        ({"team_id": "not-a-uuid"}, ["body", "team_id"]),
        ({"outputs": {"brochures": "many"}}, ["body", "outputs", "brochures"]),
    ],
)
async def test_bad_activities_are_refused_naming_the_field(
    stack: Stack, community: str, crew: dict[str, Any], change: dict[str, Any], loc: list[str]
) -> None:
    body = activity_body(community, crew["team"], crew["people"], **change)
    response = await log(stack["activities"], body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert loc in [e["loc"][: len(loc)] for e in response.json()["errors"]]
    assert await published_events(stack, "activities", community) == []


async def test_the_answer_is_what_a_read_returns(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    people = list(reversed(crew["people"]))  # the answer lists them by volunteer id all the same
    logged = await log(stack["activities"], activity_body(community, crew["team"], people))
    assert logged.status_code == 201, logged.text
    read = await stack["activities"].get(f"/activities/{logged.json()['id']}", headers=ADMIN)
    assert read.json() == logged.json()
    ids = [p["volunteer_id"] for p in logged.json()["participants"]]
    assert ids == sorted(ids, key=uuid.UUID)


async def test_a_kind_defined_now_can_be_logged_at_once(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    await log(activities, activity_body(community, crew["team"], crew["people"]))  # kinds read
    code = f"k{uuid.uuid4().hex[:10]}"
    body = activity_body(community, crew["team"], crew["people"], kind=code)
    unknown = await activities.post("/activities", json=body, headers=ADMIN)
    assert unknown.status_code == 422 and code in unknown.text
    defined = await activities.post(
        "/activity-kinds", json={"code": code, "name": "新活动类型"}, headers=ADMIN
    )
    assert defined.status_code == 201, defined.text
    logged = await activities.post("/activities", json=body, headers=ADMIN)
    assert logged.status_code == 201, logged.text
    assert logged.json()["kind"] == code


@pytest.mark.parametrize(
    ("hours", "message"),
    [
        (2.5, "more than the activity lasted"),
        (25, "less than or equal to 24"),
        (0, "greater than 0"),
    ],
)
async def test_hours_are_within_the_activity(
    stack: Stack, community: str, crew: dict[str, Any], hours: float, message: str
) -> None:
    body = activity_body(
        community, crew["team"], crew["people"][:1], **when(hours_ago=30, length=2)
    )
    body["participants"][0]["hours"] = hours
    response = await log(stack["activities"], body)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", "participants", 0, "hours"]
    assert message in error["msg"]


async def test_a_volunteer_listed_twice_is_refused(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    body = activity_body(community, crew["team"], [crew["people"][0], crew["people"][0]])
    response = await log(stack["activities"], body)
    assert response.status_code == 422
    assert "listed twice" in response.text


async def test_unknown_team_or_volunteer_is_not_yet_known_and_writes_nothing(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    await log(
        stack["activities"], activity_body(community, crew["team"], crew["people"])
    )  # replica is warm
    ghost = {"id": str(uuid.uuid4())}
    for body in (
        activity_body(community, ghost, crew["people"]),
        activity_body(community, crew["team"], [ghost]),
    ):
        response = await stack["activities"].post("/activities", json=body, headers=ADMIN)
        assert response.status_code == 422
        assert response.json()["type"] == NOT_YET_KNOWN
        assert response.headers["retry-after"] == "1"
    assert len(await published_events(stack, "activities", community)) == 1


async def test_teams_and_volunteers_of_another_community_are_refused(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    registry = stack["registry"]
    elsewhere = f"e{uuid.uuid4().hex[:10]}"
    await registry.post("/communities", json={"id": elsewhere, "name": "别处"}, headers=ADMIN)
    stranger = await create_volunteer(registry, elsewhere)
    their_team = await create_team(registry, elsewhere, "green")
    with_stranger = await log(
        stack["activities"], activity_body(community, crew["team"], [stranger])
    )
    assert with_stranger.status_code == 422
    assert with_stranger.json()["errors"][0]["loc"] == ["body", "participants", 0, "volunteer_id"]
    their = await log(stack["activities"], activity_body(community, their_team, crew["people"]))
    assert their.status_code == 422
    assert their.json()["errors"][0]["loc"] == ["body", "team_id"]
    assert await published_events(stack, "activities", community) == []


async def test_lifecycle_moves_hours_between_total_and_certified(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    wang = crew["people"][0]
    first = (
        await log(activities, activity_body(community, crew["team"], [wang], **when(48, 3)))
    ).json()
    body = activity_body(community, crew["team"], [wang], title="健康讲座")
    body["participants"][0]["hours"] = 1.5
    second = (await log(activities, body)).json()

    async def hours() -> tuple[float, float]:
        body = (await activities.get(f"/volunteer-hours/{wang['id']}", headers=ADMIN)).json()
        return body["total_hours"], body["certified_hours"]

    assert await hours() == (3.5, 0.0)
    verified = await activities.post(f"/activities/{first['id']}/verify", headers=ADMIN)
    assert verified.json()["status"] == "verified" and verified.json()["verified_by"] == "tester"
    assert await hours() == (3.5, 2.0)
    again = await activities.post(f"/activities/{first['id']}/verify", headers=ADMIN)
    assert again.status_code == 409 and again.json()["current_status"] == "verified"

    voided = await activities.post(
        f"/activities/{second['id']}/void", json={"reason": "重复登记"}, headers=ADMIN
    )
    assert voided.json()["status"] == "voided" and voided.json()["void_reason"] == "重复登记"
    assert await hours() == (2.0, 2.0)
    assert (
        await activities.post(f"/activities/{second['id']}/verify", headers=ADMIN)
    ).status_code == 409
    assert (
        await activities.post(
            f"/activities/{second['id']}/void", json={"reason": "x"}, headers=ADMIN
        )
    ).status_code == 409

    await activities.post(f"/activities/{first['id']}/void", json={"reason": "不实"}, headers=ADMIN)
    assert await hours() == (0.0, 0.0)
    assert await event_types(stack, "activities", community) == [
        "qise.activity.logged.v1",
        "qise.activity.logged.v1",
        "qise.activity.verified.v1",
        "qise.activity.voided.v1",
        "qise.activity.voided.v1",
    ]


async def test_a_correction_voids_and_replaces_linked(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    old = (await log(activities, activity_body(community, crew["team"], crew["people"]))).json()
    fixed = activity_body(
        community, crew["team"], crew["people"], people_served=150, reason="人数登记错误"
    )
    response = await activities.post(f"/activities/{old['id']}/correct", json=fixed, headers=ADMIN)
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["corrects_activity_id"] == old["id"] and new["people_served"] == 150
    old_now = (await activities.get(f"/activities/{old['id']}", headers=ADMIN)).json()
    assert old_now["status"] == "voided" and old_now["corrected_by_activity_id"] == new["id"]
    assert "人数登记错误" in old_now["void_reason"]


async def test_who_may_verify_and_void(stack: Stack, community: str, crew: dict[str, Any]) -> None:
    activities = stack["activities"]
    leader = auth("team_leader", [community], sub=crew["leader"]["id"])
    other_leader = auth("team_leader", [community], sub=crew["people"][0]["id"])
    volunteer = auth("volunteer", [community], sub=crew["people"][1]["id"])
    logged = await log(
        activities, activity_body(community, crew["team"], crew["people"]), headers=leader
    )
    assert logged.status_code == 201
    activity_id = logged.json()["id"]
    assert (
        await activities.post(f"/activities/{activity_id}/verify", headers=volunteer)
    ).status_code == 403
    assert (
        await activities.post(f"/activities/{activity_id}/verify", headers=other_leader)
    ).status_code == 403
    assert (
        await activities.post(f"/activities/{activity_id}/verify", headers=leader)
    ).status_code == 200
    void = await activities.post(
        f"/activities/{activity_id}/void", json={"reason": "x"}, headers=leader
    )
    assert void.status_code == 403
    denied = await activities.post(
        "/activities",
        json=activity_body(community, crew["team"], crew["people"]),
        headers=volunteer,
    )
    assert denied.status_code == 403


async def test_lists_filter_and_page(stack: Stack, community: str, crew: dict[str, Any]) -> None:
    activities = stack["activities"]
    day = datetime.now(UTC).replace(hour=4, minute=0, second=0, microsecond=0) - timedelta(days=10)
    for i in range(3):
        start = day + timedelta(days=i)
        body = activity_body(
            community,
            crew["team"],
            crew["people"],
            kind="health_consultation" if i else "free_clinic",
            started_at=start.isoformat(),
            ended_at=(start + timedelta(hours=2)).isoformat(),
        )
        assert (await log(activities, body)).status_code == 201

    async def titles(**params: Any) -> int:
        response = await activities.get(
            "/activities", params={"community_id": community, **params}, headers=ADMIN
        )
        assert response.status_code == 200, response.text
        return len(response.json()["items"])

    assert await titles() == 3
    assert await titles(kind="free_clinic") == 1
    assert await titles(category="orange", team_id=crew["team"]["id"]) == 3
    assert await titles(category="red") == 0
    first_day = day.date()
    assert await titles(**{"from": str(first_day + timedelta(days=1))}) == 2
    assert await titles(**{"from": str(first_day), "to": str(first_day)}) == 1
    page = (
        await activities.get(
            "/activities", params={"community_id": community, "limit": 2}, headers=ADMIN
        )
    ).json()
    assert len(page["items"]) == 2 and page["next_cursor"]
    rest = (
        await activities.get(
            "/activities",
            params={"community_id": community, "limit": 2, "cursor": page["next_cursor"]},
            headers=ADMIN,
        )
    ).json()
    assert len(rest["items"]) == 1 and rest["next_cursor"] is None


def certificate_number(community: str) -> str:
    return rf"QS-{community}-\d{{4}}-\d{{6}}"


async def certificates_of(stack: Stack, volunteer_id: str) -> int:
    async with stack.services["activities"].runtime.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Certificate)
            .where(Certificate.volunteer_id == uuid.UUID(volunteer_id))
        )
        return int(count or 0)


async def test_certificate_shows_certified_hours_only(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    wang = crew["people"][0]
    path = f"/volunteer-hours/{wang['id']}/certificate"
    await log_verified(
        activities, activity_body(community, crew["team"], [wang], title="敬老院义诊")
    )
    await log(activities, activity_body(community, crew["team"], [wang], title="未核实的活动"))
    params = {"person_in_charge": "刘书记"}

    # Reading first: a preview of what would be certified, and nothing written.
    preview = await activities.get(path, params=params, headers=ADMIN)
    assert preview.status_code == 200 and preview.headers["content-type"].startswith("text/html")
    assert "（未编号，预览）" in preview.text and "尚未出具" in preview.text
    assert "敬老院义诊" in preview.text and "2 小时" in preview.text
    assert "未核实的活动" not in preview.text
    assert not re.search(certificate_number(community), preview.text)
    assert await certificates_of(stack, wang["id"]) == 0
    assert "qise.certificate.issued.v1" not in await event_types(stack, "activities", community)

    issued = await activities.post(path, headers=ADMIN)
    assert issued.status_code == 201, issued.text
    body = issued.json()
    number = body["number"]
    assert re.fullmatch(certificate_number(community), number), number
    assert body["volunteer_id"] == wang["id"] and body["volunteer_name"] == "王芳"
    assert body["total_hours"] == 2 and body["period"] == {"start": None, "end": None}
    assert [line["title"] for line in body["lines"]] == ["敬老院义诊"]
    assert "测试社区" in body["organisation"]
    again = await activities.post(path, headers=ADMIN)
    assert again.status_code == 200 and again.json() == body, "same content, same certificate"
    assert await certificates_of(stack, wang["id"]) == 1
    [event] = [
        e
        for e in await published_events(stack, "activities", community)
        if e["type"] == "qise.certificate.issued.v1"
    ]
    assert event["subject"] == number and event["data"]["certified_hours"] == 2

    html = await activities.get(path, params=params, headers=ADMIN)
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    page = html.text
    for expected in (
        "志愿服务证明",
        "王芳",
        wang["id"],
        "敬老院义诊",
        "2 小时",
        "刘书记",
        "测试社区",
    ):
        assert expected in page, expected
    assert f"证明编号：{number}" in page and "预览" not in page
    assert "未核实的活动" not in page
    assert number in (await activities.get(path, headers=ADMIN)).text, "same content, same number"
    pdf = await activities.get(path, params={"format": "pdf"}, headers=ADMIN)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert f'filename="{number}.pdf"' in pdf.headers["content-disposition"]

    await log_verified(activities, activity_body(community, crew["team"], [wang], title="第二次"))
    newer = await activities.get(path, headers=ADMIN)
    assert number not in newer.text and "4 小时" in newer.text and "（未编号，预览）" in newer.text
    reissued = await activities.post(path, headers=ADMIN)
    assert reissued.status_code == 201 and reissued.json()["number"] != number
    assert reissued.json()["total_hours"] == 4
    assert await certificates_of(stack, wang["id"]) == 2


async def test_a_certificate_of_a_period_is_its_own(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    wang = crew["people"][0]
    path = f"/volunteer-hours/{wang['id']}/certificate"
    await log_verified(activities, activity_body(community, crew["team"], [wang]))
    day = datetime.now(UTC) - timedelta(days=1)
    period = {"from": str((day - timedelta(days=7)).date()), "to": str(day.date())}
    whole = await activities.post(path, headers=ADMIN)
    of_period = await activities.post(path, params=period, headers=ADMIN)
    assert whole.status_code == of_period.status_code == 201, of_period.text
    assert whole.json()["number"] != of_period.json()["number"]
    assert of_period.json()["period"] == {"start": period["from"], "end": period["to"]}
    page = await activities.get(path, params=period, headers=ADMIN)
    assert of_period.json()["number"] in page.text and whole.json()["number"] not in page.text
    backwards = await activities.post(
        path, params={"from": period["to"], "to": period["from"]}, headers=ADMIN
    )
    assert backwards.status_code == 422 and ["query", "from"] in [
        e["loc"] for e in backwards.json()["errors"]
    ]


async def test_only_the_communitys_admins_issue_certificates(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    wang = crew["people"][0]
    path = f"/volunteer-hours/{wang['id']}/certificate"
    await log(activities, activity_body(community, crew["team"], [wang]))  # wang is known here
    leader = auth("team_leader", [community], sub=crew["leader"]["id"])
    volunteer = auth("volunteer", [community], sub=wang["id"])
    for headers in (leader, volunteer):
        assert (await activities.post(path, headers=headers)).status_code == 403
        # Reading stays open to everyone in the community: the preview.
        assert (await activities.get(path, headers=headers)).status_code == 200
    community_admin = auth("community_admin", [community], sub="admin-1")
    assert (await activities.post(path, headers=community_admin)).status_code == 201
    assert await certificates_of(stack, wang["id"]) == 1


async def test_certificates_issued_at_once_get_one_number_each(
    stack: Stack, community: str
) -> None:
    """On PostgreSQL: ten volunteers' certificates issued together, and one volunteer's
    same certificate five times together: no 500, one number per content, none twice."""
    registry, activities = stack["registry"], stack["activities"]
    people = [await create_volunteer(registry, community, name=f"志愿者{i}") for i in range(10)]
    team = await create_team(registry, community, "orange")
    await log_verified(activities, activity_body(community, team, people))

    def issue(person: dict[str, Any], **params: str) -> Any:
        return activities.post(
            f"/volunteer-hours/{person['id']}/certificate", params=params, headers=ADMIN
        )

    apart = await asyncio.gather(*(issue(person) for person in people))
    assert [a.status_code for a in apart] == [201] * 10, [a.text for a in apart]
    numbers = [a.json()["number"] for a in apart]
    assert len(set(numbers)) == 10, numbers

    since = str((datetime.now(UTC) - timedelta(days=30)).date())
    same = await asyncio.gather(*(issue(people[0], **{"from": since}) for _ in range(5)))
    assert sorted(a.status_code for a in same) == [200, 200, 200, 200, 201], [a.text for a in same]
    [again] = {a.json()["number"] for a in same}
    assert again not in numbers
    # One counter per community and year: the serials run 1..11 without a gap or a repeat.
    serials = sorted(int(n.rsplit("-", 1)[1]) for n in [*numbers, again])
    assert serials == list(range(1, 12)), serials
    issued = [
        e["subject"]
        for e in await published_events(stack, "activities", community)
        if e["type"] == "qise.certificate.issued.v1"
    ]
    assert sorted(issued) == sorted([*numbers, again])


def certificate_row(number: str) -> dict[str, Any]:
    """A certificate as an early version stored it: what every version's table has."""
    return {
        "id": uuid.uuid4(),
        "number": number,
        "community_id": "a",
        "volunteer_id": uuid.uuid4(),
        "certified_hours": 1,
        "content_digest": "0" * 64,
        "issued_on": datetime.now(UTC).date(),
        "issued_by": "tester",
    }


async def test_the_counters_go_on_from_the_numbers_issued_before(stack: Stack) -> None:
    """Migration 0005 seeds each prefix's counter with its highest serial issued so far."""
    url = await stack.databases.create("activities_counters")
    config = alembic_config(url, activities_app.MIGRATIONS, activities_app.METADATA)
    await asyncio.to_thread(command.upgrade, config, "0004")
    numbers = ["QS-a-2026-000001", "QS-a-2026-000012", "QS-b-c-2026-000003", "QS-a-2025-000007"]
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(Certificate), [certificate_row(number) for number in numbers]
            )
        await asyncio.to_thread(command.upgrade, config, "head")
        async with engine.connect() as connection:
            counters = await connection.execute(
                select(CertificateCounter.prefix, CertificateCounter.last)
            )
            assert sorted(tuple(row) for row in counters) == [
                ("QS-a-2025-", 7),
                ("QS-a-2026-", 12),
                ("QS-b-c-2026-", 3),
            ]
    finally:
        await engine.dispose()


async def test_another_community_sees_nothing(
    stack: Stack, community: str, crew: dict[str, Any]
) -> None:
    activities = stack["activities"]
    activity = (
        await log(activities, activity_body(community, crew["team"], crew["people"]))
    ).json()
    outsider = auth("community_admin", ["elsewhere"])
    for path in (
        f"/activities/{activity['id']}",
        f"/volunteer-hours/{crew['people'][0]['id']}",
        f"/volunteer-hours/{crew['people'][0]['id']}/certificate",
    ):
        assert (await activities.get(path, headers=outsider)).status_code == 404, path
    for path in (
        f"/activities/{activity['id']}/verify",
        f"/volunteer-hours/{crew['people'][0]['id']}/certificate",
    ):
        assert (await activities.post(path, headers=outsider)).status_code == 404, path
    listed = await activities.get("/activities", headers=outsider)
    assert listed.json()["items"] == []
    write = await activities.post(
        "/activities", json=activity_body(community, crew["team"], crew["people"]), headers=outsider
    )
    assert write.status_code == 403


async def test_replica_keeps_the_newest_state_whatever_the_order(
    stack: Stack, community: str
) -> None:
    volunteer_id = str(uuid.uuid4())

    def state(event: type[registry_events.VolunteerState], version: int, name: str) -> bytes:
        data = event(
            volunteer_id=volunteer_id,
            community_id=community,
            name=name,
            phone_masked="138****0000",
            version=version,
        )
        return new_event(
            data, source="/qise/registry", community=community, subject=volunteer_id
        ).to_json()

    newest = state(registry_events.VolunteerUpdated, 3, "新名字")
    await send_raw(
        stack,
        registry_events.TOPIC,
        community,
        newest,
        state(registry_events.VolunteerRegistered, 1, "旧名字"),
        newest,
        state(registry_events.VolunteerUpdated, 2, "中间"),
    )
    sessionmaker = stack.services["activities"].runtime.sessionmaker

    async def replica() -> None:
        async with sessionmaker() as session:
            row = await session.get(ReplicaVolunteer, uuid.UUID(volunteer_id))
            assert row is not None and row.version == 3 and row.name == "新名字"
            applied = await session.scalar(
                select(func.count())
                .select_from(processed_events)
                .where(processed_events.c.consumer == "registry-replica")
                .where(processed_events.c.event_id == uuid.UUID(orjson.loads(newest)["id"]))
            )
            assert applied == 1

    await eventually(replica)
