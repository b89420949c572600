"""Who may call what: every route that needs a token, for each of the five roles, in one table.

Each (route, caller) is its own test: a caller the table does not allow gets 403 (never 2xx),
or 404 where the row hides the object from it; a caller it allows gets its 2xx, and the
answer holds what the row expects (e.g. a resident's name masked). Tokens are scoped to the
community under test, and a sixth caller is a county admin over all communities (`county_admin`
is one limited to this community); the team leader's
token is that of the leader of the team in question (its `sub` is the leader's volunteer id).
`test_every_route_is_in_the_table` fails when a service has a route the table does not name,
so a new route cannot slip through unchecked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from services import SERVICE_NAMES
from tests.api import next_phone
from tests.conftest import ADMIN, Stack, auth
from tests.security.world import (
    CALLERS,
    COUNTY_WIDE,
    PROBLEM_JSON,
    SCOPED_STATS,
    Caller,
    World,
    build_world,
    client_at,
    known,
    slug,
)

ALL: frozenset[Caller] = frozenset(CALLERS)
# The community's admins: its community_admin, and county admins (over it, or all).
ADMINS: frozenset[Caller] = frozenset({"county_admin", "community_admin", COUNTY_WIDE})
# What reaches the whole county: a county admin whose token holds all communities only.
COUNTY: frozenset[Caller] = frozenset({COUNTY_WIDE})
LEADER: frozenset[Caller] = ADMINS | {"team_leader"}  # ... the leader of the team in question
# ... the leader or an active member of the team in question.
TEAM: frozenset[Caller] = LEADER | {"volunteer"}
# The branch's admins: a branch_admin's token holds the communities of its branch.
BRANCH: frozenset[Caller] = frozenset({COUNTY_WIDE, "county_admin", "branch_admin"})
CO_BUILDERS: frozenset[Caller] = ADMINS | BRANCH
# ... or the volunteer in question themself (PIPL export): the `volunteer` token is `member`'s.
SELF: frozenset[Caller] = ADMINS | {"volunteer"}
# Those who do not see an object at all: answered 404, as if it did not exist.
NOBODY: frozenset[Caller] = frozenset()


@dataclass(frozen=True)
class Call:
    url: str
    json: Any = None
    params: dict[str, str] | None = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    # Whose token the `volunteer` caller holds, when not `member`'s.
    volunteer: str | None = None


# How to call a route: given the world and whether the caller's role may (then the call gets
# objects of its own where it changes their state), the URL and a valid body.
Prepare = Callable[[World, bool], Awaitable[Call]]


# What an allowed caller's answer must hold besides its status (e.g. masked fields).
Expect = Callable[[World, Caller, Any], None]


@dataclass(frozen=True)
class Rule:
    service: str
    method: str
    path: str
    allowed: frozenset[Caller]
    prepare: Prepare
    # Callers in the community who are answered 404 rather than 403: not theirs to see.
    hidden: frozenset[Caller] = NOBODY
    expect: Expect | None = None
    # What sets apart rows of one route (e.g. "scope=county").
    case: str = ""

    @property
    def route(self) -> tuple[str, str, str]:
        return (self.service, self.method, self.path)

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (*self.route, self.case)

    @property
    def name(self) -> str:
        return f"{self.service} {self.method} {self.path}" + (
            f" ({self.case})" if self.case else ""
        )


def fixed(
    url: str,
    body: Callable[[World], Any] | None = None,
    params: Callable[[World], dict[str, str]] | None = None,
) -> Prepare:
    """A call on the world's own objects; `url` is formatted with `w`, the world."""

    async def prepare(world: World, allowed: bool) -> Call:
        return Call(
            url.format(w=world),
            json=body(world) if body else None,
            params=params(world) if params else None,
        )

    return prepare


def in_community(world: World) -> dict[str, str]:
    return {"community_id": world.community}


def community_scope(world: World) -> dict[str, str]:
    return {"scope": "community", "id": world.community}


def county_scope(world: World) -> dict[str, str]:
    return {"scope": "county"}


