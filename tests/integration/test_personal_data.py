"""PIPL rights end to end: a volunteer's data exported from every service and erased, the
replicas anonymised through the broker with every figure unchanged; residents exported
and erased by phone number; and the retention rule, run with a clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from qise.cli import app as cli
from services.activities.models import Volunteer as ActivitiesVolunteer
from services.requests import care_register, domain
from services.requests import personal_data as requests_personal_data
from services.requests.care_schemas import CareRecipientIn
from services.requests.lifecycle import Sla, months_before
from services.requests.models import (
    CareRecipient,
    CareTask,
    ServiceRequest,
    Team,
)
from services.requests.models import Volunteer as RequestsVolunteer
from services.requests.scheduler import apply_retention
from services.requests.schemas import RequestIn
from services.stats.models import Volunteer as StatsVolunteer
from shared.auth import Principal, Role
from shared.db import create_engine, create_sessionmaker, utcnow
from shared.personal_data import ERASED_RESIDENT_NAME, ERASED_VOLUNTEER_NAME
from shared.service import Runtime
from shared.tables import outbox
from shared.uow import unit_of_work
from tests.api import create_team, create_volunteer, next_phone, published_events
from tests.conftest import ADMIN, Stack, auth, eventually, new_community
from tests.dates import county_today
from tests.integration.test_activities import activity_body, log
from tests.integration.test_requests import add_community_with_orange_team, order, submit

NAME = "陈秀英"
NOTE = "肺炎住院，需要每周探望"
EXPORTED = "qise.volunteer.personal_data_exported.v1"
ERASED = "qise.volunteer.erased.v1"


@dataclass
class Person:
    """A party member with everything the services can hold on a volunteer."""

    community: str
    volunteer: dict[str, Any]
    phone: str
    team: dict[str, Any]
    leader: dict[str, Any]
    teammate: dict[str, Any]
    unit: dict[str, Any]
    activity: dict[str, Any]
    certificate: str

    def token(self, role: Role = "volunteer", sub: str | None = None) -> dict[str, str]:
        return auth(role, [self.community], sub=sub or self.id)

    @property
    def id(self) -> str:
        return str(self.volunteer["id"])


async def replica_row(stack: Stack, service: str, model: type[Any], key: str) -> Any:
    async def check() -> Any:
        async with stack.services[service].runtime.sessionmaker() as session:
            row = await session.get(model, uuid.UUID(key))
            assert row is not None, (service, key)
            return row

    return await eventually(check)


async def overview(stack: Stack, community: str) -> dict[str, Any]:
    response = await stack["stats"].get(
        "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    figures: dict[str, Any] = response.json()
    figures.pop("as_of")
    return figures


@pytest.fixture
async def person(stack: Stack, community: str) -> Person:
    registry, activities = stack["registry"], stack["activities"]
    unit = await registry.post(
        "/resident-units",
        json={"community_id": community, "name": "县第一中学", "kind": "school"},
        headers=ADMIN,
    )
    assert unit.status_code == 201, unit.text
    phone = next_phone()
    volunteer = await create_volunteer(
        registry,
        community,
        name=NAME,
        phone=phone,
        gender="female",
        birth_year=1958,
        skills=["剪纸", "护理"],
        availability="周末上午",
        is_party_member=True,
        party_joined_on="1985-07-01",
        unit_id=unit.json()["id"],
    )
    leader = await create_volunteer(registry, community, name="张队长")
    teammate = await create_volunteer(registry, community, name="李强")
    team = await create_team(registry, community, "orange", leader_volunteer_id=leader["id"])
    for member in (volunteer, teammate):
        joined = await registry.post(
            f"/teams/{team['id']}/members", json={"volunteer_id": member["id"]}, headers=ADMIN
        )
        assert joined.status_code == 201, joined.text
    recorded = await registry.post(
        f"/volunteers/{volunteer['id']}/life-events",
        json={"kind": "hospitalized", "occurred_on": str(county_today()), "note": NOTE},
        headers=ADMIN,
    )
    assert recorded.status_code == 201, recorded.text
    logged = await log(activities, activity_body(community, team, [volunteer, teammate]))
    assert logged.status_code == 201, logged.text
    activity = logged.json()
    verified = await activities.post(f"/activities/{activity['id']}/verify", headers=ADMIN)
    assert verified.status_code == 200, verified.text
    issued = await activities.post(f"/volunteer-hours/{volunteer['id']}/certificate", headers=ADMIN)
    assert issued.status_code == 201, issued.text
    found = Person(
        community,
        volunteer,
        phone,
        team,
        leader,
        teammate,
        unit.json(),
        activity,
        issued.json()["number"],
    )
    await replica_row(stack, "stats", StatsVolunteer, found.id)
    await replica_row(stack, "requests", RequestsVolunteer, found.id)

    async def settled() -> None:
        tasks = await care_tasks(stack, found)
        assert [t["volunteer_name"] for t in tasks] == [NAME]
        figures = await overview(stack, community)
        assert figures["certified_hours"] == 4 and figures["volunteers"] == 3, figures

    await eventually(settled)
    return found


async def care_tasks(stack: Stack, person: Person) -> list[dict[str, Any]]:
    listed = await stack["requests"].get(
        "/care-tasks",
        params={"community_id": person.community, "volunteer_id": person.id},
        headers=ADMIN,
    )
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


# Each service's part, at a path of its own.
PARTS = {
    "registry": "/volunteers/{id}/personal-data",
    "activities": "/volunteer-hours/{id}/personal-data",
    "requests": "/volunteer-records/{id}/personal-data",
    "stats": "/stats/volunteers/{id}/personal-data",
}


async def export(stack: Stack, person: Person, headers: dict[str, str]) -> dict[str, Any]:
    parts = {}
    for service, path in PARTS.items():
        response = await stack[service].get(path.format(id=person.id), headers=headers)
        assert response.status_code == 200, (service, response.text)
        parts[service] = response.json()
    return parts


# -- export -------------------------------------------------------------------------------


async def test_a_volunteer_exports_everything_the_services_hold_on_them(
    stack: Stack, person: Person
) -> None:
    parts = await export(stack, person, person.token())

    registry = parts["registry"]
    assert registry["volunteer"]["name"] == NAME
    assert registry["volunteer"]["phone"] == person.phone  # their own number, whole
    assert registry["volunteer"]["skills"] == ["剪纸", "护理"]
    assert registry["volunteer"]["availability"] == "周末上午"
    assert [(t["team_id"], t["member"], t["leader"]) for t in registry["teams"]] == [
        (person.team["id"], True, False)
    ]
    assert registry["unit"] == {"id": person.unit["id"], "name": "县第一中学", "kind": "school"}
    assert [(e["kind"], e["note"]) for e in registry["life_events"]] == [("hospitalized", NOTE)]

    activities = parts["activities"]
    assert activities["volunteer"]["name"] == NAME
    assert [(p["activity_id"], p["hours"], p["status"]) for p in activities["participations"]] == [
        (person.activity["id"], 2.0, "verified")
    ]
    assert [c["number"] for c in activities["certificates"]] == [person.certificate]

    requests = parts["requests"]
    assert requests["volunteer"]["name"] == NAME
    assert requests["volunteer"]["party_joined_on"] == "1985-07-01"
    assert [t["volunteer_name"] for t in requests["care_tasks"]] == [NAME]
    assert [(m["team_id"], m["member"]) for m in requests["teams"]] == [(person.team["id"], True)]

    stats = parts["stats"]
    assert stats["volunteer"]["name"] == NAME
    assert stats["hours"] == 2.0 and stats["certified_hours"] == 2.0
    assert [a["activity_id"] for a in stats["activities"]] == [person.activity["id"]]


async def test_each_export_is_in_the_audit_log_without_personal_data(
    stack: Stack, person: Person
) -> None:
    await export(stack, person, person.token())
    for service, kind in (
        ("registry", EXPORTED),
        ("activities", "qise.volunteer_hours.personal_data_exported.v1"),
        ("requests", "qise.volunteer_records.personal_data_exported.v1"),
    ):
        audit = await stack[service].get(
            "/audit", params={"community_id": person.community, "type": kind}, headers=ADMIN
        )
        assert audit.status_code == 200, audit.text
        (entry,) = audit.json()["items"]
        assert entry["actor"] == person.id and entry["subject"] == person.id, entry
        assert entry["data"]["subject_id"] == person.id
        text = orjson.dumps(entry).decode()
        assert NAME not in text and person.phone not in text and NOTE not in text


@pytest.mark.parametrize("who", ["teammate", "leader", "branch_admin"])
async def test_no_one_else_of_the_community_exports_a_volunteer(
    stack: Stack, person: Person, who: str
) -> None:
    """Another volunteer, the leader of their own team, a branch admin: 403 from every part."""
    headers = {
        "teammate": person.token("volunteer", person.teammate["id"]),
        "leader": person.token("team_leader", person.leader["id"]),
        "branch_admin": person.token("branch_admin", "branch-admin"),
    }[who]
    for service, path in PARTS.items():
        response = await stack[service].get(path.format(id=person.id), headers=headers)
        assert response.status_code == 403, (service, response.text)


async def test_an_admin_of_another_community_finds_no_such_volunteer(
    stack: Stack, person: Person
) -> None:
    elsewhere = auth("community_admin", [await new_community(stack, "o", "别的社区")])
    for service, path in PARTS.items():
        response = await stack[service].get(path.format(id=person.id), headers=elsewhere)
        assert response.status_code == 404, (service, response.text)
    erased = await stack["registry"].post(
        f"/volunteers/{person.id}/erase", json={"reason": "本人申请"}, headers=elsewhere
    )
    assert erased.status_code == 404, erased.text


# -- erasure ------------------------------------------------------------------------------


async def erase(stack: Stack, person: Person, headers: dict[str, str] | None = None) -> Any:
    admin = headers or auth("community_admin", [person.community], sub="community-admin")
    return await stack["registry"].post(
        f"/volunteers/{person.id}/erase", json={"reason": "本人申请删除"}, headers=admin
    )


async def test_erasure_anonymises_everywhere_and_every_figure_stays(
    stack: Stack, person: Person
) -> None:
    before = await overview(stack, person.community)
    board = await stack["stats"].get(
        "/stats/leaderboard",
        params={"scope": "community", "id": person.community},
        headers=ADMIN,
    )
    assert NAME in {r["name"] for r in board.json()}

    erased = await erase(stack, person)
    assert erased.status_code == 200, erased.text
    record = erased.json()
    assert record["name"] == ERASED_VOLUNTEER_NAME and record["phone"] == ""
    assert record["erased_at"] is not None
    assert (record["gender"], record["birth_year"], record["skills"]) == (None, None, [])
    assert (record["availability"], record["party_joined_on"], record["unit_id"]) == (None,) * 3
    # What statistics count stays: community, party membership, status, teams.
    assert record["community_id"] == person.community
    assert record["is_party_member"] and record["active"]
    assert record["team_ids"] == [person.team["id"]]
    events = await stack["registry"].get(f"/volunteers/{person.id}/life-events", headers=ADMIN)
    assert [(e["kind"], e["note"]) for e in events.json()["items"]] == [("hospitalized", None)]

    # Every replica drops the name through the broker.
    async def replicas_forgot() -> None:
        for service, model in (
            ("activities", ActivitiesVolunteer),
            ("requests", RequestsVolunteer),
            ("stats", StatsVolunteer),
        ):
            row = await replica_row(stack, service, model, person.id)
            assert row.name == ERASED_VOLUNTEER_NAME, service
        async with stack.services["requests"].runtime.sessionmaker() as session:
            tasks = (
                await session.scalars(
                    select(CareTask).where(CareTask.volunteer_id == uuid.UUID(person.id))
                )
            ).all()
        assert [(t.volunteer_name, t.note) for t in tasks] == [(ERASED_VOLUNTEER_NAME, None)]

    await eventually(replicas_forgot)
    assert await overview(stack, person.community) == before
    board = await stack["stats"].get(
        "/stats/leaderboard",
        params={"scope": "community", "id": person.community},
        headers=ADMIN,
    )
    ranked = {r["volunteer_id"]: r for r in board.json()}
    assert ranked[person.id]["name"] == ERASED_VOLUNTEER_NAME
    assert ranked[person.id]["hours"] == 2.0

    # Hours and the certificate stay, under the placeholder.
    parts = await export(stack, person, ADMIN)
    assert parts["activities"]["participations"][0]["hours"] == 2.0
    assert [c["number"] for c in parts["activities"]["certificates"]] == [person.certificate]
    assert NAME not in orjson.dumps(parts).decode()


async def test_the_registry_log_keeps_who_did_what_but_no_longer_whom(
    stack: Stack, person: Person
) -> None:
    admin = auth("community_admin", [person.community], sub="community-admin")
    assert (await erase(stack, person, admin)).status_code == 200
    logged = await published_events(stack, "registry", person.community)
    about = [e for e in logged if e["subject"] == person.id]
    assert {e["type"] for e in about} >= {
        "qise.volunteer.registered.v1",
        "qise.party_member.life_event_recorded.v1",
        ERASED,
    }
    text = orjson.dumps(logged).decode()
    masked = person.phone[:3] + "****" + person.phone[-4:]
    for gone in (NAME, masked, NOTE, "剪纸", "1985-07-01"):
        assert gone not in text, gone
    # The other volunteers' events are as they were.
    assert "张队长" in text and "李强" in text
    (entry,) = (
        await stack["registry"].get(
            "/audit", params={"community_id": person.community, "type": ERASED}, headers=ADMIN
        )
    ).json()["items"]
    assert entry["actor"] == "community-admin" and entry["subject"] == person.id
    assert entry["data"]["reason"] == "本人申请删除"
    assert entry["data"]["name"] == ERASED_VOLUNTEER_NAME


async def test_erasing_twice_changes_nothing_the_second_time(stack: Stack, person: Person) -> None:
    first = await erase(stack, person)
    second = await erase(stack, person)
    assert second.status_code == 200, second.text
    assert second.json() == first.json()
    types = [
        e["type"]
        for e in await published_events(stack, "registry", person.community)
        if e["subject"] == person.id
    ]
    assert types.count(ERASED) == 1


async def test_an_erased_volunteer_is_not_written_back(stack: Stack, person: Person) -> None:
    assert (await erase(stack, person)).status_code == 200
    registry = stack["registry"]
    patched = await registry.patch(
        f"/volunteers/{person.id}", json={"name": NAME, "phone": person.phone}, headers=ADMIN
    )
    assert patched.status_code == 409, patched.text
    recorded = await registry.post(
        f"/volunteers/{person.id}/life-events",
        json={"kind": "ill", "occurred_on": str(county_today())},
        headers=ADMIN,
    )
    assert recorded.status_code == 409, recorded.text
    # Their number is free again in the community.
    again = await create_volunteer(registry, person.community, name="新志愿者", phone=person.phone)
    assert again["phone"] == person.phone


async def test_an_edit_racing_an_erasure_never_writes_the_person_back(
    stack: Stack, person: Person
) -> None:
    patch = stack["registry"].patch(
        f"/volunteers/{person.id}", json={"name": "陈秀英（改）"}, headers=ADMIN
    )
    patched, erased = await asyncio.gather(patch, erase(stack, person))
    assert erased.status_code == 200, erased.text
    assert patched.status_code in (200, 409), patched.text
    now = await stack["registry"].get(f"/volunteers/{person.id}", headers=ADMIN)
    assert now.json()["name"] == ERASED_VOLUNTEER_NAME


@pytest.mark.parametrize("role", ["volunteer", "team_leader", "branch_admin"])
async def test_only_admins_erase(stack: Stack, person: Person, role: Role) -> None:
    """Not even the volunteer themself: a request goes through the community's staff."""
    sub = person.id if role == "volunteer" else person.leader["id"]
    refused = await erase(stack, person, person.token(role, sub))
    assert refused.status_code == 403, refused.text
    kept = await stack["registry"].get(f"/volunteers/{person.id}", headers=ADMIN)
    assert kept.json()["name"] == NAME


