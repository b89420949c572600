"""A community with one of everything, built through the public APIs, for the security tests.

`World` holds the ids every path parameter needs (a team with its leader, volunteers, a
party member, a resident unit, a logged activity, an assigned order, a care task, a person
under care) and makes
fresh objects on demand, so that a test which changes state never changes another's.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx

from services.activities import models as activities_models
from services.requests import models as requests_models
from shared.auth import ROLES, Role
from tests.api import (
    create,
    create_community,
    create_resident_unit,
    create_team,
    create_volunteer,
    join_team,
    next_phone,
)
from tests.conftest import ADMIN, Stack, auth, eventually

# The callers the security tests try: the five roles, each over the world's community, and
# a county admin over all communities (the `county_admin` of ROLES is limited to this one).
CountyWide = Literal["county_admin (all communities)"]
COUNTY_WIDE: CountyWide = "county_admin (all communities)"
Caller = Role | CountyWide
CALLERS: tuple[Caller, ...] = (*ROLES, COUNTY_WIDE)

# The stats routes that answer for a scope (county, branch or community).
SCOPED_STATS: tuple[str, ...] = (
    "/stats/overview",
    "/stats/timeseries",
    "/stats/leaderboard",
    "/stats/open-requests",
    "/reports/summary",
)

NOT_YET_KNOWN = "https://qise.dev/problems/not-yet-known"
PROBLEM_JSON = "application/problem+json"


def slug(prefix: str) -> str:
    """A fresh community or code slug: a letter, then hex digits."""
    return f"{prefix}{uuid.uuid4().hex[:12]}"


def past(hours_ago: float = 24, length: float = 2) -> dict[str, str]:
    end = datetime.now(UTC) - timedelta(hours=hours_ago)
    return {"started_at": (end - timedelta(hours=length)).isoformat(), "ended_at": end.isoformat()}


def client_at(stack: Stack, service: str, address: str) -> httpx.AsyncClient:
    """A client of a running service that calls from its own address.

    The limiter of requests without a valid token counts per address: a test that sends
    many of them from its own address leaves the budget of the other tests alone.
    """
    app = stack.services[service].manager.app
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=f"http://{service}", timeout=30)


async def known(stack: Stack, service: str, model: type[Any], key: Any) -> None:
    """Wait until a service's replica holds a row (the registry's news is on its way)."""

    async def check() -> None:
        async with stack.services[service].runtime.sessionmaker() as session:
            assert await session.get(model, key) is not None, (service, model, key)

    await eventually(check)


@dataclass
class World:
    stack: Stack
    community: str
    branch: str
    leader: dict[str, Any]
    member: dict[str, Any]
    party: dict[str, Any]
    team: dict[str, Any]
    unit: dict[str, Any]
    activity: dict[str, Any]
    order: dict[str, Any]
    care_task: dict[str, Any]
    category: str
    spare_care_tasks: list[str] = field(default_factory=list)
    care_recipient: dict[str, Any] = field(default_factory=dict)

    @property
    def registry(self) -> httpx.AsyncClient:
        return self.stack["registry"]

    @property
    def activities(self) -> httpx.AsyncClient:
        return self.stack["activities"]

    @property
    def requests(self) -> httpx.AsyncClient:
        return self.stack["requests"]

    def headers(self, caller: Caller, volunteer: str | None = None) -> dict[str, str]:
        """A token of `caller` over this community; a team leader leads `team`, a volunteer is
        `member` (on `team`, which looks after `care_recipient`), or else the volunteer whose
        id is `volunteer`; the branch's admin holds the communities of `branch`: this one.
        The county admin's token over all communities is `COUNTY_WIDE`."""
        if caller == COUNTY_WIDE:
            return auth("county_admin", ["*"], sub="security-county-wide")
        role: Role = caller
        sub = {
            "county_admin": "security-county",
            "branch_admin": "security-branch",
            "community_admin": "security-admin",
            "team_leader": self.leader["id"],
            "volunteer": volunteer or self.member["id"],
        }[role]
        return auth(role, [self.community], sub=sub)

    # -- fresh objects, made by a county admin ------------------------------------------

    async def volunteer(self, **fields: Any) -> dict[str, Any]:
        return await create_volunteer(self.registry, self.community, **fields)

    async def new_team(self, category: str = "green") -> dict[str, Any]:
        return await create_team(self.registry, self.community, category, name=slug("队"))

    async def new_member(self) -> dict[str, Any]:
        """A volunteer who has just joined `team`."""
        volunteer = await self.volunteer(name="新队员")
        joined = await self.registry.post(
            f"/teams/{self.team['id']}/members",
            json={"volunteer_id": volunteer["id"]},
            headers=ADMIN,
        )
        assert joined.status_code == 201, joined.text
        return volunteer

    async def new_category(self) -> str:
        code = slug("k")
        created = await self.registry.post(
            "/categories", json={"code": code, "name": f"安全测试 {code}"}, headers=ADMIN
        )
        assert created.status_code == 201, created.text
        return code

    def activity_body(self, **fields: Any) -> dict[str, Any]:
        return {
            "community_id": self.community,
            "team_id": self.team["id"],
            "kind": "free_clinic",
            "title": "义诊进社区",
            **past(),
            "location": "社区广场",
            "participants": [{"volunteer_id": self.member["id"], "hours": 2}],
            "people_served": 30,
            **fields,
        }

    async def new_activity(self, **fields: Any) -> dict[str, Any]:
        return await create(self.activities, "/activities", self.activity_body(**fields))

    async def new_resource(self) -> dict[str, Any]:
        """A hall of the community, open every day 08:00-18:00, no booking yet."""
        body = {
            "community_id": self.community,
            "kind": "hall",
            "name": "安全测试活动室",
            "availability": [{"weekday": d, "from": "08:00", "to": "18:00"} for d in range(1, 8)],
        }
        return await create(self.activities, "/resources", body)

    def booking_body(self) -> dict[str, Any]:
        return {
            "community_id": self.community,
            "starts_at": "2031-01-06T09:00:00+08:00",
            "ends_at": "2031-01-06T11:00:00+08:00",
            "purpose": "安全测试",
        }

    async def new_booking(self) -> dict[str, Any]:
        """A booking of a fresh resource."""
        resource = await self.new_resource()
        return await create(
            self.activities, f"/resources/{resource['id']}/bookings", self.booking_body()
        )

    def order_body(self, **fields: Any) -> dict[str, Any]:
        return {
            "community_id": self.community,
            "service_kind": "elderly_care",
            "description": "独居老人需要上门理发",
            "resident": {"name": "赵大爷", "phone": next_phone(), "address": "幸福小区3号楼"},
            "channel": "walk_in",
            "mode": "door_to_door",
            "paid": False,
            "urgency": "normal",
            **fields,
        }

    async def new_order(self, status: str = "assigned") -> dict[str, Any]:
        """An order routed to `team`, then taken on to `status`."""
        created = await self.requests.post("/requests", json=self.order_body(), headers=ADMIN)
        assert created.status_code == 201, created.text
        order: dict[str, Any] = created.json()
        assert order["status"] == "assigned" and order["team_id"] == self.team["id"], order
        steps = {"assigned": [], "accepted": ["accept"], "completed": ["accept", "complete"]}
        for step in steps[status]:
            moved = await self.requests.post(
                f"/requests/{order['id']}/{step}", json={}, headers=ADMIN
            )
            assert moved.status_code == 200, moved.text
            order = moved.json()
        return order

    def care_recipient_body(self, **fields: Any) -> dict[str, Any]:
        """A person under care (关爱对象), looked after by `team`."""
        return {
            "community_id": self.community,
            "name": "孙奶奶",
            "phone": next_phone(),
            "address": "幸福小区5号楼",
            "kind": "elderly_alone",
            "consent": True,
            "consent_on": str(datetime.now(UTC).date() - timedelta(days=30)),
            "under_care_since": str(datetime.now(UTC).date() - timedelta(days=20)),
            "plan_days": 7,
            "team_id": self.team["id"],
            **fields,
        }

    async def new_care_recipient(self) -> dict[str, Any]:
        created = await self.requests.post(
            "/care-recipients", json=self.care_recipient_body(), headers=ADMIN
        )
        assert created.status_code == 201, created.text
        recipient: dict[str, Any] = created.json()
        return recipient

    def spare_care_task(self) -> str:
        """An open care task no other test touches."""
        return self.spare_care_tasks.pop()


