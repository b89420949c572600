"""The AsyncAPI 3.0 document of Qise's events, built from event catalogs.

- `asyncapi_document(...)`: the document for what one application publishes and
  consumes (channels per topic, a message per event type, send/receive operations).
- `service_asyncapi(...)`: one service's document, as `GET /asyncapi.json` serves it.

The whole system's document, `docs/events.md` and the compatibility snapshot are
composed from every service's catalogs in `qise/events_doc.py`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from shared.events import CloudEvent, EventCatalog, EventData

ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
# The version of the event contract (info.version); bump the minor version when
# types or optional fields are added. Breaking changes are new `.vN` types instead.
CONTRACT_VERSION = "1.0.0"
DEFAULT_KAFKA_HOST = "127.0.0.1:9092"
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


def service_asyncapi(
    service: str,
    publishes: Sequence[tuple[str, EventCatalog]],
    consumes: Sequence[tuple[str, EventCatalog]],
    *,
    kafka_host: str = DEFAULT_KAFKA_HOST,
) -> dict[str, Any]:
    """The AsyncAPI document of one service: what it publishes and what it consumes."""
    return asyncapi_document(
        title=f"Qise {service} events",
        version=CONTRACT_VERSION,
        publishes=publishes,
        subscribes=consumes,
        kafka_host=kafka_host,
        producers={topic: service for topic, _ in publishes},
    )