# -- residents ----------------------------------------------------------------------------


@pytest.fixture
async def resident(stack: Stack, community: str) -> dict[str, Any]:
    """A resident with two orders (one completed) and a care-register record with a visit,
    and a neighbour with an order of their own."""
    requests = stack["requests"]
    team = await create_team(
        stack["registry"], community, "orange", name=f"橙色-{uuid.uuid4().hex[:6]}"
    )
    phone, neighbour = next_phone(), next_phone()

    async def team_known() -> None:
        async with stack.services["requests"].runtime.sessionmaker() as session:
            assert await session.get(Team, uuid.UUID(team["id"])) is not None

    await eventually(team_known)
    person = {"name": "赵大爷", "phone": phone, "address": "幸福小区3号楼"}
    done = await submit(requests, order(community, resident=person))
    for step in ("accept", "complete"):
        moved = await requests.post(f"/requests/{done['id']}/{step}", json={}, headers=ADMIN)
        assert moved.status_code == 200, moved.text
    still_open = await submit(requests, order(community, resident=person))
    other = await submit(
        requests,
        order(community, resident={"name": "钱奶奶", "phone": neighbour, "address": "2号楼"}),
    )
    registered = await requests.post(
        "/care-recipients",
        json={
            "community_id": community,
            "name": "赵大爷",
            "phone": phone,
            "address": "幸福小区3号楼",
            "kind": "elderly_alone",
            "consent": True,
            "consent_on": str(county_today() - timedelta(days=10)),
            "plan_days": 7,
            "team_id": team["id"],
            "notes": "糖尿病，独居",
        },
        headers=ADMIN,
    )
    assert registered.status_code == 201, registered.text
    recipient = registered.json()
    visited = await requests.post(
        f"/care-recipients/{recipient['id']}/visits",
        json={"visited_on": str(county_today()), "note": "血糖偏高"},
        headers=ADMIN,
    )
    assert visited.status_code == 201, visited.text
    return {
        "community": community,
        "phone": phone,
        "orders": [done["id"], still_open["id"]],
        "other": other["id"],
        "recipient": recipient["id"],
    }


