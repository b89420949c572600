"""The activities service: what teams did, volunteer hours, service certificates."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.activities.api import router
from services.activities.events import CATALOG
from services.activities.handlers import subscriptions
from services.activities.models import Base
from services.activities.outbox import OUTBOX
from services.activities.settings import ActivitiesSettings
from shared.service import create_service_app

METADATA = Base.metadata
SETTINGS = ActivitiesSettings
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: ActivitiesSettings | None = None) -> FastAPI:
    settings = settings or ActivitiesSettings()
    return create_service_app(
        settings,
        title="Qise activities",
        description="Activity logging and volunteer hours.",
        routers=[router],
        outbox=OUTBOX,
        publishes=CATALOG,
        subscriptions=subscriptions(settings),
    )
