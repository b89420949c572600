"""The shared mechanisms' rules, without a database or a broker."""

from __future__ import annotations

import re
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from types import SimpleNamespace

import httpx
import jwt
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from services.registry import events as registry_events
from shared.auth import decode_token, issue_token
from shared.consumer import PoisonMessage, parse_message
from shared.db import utcnow
from shared.errors import Unauthorized
from shared.events import CloudEvent, EventCatalog, UnknownEventType, new_event
from shared.ids import new_id
from shared.phones import mask_phone, normalize_phone
from shared.service import RequestTimer
from shared.settings import ServiceSettings
from shared.state import NOT_A_COLUMN, RowState

SETTINGS = ServiceSettings(jwt_secret="unit-test-secret-unit-test-secret-000")


def test_ids_are_uuid7_in_creation_order() -> None:
    first = new_id()
    time.sleep(0.002)
    second = new_id()
    assert first.version == 7 and second.version == 7
    assert first.variant == uuid.RFC_4122
    assert first < second
    assert str(first) < str(second)


@pytest.mark.parametrize(
    ("raw", "stored", "shown"),
    [
        ("138 1234 5678", "13812345678", "138****5678"),
        ("0357-5221234", "03575221234", "035****1234"),
        ("+8613812345678", "+8613812345678", "+86****5678"),
    ],
)
def test_phones_are_stored_whole_and_shown_masked(raw: str, stored: str, shown: str) -> None:
    assert normalize_phone(raw) == stored
    assert mask_phone(stored) == shown


def test_a_phone_needs_digits() -> None:
    with pytest.raises(ValueError):
        normalize_phone("call me")


def test_envelope_is_cloudevents_with_community() -> None:
    data = registry_events.CommunityCreated(community_id="longquan", name="龙泉社区")
    envelope = new_event(data, source="/qise/registry", community="longquan", subject="longquan")
    document = envelope.model_dump(mode="json")
    assert document["specversion"] == "1.0"
    assert document["type"] == "qise.community.created.v1"
    assert document["datacontenttype"] == "application/json"
    assert document["community"] == "longquan"
    assert document["data"]["name"] == "龙泉社区"
    assert uuid.UUID(document["id"])
    assert CloudEvent.from_json(envelope.to_json()) == envelope


def community_a1_created() -> CloudEvent:
    """The registry's event: community a1, named A, was created."""
    return new_event(
        registry_events.CommunityCreated(community_id="a1", name="A"),
        source="/qise/registry",
        community="a1",
        subject="a1",
    )


def test_catalog_validates_data_and_knows_its_types() -> None:
    catalog = registry_events.CATALOG
    good = community_a1_created()
    assert catalog.parse(good).data.name == "A"
    with pytest.raises(UnknownEventType):
        catalog.parse(good.model_copy(update={"type": "qise.unknown.v1"}))
    with pytest.raises(ValueError, match="registered twice"):
        EventCatalog([registry_events.CommunityCreated, registry_events.CommunityCreated])


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (None, "empty message"),
        (b"{not json", "not a CloudEvents 1.0 JSON document"),
        (b'{"specversion": "0.3"}', "not a CloudEvents 1.0 JSON document"),
    ],
)
def test_poison_messages_are_named(raw: bytes | None, reason: str) -> None:
    with pytest.raises(PoisonMessage, match=reason):
        parse_message(registry_events.CATALOG, raw)


def test_data_of_the_wrong_shape_is_poison() -> None:
    envelope = community_a1_created()
    broken = envelope.model_copy(update={"data": {"name": 3}}).to_json()
    with pytest.raises(PoisonMessage, match=r"data does not match qise\.community\.created\.v1"):
        parse_message(registry_events.CATALOG, broken)


def test_token_round_trip() -> None:
    token = issue_token(SETTINGS, sub="u1", role="community_admin", communities=["longquan"])
    principal = decode_token(SETTINGS, token)
    assert principal.role == "community_admin"
    assert principal.sees("longquan") and not principal.sees("other")


def _forge(
    claims: dict[str, object], key: str = SETTINGS.jwt_secret, algorithm: str = "HS256"
) -> str:
    return jwt.encode(claims, key, algorithm=algorithm)


GOOD_CLAIMS: dict[str, object] = {"sub": "u1", "role": "county_admin", "communities": ["*"]}