async def test_a_resident_exports_by_phone_number(stack: Stack, resident: dict[str, Any]) -> None:
    lookup = {"community_id": resident["community"], "phone": resident["phone"]}
    exported = await stack["requests"].post("/residents/personal-data", json=lookup, headers=ADMIN)
    assert exported.status_code == 200, exported.text
    held = exported.json()
    assert [o["id"] for o in held["orders"]] == resident["orders"]
    assert {o["resident"]["phone"] for o in held["orders"]} == {resident["phone"]}
    assert [a["action"] for a in held["orders"][0]["history"]] == [
        "submit",
        "assign",
        "accept",
        "complete",
    ]
    (care,) = held["care"]
    assert care["recipient"]["notes"] == "糖尿病，独居"
    assert [v["note"] for v in care["visits"]] == ["血糖偏高"]
    audit = await stack["requests"].get(
        "/audit",
        params={
            "community_id": resident["community"],
            "type": "qise.resident.personal_data_exported.v1",
        },
        headers=ADMIN,
    )
    (entry,) = audit.json()["items"]
    assert entry["subject"] == held["export_id"]
    assert entry["data"]["request_ids"] == resident["orders"]
    assert entry["data"]["care_recipient_ids"] == [resident["recipient"]]
    assert resident["phone"] not in orjson.dumps(entry).decode()