# scope=county is the whole county to a county admin, refused to one limited to some
# communities; to the roles below it is all of their communities.
COUNTY_SCOPE: frozenset[Caller] = ALL - {"county_admin"}


def as_party(prepare: Prepare) -> Prepare:
    """The same call, the `volunteer` caller being the party member `party` themself."""

    async def prepared(world: World, allowed: bool) -> Call:
        return replace(await prepare(world, allowed), volunteer=world.party["id"])

    return prepared


def life_events_shown(page: dict[str, Any]) -> None:
    assert "hospitalized" in {e["kind"] for e in page["items"]}, page


def care_tasks_shown(*, to_the_member: bool) -> Expect:
    """The party member's care tasks to the admins and, when the `volunteer` caller is the
    member (`as_party`), to them; none to anyone else."""

    def expect(world: World, caller: Caller, page: dict[str, Any]) -> None:
        about = {t["volunteer_id"] for t in page["items"]}
        if caller in ADMINS:
            assert world.party["id"] in about, page
        elif caller == "volunteer" and to_the_member:
            assert about == {world.party["id"]}, page
        else:
            assert about == set(), page

    return expect


# Who serves the world's orders (assigned to `team`): its leader, and `member`, on it.
TEAM_WORKERS: frozenset[Caller] = frozenset({"team_leader", "volunteer"})
OPEN = frozenset({"submitted", "assigned", "accepted"})


def residents_shown(world: World, caller: Caller, order: dict[str, Any]) -> None:
    """The resident whole to the community's admins, and to the assigned team while the order
    is open; to anyone else, and after it closes, the name's and address's first character."""
    resident = order["resident"]
    whole = caller in ADMINS or (
        caller in TEAM_WORKERS and order["status"] in OPEN and order["team_id"] == world.team["id"]
    )
    masked = re.fullmatch(r".\*", resident["name"]) is not None
    assert masked is not whole, (caller, order)
    if masked:
        assert resident["phone"] == "" or "****" in resident["phone"], order
        assert resident["address"] is None or re.fullmatch(r".\*", resident["address"]), order


def residents_listed(world: World, caller: Caller, page: dict[str, Any]) -> None:
    for order in page["items"]:
        residents_shown(world, caller, order)


async def a_closed_order(world: World, allowed: bool) -> Call:
    return Call(f"/requests/{(await world.new_order('completed'))['id']}")


# -- calls on fresh objects: the order of the cases does not matter ----------------------


async def new_volunteer_body(world: World, allowed: bool) -> Call:
    return Call(
        "/volunteers",
        json={"community_id": world.community, "name": "新志愿者", "phone": next_phone()},
    )


async def patch_volunteer(world: World, allowed: bool) -> Call:
    volunteer = await world.volunteer()
    return Call(f"/volunteers/{volunteer['id']}", json={"skills": ["急救"]})


async def deactivate_volunteer(world: World, allowed: bool) -> Call:
    volunteer = await world.volunteer()
    return Call(f"/volunteers/{volunteer['id']}/deactivate", json={"reason": "搬离社区"})


async def import_volunteers(world: World, allowed: bool) -> Call:
    csv = f"name,phone\n导入志愿者,{next_phone()}\n".encode()
    return Call(
        "/volunteers/import",
        params=in_community(world),
        files={"file": ("volunteers.csv", csv, "text/csv")},
    )


async def new_team_body(world: World, allowed: bool) -> Call:
    return Call(
        "/teams", json={"community_id": world.community, "category": "green", "name": slug("队")}
    )


async def patch_team(world: World, allowed: bool) -> Call:
    team = await world.new_team()
    return Call(f"/teams/{team['id']}", json={"name": slug("队")})


async def deactivate_team(world: World, allowed: bool) -> Call:
    team = await world.new_team()
    return Call(f"/teams/{team['id']}/deactivate")


async def add_member(world: World, allowed: bool) -> Call:
    volunteer = await world.volunteer()
    return Call(f"/teams/{world.team['id']}/members", json={"volunteer_id": volunteer["id"]})


async def remove_member(world: World, allowed: bool) -> Call:
    member = await world.new_member()
    return Call(f"/teams/{world.team['id']}/members/{member['id']}")


