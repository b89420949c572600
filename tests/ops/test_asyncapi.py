"""The AsyncAPI document, docs/events.md and the compatibility of published event types."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from jsonschema import Draft7Validator, Draft202012Validator
from jsonschema.exceptions import ValidationError
from pydantic import BaseModel, create_model
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7, DRAFT202012

from qise.events_doc import (
    EVENTS_DOC,
    REGENERATE_DOC,
    SNAPSHOT,
    UPDATE_SNAPSHOT,
    compatibility_problems,
    event_schema_snapshot,
    events_markdown,
    full_asyncapi,
    published_catalogs,
    read_snapshot,
    snapshot_text,
    update_event_schema_snapshot,
)
from services import SERVICE_NAMES, service_module
from services.registry import events as registry
from services.requests import events as requests
from shared.asyncapi import DEAD_LETTER_MESSAGE, DLQ_HEADERS, asyncapi_document
from shared.events import EventCatalog, EventData, new_event
from tests.conftest import TEST_SECRET
from tests.ops.helpers import ROOT, all_topics, event_topics

SPEC = Path(__file__).parent / "schemas" / "asyncapi-3.0.0.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return full_asyncapi()


@pytest.fixture(scope="module")
def asyncapi_validator() -> Draft7Validator:
    """The official AsyncAPI 3.0.0 JSON Schema, resolved offline (every definition is inside)."""
    spec = json.loads(SPEC.read_text(encoding="utf-8"))

    def offline(uri: str) -> Resource[Any]:
        raise LookupError(f"{uri} is not in {SPEC.name}; nothing is fetched")

    resources = [(spec["$id"], DRAFT7.create_resource(spec))]
    resources += [
        (definition.get("$id", key), DRAFT7.create_resource(definition))
        for key, definition in spec["definitions"].items()
    ]
    registry_ = Registry(retrieve=offline).with_resources(resources)  # type: ignore[call-arg]
    return Draft7Validator(spec, registry=registry_)


def _errors(validator: Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
        for e in validator.iter_errors(document)
    ]


def test_document_is_valid_asyncapi_3(
    document: dict[str, Any], asyncapi_validator: Draft7Validator
) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert _errors(asyncapi_validator, document) == []


def test_the_validator_is_not_vacuous(
    document: dict[str, Any], asyncapi_validator: Draft7Validator
) -> None:
    broken = copy.deepcopy(document)
    broken["operations"]["send_qise.registry.events"]["action"] = "publish"  # AsyncAPI 2 word
    assert _errors(asyncapi_validator, broken)
    broken = copy.deepcopy(document)
    del broken["channels"]["qise.registry.events"]["messages"]["qise.team.registered.v1"]["$ref"]
    broken["channels"]["qise.registry.events"]["messages"]["qise.team.registered.v1"]["x"] = 1
    assert _errors(asyncapi_validator, broken)


def test_a_document_for_one_service_is_valid(asyncapi_validator: Draft7Validator) -> None:
    document = asyncapi_document(
        "registry", "1.0.0", publishes=[(registry.TOPIC, registry.CATALOG)], subscribes=[]
    )
    assert _errors(asyncapi_validator, document) == []
    assert set(document["channels"]) == {registry.TOPIC}
    assert [op["action"] for op in document["operations"].values()] == ["send"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_each_service_serves_a_valid_document(
    service: str, asyncapi_validator: Draft7Validator
) -> None:
    """`GET /asyncapi.json`: what the service's app publishes and consumes."""
    module = service_module(service)
    app = module.create_app(module.SETTINGS(jwt_secret=TEST_SECRET, _env_file=None))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get("/asyncapi.json")
    assert response.status_code == 200
    document = response.json()
    assert _errors(asyncapi_validator, document) == []
    for ref in _refs(document):
        _follow(document, ref)
    sends = {
        op["channel"]["$ref"] for op in document["operations"].values() if op["action"] == "send"
    }
    if service == "stats":
        assert not [s for s in sends if not s.endswith(".dlq")], "stats publishes nothing"
        # It keeps the branches too, to name them (社区大支部) as the registry does.
        received = {
            message["$ref"].rsplit("/", 1)[-1]
            for op in document["operations"].values()
            if op["action"] == "receive"
            for message in op["messages"]
        }
        branch_events = (registry.BranchRegistered, registry.BranchChanged)
        assert {e.event_type for e in branch_events} <= received
    else:
        assert f"#/channels/qise.{service}.events" in sends


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        return ([node["$ref"]] if "$ref" in node else []) + [
            ref for value in node.values() for ref in _refs(value)
        ]
    if isinstance(node, list):
        return [ref for item in node for ref in _refs(item)]
    return []


