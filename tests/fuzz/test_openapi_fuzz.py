"""Schemathesis against each service's own OpenAPI: no input may cause a 5xx.

How it runs
-----------
The services' lifespans (database engine, Kafka producer and consumers) live on
pytest-asyncio's session event loop. Schemathesis' ASGI transport drives an app
on an event loop of its own in another thread and starts a second lifespan
there; the running app's asyncpg pool cannot be used from that loop. So each
app is served over real HTTP instead: a uvicorn server (lifespan off: the app
is already started) runs as a task on the session loop, and Schemathesis, which
is synchronous, sends its requests from a worker thread (`asyncio.to_thread`)
while the loop goes on serving them.

The fuzzed services are this module's own (`fuzz_stack`): their own databases,
consumer groups and, when the tests run the embedded broker, their own broker;
the anonymous rate limit is off so that the no-token pass never meets a 429.
Nothing the fuzzer writes (random communities and categories, a changed routing
table, rebuilt projections) reaches the system the other tests share. A little
real data (a community, a team, a party member, an activity, an order, a care
task) is created first, and generated values (ids, phone numbers, times) are
often swapped for valid ones, so that requests also get past "not found" and
reach the code that writes.

What it checks
--------------
Every check schemathesis has (`--checks all`), in positive and negative modes, with a
county_admin token: no 5xx, every status and content type documented, answers match
their schemas, schema-valid requests accepted and schema-invalid ones refused; and every
error answer is `application/problem+json`, and (positive mode) the token is accepted.
Negative cases are sent as generated (no valid value swapped in, and no token when it is
the Authorization header that was broken). The exceptions, each with its reason, are
`SERVER_RULES` (422s for rules JSON Schema cannot say) and `schema_invalid_refused`.
Without a token, every operation but the public ones answers 401 (problem+json), and the
public ones are exactly the expected few.

Bounded for CI: at most `QISE_FUZZ_EXAMPLES` examples per operation and mode
(default 15; one for an operation without input), seeded with `QISE_FUZZ_SEED`
(default fixed) and without Hypothesis' example database, so a run is
reproducible. To look further locally:
`QISE_FUZZ_EXAMPLES=100 QISE_FUZZ_SEED=7 .venv/bin/pytest tests/fuzz -p no:cacheprovider -s`
(`-s` also prints the answers each operation gave).
"""

from __future__ import annotations

import asyncio
import os
import socket
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import hypothesis
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import Case, CheckContext, CheckFunction, GenerationMode, Response
from schemathesis.checks import CHECKS, is_check_class, load_all_checks
from schemathesis.core.failures import AcceptedNegativeData
from schemathesis.core.parameters import ParameterLocation
from schemathesis.core.result import Err
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from services import SERVICE_NAMES
from shared.broker import free_port, start_embedded_broker, stop_process
from shared.errors import PROBLEM_JSON
from tests.conftest import ADMIN, RunningService, Stack, eventually, token
from tests.dates import county_today
from tests.infra import Broker, new_databases

pytestmark = [
    pytest.mark.fuzz,
    # Raised from inside schemathesis' own strategies, not from this module.
    pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisDeprecationWarning"),
]

SEED = int(os.environ.get("QISE_FUZZ_SEED", "20261120"))
MAX_EXAMPLES = int(os.environ.get("QISE_FUZZ_EXAMPLES", "15"))
ANONYMOUS_EXAMPLES = 3
COMMUNITY = "fuzzville"

# What anyone may call: the probes of the contract, the AsyncAPI document, the dashboard.
_OPEN = {"GET /healthz", "GET /readyz", "GET /metrics", "GET /asyncapi.json"}
PUBLIC = {
    "registry": _OPEN,
    "activities": _OPEN | {"GET /certificates/{number}"},
    "requests": _OPEN,
    "stats": _OPEN | {"GET /", "GET /public/{community_id}", "GET /public/branches/{branch}"},
}
# `/readyz` answers 503 by design while Kafka is away; it takes no input anyway.
NOT_FUZZED = {"GET /readyz"}

Known = Mapping[str, st.SearchStrategy[Any]]


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: Ctrl-C stays pytest's."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@dataclass
class Target:
    name: str
    service: RunningService
    base_url: str


