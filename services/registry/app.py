"""The registry service: communities, categories, teams, volunteers, party-member life events."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.registry.api import router
from services.registry.events import CATALOG
from services.registry.handlers import subscriptions
from services.registry.models import Base
from services.registry.outbox import OUTBOX
from services.registry.settings import RegistrySettings
from shared.service import create_service_app

METADATA = Base.metadata
SETTINGS = RegistrySettings
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: RegistrySettings | None = None) -> FastAPI:
    settings = settings or RegistrySettings()
    return create_service_app(
        settings,
        title="Qise registry",
        description="Volunteers, teams, communities and party-member life events.",
        routers=[router],
        outbox=OUTBOX,
        publishes=CATALOG,
        subscriptions=subscriptions(settings),
        # A spreadsheet of volunteers is larger than any JSON body.
        larger_bodies={"/volunteers/import": settings.import_max_bytes + 64_000},
    )
