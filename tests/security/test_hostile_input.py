"""Hostile input: SQL-looking text, markup, over-long strings, wrong types, bodies that are
not JSON, unknown fields and NUL characters. Text is stored and answered verbatim, markup
is escaped where a service writes HTML or Markdown, and bad input is a 422 problem naming
the field, never a 500."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from services.activities import models as activities_models
from shared.tables import outbox
from tests.api import next_phone
from tests.conftest import ADMIN, Stack, eventually
from tests.security.world import PROBLEM_JSON, World, build_world, known

DROP = "'; DROP TABLE volunteers; --"
ALWAYS = "' OR '1'='1"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
SCRIPT_ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"
IMG_ESCAPED = "&lt;img src=x onerror=alert(1)&gt;"


@pytest.fixture(scope="module")
async def world(stack: Stack) -> World:
    """A community named with a script, in a branch named with an image."""
    return await build_world(stack, name=SCRIPT, branch=f"{IMG} {uuid.uuid4().hex[:6]}")


async def count(stack: Stack, service: str, table: str) -> int:
    """Rows of a table, read directly: the table is still there, and how full it is."""
    async with stack.services[service].runtime.sessionmaker() as session:
        rows: int = await session.scalar(text(f"SELECT count(*) FROM {table}"))
        return rows


async def volunteer_names(world: World, **params: str) -> list[str]:
    listed = await world.registry.get(
        "/volunteers",
        params={"community_id": world.community, "limit": 500, **params},
        headers=ADMIN,
    )
    assert listed.status_code == 200, listed.text
    return [v["name"] for v in listed.json()["items"]]


def assert_problem(response: httpx.Response, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["type"].startswith("https://qise.dev/problems/")
    return body


def locs(response: httpx.Response) -> list[list[Any]]:
    return [e["loc"] for e in assert_problem(response)["errors"]]


# -- SQL-looking text ----------------------------------------------------------------------


@pytest.mark.parametrize("evil", [DROP, ALWAYS, "%", "_", "\\"], ids=repr)
async def test_sql_looking_names_are_stored_verbatim_and_change_nothing_else(
    world: World, evil: str
) -> None:
    stack = world.stack
    names_before = await volunteer_names(world)
    tables_before = {t: await count(stack, "registry", t) for t in ("volunteers", "teams")}
    created = await world.registry.post(
        "/volunteers",
        json={"community_id": world.community, "name": f"张{evil}", "phone": next_phone()},
        headers=ADMIN,
    )
    assert created.status_code == 201, created.text
    assert created.json()["name"] == f"张{evil}"
    got = await world.registry.get(f"/volunteers/{created.json()['id']}", headers=ADMIN)
    assert got.json()["name"] == f"张{evil}"
    team = await world.registry.post(
        "/teams",
        json={"community_id": world.community, "category": "red", "name": f"队{evil}"},
        headers=ADMIN,
    )
    assert team.status_code == 201 and team.json()["name"] == f"队{evil}", team.text
    # Exactly one more volunteer and one more team; the tables are all still there.
    assert sorted(await volunteer_names(world)) == sorted([*names_before, f"张{evil}"])
    assert await count(stack, "registry", "volunteers") == tables_before["volunteers"] + 1
    assert await count(stack, "registry", "teams") == tables_before["teams"] + 1
    # A search for the text finds that volunteer and no other: it is text, not a pattern.
    assert await volunteer_names(world, q=evil) == [f"张{evil}"]


async def test_sql_looking_searches_find_nothing_they_should_not(world: World) -> None:
    everyone = await volunteer_names(world)
    assert len(everyone) >= 3
    for evil in ("' OR 1=1 --", "%' OR '%'='", "%%", "__"):
        assert await volunteer_names(world, q=evil) == []


async def test_sql_looking_text_in_activities_and_orders_is_stored_verbatim(
    world: World,
) -> None:
    stack = world.stack
    activities_before = await count(stack, "activities", "activities")
    activity = await world.new_activity(title=DROP, location=ALWAYS)
    assert (activity["title"], activity["location"]) == (DROP, ALWAYS)
    got = await world.activities.get(f"/activities/{activity['id']}", headers=ADMIN)
    assert (got.json()["title"], got.json()["location"]) == (DROP, ALWAYS)
    assert await count(stack, "activities", "activities") == activities_before + 1

    orders_before = await count(stack, "requests", "service_requests")
    body = world.order_body(description="'; DROP TABLE service_requests; --")
    body["resident"] = {"name": ALWAYS, "phone": next_phone(), "address": DROP}
    created = await world.requests.post("/requests", json=body, headers=ADMIN)
    assert created.status_code == 201, created.text
    order = (await world.requests.get(f"/requests/{created.json()['id']}", headers=ADMIN)).json()
    assert order["description"] == "'; DROP TABLE service_requests; --"
    assert order["resident"]["name"] == ALWAYS and order["resident"]["address"] == DROP
    assert await count(stack, "requests", "service_requests") == orders_before + 1


async def test_sql_looking_ids_are_simply_not_found(world: World) -> None:
    for path in (f"/volunteers/{ALWAYS}", f"/teams/{DROP}", f"/communities/{ALWAYS}"):
        assert_problem(await world.registry.get(path, headers=ADMIN), 404)
    assert_problem(await world.activities.get(f"/activities/{ALWAYS}", headers=ADMIN), 404)
    assert_problem(await world.requests.get(f"/requests/{DROP}", headers=ADMIN), 404)
    listed = await world.registry.get("/teams", params={"community_id": ALWAYS}, headers=ADMIN)
    assert ["query", "community_id"] in locs(listed)


# -- markup ------------------------------------------------------------------------------


async def test_markup_in_names_is_answered_as_json_text_verbatim(world: World) -> None:
    volunteer = await world.volunteer(name=IMG)
    team = await world.registry.post(
        "/teams",
        json={"community_id": world.community, "category": "cyan", "name": SCRIPT},
        headers=ADMIN,
    )
    community = await world.registry.get(f"/communities/{world.community}", headers=ADMIN)
    for response, field, expected in (
        (await world.registry.get(f"/volunteers/{volunteer['id']}", headers=ADMIN), "name", IMG),
        (team, "name", SCRIPT),
        (community, "name", SCRIPT),
        (community, "branch", world.branch),
    ):
        assert response.status_code in (200, 201), response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()[field] == expected


async def test_the_report_escapes_markup_in_names(world: World) -> None:
    stats = world.stack["stats"]
    scopes = [
        ({"scope": "community", "id": world.community}, SCRIPT, SCRIPT_ESCAPED),
        ({"scope": "branch", "id": world.branch}, IMG, IMG_ESCAPED),
    ]

    async def known_to_stats() -> None:
        overview = await stats.get("/stats/overview", params=scopes[0][0], headers=ADMIN)
        assert overview.status_code == 200 and overview.json()["name"] == SCRIPT
        assert overview.json()["volunteers"] >= 3

    await eventually(known_to_stats)
    for params, raw, escaped in scopes:
        page = await stats.get(
            "/reports/summary", params={**params, "format": "html"}, headers=ADMIN
        )
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert escaped in page.text, page.text[:500]
        assert raw not in page.text and "<script>alert" not in page.text
        assert "<img src=x" not in page.text
        markdown = await stats.get(
            "/reports/summary", params={**params, "format": "markdown"}, headers=ADMIN
        )
        assert markdown.status_code == 200
        assert markdown.headers["content-type"].startswith("text/markdown")
        assert raw not in markdown.text
    markdown = await stats.get(
        "/reports/summary", params={**scopes[0][0], "format": "markdown"}, headers=ADMIN
    )
    assert markdown.text.startswith("# \\<script\\>alert\\(1\\)\\<\\/script\\>")


async def test_the_certificate_escapes_markup(world: World) -> None:
    registry = world.registry
    person = await world.volunteer(name=IMG)
    team = await registry.post(
        "/teams",
        json={"community_id": world.community, "category": "purple", "name": SCRIPT + "队"},
        headers=ADMIN,
    )
    assert team.status_code == 201, team.text
    await known(world.stack, "activities", activities_models.Team, uuid.UUID(team.json()["id"]))
    await known(world.stack, "activities", activities_models.Volunteer, uuid.UUID(person["id"]))
    activity = await world.new_activity(
        team_id=team.json()["id"],
        title=SCRIPT,
        participants=[{"volunteer_id": person["id"], "hours": 2}],
    )
    verified = await world.activities.post(f"/activities/{activity['id']}/verify", headers=ADMIN)
    assert verified.status_code == 200, verified.text
    path = f"/volunteer-hours/{person['id']}/certificate"
    params = {"person_in_charge": SCRIPT, "handler": IMG}
    # The preview (not issued yet) and the issued certificate print the same values.
    for issue in (False, True):
        if issue:
            issued = await world.activities.post(path, headers=ADMIN)
            assert issued.status_code == 201, issued.text
            assert issued.json()["lines"][0]["title"] == SCRIPT, "stored verbatim"
        page = await world.activities.get(path, params=params, headers=ADMIN)
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert ("（未编号，预览）" in page.text) is not issue
        assert "<script>alert" not in page.text and "<img src=x" not in page.text
        # The volunteer, the title, the team, the organisation, the signatories: all escaped.
        assert page.text.count(SCRIPT_ESCAPED) >= 4, page.text
        assert page.text.count(IMG_ESCAPED) >= 2, page.text
        pdf = await world.activities.get(path, params={**params, "format": "pdf"}, headers=ADMIN)
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


# -- over-long strings, wrong types, not JSON, unknown fields ----------------------------

Body = Callable[[World], dict[str, Any]]


def volunteer(world: World, **fields: Any) -> dict[str, Any]:
    return {"community_id": world.community, "name": "赵六", "phone": next_phone(), **fields}


def team(world: World, **fields: Any) -> dict[str, Any]:
    return {"community_id": world.community, "category": "red", "name": "红色队", **fields}


def order(world: World, **resident: Any) -> dict[str, Any]:
    body = world.order_body()
    body["resident"] = {**body["resident"], **resident}
    return body


@dataclass(frozen=True)
class BadWrite:
    service: str
    call: str  # "METHOD /url", the url formatted with w, the world
    body: Body
    loc: list[str | int]  # where the answer must say the fault is


def bad(service: str, call: str, body: Body, *loc: str | int) -> BadWrite:
    return BadWrite(service, call, body, ["body", *loc])


R, A, Q = "registry", "activities", "requests"

TOO_LONG: dict[str, BadWrite] = {
    "volunteer name": bad(R, "POST /volunteers", lambda w: volunteer(w, name="长" * 51), "name"),
    "volunteer skill": bad(
        R, "POST /volunteers", lambda w: volunteer(w, skills=["技" * 31]), "skills", 0
    ),
    "volunteer skills": bad(
        R, "POST /volunteers", lambda w: volunteer(w, skills=["a"] * 21), "skills"
    ),
    "volunteer phone": bad(R, "POST /volunteers", lambda w: volunteer(w, phone="1" * 31), "phone"),
    "team name": bad(R, "POST /teams", lambda w: team(w, name="队" * 101), "name"),
    "community id": bad(R, "POST /communities", lambda w: {"id": "a" * 41, "name": "x"}, "id"),
    "community name": bad(
        R, "POST /communities", lambda w: {"id": "toolong", "name": "社" * 101}, "name"
    ),
    "unit kind": bad(
        R,
        "POST /resident-units",
        lambda w: {"community_id": w.community, "name": "x", "kind": "k" * 41},
        "kind",
    ),
    "patched name": bad(
        R, "PATCH /volunteers/{w.member[id]}", lambda w: {"name": "长" * 51}, "name"
    ),
    "deactivation reason": bad(
        R, "POST /volunteers/{w.member[id]}/deactivate", lambda w: {"reason": "因" * 201}, "reason"
    ),
    "life event note": bad(
        R,
        "POST /volunteers/{w.party[id]}/life-events",
        lambda w: {"kind": "ill", "occurred_on": "2024-01-01", "note": "病" * 501},
        "note",
    ),
    "activity title": bad(
        A, "POST /activities", lambda w: w.activity_body(title="题" * 201), "title"
    ),
    "activity location": bad(
        A, "POST /activities", lambda w: w.activity_body(location="地" * 201), "location"
    ),
    "beneficiary group": bad(
        A,
        "POST /activities",
        lambda w: w.activity_body(beneficiaries={"g" * 41: 1}),
        "beneficiaries",
    ),
    "void reason": bad(
        A, "POST /activities/{w.activity[id]}/void", lambda w: {"reason": "因" * 501}, "reason"
    ),
    "order description": bad(
        Q, "POST /requests", lambda w: w.order_body(description="述" * 2001), "description"
    ),
    "resident name": bad(
        Q, "POST /requests", lambda w: order(w, name="名" * 51), "resident", "name"
    ),
    "resident address": bad(
        Q, "POST /requests", lambda w: order(w, address="址" * 201), "resident", "address"
    ),
    "cancel reason": bad(
        Q, "POST /requests/{w.order[id]}/cancel", lambda w: {"reason": "因" * 501}, "reason"
    ),
    "completion note": bad(
        Q, "POST /requests/{w.order[id]}/complete", lambda w: {"note": "记" * 2001}, "note"
    ),
    "rating comment": bad(
        Q,
        "POST /requests/{w.order[id]}/rate",
        lambda w: {"score": 5, "comment": "评" * 201},
        "comment",
    ),
    "care note": bad(
        Q, "POST /care-tasks/{w.care_task[id]}/complete", lambda w: {"note": "记" * 2001}, "note"
    ),
}

WRONG_TYPES: dict[str, BadWrite] = {
    "name a number": bad(R, "POST /volunteers", lambda w: volunteer(w, name=123), "name"),
    "phone a number": bad(
        R, "POST /volunteers", lambda w: volunteer(w, phone=13800000000), "phone"
    ),
    "party member maybe": bad(
        R, "POST /volunteers", lambda w: volunteer(w, is_party_member="maybe"), "is_party_member"
    ),
    "skills a string": bad(R, "POST /volunteers", lambda w: volunteer(w, skills="急救"), "skills"),
    "birth year a word": bad(
        R, "POST /volunteers", lambda w: volunteer(w, birth_year="old"), "birth_year"
    ),
    "community id null": bad(
        R, "POST /volunteers", lambda w: volunteer(w, community_id=None), "community_id"
    ),
    "team name a list": bad(R, "POST /teams", lambda w: team(w, name=["红"]), "name"),
    "people served a word": bad(
        A, "POST /activities", lambda w: w.activity_body(people_served="many"), "people_served"
    ),
    "participants an object": bad(
        A, "POST /activities", lambda w: w.activity_body(participants={}), "participants"
    ),
    "hours a word": bad(
        A,
        "POST /activities",
        lambda w: w.activity_body(participants=[{"volunteer_id": w.member["id"], "hours": "two"}]),
        "participants",
        0,
        "hours",
    ),
    "started_at without a time": bad(
        A, "POST /activities", lambda w: w.activity_body(started_at="2024-01-01"), "started_at"
    ),
    "paid perhaps": bad(Q, "POST /requests", lambda w: w.order_body(paid="perhaps"), "paid"),
    "resident a string": bad(
        Q, "POST /requests", lambda w: w.order_body(resident="赵大爷"), "resident"
    ),
    "urgency a number": bad(Q, "POST /requests", lambda w: w.order_body(urgency=5), "urgency"),
    "score a word": bad(
        Q, "POST /requests/{w.order[id]}/rate", lambda w: {"score": "five"}, "score"
    ),
    "team id not a uuid": bad(
        Q, "POST /requests/{w.order[id]}/assign", lambda w: {"team_id": DROP}, "team_id"
    ),
}

UNKNOWN_FIELDS: dict[str, BadWrite] = {
    "volunteer role": bad(
        R, "POST /volunteers", lambda w: volunteer(w, role="county_admin"), "role"
    ),
    "volunteer active": bad(
        R, "PATCH /volunteers/{w.member[id]}", lambda w: {"active": False}, "active"
    ),
    "team status": bad(R, "POST /teams", lambda w: team(w, status="inactive"), "status"),
    "community admin": bad(
        R,
        "POST /communities",
        lambda w: {"id": "unknownfield", "name": "x", "admin": True},
        "admin",
    ),
    "activity status": bad(
        A, "POST /activities", lambda w: w.activity_body(status="verified"), "status"
    ),
    "participant certified": bad(
        A,
        "POST /activities",
        lambda w: w.activity_body(
            participants=[{"volunteer_id": w.member["id"], "hours": 1, "certified": True}]
        ),
        "participants",
        0,
        "certified",
    ),
    "order status": bad(Q, "POST /requests", lambda w: w.order_body(status="completed"), "status"),
    "resident id card": bad(
        Q, "POST /requests", lambda w: order(w, id_card="110101199001011234"), "resident", "id_card"
    ),
    "rating by": bad(
        Q, "POST /requests/{w.order[id]}/rate", lambda w: {"score": 5, "by": "x"}, "by"
    ),
}

OUT_OF_RANGE: dict[str, BadWrite] = {
    "an activity in year 1": bad(
        A,
        "POST /activities",
        lambda w: w.activity_body(
            started_at="0001-01-01T00:00:00+08:00", ended_at="0001-01-01T02:00:00+08:00"
        ),
        "started_at",
    ),
}

KINDS = {
    "too long": TOO_LONG,
    "wrong type": WRONG_TYPES,
    "out of range": OUT_OF_RANGE,
    "unknown field": UNKNOWN_FIELDS,
}


def bad_write_cases() -> list[Any]:
    return [
        pytest.param(case, id=f"{kind}: {name}")
        for kind, table in KINDS.items()
        for name, case in table.items()
    ]


@pytest.mark.parametrize("case", bad_write_cases())
async def test_bad_input_is_422_naming_the_field(world: World, case: BadWrite) -> None:
    method, url = case.call.split(" ", 1)
    events_before = await events_recorded(world)
    response = await world.stack[case.service].request(
        method, url.format(w=world), json=case.body(world), headers=ADMIN
    )
    found = locs(response)
    assert case.loc in [entry[: len(case.loc)] for entry in found], found
    assert await events_recorded(world) == events_before, "nothing was written"


async def events_recorded(world: World) -> int:
    """The events of the world's community in the three logs: each write records some."""
    total = 0
    for service in ("registry", "activities", "requests"):
        async with world.stack.services[service].runtime.sessionmaker() as session:
            total += (
                await session.scalar(
                    select(func.count()).select_from(outbox).where(outbox.c.key == world.community)
                )
                or 0
            )
    return total


