"""No community sees another's data: every resource with an id, through every service.

The caller is the `community_admin` of another community ("elsewhere"), with data of its own.
The rules: a resource of a community outside the token is answered 404, as if it did not exist,
and so is a write to it by id; a write into such a community's collection is 403; a list
filtered by such a community is 404; an unfiltered list holds nothing of it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from tests.api import next_phone, read
from tests.conftest import ADMIN, Stack, eventually
from tests.security.world import PROBLEM_JSON, SCOPED_STATS, World, build_world, past


@dataclass(frozen=True)
class Worlds:
    home: World
    elsewhere: World

    @property
    def outsider(self) -> dict[str, str]:
        return self.elsewhere.headers("community_admin")


@pytest.fixture(scope="module")
async def worlds(stack: Stack) -> Worlds:
    return Worlds(await build_world(stack), await build_world(stack))


Body = Callable[[Worlds], Any]


@dataclass(frozen=True)
class Probe:
    """A call by the outsider on the home community's data, and the answer it must get.

    `witness`, when given, is a URL whose answer to a county admin must not change.
    """

    service: str
    method: str
    url: str  # formatted with h (the home world) and e (elsewhere)
    status: int
    body: Body | None = None
    params: dict[str, str] | None = None
    witness: str | None = None

    @property
    def id(self) -> str:
        query = "?" + "&".join(f"{k}={v}" for k, v in self.params.items()) if self.params else ""
        return f"{self.service} {self.method} {self.url}{query} -> {self.status}"

    def format(self, text: str, worlds: Worlds) -> str:
        return text.format(h=worlds.home, e=worlds.elsewhere)


def activity_of(worlds: Worlds, **fields: Any) -> dict[str, Any]:
    return worlds.home.activity_body(**fields)


def writes_by_id(service: str, entity: str, *writes: tuple[str, str, Body | None]) -> list[Probe]:
    """Writes to one of the home community's entities (`entity`, its URL), each a (method,
    path below the entity, body): 404, and the entity reads the same afterwards."""
    return [
        Probe(service, method, entity + below, 404, body=body, witness=entity)
        for method, below, body in writes
    ]


def writes_into(service: str, collection: str, body: Body) -> Probe:
    """A POST into the home community's `collection`: 403, and its list holds nothing new."""
    return Probe(
        service,
        "POST",
        collection,
        403,
        body=body,
        witness=collection + "?community_id={h.community}",
    )


H = {"community_id": "{h.community}"}
COMMUNITY = {"scope": "community", "id": "{h.community}"}
BRANCH = {"scope": "branch", "id": "{h.branch}"}

