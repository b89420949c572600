"""The CloudEvents 1.0 envelope of the contract and the catalog of event types.

Every event type is a pydantic model of its `data`, named once with its full
type string (`qise.volunteer.registered.v1`). A service lists the types it
publishes in its `events.py`; consumers import those lists (the published
contract, not the service's code) to validate what they read.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, NamedTuple, TypeVar, Union

import orjson
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, create_model

from shared.db import UNVERSIONED, utcnow


class EventData(BaseModel):
    """Base of every event's `data`. Unknown fields are ignored so that readers of
    version N keep working when a producer adds optional fields."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    event_type: ClassVar[str]
    summary: ClassVar[str] = ""


class Versioned(EventData):
    """The data of an event that reports an entity at one version: readers keep the
    highest, so arrival order never matters."""

    version: int = Field(
        UNVERSIONED,
        ge=0,
        description=(
            "The entity's version after this change; each change of the entity is one higher."
            " 0 (or absent): published before this type carried versions, older than any other."
        ),
    )


class Reports(NamedTuple):
    """What a state event reports: the kind of entity, and the field of its data that
    holds the entity's key."""

    entity: str
    key: str


class CloudEventAttributes(BaseModel):
    """The context attributes of a CloudEvents 1.0 document, with the `community` extension."""

    model_config = ConfigDict(extra="allow")

    specversion: Literal["1.0"] = "1.0"
    id: uuid.UUID = Field(default_factory=uuid.uuid4)
    source: str
    type: str
    time: datetime = Field(default_factory=utcnow)
    subject: str
    datacontenttype: Literal["application/json"] = "application/json"
    community: str = Field(min_length=1)
    actor: str | None = Field(None, description="Extension: who made the change (a token's sub).")
    traceparent: str | None = Field(None, description="Extension: W3C trace context.")
    tracestate: str | None = Field(None, description="Extension: W3C trace state.")


class CloudEvent(CloudEventAttributes):
    """A CloudEvents 1.0 structured-mode JSON document with the `community` extension."""

    data: dict[str, Any]

    def to_json(self) -> bytes:
        # Absent extensions are left out, as CloudEvents asks (not sent as null).
        return orjson.dumps(self.model_dump(mode="json", exclude_none=True))

    @classmethod
    def from_json(cls, raw: bytes) -> CloudEvent:
        return cls.model_validate_json(raw)


D = TypeVar("D", bound=EventData)


@dataclass(frozen=True, slots=True)
class Event(Generic[D]):
    """An event whose `data` has been validated against its type's model.

    `envelope` holds the context attributes (`type`, `source`, `traceparent`, ...).
    """

    envelope: CloudEventAttributes
    data: D

    @property
    def id(self) -> uuid.UUID:
        return self.envelope.id

    @property
    def community(self) -> str:
        return self.envelope.community

    @property
    def time(self) -> datetime:
        return self.envelope.time

    @property
    def subject(self) -> str:
        return self.envelope.subject


class UnknownEventType(Exception):
    pass


class EventCatalog:
    """Event types by their type string: one place that says what each type carries."""

    def __init__(self, models: Iterable[type[EventData]]) -> None:
        self._models: dict[str, type[EventData]] = {}
        for model in models:
            if model.event_type in self._models:
                raise ValueError(f"event type {model.event_type} registered twice")
            self._models[model.event_type] = model
        self._documents: TypeAdapter[Any] | None = None

    def __contains__(self, event_type: str) -> bool:
        return event_type in self._models

    def __iter__(self) -> Any:
        return iter(self._models.values())

    def __add__(self, other: EventCatalog) -> EventCatalog:
        return EventCatalog([*self, *other])

    def model_for(self, event_type: str) -> type[EventData]:
        try:
            return self._models[event_type]
        except KeyError:
            raise UnknownEventType(event_type) from None

    def parse(self, envelope: CloudEvent) -> Event[Any]:
        """Validate `data` against the model of the envelope's type.

        Raises UnknownEventType or pydantic.ValidationError.
        """
        model = self.model_for(envelope.type)
        return Event(envelope=envelope, data=model.model_validate(envelope.data))

    def parse_json(self, raw: bytes) -> Event[Any]:
        """A JSON document of one of the catalog's types, validated in one pass:
        the envelope and its `data`, chosen by `type`.

        Raises pydantic.ValidationError for anything else (a bad document, an
        unknown type, data of the wrong shape); `CloudEvent.from_json` and
        `parse` then say which.
        """
        if self._documents is None:
            self._documents = _documents_adapter(self._models.values())
        document = self._documents.validate_json(raw)
        return Event(envelope=document, data=document.data)

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        return {name: model.model_json_schema() for name, model in sorted(self._models.items())}


def _documents_adapter(models: Iterable[type[EventData]]) -> TypeAdapter[Any]:
    """One validator for the documents of these types: per type, the envelope with
    `type` fixed and `data` of the type's model; the `type` picks the one to apply."""
    documents: list[Any] = []
    for model in models:
        tag: Any = Literal[model.event_type]
        documents.append(
            create_model(
                f"{model.__name__}Document",
                __base__=CloudEventAttributes,
                type=(tag, ...),
                data=(model, ...),
            )
        )
    if len(documents) == 1:
        return TypeAdapter(documents[0])
    either: Any = Annotated[Union[tuple(documents)], Field(discriminator="type")]  # noqa: UP007
    return TypeAdapter(either)


def new_event(
    data: EventData,
    *,
    source: str,
    community: str,
    subject: str,
    actor: str | None = None,
    trace: dict[str, str] | None = None,
) -> CloudEvent:
    return CloudEvent(
        source=source,
        type=data.event_type,
        subject=subject,
        community=community,
        actor=actor,
        traceparent=(trace or {}).get("traceparent"),
        tracestate=(trace or {}).get("tracestate"),
        data=data.model_dump(mode="json"),
    )


__all__ = [
    "CloudEvent",
    "CloudEventAttributes",
    "Event",
    "EventCatalog",
    "EventData",
    "UnknownEventType",
    "ValidationError",
    "new_event",
]
