"""Runs a service's Alembic migrations against its database."""

from __future__ import annotations

import concurrent.futures
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import MetaData
from sqlalchemy.engine import make_url

from shared.db import is_sqlite
from shared.tables import MESSAGING_METADATA

ENVIRONMENT = Path(__file__).parent / "migrations"


def alembic_config(database_url: str, versions: Path, metadata: MetaData) -> Config:
    config = Config()
    config.set_main_option("script_location", str(ENVIRONMENT))
    config.set_main_option("version_locations", str(versions))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    config.attributes["target_metadata"] = [metadata, MESSAGING_METADATA]
    return config


def upgrade(database_url: str, versions: Path, metadata: MetaData) -> None:
    """Bring the database to the newest revision; safe to run again."""
    if is_sqlite(database_url):
        database = make_url(database_url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    config = alembic_config(database_url, versions, metadata)
    # Alembic's async environment runs its own event loop: keep it off any running one.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, "head").result()