async def test_a_resident_is_erased_by_phone_number_and_the_counts_stay(
    stack: Stack, resident: dict[str, Any]
) -> None:
    requests, community = stack["requests"], resident["community"]

    async def settled() -> dict[str, Any]:
        figures = await overview(stack, community)
        assert figures["requests"]["submitted"] == 3, figures
        assert figures["care_register"]["visits"] == 1, figures
        return figures

    before = await eventually(settled)
    body = {"community_id": community, "phone": resident["phone"], "reason": "居民本人申请"}
    erased = await requests.post("/residents/erase", json=body, headers=ADMIN)
    assert erased.status_code == 200, erased.text
    assert (erased.json()["orders"], erased.json()["care_recipients"]) == (2, 1)
    for order_id in resident["orders"]:
        shown = (await requests.get(f"/requests/{order_id}", headers=ADMIN)).json()
        assert shown["resident"] == {"name": ERASED_RESIDENT_NAME, "phone": "", "address": None}
        assert shown["description"]  # the order itself stays
    neighbour = (await requests.get(f"/requests/{resident['other']}", headers=ADMIN)).json()
    assert neighbour["resident"]["name"] == "钱奶奶"
    recipient = (
        await requests.get(f"/care-recipients/{resident['recipient']}", headers=ADMIN)
    ).json()
    assert (recipient["name"], recipient["phone"], recipient["address"], recipient["notes"]) == (
        ERASED_RESIDENT_NAME,
        "",
        None,
        None,
    )
    assert recipient["visits"] == 1
    visits = await requests.get(f"/care-recipients/{resident['recipient']}/visits", headers=ADMIN)
    assert [v["note"] for v in visits.json()["items"]] == [None]

    # Nothing of it left the service: every figure stays.
    await asyncio.sleep(0.5)
    assert await overview(stack, community) == before
    again = await requests.post("/residents/erase", json=body, headers=ADMIN)
    assert (again.json()["orders"], again.json()["care_recipients"]) == (0, 0)
    audit = await requests.get(
        "/audit",
        params={"community_id": community, "type": "qise.resident.erased.v1"},
        headers=ADMIN,
    )
    first, second = audit.json()["items"]
    assert (
        first["data"]["request_ids"] == resident["orders"] and second["data"]["request_ids"] == []
    )
    assert first["data"]["reason"] == "居民本人申请" and first["actor"] == "tester"
    assert resident["phone"] not in orjson.dumps(audit.json()).decode()
    lookup = {"community_id": community, "phone": resident["phone"]}
    found = await requests.post("/residents/personal-data", json=lookup, headers=ADMIN)
    assert (found.json()["orders"], found.json()["care"]) == ([], [])