@dataclass
class FuzzStack:
    targets: dict[str, Target]
    known: dict[str, Known]  # per service: valid values for fields of these names


# -- the fuzzed services ----------------------------------------------------------------


async def _serve(service: RunningService) -> tuple[_Server, asyncio.Task[None], str]:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = int(listener.getsockname()[1])
    config = uvicorn.Config(
        service.manager.app, lifespan="off", log_level="warning", access_log=False
    )
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[listener]), name=f"fuzz-{service.name}")
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    return server, task, f"http://127.0.0.1:{port}"


async def _post(service: RunningService, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await service.client.post(path, json=body, headers=ADMIN)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _one_of(*values: Any) -> st.SearchStrategy[Any]:
    return st.sampled_from(values)


async def _seed(services: Mapping[str, RunningService]) -> dict[str, Known]:
    """A little real data, and per service the valid values to swap in for generated ones."""
    registry, activities, requests = (services[n] for n in ("registry", "activities", "requests"))
    await _post(registry, "/communities", {"id": COMMUNITY, "name": "模糊社区", "branch": "测试"})
    team = await _post(
        registry, "/teams", {"community_id": COMMUNITY, "category": "orange", "name": "橙色队"}
    )
    member = {"phone": "13812345678", "is_party_member": True, "party_joined_on": "1990-07-01"}
    volunteer = await _post(
        registry, "/volunteers", {"community_id": COMMUNITY, "name": "王芳", **member}
    )
    await _post(registry, f"/teams/{team['id']}/members", {"volunteer_id": volunteer["id"]})
    yesterday = county_today() - timedelta(days=1)
    await _post(
        registry,
        f"/volunteers/{volunteer['id']}/life-events",
        {"kind": "hospitalized", "occurred_on": yesterday.isoformat()},
    )
    end = datetime.now(UTC).replace(microsecond=0) - timedelta(days=1)
    started_at, ended_at = (end - timedelta(hours=3)).isoformat(), end.isoformat()
    activity_body = {
        "community_id": COMMUNITY,
        "team_id": team["id"],
        "kind": "free_clinic",
        "title": "义诊",
        "started_at": started_at,
        "ended_at": ended_at,
        "participants": [{"volunteer_id": volunteer["id"], "hours": 3}],
        "people_served": 10,
    }

    async def log_activity() -> dict[str, Any]:
        # 422 not-yet-known until the team and volunteer reach activities through Kafka.
        response = await activities.client.post("/activities", json=activity_body, headers=ADMIN)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    activity = await eventually(log_activity)

    async def care_task() -> str:
        # The life event's task also tells that requests knows the team, to route the order.
        response = await requests.client.get(
            "/care-tasks", params={"community_id": COMMUNITY}, headers=ADMIN
        )
        items = response.json()["items"]
        assert items, response.text
        task: str = items[0]["id"]
        return task

    task = await eventually(care_task)
    resident = {"name": "赵大爷", "phone": "13512345678"}
    order = await _post(
        requests,
        "/requests",
        {
            "community_id": COMMUNITY,
            "service_kind": "elderly_care",
            "description": "上门理发",
            "resident": resident,
            "channel": "walk_in",
            "mode": "door_to_door",
            "paid": False,
        },
    )
    recipient = await _post(
        requests,
        "/care-recipients",
        {
            "community_id": COMMUNITY,
            "name": "孙奶奶",
            "phone": "13698765432",
            "kind": "elderly_alone",
            "consent": True,
            "consent_on": "2000-01-01",
            "under_care_since": "2000-01-01",
            "plan_days": 7,
            "team_id": team["id"],
        },
    )
    # A hall open all day every day, booked once: its id and the booking's reach the
    # resource routes; a fuzzed time that fits and does not overlap is booked (201).
    all_day = [{"weekday": d, "from": "00:00", "to": "23:59"} for d in range(1, 8)]
    hall = await _post(
        activities,
        "/resources",
        {"community_id": COMMUNITY, "kind": "hall", "name": "活动室", "availability": all_day},
    )
    booking = await _post(
        activities,
        f"/resources/{hall['id']}/bookings",
        {
            "community_id": COMMUNITY,
            "starts_at": "2031-01-06T09:00:00+08:00",
            "ends_at": "2031-01-06T10:00:00+08:00",
            "purpose": "排练",
        },
    )
    common: dict[str, st.SearchStrategy[Any]] = {
        "community_id": st.just(COMMUNITY),
        "team_id": st.just(team["id"]),
        "volunteer_id": st.just(volunteer["id"]),
        "phone": st.from_regex(r"\A1[3-9][0-9]{9}\Z"),
    }
    # A CSV of the contract's columns with fuzzed names: the import's own path to the database.
    csv_files = st.text(max_size=40).map(lambda name: f"name,phone\n{name},13900001111\n".encode())
    return {
        "registry": {
            **common,
            "category": _one_of("orange", "red"),
            "file": csv_files,
            "leader_volunteer_id": st.just(volunteer["id"]),
        },
        "activities": {
            **common,
            "kind": _one_of("free_clinic", "care_visit"),
            "activity_id": st.just(activity["id"]),
            "started_at": st.just(started_at),
            "ended_at": st.just(ended_at),
            "hours": _one_of(0.5, 3),
            # One participant (a list of several would name the one volunteer twice), and
            # no beneficiary groups to outnumber people_served.
            "participants": st.builds(
                lambda hours: [{"volunteer_id": volunteer["id"], "hours": hours}],
                st.floats(min_value=0.1, max_value=3),
            ),
            "beneficiaries": st.just({}),
            "request_id": st.just(order["id"]),
            "resource_id": st.just(hall["id"]),
            "booking_id": st.just(booking["id"]),
        },
        "requests": {
            **common,
            "service_kind": _one_of("elderly_care", "health_consultation"),
            "request_id": st.just(order["id"]),
            "activity_id": st.just(activity["id"]),
            "task_id": st.just(task),
            "recipient_id": st.just(recipient["id"]),
        },
        "stats": {**common, "id": _one_of(COMMUNITY, "测试"), "branch": _one_of("测试")},
    }


@pytest.fixture(scope="module")
async def fuzz_stack(postgres: str, broker: Broker) -> AsyncIterator[FuzzStack]:
    own_broker: Broker | None = None
    if broker.process is not None:
        # The embedded broker starts in a blink: a private one keeps fuzzed events away
        # from the shared services. An external broker is shared (consumer groups are not).
        port = free_port()
        process = await asyncio.to_thread(start_embedded_broker, port)
        own_broker = Broker(f"127.0.0.1:{port}", process)
    stack = Stack(new_databases(postgres), own_broker or broker)
    servers: list[tuple[_Server, asyncio.Task[None]]] = []
    try:
        for name in SERVICE_NAMES:
            stack.services[name] = await stack.start(
                name,
                await stack.database(name),
                consumer_group=f"qise-{name}-{stack.databases.prefix}",
                anonymous_per_minute=0,
                **({"public_per_minute": 0} if name == "stats" else {}),
                **({"certificate_checks_per_minute": 0} if name == "activities" else {}),
            )
        known = await _seed(stack.services)
        targets: dict[str, Target] = {}
        for name, service in stack.services.items():
            server, task, base_url = await _serve(service)
            servers.append((server, task))
            targets[name] = Target(name, service, base_url)
        yield FuzzStack(targets, known)
    finally:
        for server, _ in servers:
            server.should_exit = True
        for _, task in servers:
            with suppress(Exception):
                await task
        for service in stack.services.values():
            await service.stop()
        await stack.databases.drop_all()
        if own_broker is not None and own_broker.process is not None:
            await asyncio.to_thread(stop_process, own_broker.process)


# -- checks -----------------------------------------------------------------------------


def problem_json_errors(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """Every error answer is RFC 9457 problem+json, as the contract says."""
    if response.status_code >= 400:
        media_type = response.headers.get("content-type", [""])[0].split(";")[0].strip()
        assert media_type == PROBLEM_JSON, (
            f"{response.status_code} answered as {media_type!r}, not {PROBLEM_JSON}"
        )
    return None


def authorized(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """The token is accepted: else the pass would see nothing but 401s and prove nothing.

    Positive mode only: negative cases may leave the Authorization header out on purpose.
    """
    assert response.status_code != 401, "a county_admin token was refused"
    return None


# Schema-valid requests a service refuses with 422 by a rule the schema cannot say. Each is
# (what the problem+json answer says, why JSON Schema cannot express it); schemathesis'
# "positive data acceptance" check lets a 422 through only when every error it names
# matches one of these.
SERVER_RULES: tuple[tuple[str, str], ...] = (
    # State: whether a referenced entity exists, is active, or is known yet is a fact of
    # the database, not of the request (communities, teams, routed service kinds).
    ("does not exist", "a referenced community, team or volunteer is not in the database"),
    ("is inactive", "the referenced team was deactivated: a state, not a shape"),
    ("not known", "the referenced entity has not reached this service's replica yet"),
    ("party members only", "life events only for a party member: a fact of the volunteer"),
    ("unknown service_kind", "service kinds are a table county admins edit, not an enum"),
    ("unknown kind", "activity kinds are a table county admins edit, not an enum"),
    ("unknown category", "categories are a table county admins edit, not an enum"),
    ("is not a team of", "the team must be of the community named: a fact of the team"),
    ("is not a unit of", "a resident unit of the community (or its branch): a fact of the unit"),
    ("not a volunteer of", "the volunteer must be of the community named: a fact of them"),
    ("is deactivated", "the referenced volunteer was deactivated: a state, not a shape"),
    ("a correction stays in", "a correction keeps the stored activity's community"),
    ("would be invalid after this change", "a PATCH is checked merged with the stored record"),
    ("does not belong", "team and participants must be of the activity's community (data)"),
    ("no activity", "a booking's activity must be of the booking community: a fact of it"),
    ("the activity is voided", "a booking's activity must still count: a state, not a shape"),
    ("opening hours", "a booking lies inside the resource's opening hours: a fact of it"),
    # Time: JSON Schema compares no date or date-time with today or with another field.
    ("in the future", "a date later than today (occurred_on, party_joined_on, birth_year)"),
    ("before 1900", "`format: date-time` has no minimum; a year-1 time cannot be stored"),
    ("is not between 1900-01-01", "`format: date` has no minimum or maximum (from/to)"),
    ("ended_at", "ended_at > started_at: one field against another"),
    ("ends_on is before starts_on", "an agreement's ends_on >= starts_on: cross-field"),
    ("a booking ends after it starts", "ends_at > starts_at: one field against another"),
    ("a window closes after it opens", "an opening window's to > from: cross-field"),
    ("an activity last", "an activity's length is bounded: ended_at against started_at"),
    ("hours", "hours no more than the activity's length: one field against two others"),
    ("more than the activity lasted", "the same rule, as each participant's field error says"),
    ("turned 18", "party_joined_on at least 18 years after birth_year: cross-field"),
    ("only for party members", "party_joined_on only when is_party_member: cross-field"),
    ("price is only for paid", "price only when paid is true: cross-field"),
    ("needs an id", "scope=branch|community needs id: one query parameter on another"),
    ("from is after to", "from <= to: one query parameter against another"),
    # Cursors are opaque: a last id, or with `sort` its name, key and id in base64; which
    # strings the API gave out (and for which sort) is a fact of the data, not a shape.
    ("cursor is not one this API gave out", "a cursor is what a page answered, for its sort"),
    ("at most ten years", "a time series spans ten years at most: from against to (or today)"),
    ("beneficiar", "beneficiary groups no more than people_served: cross-field"),
    ("twice", "a volunteer listed once among the participants: uniqueness of a field"),
    ("must be an orange team", "a person's responsible team is of the care color: a team fact"),
    ("before consent was given", "care begins on or after consent_on: cross-field"),
    ("before care began", "a visit on or after the day care began: a fact of the person"),
    # Phones: the pattern would change `resident.phone` of the consumed county event v1.
    ("a phone number is 5 to 15 digits", "normalize_phone; a pattern would alter event v1"),
    # Blank text: names, titles and reasons are trimmed before their length is checked, so
    # "   " is refused; a `\S` pattern would say it, but would also change the consumed
    # county event v1 (its resident name and description are such fields).
    ("String should have at least 1 character", "text is trimmed, then must not be empty"),
    # Files: the schema says only `format: binary`; what a CSV must hold is the server's to say.
    ("the file is not UTF-8", "an uploaded CSV is read as UTF-8: its bytes, not its schema"),
    ("the header row lacks", "an uploaded CSV needs name and phone columns: its content"),
    ("unknown column", "an uploaded CSV may name only the import's columns: its content"),
    ("not a readable CSV", "an uploaded file must parse as CSV: its content"),
    # Storage: PostgreSQL text holds no NUL character, which JSON strings may carry.
    ("cannot be stored", "PostgreSQL refuses NUL characters in text (SQLSTATE 22)"),
)


def _server_rule(response: Response) -> bool:
    """Whether a 422 names only rules of SERVER_RULES."""
    if response.status_code != 422:
        return False
    body = response.json()

    def ruled(text: str) -> bool:
        return any(rule in text for rule, _ in SERVER_RULES)

    # The detail names a domain rule; or else each field error does (pydantic validators).
    messages = [str(e.get("msg", "")) for e in body.get("errors") or []]
    return ruled(str(body["detail"])) or (bool(messages) and all(map(ruled, messages)))


def schema_valid_accepted(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """schemathesis' `positive_data_acceptance`, but for the server rules listed above."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _server_rule(response):
            return None
        raise


def schema_invalid_refused(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    """schemathesis' `negative_data_rejection`, but for the cases its negative mode could not
    make invalid (a multipart body of a binary file has nothing to break: schemathesis itself
    labels them "positive test case")."""
    components = case.meta.components.values() if case.meta else ()
    if components and all(c.mode is GenerationMode.POSITIVE for c in components):
        return None
    try:
        return negative_data_rejection(ctx, response, case)
    except AcceptedNegativeData as failure:
        if "positive test case" in str(failure.message):
            return None
        raise


def _all_checks_but_data_checks() -> list[CheckFunction]:
    data_checks = (positive_data_acceptance, negative_data_rejection)
    return [c for c in _all_checks() if c not in data_checks]


def answers_401(ctx: CheckContext, response: Response, case: Case) -> bool | None:
    assert response.status_code == 401, f"without a token: {response.status_code}, not 401"
    return None


# -- running ----------------------------------------------------------------------------


def _label(operation: schemathesis.APIOperation) -> str:
    return f"{operation.method.upper()} {operation.path}"


def _operations(service: RunningService) -> Iterator[schemathesis.APIOperation]:
    """The operations of the service's own OpenAPI (what `/openapi.json` serves)."""
    schema = schemathesis.openapi.from_dict(service.app.openapi())
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        yield result.ok()


def _takes_input(operation: schemathesis.APIOperation) -> bool:
    raw = operation.definition.raw
    return bool(raw.get("parameters") or raw.get("requestBody"))


def _with_known_values(known: Known) -> Callable[[Case], st.SearchStrategy[Case]]:
    """Often swap a generated value for a valid one: path and query parameters, and body
    fields at any depth (`resident.phone`, `participants[].volunteer_id`)."""

    def slots_of(value: Any) -> Iterator[tuple[dict[str, Any], str]]:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in known:
                    yield value, key
                yield from slots_of(item)
        elif isinstance(value, list):
            for item in value:
                yield from slots_of(item)

    def swap(case: Case) -> st.SearchStrategy[Case]:
        slots = [
            slot
            for container in (case.path_parameters, case.query, case.body)
            for slot in slots_of(container)
        ]
        if not slots:
            return st.just(case)

        def apply(choices: tuple[tuple[bool, Any], ...]) -> Case:
            for (container, key), (keep, value) in zip(slots, choices, strict=True):
                if not keep:
                    container[key] = value
            return case

        # Three times in four the valid value: a body needs all of its references right.
        keep = st.sampled_from((False, False, False, True))  # the simplest draw swaps
        draws = [st.tuples(keep, known[key]) for _, key in slots]
        return st.tuples(*draws).map(apply)

    return swap


def _all_checks() -> list[CheckFunction]:
    """Every check schemathesis has (`--checks all`)."""
    load_all_checks()
    return [check for check in CHECKS.get_all() if not is_check_class(check)]


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)
    failed_checks: int = 0
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)  # (operation, status)

    @property
    def operations(self) -> set[str]:
        return {label for label, _ in self.statuses}

    def check_passed(self, service: str) -> None:
        """No check failed, and more than five of the service's operations were called."""
        print(f"{service}: {self.failed_checks} failed checks")
        assert not self.failures, "\n\n".join(self.failures)
        assert len(self.operations) > 5

    def summary(self) -> str:
        codes: dict[str, list[str]] = {}
        for (label, status), count in sorted(self.statuses.items()):
            codes.setdefault(label, []).append(f"{status}x{count}")
        return "\n".join(f"  {label}: {' '.join(c)}" for label, c in codes.items())


def _fuzz(
    target: Target,
    *,
    headers: dict[str, str] | None,
    checks: Mapping[GenerationMode, Sequence[CheckFunction]],
    max_examples: int,
    known: Known,
    include: Callable[[str], bool],
) -> Report:
    """Fuzz each operation of a service that `include` admits, in each mode `checks` names."""
    report = Report()
    for operation in _operations(target.service):
        if not include(_label(operation)):
            continue
        examples = max_examples if _takes_input(operation) else 1
        for mode, mode_checks in checks.items():
            strategy = operation.as_strategy(generation_mode=mode)
            if mode is GenerationMode.POSITIVE:
                # Not in negative mode: a valid value swapped in could mend the invalid one.
                strategy = strategy.flatmap(_with_known_values(known))
            try:
                _run(strategy, examples, report, target, headers, mode_checks)
            except hypothesis.errors.Unsatisfiable:
                continue  # nothing to make invalid in this operation
            except (Exception, BaseExceptionGroup) as error:  # schemathesis' FailureGroup
                detail = "".join(traceback.format_exception_only(error)).strip()
                report.failed_checks += len(getattr(error, "exceptions", (error,)))
                report.failures.append(f"{target.name} {_label(operation)} [{mode}]:\n{detail}")
    print(f"{target.name}: answers per operation\n{report.summary()}")
    return report


def _run(
    strategy: st.SearchStrategy[Case],
    max_examples: int,
    report: Report,
    target: Target,
    headers: dict[str, str] | None,
    checks: Sequence[CheckFunction],
) -> None:
    """One operation in one mode: Hypothesis draws the cases, seeded, bounded, no example DB."""

    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )
    @hypothesis.given(case=strategy)
    def run(case: Case) -> None:
        sent = headers
        header = case.meta.components.get(ParameterLocation.HEADER) if case.meta else None
        if header is not None and header.mode is GenerationMode.NEGATIVE:
            sent = None  # the case is about its (broken or missing) Authorization header
        response = case.call(base_url=target.base_url, headers=sent, timeout=30)
        report.statuses[_label(case.operation), response.status_code] += 1
        case.validate_response(
            response,
            checks=list(checks),
            headers=sent,
            transport_kwargs={"base_url": target.base_url, "timeout": 30},
        )

    run()


# -- the tests --------------------------------------------------------------------------


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_no_input_causes_a_server_error(fuzz_stack: FuzzStack, name: str) -> None:
    target = fuzz_stack.targets[name]
    errors: list[CheckFunction] = [
        *_all_checks_but_data_checks(),
        schema_valid_accepted,
        schema_invalid_refused,
        problem_json_errors,
    ]
    report = await asyncio.to_thread(
        _fuzz,
        target,
        headers={"Authorization": f"Bearer {token()}"},
        checks={
            GenerationMode.POSITIVE: [*errors, authorized],
            GenerationMode.NEGATIVE: errors,
        },
        max_examples=MAX_EXAMPLES,
        known=fuzz_stack.known[name],
        include=lambda label: label not in NOT_FUZZED,
    )
    report.check_passed(name)
    # The token works and the seeded data is reached: writes succeed, not only reads.
    created = [label for label, status in report.statuses if status == 201]
    assert created or name == "stats", report.summary()


@pytest.mark.parametrize("name", SERVICE_NAMES)
async def test_every_route_but_the_public_ones_needs_a_token(
    fuzz_stack: FuzzStack, name: str
) -> None:
    target = fuzz_stack.targets[name]
    public = {
        _label(operation)
        for operation in _operations(target.service)
        if not operation.definition.raw.get("security")
    }
    assert public == PUBLIC[name]
    report = await asyncio.to_thread(
        _fuzz,
        target,
        headers=None,
        checks={GenerationMode.POSITIVE: [*_all_checks(), answers_401, problem_json_errors]},
        max_examples=ANONYMOUS_EXAMPLES,
        known=fuzz_stack.known[name],
        include=lambda label: label not in public,
    )
    report.check_passed(name)
