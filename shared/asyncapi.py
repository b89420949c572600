"""The AsyncAPI 3.0 document of Qise's events, generated from the event catalogs.

- `asyncapi_document(...)`: the document for what one application publishes and
  consumes (channels per topic, a message per event type, send/receive operations).
- `full_asyncapi()`: the whole system: the three services' topics, and the county
  platform's requests on `qise.county.inbound`.
- `events_markdown(document)` / `write_events_doc()`: `docs/events.md`.
- `event_schema_snapshot()`, `compatibility_problems(old, new)` and
  `update_event_schema_snapshot()`: the published `data` schemas, frozen in
  `tests/ops/snapshots/event-schemas.json`, and the rule that a published type
  only ever gains optional fields (anything else needs a new `.vN` type).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from shared.events import CloudEvent, EventCatalog, EventData

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
# The version of the event contract (info.version); bump the minor version when
# types or optional fields are added. Breaking changes are new `.vN` types instead.
CONTRACT_VERSION = "1.0.0"
DEFAULT_KAFKA_HOST = "127.0.0.1:9092"
COUNTY_PLATFORM = "the county platform"
CONTENT_TYPE = "application/cloudevents+json"
SCHEMA_REF = "#/components/schemas/{model}"
DLQ_SUFFIX = ".dlq"
DEAD_LETTER_MESSAGE = "qise.dead_letter"
# The headers the consumer puts on a dead letter (shared/dlq.py).
DLQ_HEADERS = {
    "qise-dlq-reason": "Why the message could not be handled.",
    "qise-dlq-topic": "The topic the message was read from.",
    "qise-dlq-partition": "Its partition there.",
    "qise-dlq-offset": "Its offset there.",
    "qise-dlq-consumer": "The consumer group that gave up on it.",
}
# Every envelope attribute the contract promises on each message.
ENVELOPE_REQUIRED = (
    "specversion",
    "id",
    "source",
    "type",
    "time",
    "subject",
    "datacontenttype",
    "community",
    "data",
)
ENVELOPE_NOTES = {
    "specversion": "Always `1.0`.",
    "id": "Unique per event: deduplicate by it.",
    "source": "`/qise/<service>` (the county platform uses its own).",
    "type": "The event type, `qise.<entity>.<verb>.v<N>`.",
    "time": "When the change happened (RFC 3339).",
    "subject": "The id of the entity the event is about.",
    "datacontenttype": "Always `application/json`.",
    "community": "Extension: the community the event belongs to; also the Kafka key.",
    "actor": "Extension: who made the change (the token's `sub`); null for the system.",
    "data": "The event's data: its schema depends on `type`.",
}

ROOT = Path(__file__).resolve().parent.parent
EVENTS_DOC = ROOT / "docs" / "events.md"
SNAPSHOT = ROOT / "tests" / "ops" / "snapshots" / "event-schemas.json"
REGENERATE_DOC = (
    '.venv/bin/python -c "from shared.asyncapi import write_events_doc; write_events_doc()"'
)
UPDATE_SNAPSHOT = (
    '.venv/bin/python -c "from shared.asyncapi import update_event_schema_snapshot;'
    ' update_event_schema_snapshot()"'
)

DESCRIPTION = """\
The events of Qise (七色), the community volunteer service platform of a county: \
what its services publish on Kafka, and what the county platform writes to it.

**Message format.** Each Kafka message value is one CloudEvents 1.0 JSON document in \
*structured mode*: the envelope attributes and the event's `data` in one JSON object \
(`specversion` "1.0", `id`, `source` `/qise/<service>`, `type`, `time`, `subject` = the \
entity id, `datacontenttype` "application/json", `data`). Messages carry no `ce_` headers \
and no content-type header: read the value as `application/cloudevents+json`.