async def test_only_the_community_admins_reach_a_resident(
    stack: Stack, resident: dict[str, Any]
) -> None:
    community = resident["community"]
    lookup = {"community_id": community, "phone": resident["phone"]}
    erase_body = {**lookup, "reason": "居民本人申请"}
    roles: tuple[Role, ...] = ("team_leader", "volunteer", "branch_admin")
    for role in roles:
        headers = auth(role, [community], sub=str(uuid.uuid4()))
        for path, body in (("/residents/personal-data", lookup), ("/residents/erase", erase_body)):
            response = await stack["requests"].post(path, json=body, headers=headers)
            assert response.status_code == 403, (role, path, response.text)
    elsewhere = auth("community_admin", [await new_community(stack, "o", "别的社区")])
    found = await stack["requests"].post("/residents/personal-data", json=lookup, headers=elsewhere)
    assert found.status_code == 404, found.text
    erased = await stack["requests"].post("/residents/erase", json=erase_body, headers=elsewhere)
    assert erased.status_code == 403, erased.text


# -- retention ----------------------------------------------------------------------------

COUNTY = Principal(sub="tester", role="county_admin", communities=["*"])
SLA = Sla(urgent=timedelta(hours=4), normal=timedelta(hours=72))


@pytest.fixture
async def own_requests(stack: Stack) -> AsyncIterator[Runtime]:
    """A requests service on a database of its own, keeping residents 12 months: the
    retention rule runs over the whole database, here nobody else's orders."""
    url = await stack.database(f"requests_{uuid.uuid4().hex[:8]}")
    engine = create_engine(url)
    base = stack.services["requests"].runtime
    settings = base.settings.model_copy(update={"resident_retention_months": 12})
    try:
        yield replace(
            base, settings=settings, engine=engine, sessionmaker=create_sessionmaker(engine)
        )
    finally:
        await engine.dispose()


