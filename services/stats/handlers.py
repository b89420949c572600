"""How stats applies the other services' events to its projections, a batch at a
time. Every batch handler is safe to run twice and in any order: every type it
applies carries the whole state of its entity and a version, and the handlers
keep the newest (`is_newer`, `net_changes`), so the consumers dedupe by version
and write no claim per event (`shared.consumer.needs_claim`)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.activities import events as activities
from services.registry import events as registry
from services.requests import events as requests
from services.stats.projections import project_activities
from services.stats.replicas import (
    REGISTRY_TYPES,
    REQUEST_TYPES,
    apply_registry,
    requests_replicator,
)
from services.stats.settings import StatsSettings
from shared.consumer import BatchHandler
from shared.events import Event
from shared.service import Subscription


def activity_projector(zone: ZoneInfo) -> BatchHandler:
    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        await project_activities(session, events, zone)

    return apply


# The consumer names; `as_of` is the newest event any of them applied.
CONSUMERS = ("registry", "activities", "requests")


def subscriptions(settings: StatsSettings) -> list[Subscription]:
    return [
        Subscription(
            name="registry",
            topics=[registry.TOPIC],
            catalog=registry.CATALOG,
            types=REGISTRY_TYPES,
            apply=apply_registry,
            dedupe="version",
        ),
        Subscription(
            name="activities",
            topics=[activities.TOPIC],
            catalog=activities.CATALOG,
            # Kinds and certificates are in the catalog too, but count for nothing here.
            types=frozenset(
                e.event_type
                for e in (
                    activities.ActivityLogged,
                    activities.ActivityVerified,
                    activities.ActivityVoided,
                )
            ),
            apply=activity_projector(ZoneInfo(settings.timezone)),
            dedupe="version",
        ),
        Subscription(
            name="requests",
            topics=[requests.TOPIC],
            catalog=requests.CATALOG,
            types=REQUEST_TYPES,
            apply=requests_replicator(ZoneInfo(settings.timezone)),
            # A visit's row is the same each time its event comes; an escalated
            # order's branch assignment is only ever set, never taken back.
            dedupe="version",
        ),
    ]