**Extensions.** `community` (always present): the community the event belongs to. It is \
also the Kafka message key, so the events of one community keep their order on one \
partition. `actor`: who made the change (the `sub` of the caller's token), null for \
changes the system makes by itself.

**Types and versions.** `type` is `qise.<entity>.<verb>.v<N>`; the schema of `data` for \
each type is given below. Readers ignore fields they do not know. A published type only \
ever gains optional fields; removing or renaming a field, changing its type, or making \
it required is a new type `.v<N+1>`, published alongside the old one while readers move.

**Delivery.** At least once: an event may arrive more than once (after a retry, or when \
a service publishes its log again), and events of different communities in any order. \
Deduplicate by `id`. State events (those with a `version` field) carry the entity's whole \
state: keep the one with the highest `version`.

**Dead letters.** A message a consumer cannot parse or apply goes, unchanged, to \
`<topic>.dlq` with the reason in the `qise-dlq-reason` header; it never stops the \
consumer. A request the county platform writes to `qise.county.inbound` that is \
malformed lands in `qise.county.inbound.dlq`; one for a community not registered yet \
waits (parked) until the community is known, and lands there with the reason only \
after `REQUESTS_CONSUMER_PARK_HORIZON_SECONDS` (an hour).
"""


# --- schemas ------------------------------------------------------------------------------


def envelope_schema() -> dict[str, Any]:
    """The CloudEvents envelope as published: every attribute of the contract required."""
    schema = CloudEvent.model_json_schema(ref_template=SCHEMA_REF)
    schema["required"] = list(ENVELOPE_REQUIRED)
    for name, note in ENVELOPE_NOTES.items():
        schema["properties"][name]["description"] = note
    return schema


def _data_schema(model: type[EventData], schemas: dict[str, Any]) -> dict[str, Any]:
    """The JSON Schema of a type's `data`; nested models go to `schemas` by name."""
    schema = model.model_json_schema(ref_template=SCHEMA_REF)
    for name, nested in schema.pop("$defs", {}).items():
        if name in schemas and schemas[name] != nested:
            raise ValueError(f"two different schemas are both named {name!r}")
        schemas[name] = nested
    if model.summary:
        schema.setdefault("description", model.summary)
    return schema


def _message(model: type[EventData]) -> dict[str, Any]:
    payload = envelope_schema()
    payload["title"] = f"{model.event_type} event"
    payload["properties"]["type"] = {
        "type": "string",
        "const": model.event_type,
        "description": "The event type.",
    }
    payload["properties"]["data"] = {"$ref": SCHEMA_REF.format(model=model.event_type)}
    return {
        "name": model.event_type,
        "title": model.__name__,
        "summary": model.summary or model.event_type,
        "contentType": CONTENT_TYPE,
        "payload": payload,
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "description": "The community id (the envelope's `community`).",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": DEAD_LETTER_MESSAGE,
        "title": "Dead letter",
        "summary": "A message a consumer could not handle, unchanged, with the reason.",
        "contentType": "application/octet-stream",
        "headers": {
            "type": "object",
            "properties": {
                name: {"type": "string", "description": text} for name, text in DLQ_HEADERS.items()
            },
            "required": list(DLQ_HEADERS),
        },
        "payload": {
            "description": "The original message value, byte for byte; it may not be JSON."
        },
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "The original message key."},
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
    }


# --- the document -------------------------------------------------------------------------


def _operation_id(action: str, topic: str) -> str:
    return f"{action}_{topic}"