async def seed_closed_and_open(runtime: Runtime) -> dict[str, Any]:
    community = f"r{uuid.uuid4().hex[:12]}"
    today = county_today()
    async with runtime.sessionmaker() as session, unit_of_work(session):
        add_community_with_orange_team(session, community, f"留存社区 {community}")
        await session.flush()
        command = RequestIn.model_validate(order(community))
        made = [await domain.submit_request(session, "tester", command, SLA) for _ in range(3)]
        done, cancelled, still_open = (str(o.id) for o in made)
        await domain.accept_request(session, COUNTY, done)
        await domain.complete_request(session, COUNTY, done, "已完成", None)
        await domain.cancel_request(session, COUNTY, cancelled, "居民已自行解决")
        people = []
        for _ in range(2):
            recipient = await care_register.register(
                session,
                COUNTY,
                CareRecipientIn.model_validate(
                    {
                        "community_id": community,
                        "name": "孙奶奶",
                        "phone": next_phone(),
                        "kind": "elderly_alone",
                        "consent": True,
                        "consent_on": str(today),
                        "plan_days": 7,
                    }
                ),
                today,
            )
            people.append(recipient)
        await session.flush()
        ended, under_care = (str(r.id) for r in people)
        await care_register.end(session, COUNTY, ended, "已迁出本社区", today)
    return {
        "community": community,
        "closed": sorted([done, cancelled]),
        "open": still_open,
        "ended": ended,
        "under_care": under_care,
    }