@pytest.mark.parametrize(
    ("service", "url", "params", "loc"),
    [
        ("registry", "/volunteers", {"q": "查" * 51}, ["query", "q"]),
        ("registry", "/volunteers", {"limit": "10000"}, ["query", "limit"]),
        ("registry", "/volunteers", {"is_party_member": "perhaps"}, ["query", "is_party_member"]),
        ("activities", "/activities", {"from": "2024-13-01"}, ["query", "from"]),
        ("activities", "/activities", {"to": "9999-12-31"}, ["query", "to"]),
        ("activities", "/activities", {"from": "0001-01-01"}, ["query", "from"]),
        ("requests", "/requests", {"status": DROP}, ["query", "status"]),
        ("stats", "/stats/overview", {"scope": "community", "id": "i" * 101}, ["query", "id"]),
        ("stats", "/stats/overview", {"to": "9999-12-31"}, ["query", "to"]),
        ("stats", "/stats/timeseries", {"from": "0001-01-01"}, ["query", "from"]),
        ("stats", "/reports/summary", {"from": "0001-01-01"}, ["query", "from"]),
    ],
    ids=lambda value: str(value)[:30] if isinstance(value, dict) else None,
)
async def test_bad_queries_are_422_naming_the_parameter(
    world: World, service: str, url: str, params: dict[str, str], loc: list[str]
) -> None:
    response = await world.stack[service].get(url, params=params, headers=ADMIN)
    assert loc in locs(response)


