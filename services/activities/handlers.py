"""Registry events that keep this service's replica of communities, categories,
teams and volunteers (see shared/replica.py)."""

from __future__ import annotations

from services.activities.models import Category, Community, Team, Volunteer
from services.activities.settings import ActivitiesSettings
from services.registry import events as registry
from shared.consumer import Handler
from shared.replica import replicate
from shared.service import Subscription, subscribe

REGISTRY_HANDLERS: dict[str, Handler] = {
    registry.CommunityCreated.event_type: replicate(Community, id="community_id"),
    registry.CategoryDefined.event_type: replicate(Category),
    registry.TeamRegistered.event_type: replicate(Team, id="team_id"),
    registry.TeamUpdated.event_type: replicate(Team, id="team_id"),
    registry.VolunteerRegistered.event_type: replicate(Volunteer, id="volunteer_id"),
    registry.VolunteerUpdated.event_type: replicate(Volunteer, id="volunteer_id"),
    registry.VolunteerDeactivated.event_type: replicate(Volunteer, id="volunteer_id"),
}


def subscriptions(settings: ActivitiesSettings) -> list[Subscription]:
    return [
        subscribe(
            name="registry-replica",
            topics=[registry.TOPIC],
            handlers=REGISTRY_HANDLERS,
            catalog=registry.CATALOG,
        ),
    ]