PROBES: list[Probe] = [
    # reads by id: 404
    Probe("registry", "GET", "/communities/{h.community}", 404),
    Probe("registry", "GET", "/teams/{h.team[id]}", 404),
    Probe("registry", "GET", "/volunteers/{h.member[id]}", 404),
    Probe("registry", "GET", "/volunteers/{h.party[id]}/life-events", 404),
    Probe("activities", "GET", "/activities/{h.activity[id]}", 404),
    Probe("activities", "GET", "/volunteer-hours/{h.member[id]}", 404),
    Probe("activities", "GET", "/volunteer-hours/{h.member[id]}/certificate", 404),
    Probe(
        "activities",
        "GET",
        "/volunteer-hours/{h.member[id]}/certificate",
        404,
        params={"format": "pdf"},
    ),
    Probe("requests", "GET", "/requests/{h.order[id]}", 404),
    # writes by id: 404, the entity does not exist for the caller; nothing changes
    *writes_by_id(
        "registry",
        "/teams/{h.team[id]}",
        ("PATCH", "", lambda w: {"name": "改名"}),
        ("POST", "/deactivate", None),
        ("POST", "/members", lambda w: {"volunteer_id": w.elsewhere.member["id"]}),
    ),
    Probe(
        "registry",
        "DELETE",
        "/teams/{h.team[id]}/members/{h.member[id]}",
        404,
        witness="/volunteers/{h.member[id]}",
    ),
    *writes_by_id(
        "registry",
        "/volunteers/{h.member[id]}",
        ("PATCH", "", lambda w: {"name": "改名"}),
        ("POST", "/deactivate", lambda w: {"reason": "x"}),
    ),
    *writes_by_id(
        "registry",
        "/volunteers/{h.party[id]}/life-events",
        ("POST", "", lambda w: {"kind": "ill", "occurred_on": "2024-01-02"}),
    ),
    *writes_by_id(
        "activities",
        "/activities/{h.activity[id]}",
        ("POST", "/verify", None),
        ("POST", "/void", lambda w: {"reason": "x"}),
        ("POST", "/correct", lambda w: {**activity_of(w), "reason": "x"}),
    ),
    Probe(
        "activities",
        "POST",
        "/volunteer-hours/{h.member[id]}/certificate",
        404,
        witness="/audit?community_id={h.community}&type=qise.certificate.issued.v1",
    ),
    *writes_by_id(
        "requests",
        "/requests/{h.order[id]}",
        ("POST", "/assign", lambda w: {"team_id": w.home.team["id"]}),
        ("POST", "/accept", None),
        ("POST", "/complete", lambda w: {}),
        ("POST", "/cancel", lambda w: {"reason": "x"}),
        ("POST", "/rate", lambda w: {"score": 1}),
    ),
    Probe(
        "requests",
        "POST",
        "/care-tasks/{h.care_task[id]}/complete",
        404,
        body=lambda w: {},
        witness="/care-tasks?community_id={h.community}",
    ),
    # writes into the community's collections: 403; nothing is added
    writes_into(
        "registry",
        "/teams",
        lambda w: {"community_id": w.home.community, "category": "red", "name": "外来队"},
    ),
    writes_into(
        "registry",
        "/volunteers",
        lambda w: {"community_id": w.home.community, "name": "外来", "phone": next_phone()},
    ),
    writes_into(
        "registry",
        "/resident-units",
        lambda w: {"community_id": w.home.community, "name": "外来单位", "kind": "shop"},
    ),
    writes_into("activities", "/activities", lambda w: activity_of(w, **past(30))),
    writes_into("requests", "/requests", lambda w: w.home.order_body()),
    # lists filtered by the other community: 404
    *[
        Probe(service, "GET", path, 404, params=H)
        for service, path in [
            ("registry", "/teams"),
            ("registry", "/volunteers"),
            ("registry", "/resident-units"),
            ("registry", "/audit"),
            ("activities", "/activities"),
            ("activities", "/audit"),
            ("requests", "/requests"),
            ("requests", "/care-tasks"),
            ("requests", "/audit"),
        ]
    ],
    # stats of the other community, or of its branch: 404
    *[
        Probe("stats", "GET", path, 404, params=scope)
        for path in SCOPED_STATS
        for scope in (COMMUNITY, BRANCH)
    ],
    Probe("stats", "GET", "/reports/summary", 404, params={**COMMUNITY, "format": "html"}),
]


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
async def test_another_communitys_data_does_not_exist(worlds: Worlds, probe: Probe) -> None:
    client = worlds.home.stack[probe.service]
    witness = probe.format(probe.witness, worlds) if probe.witness else None
    before = await read(client, witness) if witness else None
    params = {k: probe.format(v, worlds) for k, v in (probe.params or {}).items()}
    response = await client.request(
        probe.method,
        probe.format(probe.url, worlds),
        params=params,
        json=probe.body(worlds) if probe.body else None,
        headers=worlds.outsider,
    )
    assert response.status_code == probe.status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    # The answer says nothing about the other community's data.
    home = worlds.home
    for secret in (home.member["name"], home.member["phone"], home.team["name"]):
        assert secret not in response.text
    if witness:
        assert await read(client, witness) == before


async def test_a_csv_import_into_another_community_is_403(worlds: Worlds) -> None:
    registry = worlds.home.registry
    home = worlds.home.community
    before = await read(registry, f"/volunteers?community_id={home}&limit=500")
    response = await registry.post(
        "/volunteers/import",
        params={"community_id": home},
        files={"file": ("v.csv", f"name,phone\n外来,{next_phone()}\n".encode(), "text/csv")},
        headers=worlds.outsider,
    )
    assert response.status_code == 403, response.text
    assert await read(registry, f"/volunteers?community_id={home}&limit=500") == before


