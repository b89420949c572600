"""Qise's event contract as a whole, composed from every service's catalogs.

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
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from services import SERVICE_NAMES, service_module
from shared.asyncapi import (
    CONTRACT_VERSION,
    DEAD_LETTER_MESSAGE,
    DEFAULT_KAFKA_HOST,
    DLQ_SUFFIX,
    asyncapi_document,
)
from shared.events import EventCatalog

COUNTY_PLATFORM = "the county platform"
ROOT = Path(__file__).resolve().parent.parent
EVENTS_DOC = ROOT / "docs" / "events.md"
SNAPSHOT = ROOT / "tests" / "ops" / "snapshots" / "event-schemas.json"
REGENERATE_DOC = (
    '.venv/bin/python -c "from qise.events_doc import write_events_doc; write_events_doc()"'
)
UPDATE_SNAPSHOT = (
    '.venv/bin/python -c "from qise.events_doc import update_event_schema_snapshot;'
    ' update_event_schema_snapshot()"'
)


# --- the catalogs -------------------------------------------------------------------------


def published_catalogs() -> list[tuple[str, EventCatalog, str]]:
    """(topic, catalog, producer) of every event type of the contract: each service's
    `TOPIC` and `CATALOG`, and any `INBOUND_TOPIC` and `INBOUND_CATALOG` that the county
    platform writes."""
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
    found = []
    for name in SERVICE_NAMES:
        module = service_module(name)
        handlers = importlib.import_module(f"services.{name}.handlers")
        for subscription in handlers.subscriptions(module.SETTINGS()):
            found += [(topic, catalog, name) for topic, catalog in subscription.reads()]
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
        "<!-- Generated from the event catalogs by qise/events_doc.py: do not edit by hand.",
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