def _follow(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), ref
    node: Any = document
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    for ref in _refs(document):
        _follow(document, ref)


def test_channels_are_the_topics_of_the_code(document: dict[str, Any]) -> None:
    addresses = {channel["address"] for channel in document["channels"].values()}
    assert addresses == all_topics()
    for topic, catalog, _ in published_catalogs():
        assert set(document["channels"][topic]["messages"]) == {m.event_type for m in catalog}


def test_operations_send_and_receive(document: dict[str, Any]) -> None:
    actions = {
        (op["action"], _follow(document, op["channel"]["$ref"])["address"])
        for op in document["operations"].values()
    }
    services = event_topics() - {requests.INBOUND_TOPIC}
    assert {("send", topic) for topic in services} <= actions
    assert ("receive", requests.INBOUND_TOPIC) in actions
    assert ("send", requests.INBOUND_TOPIC) not in actions
    assert {("send", topic + ".dlq") for topic in event_topics()} <= actions
    for op in document["operations"].values():
        channel = op["channel"]["$ref"]
        for message in op["messages"]:
            assert message["$ref"].startswith(channel + "/messages/"), "not the channel's message"


def test_messages_carry_the_envelope_and_the_data_schema(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    for _, catalog, _ in published_catalogs():
        for model in catalog:
            message = messages[model.event_type]
            assert message["name"] == model.event_type
            assert message["summary"] == model.summary
            payload = message["payload"]
            assert payload["properties"]["type"]["const"] == model.event_type
            assert {"id", "source", "subject", "community", "data"} <= set(payload["required"])
            data = _follow(document, payload["properties"]["data"]["$ref"])
            expected = model.model_json_schema(ref_template="#/components/schemas/{model}")
            expected.pop("$defs", None)
            assert {k: v for k, v in data.items() if k != "description"} == {
                k: v for k, v in expected.items() if k != "description"
            }
            assert message["bindings"]["kafka"]["key"]["type"] == "string"
            assert "community" in message["bindings"]["kafka"]["key"]["description"]


def test_description_explains_the_delivery(document: dict[str, Any]) -> None:
    text = document["info"]["description"]
    for words in (
        "structured mode",
        "`community`",
        "`actor`",
        "At least once",
        "Deduplicate by `id`",
        "<topic>.dlq",
        "qise-dlq-reason",
        "Kafka message key",
    ):
        assert words in text


def _payload_validator(document: dict[str, Any], event_type: str) -> Draft202012Validator:
    root = {**document, "$ref": f"#/components/messages/{event_type}/payload"}
    resource = DRAFT202012.create_resource(root)
    return Draft202012Validator(root, registry=Registry().with_resource("urn:doc", resource))


def test_real_events_match_their_payload_schema(document: dict[str, Any]) -> None:
    created = registry.CommunityCreated(community_id="longquan", name="龙泉社区", branch="城南")
    event = new_event(created, source="/qise/registry", community="longquan", subject="longquan")
    raw = json.loads(event.to_json())
    validator = _payload_validator(document, created.event_type)
    validator.validate(raw)
    with pytest.raises(ValidationError):
        validator.validate({**raw, "type": "qise.community.created.v2"})
    with pytest.raises(ValidationError):
        validator.validate({k: v for k, v in raw.items() if k != "community"})
    with pytest.raises(ValidationError):
        validator.validate({**raw, "data": {"name": "no id"}})

    inbound = {
        **raw,
        "type": requests.CountyRequestSubmitted.event_type,
        "source": "/county/platform",
        "data": {
            "community_id": "longquan",
            "service_kind": "health_consultation",
            "description": "老人想咨询血压问题",
            "resident": {"name": "钱奶奶", "phone": "13600001111"},
            "channel": "county_platform",
            "mode": "door_to_door",
            "paid": False,
            "urgency": "urgent",
        },
    }
    _payload_validator(document, requests.CountyRequestSubmitted.event_type).validate(inbound)


def test_dead_letters_are_described_with_the_consumers_headers(document: dict[str, Any]) -> None:
    sender = (ROOT / "shared" / "dlq.py").read_text(encoding="utf-8")
    assert set(re.findall(r'\("(qise-dlq-[a-z]+)",', sender)) == set(DLQ_HEADERS)
    headers = document["components"]["messages"][DEAD_LETTER_MESSAGE]["headers"]
    assert set(headers["properties"]) == set(DLQ_HEADERS)


def test_events_doc_is_current(document: dict[str, Any]) -> None:
    text = EVENTS_DOC.read_text(encoding="utf-8")
    assert text == events_markdown(document), (
        f"docs/events.md is out of date with the event catalogs; run:\n  {REGENERATE_DOC}"
    )


def test_events_doc_has_every_type_with_its_summary(document: dict[str, Any]) -> None:
    text = events_markdown(document)
    for topic, catalog, _ in published_catalogs():
        assert f"## {topic}" in text
        for model in catalog:
            assert f"### `{model.event_type}`" in text
            assert model.summary in text


# --- compatibility of published types -----------------------------------------------------


def test_no_published_type_was_broken() -> None:
    problems = compatibility_problems(read_snapshot(SNAPSHOT), event_schema_snapshot())
    assert not problems, (
        "a change breaks published event types; publish a new `.vN` type instead"
        " (docs/operations.md, 'Upgrades'):\n  " + "\n  ".join(problems)
    )


def test_snapshot_is_current() -> None:
    assert SNAPSHOT.read_text(encoding="utf-8") == snapshot_text(event_schema_snapshot()), (
        f"new or extended event types are not in {SNAPSHOT.relative_to(ROOT)}; once they are"
        f" meant to be published, run:\n  {UPDATE_SNAPSHOT}"
    )


class _Nested(BaseModel):
    a: str
    b: int | None = None


THING = "qise.test.thing.v1"
# The fields of a published test type, as pydantic field definitions.
_FIELDS: dict[str, Any] = {
    "thing_id": (str, ...),
    "count": (int, ...),
    "note": (str | None, None),
    "status": (str, "open"),
    "nested": (_Nested | None, None),
}


def _thing(**changes: Any) -> type[BaseModel]:
    """The test type with some fields replaced, added, or (set to None) removed."""
    fields = {k: v for k, v in {**_FIELDS, **changes}.items() if v is not None}
    model: type[BaseModel] = create_model("Thing", __base__=EventData, **fields)
    return model


def _snapshot(types: dict[str, type[BaseModel]]) -> dict[str, Any]:
    return {
        "types": {
            name: {"topic": "qise.test.events", "schema": model.model_json_schema()}
            for name, model in types.items()
        }
    }


class _Nested2(BaseModel):
    a: int
    b: int | None = None


class _Nested3(BaseModel):
    a: str
    b: int | None = None
    c: str | None = None


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"note": None}, "field `note` was removed"),
        ({"count": (str, ...)}, "field `count` changed type from integer to string"),
        ({"note": (str, ...)}, "field `note` was optional and is now required"),
        ({"extra": (str, ...)}, "new field `extra` is required"),
        ({"status": (int, 0)}, "field `status` changed type"),
        ({"nested": (_Nested2 | None, None)}, "field `nested.a` changed type"),
    ],
)
def test_breaking_changes_are_found(change: dict[str, Any], expected: str) -> None:
    problems = compatibility_problems(
        _snapshot({THING: _thing()}), _snapshot({THING: _thing(**change)})
    )
    assert any(expected in p for p in problems), problems