def asyncapi_document(
    title: str,
    version: str,
    publishes: Sequence[tuple[str, EventCatalog]],
    subscribes: Sequence[tuple[str, EventCatalog]],
    *,
    kafka_host: str = DEFAULT_KAFKA_HOST,
    producers: Mapping[str, str] | None = None,
    consumers: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, Any]:
    """An AsyncAPI 3.0.0 document of what an application publishes and consumes.

    One channel per topic (its address is the topic name) with one message per
    event type; the message payload is the CloudEvents envelope whose `type` is
    that type and whose `data` is that type's schema. `send` operations for the
    topics in `publishes`, `receive` operations for those in `subscribes`, and
    for each of those a `<topic>.dlq` channel that the consumer sends dead
    letters to. `producers` and `consumers` (by topic) only add descriptions.
    """
    producers = producers or {}
    consumers = consumers or {}
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    channel_types: dict[str, dict[str, None]] = {}
    sent: dict[str, dict[str, None]] = {}
    received: dict[str, dict[str, None]] = {}

    def add(topic: str, catalog: EventCatalog, into: dict[str, dict[str, None]]) -> None:
        for model in catalog:
            event_type = model.event_type
            data = _data_schema(model, schemas)
            if event_type in schemas and schemas[event_type] != data:
                raise ValueError(f"event type {event_type} has two different schemas")
            schemas[event_type] = data
            messages[event_type] = _message(model)
            channel_types.setdefault(topic, {})[event_type] = None
            into.setdefault(topic, {})[event_type] = None

    for topic, catalog in publishes:
        add(topic, catalog, sent)
    for topic, catalog in subscribes:
        add(topic, catalog, received)

    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic, types in channel_types.items():
        channel: dict[str, Any] = {
            "address": topic,
            "title": topic,
            "description": _channel_description(topic, producers.get(topic), consumers.get(topic)),
            "messages": {t: {"$ref": f"#/components/messages/{t}"} for t in types},
            "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION}},
        }
        if topic in producers:
            channel["x-qise-producer"] = producers[topic]
        if topic in consumers:
            channel["x-qise-consumers"] = list(consumers[topic])
        channels[topic] = channel
    for action, chosen in (("send", sent), ("receive", received)):
        for topic, types in chosen.items():
            verb = "Publish" if action == "send" else "Consume"
            operations[_operation_id(action, topic)] = {
                "action": action,
                "channel": {"$ref": f"#/channels/{topic}"},
                "summary": f"{verb} the events of {topic}.",
                "messages": [{"$ref": f"#/channels/{topic}/messages/{t}"} for t in types],
            }
    if received:
        messages[DEAD_LETTER_MESSAGE] = _dead_letter_message()
    for topic in [t for t in channel_types if t in received]:
        dlq = topic + DLQ_SUFFIX
        channels[dlq] = {
            "address": dlq,
            "title": dlq,
            "description": f"Messages of {topic} that a consumer could not handle.",
            "messages": {
                DEAD_LETTER_MESSAGE: {"$ref": f"#/components/messages/{DEAD_LETTER_MESSAGE}"}
            },
            "bindings": {"kafka": {"bindingVersion": KAFKA_BINDING_VERSION}},
        }
        operations[_operation_id("deadLetter", topic)] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{dlq}"},
            "summary": f"Dead-letter what cannot be handled from {topic}.",
            "messages": [{"$ref": f"#/channels/{dlq}/messages/{DEAD_LETTER_MESSAGE}"}],
        }
    schemas["CloudEvent"] = envelope_schema()
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {"title": title, "version": version, "description": DESCRIPTION},
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "kafka": {
                "host": kafka_host,
                "protocol": "kafka",
                "description": "The deployment's KAFKA_BOOTSTRAP_SERVERS.",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": dict(sorted(messages.items())),
        },
    }


def _channel_description(topic: str, producer: str | None, readers: Sequence[str] | None) -> str:
    parts = [f"Kafka topic `{topic}`, keyed by community id."]
    if producer:
        parts.append(f"Written by {producer}.")
    if readers:
        parts.append(f"Read by {', '.join(readers)}.")
    return " ".join(parts)


def published_catalogs() -> list[tuple[str, EventCatalog, str]]:
    """(topic, catalog, producer) of every event type of the contract: each service's
    `TOPIC` and `CATALOG`, and any `INBOUND_TOPIC` and `INBOUND_CATALOG` that the county
    platform writes."""
    from services import SERVICE_NAMES

    found: list[tuple[str, EventCatalog, str]] = []
    inbound: list[tuple[str, EventCatalog, str]] = []
    for name in SERVICE_NAMES:
        events = importlib.import_module(f"services.{name}.events")
        if hasattr(events, "TOPIC") and hasattr(events, "CATALOG"):
            found.append((events.TOPIC, events.CATALOG, name))
        if hasattr(events, "INBOUND_TOPIC") and hasattr(events, "INBOUND_CATALOG"):
            inbound.append((events.INBOUND_TOPIC, events.INBOUND_CATALOG, COUNTY_PLATFORM))
    return found + inbound


def consumed_catalogs() -> list[tuple[str, EventCatalog, str]]:
    """(topic, catalog of the types read, reader) of every consumer of every service."""
    from services import SERVICE_NAMES, service_module

    found = []
    for name in SERVICE_NAMES:
        module = service_module(name)
        handlers = importlib.import_module(f"services.{name}.handlers")
        for subscription in handlers.subscriptions(module.SETTINGS()):
            catalog = EventCatalog(
                subscription.catalog.model_for(t) for t in sorted(subscription.types)
            )
            for topic in subscription.topics:
                found.append((topic, catalog, name))
    return found