async def new_community(world: World, allowed: bool) -> Call:
    return Call("/communities", json={"id": slug("n"), "name": "新社区"})


async def new_category(world: World, allowed: bool) -> Call:
    return Call("/categories", json={"code": slug("k"), "name": "新类别"})


async def delete_category(world: World, allowed: bool) -> Call:
    # Categories belong to the whole county: only the case that may delete gets a new one;
    # the others aim at the world's, which nothing deletes.
    code = await world.new_category() if allowed else world.category
    return Call(f"/categories/{code}")


async def resident_unit(world: World, allowed: bool) -> Call:
    return Call(
        "/resident-units",
        json={"community_id": world.community, "name": "社区卫生站", "kind": "clinic"},
    )


async def new_branch(world: World, allowed: bool) -> Call:
    return Call("/branches", json={"id": slug("b"), "name": "新大支部"})


def agreement(world: World) -> dict[str, Any]:
    return {"brings": ["venues"], "starts_on": "2025-01-01", "ends_on": "2025-12-31"}


async def log_activity(world: World, allowed: bool) -> Call:
    return Call("/activities", json=world.activity_body())


async def verify_activity(world: World, allowed: bool) -> Call:
    return Call(f"/activities/{(await world.new_activity())['id']}/verify")


async def void_activity(world: World, allowed: bool) -> Call:
    return Call(f"/activities/{(await world.new_activity())['id']}/void", json={"reason": "重复"})


async def correct_activity(world: World, allowed: bool) -> Call:
    activity = await world.new_activity()
    body = world.activity_body(people_served=40, reason="人数登记错误")
    return Call(f"/activities/{activity['id']}/correct", json=body)


async def new_kind(world: World, allowed: bool) -> Call:
    return Call("/activity-kinds", json={"code": slug("a"), "name": "新活动"})


async def offer_resource(world: World, allowed: bool) -> Call:
    resource = await world.new_resource()
    body = {k: resource[k] for k in ("community_id", "kind", "name", "availability")}
    return Call("/resources", json=body)


def on_resource(action: str = "", body: Callable[[World], Any] | None = None) -> Prepare:
    """A call on a fresh resource of the world's community (`action` after its path)."""

    async def prepare(world: World, allowed: bool) -> Call:
        resource = await world.new_resource()
        return Call(f"/resources/{resource['id']}{action}", json=body(world) if body else None)

    return prepare


async def cancel_booking(world: World, allowed: bool) -> Call:
    return Call(f"/bookings/{(await world.new_booking())['id']}/cancel")


async def submit_order(world: World, allowed: bool) -> Call:
    return Call("/requests", json=world.order_body())


def order_move(status: str, action: str, body: Callable[[World], Any]) -> Prepare:
    async def prepare(world: World, allowed: bool) -> Call:
        order = await world.new_order(status)
        return Call(f"/requests/{order['id']}/{action}", json=body(world))

    return prepare


async def complete_care_task(world: World, allowed: bool) -> Call:
    task = world.spare_care_task() if allowed else world.care_task["id"]
    return Call(f"/care-tasks/{task}/complete", json={"note": "已走访"})


async def register_care_recipient(world: World, allowed: bool) -> Call:
    return Call("/care-recipients", json=world.care_recipient_body())


async def end_care(world: World, allowed: bool) -> Call:
    recipient = await world.new_care_recipient() if allowed else world.care_recipient
    return Call(f"/care-recipients/{recipient['id']}/end", json={"reason": "已迁出本社区"})


async def erase_volunteer(world: World, allowed: bool) -> Call:
    volunteer = await world.volunteer(name="待删除志愿者")
    return Call(f"/volunteers/{volunteer['id']}/erase", json={"reason": "本人申请"})


async def stats_personal_data(world: World, allowed: bool) -> Call:
    await known(world.stack, "stats", _stats_volunteer(), uuid.UUID(world.member["id"]))
    return Call(f"/stats/volunteers/{world.member['id']}/personal-data")


def _stats_volunteer() -> type[Any]:
    from services.stats.models import Volunteer

    return Volunteer