async def test_certificate_query_text_is_limited(world: World) -> None:
    response = await world.activities.get(
        f"/volunteer-hours/{world.member['id']}/certificate",
        params={"person_in_charge": "长" * 201, "to": "9999-12-31"},
        headers=ADMIN,
    )
    assert ["query", "person_in_charge"] in locs(response)
    for method in ("GET", "POST"):
        dated = await world.activities.request(
            method,
            f"/volunteer-hours/{world.member['id']}/certificate",
            params={"to": "9999-12-31"},
            headers=ADMIN,
        )
        assert ["query", "to"] in locs(dated), method


NOT_JSON = {
    "plain text": (b"not json", "application/json"),
    "truncated JSON": (b'{"name": "', "application/json"),
    "a JSON list": (b"[1, 2]", "application/json"),
    "a JSON string": (b'"hello"', "application/json"),
    "bytes not UTF-8": (b"\xff\xfe\x00{", "application/json"),
    "a form": (b"name=x&phone=1", "application/x-www-form-urlencoded"),
    "XML": (b"<volunteer><name>x</name></volunteer>", "application/xml"),
    "no content type": (b"not json", ""),
}
JSON_POSTS = {"registry": "/volunteers", "activities": "/activities", "requests": "/requests"}


@pytest.mark.parametrize("service", list(JSON_POSTS))
@pytest.mark.parametrize("kind", list(NOT_JSON))
async def test_a_body_that_is_not_a_json_object_is_422(
    world: World, service: str, kind: str
) -> None:
    content, content_type = NOT_JSON[kind]
    headers = {**ADMIN, **({"Content-Type": content_type} if content_type else {})}
    response = await world.stack[service].post(
        JSON_POSTS[service], content=content, headers=headers
    )
    problem = assert_problem(response)
    assert problem["errors"] and all(e["loc"][0] == "body" for e in problem["errors"])


