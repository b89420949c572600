"""The requests service."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.requests.api import router
from services.requests.events import OUTBOX
from services.requests.handlers import SUBSCRIPTIONS
from services.requests.models import Base
from services.requests.settings import RequestsSettings
from shared.service import create_service_app

METADATA = Base.metadata
SETTINGS = RequestsSettings
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: RequestsSettings | None = None) -> FastAPI:
    return create_service_app(
        settings or RequestsSettings(),
        title="Qise requests",
        description="Resident service orders, dispatch and care tasks.",
        routers=[router],
        outbox=OUTBOX,
        subscriptions=SUBSCRIPTIONS,
    )