@pytest.mark.parametrize(
    "token",
    [
        _forge(
            {**GOOD_CLAIMS, "exp": utcnow() + timedelta(hours=1)},
            key="another-secret-another-secret-00",
        ),
        jwt.encode({**GOOD_CLAIMS, "exp": utcnow() + timedelta(hours=1)}, "", algorithm="none"),
        _forge({**GOOD_CLAIMS, "exp": utcnow() - timedelta(minutes=1)}),
        _forge(GOOD_CLAIMS),
        _forge({**GOOD_CLAIMS, "role": "volunteer", "exp": utcnow() + timedelta(hours=1)}),
        _forge({**GOOD_CLAIMS, "role": "mayor", "exp": utcnow() + timedelta(hours=1)}),
    ],
    ids=["wrong key", "alg none", "expired", "no exp", "star for a volunteer", "unknown role"],
)
def test_forged_or_stale_tokens_are_refused(token: str) -> None:
    with pytest.raises(Unauthorized):
        decode_token(SETTINGS, token)


def test_audience_is_checked_when_configured() -> None:
    strict = SETTINGS.model_copy(update={"jwt_audience": "qise"})
    wrong = _forge({**GOOD_CLAIMS, "aud": "elsewhere", "exp": utcnow() + timedelta(hours=1)})
    with pytest.raises(Unauthorized):
        decode_token(strict, wrong)
    right = issue_token(strict, sub="u1", role="county_admin", communities=["*"])
    assert decode_token(strict, right).sees_all


def test_one_pass_parse_equals_envelope_then_data() -> None:
    data = registry_events.CommunityCreated(community_id="a1", name="A")
    envelope = new_event(
        data, source="/qise/registry", community="a1", subject="a1", actor="someone"
    )
    event = parse_message(registry_events.CATALOG, envelope.to_json())
    slow = registry_events.CATALOG.parse(CloudEvent.from_json(envelope.to_json()))
    assert type(event.data) is registry_events.CommunityCreated
    assert event.data == slow.data == data
    assert (event.id, event.time, event.community, event.subject) == (
        slow.id,
        slow.time,
        slow.community,
        slow.subject,
    )
    assert (event.envelope.type, event.envelope.source, event.envelope.actor) == (
        "qise.community.created.v1",
        "/qise/registry",
        "someone",
    )


def test_unknown_types_and_versions_are_poison() -> None:
    envelope = community_a1_created()
    for unknown in ("qise.community.created.v9", "qise.mystery.happened.v1"):
        raw = envelope.model_copy(update={"type": unknown}).to_json()
        with pytest.raises(PoisonMessage, match=re.escape(f"unknown event type {unknown!r}")):
            parse_message(registry_events.CATALOG, raw)
    missing = envelope.model_copy(update={"community": ""}).to_json()
    with pytest.raises(PoisonMessage, match=r"not a CloudEvents 1\.0 JSON document: community"):
        parse_message(registry_events.CATALOG, missing)


def _timed_app() -> FastAPI:
    app = FastAPI()

    @app.get("/items/{item}")
    async def item(item: str) -> dict[str, str]:
        return {"item": item}

    app.add_middleware(RequestTimer, service="unit-timer")
    return app


async def test_request_timer_labels_route_method_and_status() -> None:
    transport = httpx.ASGITransport(app=_timed_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://unit") as client:
        assert (await client.get("/items/1")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404
    labels = {"service": "unit-timer", "method": "GET"}
    assert REGISTRY.get_sample_value(
        "qise_http_request_seconds_count", {**labels, "route": "/items/{item}", "status": "200"}
    )
    assert REGISTRY.get_sample_value(
        "qise_http_request_seconds_count", {**labels, "route": "unmatched", "status": "404"}
    )


@dataclass(frozen=True)
class _Thing(RowState):
    id: int
    name: str
    tags: tuple[str, ...] = field(metadata=NOT_A_COLUMN)


def test_a_row_state_reads_and_writes_its_columns_and_takes_the_rest_from_its_caller() -> None:
    row = SimpleNamespace(id=1, name="a", other="kept")
    state = _Thing.of(row, tags=("x",))
    assert state == _Thing(1, "a", ("x",)) and state.columns() == {"id": 1, "name": "a"}
    with pytest.raises(TypeError):
        _Thing.of(row)  # a field that is no column must be given
    _Thing(1, "b", ()).write_to(row)
    assert vars(row) == {"id": 1, "name": "b", "other": "kept"}
