"""Sorted lists on the real PostgreSQL: every `sort` of every sorted list, paged two rows at a
time, gives the rows in the order it names (ties by id in the same direction, NULLs last
either way), the same as one page of all; cursors come back only with their own sort; an
unknown sort or a cursor not given out is a 422 problem+json."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

import httpx
from sqlalchemy import update

from services.activities.schemas import ActivitySort
from services.requests import domain as requests_domain
from services.requests.models import CareTask, Community, ServiceRequest
from services.requests.schemas import RequestIn, RequestSort
from shared.db import utcnow
from shared.errors import PROBLEM_JSON
from shared.uow import unit_of_work
from tests.api import create_team, create_volunteer, join_team
from tests.conftest import ADMIN, Stack
from tests.dates import county_today
from tests.integration.test_activities import activity_body, log
from tests.integration.test_requests import ALREADY_DUE, order

# 陈 chén, 李 lǐ, 王 wáng, 张 zhāng: pinyin order, which is not their code points' order
# (张 U+5F20 < 李 U+674E < 王 U+738B < 陈 U+9648).
PINYIN_ORDER = ["陈静", "李娜", "王芳", "张伟"]


def in_order(items: list[dict[str, Any]], sort: str, value: Any = None) -> list[str]:
    """The ids in the order `sort` names, worked out here: (key, id) in the sort's direction,
    the rows without a key last, in id order of the same direction."""
    field = sort.removeprefix("-")
    descending = sort.startswith("-")
    key = value or (lambda item: item[field])
    valued = [i for i in items if key(i) is not None]
    missing = [i for i in items if key(i) is None]
    valued.sort(key=lambda i: (key(i), i["id"]), reverse=descending)
    missing.sort(key=lambda i: i["id"], reverse=descending)
    return [i["id"] for i in valued + missing]


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text)


@dataclass(frozen=True)
class CommunityList:
    """A sorted list of a service (`path`), filtered by one community, as the admin reads it."""

    client: httpx.AsyncClient
    path: str
    community: str

    async def get(self, **query: Any) -> httpx.Response:
        params = {"community_id": self.community, **query}
        return await self.client.get(self.path, params=params, headers=ADMIN)

    async def walk(self, limit: int, **query: Any) -> list[dict[str, Any]]:
        """Every item of the list, page by page, following `next_cursor`."""
        items: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(100):
            response = await self.get(
                **query, limit=limit, **({"cursor": cursor} if cursor else {})
            )
            assert response.status_code == 200, response.text
            page = response.json()
            items += page["items"]
            cursor = page["next_cursor"]
            if cursor is None:
                return items
        raise AssertionError("the cursors went round in circles")

    async def sorted_by(self, sort: str, limit: int = 2) -> list[dict[str, Any]]:
        return await self.walk(limit, sort=sort)

    async def check_every_sort(
        self, sorts: tuple[str, ...], value: dict[str, Any] | None = None
    ) -> None:
        """Each sort, two rows a page, is the order worked out here and that of one page."""
        everything = await self.walk(limit=500)
        assert len(everything) >= 4
        for sort in sorts:
            paged = await self.sorted_by(sort, limit=2)
            whole = await self.sorted_by(sort, limit=500)
            get = (value or {}).get(sort.removeprefix("-"))
            assert [i["id"] for i in paged] == [i["id"] for i in whole], sort
            assert [i["id"] for i in paged] == in_order(everything, sort, get), sort

    async def check_refusals(self, one: str, other: str) -> None:
        """A cursor of one sort is none of another, nor of the default order; a cursor not
        given out and a sort not offered are 422 problem+json naming the parameter."""
        first = await self.get(sort=one, limit=1)
        cursor = first.json()["next_cursor"]
        assert cursor, first.text

        async def refused(where: str, **query: Any) -> None:
            response = await self.get(**query)
            assert response.status_code == 422, response.text
            assert response.headers["content-type"].startswith(PROBLEM_JSON)
            assert response.json()["errors"][0]["loc"] == ["query", where], response.text

        await refused("cursor", sort=other, cursor=cursor)
        await refused("cursor", cursor=cursor)
        await refused("cursor", sort=one, cursor=str(uuid.uuid4()))
        await refused("cursor", sort=one, cursor="eyJzIjoiIn0")  # {"s":""}
        await refused("cursor", sort=one, cursor="not a cursor!")
        await refused("sort", sort="password")
        await refused("sort", sort=f"--{one.removeprefix('-')}")
        # The default order's cursor is still the plain last id of the page.
        plain = await self.get(limit=1)
        assert uuid.UUID(plain.json()["next_cursor"])


# -- registry --------------------------------------------------------------------------


async def test_volunteers_sort_by_name_in_pinyin_registration_and_birth_year(
    stack: Stack, community: str
) -> None:
    registry = stack["registry"]
    # Two of the same name and two without a birth year: ties and NULLs on every key.
    people = [
        ("张伟", 1980),
        ("王芳", None),
        ("陈静", 1975),
        ("王芳", 1980),
        ("李娜", None),
    ]
    made = [
        await create_volunteer(registry, community, name=name, birth_year=year)
        for name, year in people
    ]
    listed = CommunityList(registry, "/volunteers", community)
    await listed.check_every_sort(
        ("created_at", "-created_at", "birth_year", "-birth_year"),
        value={"created_at": lambda v: instant(v["created_at"])},
    )
    by_name = await listed.sorted_by("name")
    assert [v["name"] for v in by_name] == ["陈静", "李娜", "王芳", "王芳", "张伟"]
    # The two 王芳 in id order; the other way round when descending.
    assert [v["id"] for v in by_name[2:4]] == sorted([made[1]["id"], made[3]["id"]])
    backwards = await listed.sorted_by("-name")
    assert [v["id"] for v in backwards] == [v["id"] for v in reversed(by_name)]
    by_year = await listed.sorted_by("-birth_year")
    assert [v["birth_year"] for v in by_year] == [1980, 1980, 1975, None, None]
    await listed.check_refusals("name", "-name")


async def test_teams_sort_by_name_founding_and_members(stack: Stack, community: str) -> None:
    registry = stack["registry"]
    names = ["王家服务队", "陈家服务队", "张家服务队", "李家服务队"]
    teams = [await create_team(registry, community, "orange", name=name) for name in names]
    members = {names[0]: 2, names[2]: 2, names[3]: 1}  # 陈家 none: a tie at 0 is no NULL
    for team in teams:
        for _ in range(members.get(team["name"], 0)):
            person = await create_volunteer(registry, community)
            await join_team(registry, team, person)
    listed = CommunityList(registry, "/teams", community)
    await listed.check_every_sort(
        ("created_at", "-created_at", "member_count", "-member_count"),
        value={"created_at": lambda t: instant(t["created_at"])},
    )
    by_name = await listed.sorted_by("name", limit=3)
    assert [t["name"][0] for t in by_name] == [n[0] for n in PINYIN_ORDER]
    busiest = await listed.sorted_by("-member_count", limit=1)
    assert [t["member_count"] for t in busiest] == [2, 2, 1, 0]
    await listed.check_refusals("-member_count", "member_count")


# -- activities ------------------------------------------------------------------------


async def test_activities_sort_by_time_people_served_and_hours(
    stack: Stack, community: str
) -> None:
    registry, activities = stack["registry"], stack["activities"]
    people = [await create_volunteer(registry, community, name=n) for n in ("王芳", "李强")]
    team = await create_team(registry, community, "orange")
    day = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(days=3)
    # (start, people served, each one's hours): two at the same time, two serving as many,
    # two with the same hours; no key alone orders them.
    plans = [
        (day, 30, (2, 1)),
        (day - timedelta(days=1), 10, (1.5,)),
        (day, 10, (2, 1)),
        (day + timedelta(days=1), 50, (0.5, 0.5)),
        (day - timedelta(days=2), 30, (3,)),
    ]
    for start, served, hours in plans:
        body = activity_body(
            community,
            team,
            people[: len(hours)],
            started_at=start.isoformat(),
            ended_at=(start + timedelta(hours=3)).isoformat(),
            people_served=served,
            beneficiaries={},
        )
        body["participants"] = [
            {"volunteer_id": p["id"], "hours": h}
            for p, h in zip(people[: len(hours)], hours, strict=True)
        ]
        assert (await log(activities, body)).status_code == 201
    listed = CommunityList(activities, "/activities", community)
    await listed.check_every_sort(
        get_args(ActivitySort),
        value={
            "started_at": lambda a: instant(a["started_at"]),
            "hours": lambda a: sum(Decimal(str(p["hours"])) for p in a["participants"]),
        },
    )
    newest = await listed.sorted_by("-started_at")
    assert [instant(a["started_at"]) for a in newest] == sorted(
        (start for start, _, _ in plans), reverse=True
    )
    # A new activity at the same start as the two: it comes first among them, newest first.
    again = activity_body(
        community,
        team,
        people[:1],
        started_at=day.isoformat(),
        ended_at=(day + timedelta(hours=3)).isoformat(),
        beneficiaries={},
    )
    latest = (await log(activities, again)).json()
    now = await listed.sorted_by("-started_at")
    assert now[1]["id"] == latest["id"]
    await listed.check_refusals("-started_at", "-hours")


# -- requests --------------------------------------------------------------------------


async def requests_community(stack: Stack) -> str:
    """A community only the requests service knows, with orders and care tasks written in
    its database (their times set here: the API sets them from the clock)."""
    community = f"s{uuid.uuid4().hex[:12]}"
    async with stack.services["requests"].runtime.sessionmaker() as session:
        async with unit_of_work(session):
            session.add(Community(id=community, name=f"排序社区 {community}"))
    return community


async def test_orders_sort_by_due_and_submitted(stack: Stack) -> None:
    community = await requests_community(stack)
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    base = utcnow().replace(microsecond=0)
    # (due in hours, submitted hours ago): ties on each.
    times = [(4, 1), (72, 2), (4, 3), (24, 1), (72, 5)]
    async with sessionmaker() as session, unit_of_work(session):
        command = RequestIn.model_validate(order(community))
        for due, ago in times:
            made = await requests_domain.submit_request(session, "tester", command, ALREADY_DUE)
            times_set = {
                "due_at": base + timedelta(hours=due),
                "submitted_at": base - timedelta(hours=ago),
            }
            await session.execute(
                update(ServiceRequest).where(ServiceRequest.id == made.id).values(**times_set)
            )
    listed = CommunityList(stack["requests"], "/requests", community)
    await listed.check_every_sort(
        get_args(RequestSort),
        value={
            "due_at": lambda o: instant(o["due_at"]),
            "submitted_at": lambda o: instant(o["submitted_at"]),
        },
    )
    newest = await listed.sorted_by("-submitted_at")
    assert [base - instant(o["submitted_at"]) for o in newest] == [
        timedelta(hours=h) for h in (1, 1, 2, 3, 5)
    ]
    await listed.check_refusals("due_at", "-submitted_at")


async def test_care_tasks_sort_by_due_day_completion_and_name(stack: Stack) -> None:
    community = await requests_community(stack)
    sessionmaker = stack.services["requests"].runtime.sessionmaker
    today = county_today()
    done_at = utcnow().replace(microsecond=0)
    # (name, due in days, completed hours ago or None): open tasks have no completed_at.
    tasks = [
        ("王芳", 7, None),
        ("陈静", 3, 5),
        ("张伟", 7, 1),
        ("李娜", 3, None),
        ("王芳", 1, 5),
    ]
    async with sessionmaker() as session, unit_of_work(session):
        for name, due, ago in tasks:
            task = await requests_domain.create_care_task(
                session,
                community_id=community,
                volunteer_id=uuid.uuid4(),
                volunteer_name=name,
                reason="ill",
                due_on=today + timedelta(days=due),
            )
            if ago is not None:
                await session.execute(
                    update(CareTask)
                    .where(CareTask.id == task.id)
                    .values(status="done", completed_at=done_at - timedelta(hours=ago))
                )
    listed = CommunityList(stack["requests"], "/care-tasks", community)
    await listed.check_every_sort(
        ("due_on", "-due_on", "completed_at", "-completed_at"),
        value={"completed_at": lambda t: t["completed_at"] and instant(t["completed_at"])},
    )
    latest = await listed.sorted_by("-completed_at")
    assert [t["status"] for t in latest] == ["done", "done", "done", "open", "open"]
    by_name = await listed.sorted_by("volunteer_name")
    assert [t["volunteer_name"] for t in by_name] == ["陈静", "李娜", "王芳", "王芳", "张伟"]
    assert by_name[2]["id"] < by_name[3]["id"]
    await listed.check_refusals("-completed_at", "due_on")