def full_asyncapi(*, kafka_host: str = DEFAULT_KAFKA_HOST) -> dict[str, Any]:
    """The AsyncAPI document of the whole system.

    Qise sends on its services' topics; it receives those topics (the services
    read each other's events) and `qise.county.inbound`, which the county
    platform writes to.
    """
    published = published_catalogs()
    consumed = consumed_catalogs()
    readers: dict[str, list[str]] = {}
    for topic, _, reader in consumed:
        if reader not in readers.setdefault(topic, []):
            readers[topic].append(reader)
    return asyncapi_document(
        title="Qise events",
        version=CONTRACT_VERSION,
        publishes=[(t, c) for t, c, producer in published if producer != COUNTY_PLATFORM],
        subscribes=[(t, c) for t, c, producer in published if producer == COUNTY_PLATFORM]
        + [(t, c) for t, c, _ in consumed],
        kafka_host=kafka_host,
        producers={t: p for t, _, p in published},
        consumers=readers,
    )


def service_asyncapi(service: str, *, kafka_host: str = DEFAULT_KAFKA_HOST) -> dict[str, Any]:
    """The AsyncAPI document of one service: what it publishes and what it consumes."""
    published = [(t, c) for t, c, producer in published_catalogs() if producer == service]
    consumed = [(t, c) for t, c, reader in consumed_catalogs() if reader == service]
    return asyncapi_document(
        title=f"Qise {service} events",
        version=CONTRACT_VERSION,
        publishes=published,
        subscribes=consumed,
        kafka_host=kafka_host,
        producers={t: service for t, _ in published},
    )


# --- docs/events.md -----------------------------------------------------------------------


def _anchor(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum() or c in "-_")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def _type(schema: Mapping[str, Any]) -> str:
    """A short reading of a JSON Schema: `string (date-time) or null`, `array of X`."""
    if "$ref" in schema:
        name = _ref_name(schema["$ref"])
        return f"[{name}](#{_anchor(name)})"
    if "const" in schema:
        return json.dumps(schema["const"], ensure_ascii=False)
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(v, ensure_ascii=False) for v in schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return " or ".join(_type(part) for part in schema[key])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items")
        return f"array of {_type(items)}" if isinstance(items, Mapping) else "array"
    if kind == "object":
        values = schema.get("additionalProperties")
        if isinstance(values, Mapping) and values:
            return f"map of string to {_type(values)}"
        return "object"
    if isinstance(kind, str):
        return f"{kind} ({schema['format']})" if "format" in schema else kind
    return "any"


_LIMITS = {
    "minLength": "Length at least {}.",
    "maxLength": "Length at most {}.",
    "minimum": "At least {}.",
    "maximum": "At most {}.",
    "exclusiveMinimum": "More than {}.",
    "exclusiveMaximum": "Less than {}.",
}


def _notes(schema: Mapping[str, Any]) -> str:
    notes = []
    if schema.get("description"):
        text = " ".join(str(schema["description"]).split())
        notes.append(text if text.endswith(".") else text + ".")
    for part in [schema, *schema.get("anyOf", [])]:
        for key, text in _LIMITS.items():
            if key in part:
                notes.append(text.format(part[key]))
    if "default" in schema and "const" not in schema:
        notes.append(f"Default `{json.dumps(schema['default'], ensure_ascii=False)}`.")
    return " ".join(notes)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _field_table(schema: Mapping[str, Any], first: str = "field") -> list[str]:
    required = set(schema.get("required", ()))
    lines = [f"| {first} | type | required | notes |", "|---|---|---|---|"]
    for name, field in schema.get("properties", {}).items():
        lines.append(
            f"| `{name}` | {_cell(_type(field))} | {'yes' if name in required else 'no'}"
            f" | {_cell(_notes(field))} |"
        )
    return lines