def resident_of(order: dict[str, Any], world: World, **fields: str) -> dict[str, str]:
    return {"community_id": world.community, "phone": order["resident"]["phone"], **fields}


async def export_resident(world: World, allowed: bool) -> Call:
    return Call("/residents/personal-data", json=resident_of(world.order, world))


async def erase_resident(world: World, allowed: bool) -> Call:
    order = await world.new_order()
    return Call("/residents/erase", json=resident_of(order, world, reason="居民本人申请"))


# -- the table -------------------------------------------------------------------------


def operations(service: str) -> list[Rule]:
    """What every service with an outbox has: its log, and the audit log built from it."""
    return [
        Rule(service, "GET", "/admin/outbox", COUNTY, fixed("/admin/outbox")),
        Rule(service, "POST", "/admin/outbox/republish", COUNTY, fixed("/admin/outbox/republish")),
        Rule(service, "GET", "/audit", ADMINS, fixed("/audit", params=in_community)),
    ]


RULES: list[Rule] = [
    # registry
    *operations("registry"),
    Rule("registry", "GET", "/communities", ALL, fixed("/communities")),
    Rule("registry", "POST", "/communities", COUNTY, new_community),
    Rule(
        "registry", "GET", "/communities/{community_id}", ALL, fixed("/communities/{w.community}")
    ),
    Rule("registry", "POST", "/resident-units", ADMINS, resident_unit),
    Rule("registry", "GET", "/resident-units", ALL, fixed("/resident-units", params=in_community)),
    Rule(
        "registry", "GET", "/resident-units/{unit_id}", ALL, fixed("/resident-units/{w.unit[id]}")
    ),
    Rule(
        "registry",
        "POST",
        "/resident-units/{unit_id}/agreements",
        CO_BUILDERS,
        fixed("/resident-units/{w.unit[id]}/agreements", body=agreement),
    ),
    Rule("registry", "POST", "/branches", COUNTY, new_branch),
    Rule("registry", "GET", "/branches", ALL, fixed("/branches")),
    Rule("registry", "GET", "/branches/{branch_id}", ALL, fixed("/branches/{w.branch}")),
    Rule(
        "registry",
        "PATCH",
        "/branches/{branch_id}",
        BRANCH,
        fixed("/branches/{w.branch}", body=lambda w: {"secretary_name": "安全测试书记"}),
    ),
    Rule("registry", "GET", "/categories", ALL, fixed("/categories")),
    Rule("registry", "POST", "/categories", COUNTY, new_category),
    Rule(
        "registry",
        "PATCH",
        "/categories/{code}",
        COUNTY,
        fixed("/categories/{w.category}", body=lambda w: {"description": "安全测试"}),
    ),
    Rule("registry", "DELETE", "/categories/{code}", COUNTY, delete_category),
    Rule("registry", "POST", "/teams", ADMINS, new_team_body),
    Rule("registry", "GET", "/teams", ALL, fixed("/teams", params=in_community)),
    Rule("registry", "GET", "/teams/{team_id}", ALL, fixed("/teams/{w.team[id]}")),
    Rule("registry", "PATCH", "/teams/{team_id}", ADMINS, patch_team),
    Rule("registry", "POST", "/teams/{team_id}/deactivate", ADMINS, deactivate_team),
    Rule("registry", "POST", "/teams/{team_id}/members", LEADER, add_member),
    Rule("registry", "DELETE", "/teams/{team_id}/members/{volunteer_id}", LEADER, remove_member),
    Rule("registry", "POST", "/volunteers", ADMINS, new_volunteer_body),
    Rule("registry", "GET", "/volunteers", ALL, fixed("/volunteers", params=in_community)),
    Rule("registry", "GET", "/volunteers/{volunteer_id}", ALL, fixed("/volunteers/{w.member[id]}")),
    Rule("registry", "PATCH", "/volunteers/{volunteer_id}", ADMINS, patch_volunteer),
    Rule("registry", "POST", "/volunteers/{volunteer_id}/deactivate", ADMINS, deactivate_volunteer),
    Rule("registry", "POST", "/volunteers/import", ADMINS, import_volunteers),
    Rule(
        "registry",
        "POST",
        "/volunteers/{volunteer_id}/life-events",
        ADMINS,
        fixed(
            "/volunteers/{w.party[id]}/life-events",
            body=lambda w: {"kind": "commended", "occurred_on": "2024-05-04"},
        ),
    ),
    # A party member's life events: the community's admins, and the member themself.
    Rule(
        "registry",
        "GET",
        "/volunteers/{volunteer_id}/life-events",
        ADMINS,
        fixed("/volunteers/{w.party[id]}/life-events"),
        expect=lambda w, caller, page: life_events_shown(page),
    ),
    Rule(
        "registry",
        "GET",
        "/volunteers/{volunteer_id}/life-events",
        SELF,
        as_party(fixed("/volunteers/{w.party[id]}/life-events")),
        expect=lambda w, caller, page: life_events_shown(page),
        case="the member's own",
    ),
    Rule(
        "registry",
        "GET",
        "/volunteers/{volunteer_id}/personal-data",
        SELF,
        fixed("/volunteers/{w.member[id]}/personal-data"),
    ),
    Rule("registry", "POST", "/volunteers/{volunteer_id}/erase", ADMINS, erase_volunteer),
    # activities
    *operations("activities"),
    Rule("activities", "POST", "/activities", LEADER, log_activity),
    Rule("activities", "GET", "/activities", ALL, fixed("/activities", params=in_community)),
    Rule(
        "activities", "GET", "/activities/{activity_id}", ALL, fixed("/activities/{w.activity[id]}")
    ),
    Rule("activities", "POST", "/activities/{activity_id}/verify", LEADER, verify_activity),
    Rule("activities", "POST", "/activities/{activity_id}/void", ADMINS, void_activity),
    Rule("activities", "POST", "/activities/{activity_id}/correct", ADMINS, correct_activity),
    Rule(
        "activities",
        "GET",
        "/volunteer-hours/{volunteer_id}",
        ALL,
        fixed("/volunteer-hours/{w.member[id]}"),
    ),
    Rule(
        "activities",
        "GET",
        "/volunteer-hours/{volunteer_id}/certificate",
        ALL,
        fixed("/volunteer-hours/{w.member[id]}/certificate"),
    ),
    Rule(
        "activities",
        "POST",
        "/volunteer-hours/{volunteer_id}/certificate",
        ADMINS,
        fixed("/volunteer-hours/{w.member[id]}/certificate"),
    ),
    Rule(
        "activities",
        "GET",
        "/volunteer-hours/{volunteer_id}/personal-data",
        SELF,
        fixed("/volunteer-hours/{w.member[id]}/personal-data"),
    ),
    Rule("activities", "GET", "/activity-kinds", ALL, fixed("/activity-kinds")),
    Rule("activities", "POST", "/activity-kinds", COUNTY, new_kind),
    Rule("activities", "POST", "/resources", ADMINS, offer_resource),
    Rule("activities", "GET", "/resources", ALL, fixed("/resources", params=in_community)),
    Rule("activities", "GET", "/resources/{resource_id}", ALL, on_resource()),
    Rule(
        "activities",
        "PATCH",
        "/resources/{resource_id}",
        ADMINS,
        on_resource(body=lambda w: {"capacity": 40}),
    ),
    Rule(
        "activities",
        "POST",
        "/resources/{resource_id}/deactivate",
        ADMINS,
        on_resource("/deactivate"),
    ),
    Rule(
        "activities",
        "POST",
        "/resources/{resource_id}/bookings",
        LEADER,  # any team leader of the booking community
        on_resource("/bookings", body=World.booking_body),
    ),
    Rule("activities", "GET", "/resources/{resource_id}/bookings", ALL, on_resource("/bookings")),
    Rule("activities", "POST", "/bookings/{booking_id}/cancel", LEADER, cancel_booking),
    # requests
    *operations("requests"),
    Rule("requests", "POST", "/requests", ADMINS, submit_order),
    # Residents whole to the community's admins, and to the assigned team while it is open.
    Rule(
        "requests",
        "GET",
        "/requests",
        ALL,
        fixed("/requests", params=lambda w: {**in_community(w), "limit": "500"}),
        expect=residents_listed,
    ),
    Rule(
        "requests",
        "GET",
        "/requests/{request_id}",
        ALL,
        fixed("/requests/{w.order[id]}"),
        expect=residents_shown,
    ),
    Rule(
        "requests",
        "GET",
        "/requests/{request_id}",
        ALL,
        a_closed_order,
        expect=residents_shown,
        case="closed",
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/assign",
        ADMINS,
        order_move("assigned", "assign", lambda w: {"team_id": w.team["id"]}),
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/escalate",
        ADMINS,
        order_move("assigned", "escalate", lambda w: {"reason": "本社区无法服务"}),
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/accept",
        LEADER,
        order_move("assigned", "accept", lambda w: None),
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/complete",
        LEADER,
        order_move("accepted", "complete", lambda w: {"note": "已上门理发"}),
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/cancel",
        ADMINS,
        order_move("assigned", "cancel", lambda w: {"reason": "居民已自行解决"}),
    ),
    Rule(
        "requests",
        "POST",
        "/requests/{request_id}/rate",
        ADMINS,
        order_move("completed", "rate", lambda w: {"score": 5}),
    ),
    Rule("requests", "GET", "/service-kinds", ALL, fixed("/service-kinds")),
    Rule(
        "requests",
        "PUT",
        "/service-kinds/{code}",
        COUNTY,
        fixed(
            "/service-kinds/security_probe", body=lambda w: {"name": "安全测试", "category": "red"}
        ),
    ),
    # Care tasks: the community's admins; a caller below them, only those about them.
    Rule(
        "requests",
        "GET",
        "/care-tasks",
        ALL,
        fixed("/care-tasks", params=in_community),
        expect=care_tasks_shown(to_the_member=False),
    ),
    Rule(
        "requests",
        "GET",
        "/care-tasks",
        ALL,
        as_party(fixed("/care-tasks", params=in_community)),
        expect=care_tasks_shown(to_the_member=True),
        case="the member's own",
    ),
    Rule(
        "requests",
        "POST",
        "/care-tasks/{task_id}/complete",
        ADMINS,
        complete_care_task,
        hidden=frozenset({"branch_admin", "team_leader", "volunteer"}),
    ),
    Rule(
        "requests",
        "POST",
        "/care-tasks/{task_id}/complete",
        ADMINS,
        as_party(complete_care_task),
        # The member sees a task about them, but it is the admins' to do: 403.
        hidden=frozenset({"branch_admin", "team_leader"}),
        case="the member's own",
    ),
    Rule("requests", "POST", "/care-recipients", ADMINS, register_care_recipient),
    Rule(
        "requests", "GET", "/care-recipients", ALL, fixed("/care-recipients", params=in_community)
    ),
    Rule(
        "requests",
        "GET",
        "/care-recipients/summary",
        ALL,
        fixed("/care-recipients/summary", params=in_community),
    ),
    Rule(
        "requests",
        "GET",
        "/care-recipients/{recipient_id}",
        ALL,
        fixed("/care-recipients/{w.care_recipient[id]}"),
    ),
    Rule(
        "requests",
        "PATCH",
        "/care-recipients/{recipient_id}",
        ADMINS,
        fixed("/care-recipients/{w.care_recipient[id]}", body=lambda w: {"plan_days": 7}),
    ),
    Rule("requests", "POST", "/care-recipients/{recipient_id}/end", ADMINS, end_care),
    Rule(
        "requests",
        "POST",
        "/care-recipients/{recipient_id}/visits",
        TEAM,  # ... the leader or a member of the responsible team
        fixed(
            "/care-recipients/{w.care_recipient[id]}/visits",
            body=lambda w: {"visited_on": str(datetime.now(UTC).date() - timedelta(days=1))},
        ),
    ),
    Rule(
        "requests",
        "GET",
        "/care-recipients/{recipient_id}/visits",
        ALL,
        fixed("/care-recipients/{w.care_recipient[id]}/visits"),
    ),
    Rule(
        "requests",
        "GET",
        "/volunteer-records/{volunteer_id}/personal-data",
        SELF,
        fixed("/volunteer-records/{w.member[id]}/personal-data"),
    ),
    Rule("requests", "POST", "/residents/personal-data", ADMINS, export_resident),
    Rule("requests", "POST", "/residents/erase", ADMINS, erase_resident),
    # stats
    Rule("stats", "GET", "/stats/overview", ALL, fixed("/stats/overview", params=community_scope)),
    Rule(
        "stats",
        "GET",
        "/stats/timeseries",
        ALL,
        fixed("/stats/timeseries", params=community_scope),
    ),
    Rule(
        "stats",
        "GET",
        "/stats/leaderboard",
        ALL,
        fixed("/stats/leaderboard", params=community_scope),
    ),
    Rule(
        "stats",
        "GET",
        "/stats/open-requests",
        ALL,
        fixed("/stats/open-requests", params=community_scope),
    ),
    Rule(
        "stats",
        "GET",
        "/stats/volunteers/{volunteer_id}/personal-data",
        SELF,
        stats_personal_data,
    ),
    Rule("stats", "GET", "/stats/areas", ALL, fixed("/stats/areas")),
    Rule("stats", "GET", "/stats/lag", ALL, fixed("/stats/lag")),
    Rule("stats", "POST", "/admin/rebuild", COUNTY, fixed("/admin/rebuild")),
    Rule("stats", "GET", "/admin/rebuild", COUNTY, fixed("/admin/rebuild")),
    Rule("stats", "DELETE", "/admin/rebuild", COUNTY, fixed("/admin/rebuild")),
    Rule(
        "stats",
        "GET",
        "/reports/summary",
        ALL,
        fixed("/reports/summary", params=lambda w: {**community_scope(w), "format": "html"}),
    ),
    *(
        Rule(
            "stats",
            "GET",
            path,
            COUNTY_SCOPE,
            fixed(path, params=county_scope),
            case="scope=county",
        )
        for path in SCOPED_STATS
    ),
]