@pytest.mark.parametrize(
    "change",
    [
        {"extra": (str | None, None)},
        {"extra": (int, 0)},
        {"nested": (_Nested3 | None, None)},
        {"count": (int, 1)},
    ],
)
def test_compatible_changes_pass(change: dict[str, Any]) -> None:
    old, new = _snapshot({THING: _thing()}), _snapshot({THING: _thing(**change)})
    assert compatibility_problems(old, new) == []


def test_removing_a_type_is_breaking_and_adding_one_is_not() -> None:
    other = "qise.test.other.v1"
    both = _snapshot({THING: _thing(), other: _thing()})
    one = _snapshot({THING: _thing()})
    assert compatibility_problems(both, one) == [f"{other}: the type was removed"]
    assert compatibility_problems(one, both) == []


def test_update_refuses_a_breaking_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "event-schemas.json"
    snapshot = event_schema_snapshot()
    assert update_event_schema_snapshot(path) == sorted(snapshot["types"])
    assert update_event_schema_snapshot(path) == []
    stored = read_snapshot(path)
    stored["types"]["qise.team.registered.v1"]["schema"]["properties"]["gone"] = {"type": "string"}
    path.write_text(json.dumps(stored), encoding="utf-8")
    with pytest.raises(ValueError, match="field `gone` was removed"):
        update_event_schema_snapshot(path)


def test_catalog_types_are_versioned() -> None:
    for _, catalog, _ in published_catalogs():
        for model in catalog:
            assert re.fullmatch(r"qise\.[a-z_]+(\.[a-z_]+)*\.v\d+", model.event_type)
    assert isinstance(registry.CATALOG, EventCatalog)
