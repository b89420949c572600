"""The system under test: its own databases on the local PostgreSQL server, its own
broker on a free port, and the services as real `qise serve` processes."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url

from services import SERVICE_NAMES, service_module
from shared.auth import issue_token
from shared.broker import free_port, start_embedded_broker, stop_process
from shared.migrate import upgrade
from shared.settings import ServiceSettings

SECRET = "qise-bench-secret-0123456789abcdef0123456789"
DEFAULT_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
DEAD_BROKER = "127.0.0.1:9"  # nothing listens there: a stats process that only answers queries


def admin_token() -> str:
    settings = ServiceSettings(jwt_secret=SECRET)
    return issue_token(
        settings, sub="bench", role="county_admin", communities=["*"], ttl=timedelta(hours=2)
    )


@dataclass
class Databases:
    """`qise_bench_<run>_<name>` databases on one server, all dropped at the end."""

    server: str = field(default_factory=lambda: os.environ.get("BENCH_POSTGRES", DEFAULT_SERVER))
    prefix: str = field(default_factory=lambda: f"qise_bench_{uuid.uuid4().hex[:6]}")
    created: list[str] = field(default_factory=list)

    def dsn(self, name: str) -> str:
        """The asyncpg DSN of one of our databases."""
        return self.dsn_of(f"{self.prefix}_{name}")

    def url(self, name: str) -> str:
        """Its SQLAlchemy URL, as a service's settings take it."""
        return self.url_of(f"{self.prefix}_{name}")

    def dsn_of(self, database: str) -> str:
        """The asyncpg DSN of any database on the server (a cached one)."""
        return make_url(self.server).set(database=database).render_as_string(False)

    def url_of(self, database: str) -> str:
        return (
            make_url(self.dsn_of(database))
            .set(drivername="postgresql+asyncpg")
            .render_as_string(False)
        )

    async def create(self, name: str, service: str) -> str:
        """Create a database and bring it to the newest schema of `service`."""
        connection = await asyncpg.connect(self.server)
        try:
            await connection.execute(f'CREATE DATABASE "{self.prefix}_{name}"')
        finally:
            await connection.close()
        self.created.append(name)
        module = service_module(service)
        await asyncio.to_thread(upgrade, self.url(name), module.MIGRATIONS, module.METADATA)
        return self.url(name)

    async def drop_all(self) -> None:
        connection = await asyncpg.connect(self.server)
        try:
            for name in self.created:
                await connection.execute(
                    f'DROP DATABASE IF EXISTS "{self.prefix}_{name}" WITH (FORCE)'
                )
        finally:
            await connection.close()
        self.created.clear()


@dataclass
class Process:
    name: str
    service: str
    port: int
    popen: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid


@dataclass
class Cluster:
    """Broker, databases and service processes of one benchmark run."""

    logs: Path
    databases: Databases = field(default_factory=Databases)
    broker_port: int = field(default_factory=free_port)
    broker: subprocess.Popen[bytes] | None = None
    processes: dict[str, Process] = field(default_factory=dict)

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def start_broker(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.broker = start_embedded_broker(self.broker_port, log_file=self.logs / "broker.log")

    async def setup_databases(self) -> None:
        for service in SERVICE_NAMES:
            await self.databases.create(service, service)

    def env(self, service: str, port: int, **overrides: str) -> dict[str, str]:
        prefix = service.upper()
        return {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "QISE_JWT_SECRET": SECRET,
            f"{prefix}_PORT": str(port),
            f"{prefix}_DATABASE_URL": self.databases.url(service),
            f"{prefix}_ANONYMOUS_PER_MINUTE": "0",
            **overrides,
        }

    def start(self, service: str, name: str | None = None, **overrides: str) -> Process:
        """`qise serve <service>` with the production defaults, but our databases and broker."""
        name = name or service
        port = free_port()
        log = open(self.logs / f"{name}.log", "ab")
        popen = subprocess.Popen(
            [sys.executable, "-m", "qise.cli", "serve", service],
            env=self.env(service, port, **overrides),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        process = Process(name, service, port, popen)
        self.processes[name] = process
        return process

    def start_command(self, name: str, command: list[str], port: int) -> Process:
        """Any other server process (the echo baseline), logged like the services."""
        log = open(self.logs / f"{name}.log", "ab")
        popen = subprocess.Popen(
            command, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT
        )
        log.close()
        process = Process(name, name, port, popen)
        self.processes[name] = process
        return process

    async def wait_healthy(self, process: Process, timeout: float = 60.0) -> None:
        await self._wait_for(process, "/healthz", "healthy", timeout, answer_within=1.0)

    async def wait_ready(self, process: Process, timeout: float = 60.0) -> None:
        """Healthy, and connected to its database and the broker."""
        # A readiness probe asks the database and the broker: it may take longer to answer.
        await self._wait_for(process, "/readyz", "ready", timeout, answer_within=3.0)

    async def _wait_for(
        self, process: Process, path: str, state: str, timeout: float, answer_within: float
    ) -> None:
        """Until `path` answers 200; an error once the process exits or `timeout` passes."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=answer_within) as client:
            while True:
                if process.popen.poll() is not None:
                    raise RuntimeError(f"{process.name} exited; see {self.logs}/{process.name}.log")
                try:
                    if (await client.get(process.url + path)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{process.name} not {state} in {timeout}s")
                await asyncio.sleep(0.1)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process is None or process.popen.poll() is not None:
            return
        process.popen.terminate()
        try:
            process.popen.wait(15)
        except subprocess.TimeoutExpired:
            process.popen.kill()
            process.popen.wait()

    async def close(self) -> None:
        for name in list(self.processes):
            self.stop(name)
        if self.broker is not None:
            stop_process(self.broker)
            self.broker = None
        await self.databases.drop_all()
