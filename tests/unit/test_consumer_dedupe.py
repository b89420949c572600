"""Which events a consumer claims by id, and which it leaves to the version guard."""

from __future__ import annotations

import uuid

from services.registry import events as registry
from services.stats import handlers as stats_handlers
from services.stats.settings import StatsSettings
from shared.consumer import needs_claim
from shared.events import CloudEvent, Event, EventData


class Noted(EventData):
    """An event that reports no entity's state: no version to guard by."""

    event_type = "qise.test.noted.v1"
    text: str


def event(data: EventData) -> Event[EventData]:
    envelope = CloudEvent(
        source="/qise/test", type=data.event_type, subject="x", community="c", data={}
    )
    return Event(envelope=envelope, data=data)


def test_claims_dedupe_claims_every_event() -> None:
    named = registry.CategoryDefined(code="orange", name="橙", version=3)
    assert needs_claim(event(named), "claims")
    assert needs_claim(event(Noted(text="x")), "claims")


def test_a_versioned_state_needs_no_claim_under_version_dedupe() -> None:
    named = registry.CategoryDefined(code="orange", name="橙", version=3)
    assert not needs_claim(event(named), "version")


def test_unversioned_and_versionless_events_are_still_claimed() -> None:
    # Version 0: from before the type carried versions; such states replace each other in
    # arrival order, so only the claim tells a re-delivery from a change.
    legacy = registry.CategoryDefined(code="orange", name="橙")
    assert needs_claim(event(legacy), "version")
    assert needs_claim(event(Noted(text="x")), "version")


def test_every_type_a_version_deduped_stats_consumer_applies_carries_a_version() -> None:
    for subscription in stats_handlers.subscriptions(StatsSettings()):
        assert subscription.dedupe == "version", subscription.name
        for event_type in subscription.types:
            model = subscription.catalog.model_for(event_type)
            assert "version" in model.model_fields, (subscription.name, event_type)


def test_the_claim_rule_reads_the_data_not_the_envelope() -> None:
    joined = registry.TeamMemberJoined(
        team_id=str(uuid.uuid4()), volunteer_id=str(uuid.uuid4()), version=2
    )
    assert not needs_claim(event(joined), "version")
