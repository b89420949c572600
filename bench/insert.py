"""The database floor of a write: a bare FastAPI endpoint that inserts the posted
body as one row and commits, through the engine, pool and session factory the
services use (`shared.db`), served as the echo baseline is (`bench.echo.serve`).

Run: `python -m bench.insert PORT DATABASE_URL` (PostgreSQL or a SQLite file).
"""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from sqlalchemy import JSON, Column, MetaData, String, Table, Uuid, insert

from bench.echo import serve
from shared.db import UTCDateTime, create_engine, create_sessionmaker, utcnow
from shared.ids import new_id

METADATA = MetaData()
ROWS = Table(
    "bench_insert",
    METADATA,
    Column("id", Uuid, primary_key=True),
    Column("community_id", String(64), nullable=False),
    Column("body", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)
_INSERT = insert(ROWS)


def create_app(database_url: str) -> FastAPI:
    engine = create_engine(database_url)
    sessionmaker = create_sessionmaker(engine)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        async with engine.begin() as connection:
            await connection.run_sync(METADATA.create_all)
        yield
        await engine.dispose()

    app = FastAPI(title="insert", lifespan=lifespan)

    @app.post("/insert", status_code=201)
    async def insert_one(body: dict[str, Any]) -> dict[str, str]:
        row = {
            "id": new_id(),
            "community_id": str(body.get("community_id", "")),
            "body": body,
            "created_at": utcnow(),
        }
        async with sessionmaker() as session:
            await session.execute(_INSERT, row)
            await session.commit()
        return {"id": str(row["id"])}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main() -> None:
    serve(create_app(sys.argv[2]), "insert", int(sys.argv[1]))


if __name__ == "__main__":
    main()