# Routes anyone may call: operations, the event contract, the dashboard page and its assets.
PUBLIC: frozenset[tuple[str, str, str]] = frozenset(
    {
        (s, "GET", p)
        for s in SERVICE_NAMES
        for p in ("/healthz", "/readyz", "/metrics", "/asyncapi.json")
    }
    | {("stats", "GET", "/"), ("stats", "GET", "/dashboard/{name}")}
    # The notice board (公示栏): figures only, for residents (tests/integration/test_public.py).
    | {("stats", "GET", "/public/{community_id}"), ("stats", "GET", "/public/branches/{branch}")}
    # Checking a certificate by its number and check code (tests/integration/
    # test_certificate_check.py): a masked name and what it certified.
    | {("activities", "GET", "/certificates/{number}")}
)
DOCS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})

CASES = [(rule, caller) for rule in RULES for caller in CALLERS]


@pytest.fixture(scope="module")
async def world(stack: Stack) -> World:
    # Spare care tasks: one for each caller that may complete one, in each row.
    spare = sum(len(r.allowed) for r in RULES if r.path == "/care-tasks/{task_id}/complete")
    return await build_world(stack, spare_care_tasks=spare)


def routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, from its OpenAPI and from its routing table
    (which also holds the routes left out of the OpenAPI)."""
    found = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        for method in operations
    }
    for context in iter_route_contexts(app.routes):
        if context.path in DOCS or not context.methods:
            continue
        found |= {(m, context.path) for m in context.methods if m != "HEAD"}
    return found


def test_the_table_names_each_route_once() -> None:
    keys = [rule.key for rule in RULES]
    assert len(keys) == len(set(keys)), "a route is in the table twice"
    assert not {rule.route for rule in RULES} & PUBLIC


async def test_every_route_is_in_the_table(stack: Stack) -> None:
    table = {rule.route for rule in RULES}
    for name in SERVICE_NAMES:
        app = stack.services[name].app
        answered = {(name, method, path) for method, path in routes(app)}
        unlisted = answered - table - PUBLIC
        assert not unlisted, f"routes missing from the role table: {sorted(unlisted)}"
        stale = {k for k in table | PUBLIC if k[0] == name} - answered
        assert not stale, f"the table names routes {name} does not have: {sorted(stale)}"
        spec = app.openapi()["paths"]
        for _, method, path in {k for k in PUBLIC if k[0] == name}:
            if path in spec:
                assert not spec[path][method.lower()].get("security"), f"{method} {path}"
        for _, method, path in {k for k in table if k[0] == name}:
            assert spec[path][method.lower()].get("security"), f"{method} {path} needs no token?"


@pytest.mark.parametrize(
    ("service", "path"),
    [("registry", "/healthz"), ("activities", "/metrics"), ("requests", "/readyz"), ("stats", "/")],
)
async def test_public_routes_need_no_token(stack: Stack, service: str, path: str) -> None:
    response = await stack[service].get(path)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("rule", "caller"),
    CASES,
    ids=[f"{rule.name} as {caller}" for rule, caller in CASES],
)
async def test_role_matrix(world: World, rule: Rule, caller: Caller) -> None:
    allowed = caller in rule.allowed
    call = await rule.prepare(world, allowed)
    response = await world.stack[rule.service].request(
        rule.method,
        call.url,
        json=call.json,
        params=call.params,
        files=call.files,
        headers=world.headers(caller, call.volunteer),
    )
    if allowed:
        assert response.status_code in (200, 201, 202, 204), response.text
        if rule.expect is not None:
            rule.expect(world, caller, response.json())
        return
    assert response.headers["content-type"] == PROBLEM_JSON
    if caller in rule.hidden:
        assert response.status_code == 404, response.text
    else:
        assert response.status_code == 403, response.text
        assert response.json()["type"] == "https://qise.dev/problems/forbidden"


@pytest.mark.parametrize(
    "rule",
    RULES,
    ids=[f"{rule.name} without a token" for rule in RULES],
)
async def test_every_table_route_needs_a_token(world: World, rule: Rule) -> None:
    call = await rule.prepare(world, False)
    # From an address of its own, so that these 401s leave the shared limiter's budget alone.
    async with client_at(world.stack, rule.service, "10.0.1.1") as client:
        response = await client.request(
            rule.method, call.url, json=call.json, params=call.params, files=call.files
        )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"


# -- a team leader's rights are over their own team only -----------------------------------


@pytest.fixture(scope="module")
async def leaderless(world: World) -> dict[str, Any]:
    """A team with no leader, known to activities, with a logged activity."""
    team = await world.new_team("orange")
    await known(world.stack, "activities", _activities_team(), uuid.UUID(team["id"]))
    activity = await world.new_activity(team_id=team["id"])
    return {"team": team, "activity": activity}


def _activities_team() -> type[Any]:
    from services.activities.models import Team

    return Team


@pytest.mark.parametrize(
    "sub",
    ["member", "None"],
    ids=["a leader who leads another team", "a leader whose sub is 'None'"],
)
async def test_a_leader_has_no_rights_over_other_teams(
    world: World, leaderless: dict[str, Any], sub: str
) -> None:
    """`team_leader` tokens whose `sub` is not the team's leader: not another team's volunteer,
    and not the text "None" on a team that has no leader."""
    headers = auth(
        "team_leader", [world.community], sub=world.member["id"] if sub == "member" else sub
    )
    team = leaderless["team"]
    volunteer = await world.volunteer()
    joined = await world.registry.post(
        f"/teams/{team['id']}/members", json={"volunteer_id": volunteer["id"]}, headers=headers
    )
    assert joined.status_code == 403, joined.text
    logged = await world.activities.post(
        "/activities", json=world.activity_body(team_id=team["id"]), headers=headers
    )
    assert logged.status_code == 403, logged.text
    verified = await world.activities.post(
        f"/activities/{leaderless['activity']['id']}/verify", headers=headers
    )
    assert verified.status_code == 403, verified.text
    members = await world.registry.get("/volunteers", params={"team_id": team["id"]}, headers=ADMIN)
    assert members.json()["items"] == []