async def care_tasks_of(
    stack: Stack, community: str, volunteer_id: str, count: int
) -> list[dict[str, Any]]:
    """The care tasks of a volunteer, once requests has made at least `count` of them."""

    async def check() -> list[dict[str, Any]]:
        listed = await stack["requests"].get(
            "/care-tasks",
            params={"community_id": community, "volunteer_id": volunteer_id, "limit": 500},
            headers=ADMIN,
        )
        assert listed.status_code == 200, listed.text
        items: list[dict[str, Any]] = listed.json()["items"]
        assert len(items) >= count, items
        return items

    return await eventually(check)


async def build_world(
    stack: Stack,
    *,
    name: str | None = None,
    branch: str | None = None,
    spare_care_tasks: int = 0,
) -> World:
    """A community with one of everything, known to every service that needs it."""
    registry = stack["registry"]
    community = slug("s")
    branch = branch or f"安全测试大支部 {community}"
    await create_community(registry, community, name or f"安全测试社区 {community}", branch)
    leader = await create_volunteer(registry, community, name="张队长")
    member = await create_volunteer(registry, community, name="李强")
    party = await create_volunteer(
        registry,
        community,
        name="王芳",
        birth_year=1960,
        is_party_member=True,
        party_joined_on="1990-07-01",
    )
    team = await create_team(
        registry, community, "orange", name="橙色关爱服务队", leader_volunteer_id=leader["id"]
    )
    await join_team(registry, team, member)
    unit = await create_resident_unit(registry, community)
    category = slug("k")
    defined = await registry.post(
        "/categories", json={"code": category, "name": f"安全测试 {category}"}, headers=ADMIN
    )
    assert defined.status_code == 201, defined.text
    for _ in range(1 + spare_care_tasks):
        recorded = await registry.post(
            f"/volunteers/{party['id']}/life-events",
            json={"kind": "hospitalized", "occurred_on": str(datetime.now(UTC).date())},
            headers=ADMIN,
        )
        assert recorded.status_code == 201, recorded.text

    # The other services hear of all this through Kafka.
    await known(stack, "activities", activities_models.Team, uuid.UUID(team["id"]))
    await known(stack, "activities", activities_models.Volunteer, uuid.UUID(member["id"]))
    await known(stack, "requests", requests_models.Team, uuid.UUID(team["id"]))
    await known(stack, "requests", requests_models.Community, community)
    tasks = await care_tasks_of(stack, community, party["id"], 1 + spare_care_tasks)

    world = World(
        stack=stack,
        community=community,
        branch=branch,
        leader=leader,
        member=member,
        party=party,
        team=team,
        unit=unit,
        activity={},
        order={},
        care_task=tasks[0],
        category=category,
        spare_care_tasks=[t["id"] for t in tasks[1:]],
    )
    world.activity = await world.new_activity()
    world.order = await world.new_order()
    world.care_recipient = await world.new_care_recipient()
    return world