async def residents(runtime: Runtime, community: str) -> dict[str, str]:
    """Each order's and care record's resident name, by id."""
    async with runtime.sessionmaker() as session:
        orders = await session.execute(
            select(ServiceRequest.id, ServiceRequest.resident_name).where(
                ServiceRequest.community_id == community
            )
        )
        people = await session.execute(
            select(CareRecipient.id, CareRecipient.name).where(
                CareRecipient.community_id == community
            )
        )
        return {str(i): name for i, name in [*orders, *people]}


async def test_retention_anonymises_residents_of_orders_closed_long_enough_ago(
    own_requests: Runtime,
) -> None:
    seeded = await seed_closed_and_open(own_requests)
    community = seeded["community"]
    now = utcnow()
    # Eleven months on, nothing is old enough.
    assert await apply_retention(own_requests, now + timedelta(days=335)) == 0
    assert ERASED_RESIDENT_NAME not in (await residents(own_requests, community)).values()
    # Thirteen months on, the closed orders and the ended care are.
    later = months_before(now, -13)  # thirteen months on
    assert await apply_retention(own_requests, later) == 3
    names = await residents(own_requests, community)
    erased = {i for i, name in names.items() if name == ERASED_RESIDENT_NAME}
    assert erased == {*seeded["closed"], seeded["ended"]}
    assert names[seeded["open"]] == "赵大爷" and names[seeded["under_care"]] == "孙奶奶"
    # Once is enough.
    assert await apply_retention(own_requests, later) == 0
    async with own_requests.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(outbox.c.payload).where(
                    outbox.c.key == community, outbox.c.event_type == "qise.resident.erased.v1"
                )
            )
        ).all()
    (event,) = [orjson.loads(p) for p in payloads]
    assert event["actor"] == "system" and event["data"]["retention"] is True
    assert sorted(event["data"]["request_ids"]) == seeded["closed"]
    assert event["data"]["care_recipient_ids"] == [seeded["ended"]]


async def test_retention_is_off_at_zero_months(own_requests: Runtime) -> None:
    seeded = await seed_closed_and_open(own_requests)
    async with own_requests.sessionmaker() as session, unit_of_work(session):
        far = datetime(2100, 1, 1, tzinfo=UTC)
        assert await requests_personal_data.apply_retention(session, far, 0) == []
    names = await residents(own_requests, seeded["community"])
    assert ERASED_RESIDENT_NAME not in names.values()


async def test_the_cli_applies_retention_now(own_requests: Runtime) -> None:
    seeded = await seed_closed_and_open(own_requests)
    community = seeded["community"]
    async with own_requests.sessionmaker() as session, unit_of_work(session):
        # Closed two years ago, as far as the clock on the wall can tell (a database of its own).
        await session.execute(text("UPDATE request_history SET at = at - interval '730 days'"))
        await session.execute(text("UPDATE care_recipients SET ended_on = ended_on - 730"))
    url = own_requests.engine.url.render_as_string(hide_password=False)
    env = {"REQUESTS_DATABASE_URL": url, "REQUESTS_RESIDENT_RETENTION_MONTHS": "0"}
    off = await asyncio.to_thread(CliRunner().invoke, cli, ["requests", "retention"], env=env)
    assert off.exit_code == 2 and "retention is off" in off.output
    assert ERASED_RESIDENT_NAME not in (await residents(own_requests, community)).values()
    ran = await asyncio.to_thread(
        CliRunner().invoke, cli, ["requests", "retention", "--months", "12"], env=env
    )
    assert ran.exit_code == 0, ran.output
    assert "2 orders" in ran.output and "1 people" in ran.output
    names = await residents(own_requests, community)
    assert {i for i, n in names.items() if n == ERASED_RESIDENT_NAME} == {
        *seeded["closed"],
        seeded["ended"],
    }
