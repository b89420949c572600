"""The stats service: the branch-wide view, built only from the other services' events."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from services.stats import dashboard
from services.stats.api import router
from services.stats.handlers import subscriptions
from services.stats.models import Base
from services.stats.rebuild import Rebuilds
from services.stats.settings import StatsSettings
from shared.service import create_service_app

METADATA = Base.metadata
SETTINGS = StatsSettings
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"


def create_app(settings: StatsSettings | None = None) -> FastAPI:
    settings = settings or StatsSettings()
    rebuilds = Rebuilds()
    app = create_service_app(
        settings,
        title="Qise stats",
        description="Branch-wide statistics, reports and the dashboard, built from events.",
        routers=[router, dashboard.router],
        outbox=None,
        subscriptions=subscriptions(settings),
        on_startup=rebuilds.on_startup,
        background=[rebuilds.run],
    )
    app.state.rebuilds = rebuilds
    return app