UNFILTERED: list[tuple[str, str, dict[str, str]]] = [
    ("registry", "/communities", {}),
    ("registry", "/teams", {}),
    ("registry", "/volunteers", {}),
    ("registry", "/volunteers", {"team_id": "{h.team[id]}"}),
    ("registry", "/volunteers", {"q": "{h.member[name]}"}),
    ("registry", "/volunteers", {"q": "{h.member[phone]}"}),
    ("registry", "/resident-units", {}),
    ("activities", "/activities", {}),
    ("activities", "/activities", {"team_id": "{h.team[id]}"}),
    ("requests", "/requests", {}),
    ("requests", "/requests", {"team_id": "{h.team[id]}"}),
    ("requests", "/care-tasks", {}),
    ("requests", "/care-tasks", {"volunteer_id": "{h.party[id]}"}),
]


@pytest.mark.parametrize(
    ("service", "path", "params"),
    UNFILTERED,
    ids=[f"{s} GET {p} {q}" for s, p, q in UNFILTERED],
)
async def test_unfiltered_lists_hold_nothing_of_another_community(
    worlds: Worlds, service: str, path: str, params: dict[str, str]
) -> None:
    client = worlds.home.stack[service]
    query = {k: v.format(h=worlds.home) for k, v in params.items()}
    listed = await client.get(path, params={**query, "limit": 500}, headers=worlds.outsider)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    home, elsewhere = worlds.home.community, worlds.elsewhere.community
    owners = {item.get("community_id", item.get("id")) for item in items}
    assert home not in owners
    assert owners <= {elsewhere}, owners
    # The same query by the home community's own admin does find its data: the filter works.
    own = await client.get(
        path, params={**query, "limit": 500}, headers=worlds.home.headers("community_admin")
    )
    assert home in {item.get("community_id", item.get("id")) for item in own.json()["items"]}


async def test_writes_in_ones_own_community_cannot_reach_another(worlds: Worlds) -> None:
    """Naming another community's team or volunteer from one's own community is refused."""
    home, elsewhere, outsider = worlds.home, worlds.elsewhere, worlds.outsider
    joined = await home.registry.post(
        f"/teams/{elsewhere.team['id']}/members",
        json={"volunteer_id": home.member["id"]},
        headers=outsider,
    )
    assert joined.status_code == 422 and joined.json()["errors"][0]["loc"] == [
        "body",
        "volunteer_id",
    ]
    logged = await home.activities.post(
        "/activities",
        json=elsewhere.activity_body(
            participants=[{"volunteer_id": home.member["id"], "hours": 1}]
        ),
        headers=outsider,
    )
    assert logged.status_code == 422, logged.text
    assert logged.json()["errors"][0]["loc"] == ["body", "participants", 0, "volunteer_id"]
    assigned = await home.requests.post(
        f"/requests/{elsewhere.order['id']}/assign",
        json={"team_id": home.team["id"]},
        headers=outsider,
    )
    assert assigned.status_code == 422, assigned.text
    order = await read(home.requests, f"/requests/{elsewhere.order['id']}")
    assert order["team_id"] == elsewhere.team["id"]


async def test_stats_of_the_county_scope_hold_only_the_callers_communities(
    worlds: Worlds,
) -> None:
    home, outsider = worlds.home, worlds.outsider
    stats = home.stack["stats"]
    mine = {"scope": "community", "id": home.community}

    async def caught_up() -> None:
        board = await stats.get("/stats/leaderboard", params=mine, headers=ADMIN)
        assert home.member["id"] in {r["volunteer_id"] for r in board.json()}
        orders = await stats.get("/stats/open-requests", params=mine, headers=ADMIN)
        assert home.order["id"] in {r["request_id"] for r in orders.json()}

    await eventually(caught_up)
    board = await stats.get("/stats/leaderboard", params={"limit": 500}, headers=outsider)
    assert board.status_code == 200
    assert {r["community_id"] for r in board.json()} <= {worlds.elsewhere.community}
    orders = await stats.get("/stats/open-requests", params={"limit": 500}, headers=outsider)
    assert {r["community_id"] for r in orders.json()} <= {worlds.elsewhere.community}
    overview = await stats.get("/stats/overview", headers=outsider)
    assert overview.json()["communities"] == [worlds.elsewhere.community]
    areas = (await stats.get("/stats/areas", headers=outsider)).json()
    assert [c["id"] for c in areas["communities"]] == [worlds.elsewhere.community]
    assert home.branch not in areas["branches"] and areas["county"] is False
    report = await stats.get("/reports/summary", headers=outsider)
    assert report.status_code == 200 and home.community not in report.text
