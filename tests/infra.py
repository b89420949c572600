"""Real PostgreSQL and a real Kafka-compatible broker for the tests.

PostgreSQL: TEST_DATABASE_URL, else the local server at 127.0.0.1:5432, else
a testcontainers one when a Docker engine answers. Kafka:
KAFKA_BOOTSTRAP_SERVERS, else testcontainers when Docker answers, else the
embedded Tansu broker on a free port. Each run creates and drops its own
databases.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import asyncpg
from sqlalchemy.engine import make_url

from shared.broker import free_port, port_open, start_embedded_broker, stop_process

LOCAL_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"


def docker_answers() -> bool:
    try:
        import docker

        docker.from_env(timeout=2).ping()
        return True
    except Exception:
        return False


def _asyncpg_dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextmanager
def postgres_server() -> Iterator[str]:
    """The SQLAlchemy URL of a PostgreSQL server's maintenance database."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        yield url
        return
    if port_open("127.0.0.1", 5432):
        yield LOCAL_POSTGRES
        return
    if docker_answers():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    raise RuntimeError(
        "no PostgreSQL: set TEST_DATABASE_URL, run one on 127.0.0.1:5432, or start Docker"
    )


@dataclass
class Databases:
    """One fresh database per service, dropped afterwards."""

    server_url: str
    prefix: str

    def url(self, name: str) -> str:
        return (
            make_url(self.server_url)
            .set(database=f"{self.prefix}_{name}")
            .render_as_string(hide_password=False)
        )

    async def create(self, name: str) -> str:
        connection = await asyncpg.connect(_asyncpg_dsn(self.server_url))
        try:
            await connection.execute(f'CREATE DATABASE "{self.prefix}_{name}"')
        finally:
            await connection.close()
        return self.url(name)

    async def drop_all(self) -> None:
        connection = await asyncpg.connect(_asyncpg_dsn(self.server_url))
        try:
            names = await connection.fetch(
                "SELECT datname FROM pg_database WHERE datname LIKE $1", self.prefix + "\\_%"
            )
            for row in names:
                await connection.execute(f'DROP DATABASE IF EXISTS "{row["datname"]}" WITH (FORCE)')
        finally:
            await connection.close()


def new_databases(server_url: str) -> Databases:
    return Databases(server_url, f"qise_test_{uuid.uuid4().hex[:8]}")


@dataclass
class Broker:
    bootstrap: str
    process: subprocess.Popen[bytes] | None = None

    def restart(self) -> None:
        """Stop and start the embedded broker: it comes back empty, as after a crash."""
        if self.process is None:
            raise RuntimeError("only the embedded broker can be restarted by the tests")
        stop_process(self.process)
        port = int(self.bootstrap.rsplit(":", 1)[1])
        self.process = start_embedded_broker(port)


@contextmanager
def embedded_broker() -> Iterator[Broker]:
    """An embedded broker on a free port, stopped after."""
    port = free_port()
    broker = Broker(f"127.0.0.1:{port}", start_embedded_broker(port))
    try:
        yield broker
    finally:
        if broker.process is not None:
            stop_process(broker.process)


@contextmanager
def kafka_broker() -> Iterator[Broker]:
    if bootstrap := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield Broker(bootstrap)
        return
    if docker_answers():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer().with_kraft() as container:
            yield Broker(container.get_bootstrap_server())
        return
    with embedded_broker() as broker:
        yield broker


def run(coroutine: object) -> object:
    return asyncio.run(coroutine)  # type: ignore[arg-type]
