"""The requests service: resident service orders, routing to color teams, SLAs,
ratings, party-member care tasks and the county platform's inbound requests."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.requests.api import router
from services.requests.care_api import router as care_router
from services.requests.events import CATALOG
from services.requests.handlers import subscriptions
from services.requests.models import Base
from services.requests.outbox import OUTBOX
from services.requests.personal_data_api import router as personal_data_router
from services.requests.scheduler import run_forever
from services.requests.settings import RequestsSettings
from shared.service import create_service_app

METADATA = Base.metadata
SETTINGS = RequestsSettings
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: RequestsSettings | None = None) -> FastAPI:
    settings = settings or RequestsSettings()
    return create_service_app(
        settings,
        title="Qise requests",
        description=(
            "Resident service orders, dispatch to color teams, SLAs, care tasks, and the"
            " people under care (关爱对象) with their visits."
        ),
        routers=[router, care_router, personal_data_router],
        outbox=OUTBOX,
        publishes=CATALOG,
        subscriptions=subscriptions(settings),
        background=[run_forever],
    )