def events_markdown(document: Mapping[str, Any]) -> str:
    """Markdown of an AsyncAPI document made by `asyncapi_document`: topics, each event
    type with its summary and a table of its `data` fields, nested schemas, dead letters."""
    channels: Mapping[str, Any] = document["channels"]
    schemas: Mapping[str, Any] = document["components"]["schemas"]
    messages: Mapping[str, Any] = document["components"]["messages"]
    event_channels = {k: v for k, v in channels.items() if not k.endswith(DLQ_SUFFIX)}
    lines = [
        "# Events",
        "",
        "<!-- Generated from the event catalogs by shared/asyncapi.py: do not edit by hand.",
        f"     Regenerate: {REGENERATE_DOC} -->",
        "",
        f"Contract version {document['info']['version']}. The same content, as an AsyncAPI"
        f" {document['asyncapi']} document, is `GET /asyncapi.json` on each service.",
        "",
        document["info"]["description"].strip(),
        "",
        "## Topics",
        "",
        "| topic | written by | read by | event types |",
        "|---|---|---|---|",
    ]
    for topic, channel in event_channels.items():
        readers = ", ".join(channel.get("x-qise-consumers", [])) or "(outside readers)"
        lines.append(
            f"| [`{topic}`](#{_anchor(topic)}) | {channel.get('x-qise-producer', '')}"
            f" | {readers} | {len(channel['messages'])} |"
        )
    dlqs = [k for k in channels if k.endswith(DLQ_SUFFIX)]
    if dlqs:
        lines.append(
            "| `<topic>.dlq` | the topic's consumers | operators (`qise dlq list`,"
            " `qise dlq replay`) | [dead letters](#dead-letters) |"
        )
    lines += [
        "",
        "## The envelope",
        "",
        "Every message of the topics above is this JSON object; `data` is described per type.",
        "",
        *_field_table(schemas["CloudEvent"], "attribute"),
    ]
    nested: dict[str, None] = {}
    for topic, channel in event_channels.items():
        lines += ["", f"## {topic}", "", channel.get("description", "")]
        for event_type in channel["messages"]:
            message = messages[event_type]
            data = schemas[event_type]
            lines += ["", f"### `{event_type}`", "", message["summary"], ""]
            lines += _field_table(data)
            for field in data.get("properties", {}).values():
                for ref in _refs(field):
                    nested[_ref_name(ref)] = None
    if nested:
        lines += ["", "## Nested schemas"]
        for name in nested:
            lines += ["", f"### {name}", ""]
            lines += _field_table(schemas[name])
    if dlqs:
        dead = messages[DEAD_LETTER_MESSAGE]
        lines += [
            "",
            "## Dead letters",
            "",
            f"Topics: {', '.join(f'`{name}`' for name in dlqs)}.",
            "",
            dead["payload"]["description"] + " Its headers:",
            "",
            "| header | meaning |",
            "|---|---|",
        ]
        lines += [
            f"| `{name}` | {_cell(header['description'])} |"
            for name, header in dead["headers"]["properties"].items()
        ]
    return "\n".join(lines) + "\n"


def _refs(schema: Any) -> list[str]:
    if isinstance(schema, Mapping):
        found = [schema["$ref"]] if "$ref" in schema else []
        for value in schema.values():
            found += _refs(value)
        return found
    if isinstance(schema, list):
        return [ref for item in schema for ref in _refs(item)]
    return []


def write_events_doc(path: Path | str = EVENTS_DOC) -> None:
    """Write `docs/events.md` from the catalogs."""
    Path(path).write_text(events_markdown(full_asyncapi()), encoding="utf-8")


# --- compatibility ------------------------------------------------------------------------


def event_schema_snapshot() -> dict[str, Any]:
    """Every event type of the contract with its topic and the JSON Schema of its `data`."""
    types = {}
    for topic, catalog, _ in published_catalogs():
        for model in catalog:
            types[model.event_type] = {"topic": topic, "schema": model.model_json_schema()}
    return {
        "comment": (
            "Published event types; a type only ever gains optional fields."
            f" Update with: {UPDATE_SNAPSHOT}"
        ),
        "types": dict(sorted(types.items())),
    }


_IGNORED = frozenset({"title", "description", "default", "examples", "$defs"})
_COMPOSITIONS = ("anyOf", "oneOf", "allOf", "prefixItems")
_NESTED = ("items", "additionalProperties")