async def test_a_deeply_nested_json_body_is_refused_without_a_500(world: World) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    response = await world.registry.post(
        "/volunteers", content=deep, headers={**ADMIN, "Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.text
    assert response.headers["content-type"] == PROBLEM_JSON


# -- NUL characters, which PostgreSQL cannot store -----------------------------------------


async def test_a_nul_character_is_422_not_500(world: World) -> None:
    names_before = await volunteer_names(world)
    created = await world.registry.post(
        "/volunteers", json=volunteer(world, name="王\u0000芳"), headers=ADMIN
    )
    assert ["body"] in locs(created)
    searched = await world.registry.get(
        "/volunteers", params={"community_id": world.community, "q": "王\u0000"}, headers=ADMIN
    )
    assert ["query", "q"] in locs(searched)
    community = await world.registry.get("/communities/a%00b", headers=ADMIN)
    assert ["path"] in locs(community)
    described = await world.requests.post(
        "/requests", json=world.order_body(description="上门\u0000理发"), headers=ADMIN
    )
    assert ["body"] in locs(described)
    assert await volunteer_names(world) == names_before


async def test_a_csv_row_with_a_nul_character_is_reported_by_line(world: World) -> None:
    good, bad = next_phone(), next_phone()
    csv = f"name,phone\n{DROP},{good}\n坏\u0000行,{bad}\n".encode()
    response = await world.registry.post(
        "/volunteers/import",
        params={"community_id": world.community},
        files={"file": ("v.csv", csv, "text/csv")},
        headers=ADMIN,
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["created"] == 1 and [e["row"] for e in result["errors"]] == [3]
    assert DROP in await volunteer_names(world, q=DROP)
