"""Registry events that keep this service's replica of communities, categories,
teams and volunteers (see shared/replica.py)."""

from __future__ import annotations

from services.activities.models import Category, Community, Team, Volunteer
from services.activities.settings import ActivitiesSettings
from services.registry import events as registry
from shared.consumer import Handler
from shared.replica import replica_handlers
from shared.service import Subscription, subscribe

REGISTRY_HANDLERS: dict[str, Handler] = replica_handlers(
    registry.REPLICA,
    {"community": Community, "category": Category, "team": Team, "volunteer": Volunteer},
)


def subscriptions(settings: ActivitiesSettings) -> list[Subscription]:
    return [
        subscribe(
            name="registry-replica",
            topics=[registry.TOPIC],
            handlers=REGISTRY_HANDLERS,
            catalog=registry.CATALOG,
        ),
    ]