def _resolve(schema: Mapping[str, Any], root: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in schema:
        ref = str(schema["$ref"])
        if not ref.startswith("#/"):
            raise ValueError(f"cannot follow {ref}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
    return schema


def _describe(schema: Mapping[str, Any], root: Mapping[str, Any]) -> str:
    return _type(_resolve(schema, root)) if "$ref" in schema else _type(schema)


def _compare(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    roots: tuple[Mapping[str, Any], Mapping[str, Any]],
    where: str,
    problems: list[str],
) -> None:
    old_root, new_root = roots
    old, new = _resolve(old, old_root), _resolve(new, new_root)
    checked = set(_IGNORED)
    if "properties" in old or "properties" in new:
        checked |= {"properties", "required"}
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        old_required, new_required = set(old.get("required", ())), set(new.get("required", ()))
        for name, field in old_props.items():
            path = f"{where}.{name}" if where else name
            if name not in new_props:
                problems.append(f"field `{path}` was removed")
                continue
            if name in new_required and name not in old_required:
                problems.append(f"field `{path}` was optional and is now required")
            _compare(field, new_props[name], roots, path, problems)
        for name in new_props:
            if name not in old_props and name in new_required:
                path = f"{where}.{name}" if where else name
                problems.append(f"new field `{path}` is required (a new field must be optional)")
    for key in _NESTED:
        if isinstance(old.get(key), Mapping) and isinstance(new.get(key), Mapping):
            checked.add(key)
            _compare(old[key], new[key], roots, f"{where}[]" if key == "items" else where, problems)
    for key in _COMPOSITIONS:
        if key in old and key in new and len(old[key]) == len(new[key]):
            checked.add(key)
            for old_part, new_part in zip(old[key], new[key], strict=True):
                _compare(old_part, new_part, roots, where, problems)
    if _rest(old, checked) != _rest(new, checked):
        problems.append(
            f"field `{where or '(data)'}` changed type from {_describe(old, old_root)}"
            f" to {_describe(new, new_root)}"
        )


def _rest(schema: Mapping[str, Any], checked: set[str]) -> dict[str, Any]:
    """What of a schema `_compare` did not look at itself; enum order does not matter."""
    rest = {k: v for k, v in schema.items() if k not in checked}
    if isinstance(rest.get("enum"), list):
        rest["enum"] = sorted(json.dumps(value, sort_keys=True) for value in rest["enum"])
    return rest


def compatibility_problems(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """What in `new` breaks readers or writers of the types in `old` (two snapshots).

    Allowed: new types, new optional fields, new descriptions and titles.
    Breaking: a type removed, a field removed, a field's type changed (enum values
    and constraints included), an optional field made required, a new required field.
    """
    problems = []
    for event_type, entry in old["types"].items():
        current = new["types"].get(event_type)
        if current is None:
            problems.append(f"{event_type}: the type was removed")
            continue
        if current["topic"] != entry["topic"]:
            problems.append(f"{event_type}: moved from {entry['topic']} to {current['topic']}")
        found: list[str] = []
        _compare(
            entry["schema"], current["schema"], (entry["schema"], current["schema"]), "", found
        )
        problems += [f"{event_type}: {problem}" for problem in found]
    return problems


def read_snapshot(path: Path | str = SNAPSHOT) -> dict[str, Any]:
    snapshot: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    return snapshot


def snapshot_text(snapshot: Mapping[str, Any]) -> str:
    return json.dumps(snapshot, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def update_event_schema_snapshot(path: Path | str = SNAPSHOT) -> list[str]:
    """Write the current schemas to the snapshot, unless that would break a published type.

    Returns the types added or changed. Raises ValueError listing the problems of a
    breaking change: publish a new `.vN` type instead. (To retire a type for good,
    once nothing reads or writes it, delete its entry from the file by hand.)
    """
    path = Path(path)
    current = event_schema_snapshot()
    old: dict[str, Any] = read_snapshot(path) if path.exists() else {"types": {}}
    problems = compatibility_problems(old, current)
    if problems:
        raise ValueError("breaking changes to published event types:\n  " + "\n  ".join(problems))
    changed = [t for t, entry in current["types"].items() if old["types"].get(t) != entry]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(snapshot_text(current), encoding="utf-8")
    return changed
