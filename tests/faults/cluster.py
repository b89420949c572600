"""The system as separate processes on a private PostgreSQL server and broker, so
that fault tests can kill, stop and restart any part without touching the rest."""

from __future__ import annotations

import asyncio
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from services import SERVICE_NAMES
from services.activities import events as activities_events
from services.registry import events as registry_events
from services.requests import events as requests_events
from shared.broker import free_port, port_open, start_embedded_broker, stop_process
from shared.kafka import dlq_topic, ensure_topics

_EVENT_TOPICS = [
    registry_events.TOPIC,
    activities_events.TOPIC,
    requests_events.TOPIC,
    requests_events.INBOUND_TOPIC,
]
TOPICS = [*_EVENT_TOPICS, *(dlq_topic(t) for t in _EVENT_TOPICS)]


def _postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _as_postgres(*command: str) -> list[str]:
    # initdb refuses to run as root; the tests may be root (CI is).
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return list(command)


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL server: trust auth, no fsync, on a free port."""

    bin: Path
    port: int = field(default_factory=free_port)
    directory: Path = field(
        default_factory=lambda: Path(tempfile.mkdtemp(prefix="qise-faults-pg-"))
    )

    @property
    def data(self) -> Path:
        return self.directory / "data"

    def url(self, database: str) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def setup(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.directory, "postgres", "postgres")
        subprocess.run(
            _as_postgres(
                str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust", "-U", "postgres"
            ),
            check=True,
            capture_output=True,
        )
        self.start()
        for service in SERVICE_NAMES:
            subprocess.run(
                [
                    str(self.bin / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "-U",
                    "postgres",
                    service,
                ],
                check=True,
                capture_output=True,
            )

    def _ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            _as_postgres(
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.directory / "log"),
                "-o",
                options,
                "-w",
                *args,
            ),
            check=True,
            capture_output=True,
        )

    def start(self) -> None:
        self._ctl("start")

    def stop(self) -> None:
        self._ctl("stop", "-m", "fast")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.directory, ignore_errors=True)


@dataclass
class Cluster:
    """The four services as processes, a broker, and PostgreSQL (private when possible)."""

    postgres: PrivatePostgres
    secret: str
    broker_port: int = field(default_factory=free_port)
    ports: dict[str, int] = field(default_factory=lambda: {n: free_port() for n in SERVICE_NAMES})
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    broker: subprocess.Popen[bytes] | None = None
    logs: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="qise-faults-logs-")))
    extra_env: dict[str, str] = field(default_factory=dict)
    kills: dict[str, int] = field(default_factory=lambda: {n: 0 for n in SERVICE_NAMES})

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.broker_port}"

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def env(self, name: str) -> dict[str, str]:
        """The environment of a process; `name` is a service or `<service>-<n>` for more."""
        service = name.split("-")[0]
        prefix = service.upper()
        env = {
            **os.environ,
            "KAFKA_BOOTSTRAP_SERVERS": self.bootstrap,
            "QISE_JWT_SECRET": self.secret,
            f"{prefix}_PORT": str(self.ports[name]),
            f"{prefix}_DATABASE_URL": self.postgres.url(service),
            f"{prefix}_CONSUMER_SESSION_TIMEOUT_MS": "3000",
            f"{prefix}_OUTBOX_POLL_SECONDS": "0.05",
            f"{prefix}_ANONYMOUS_PER_MINUTE": "0",
            f"{prefix}_SCHEDULER_SECONDS": "2",
            **self.extra_env,
        }
        return env

    def start_broker(self) -> None:
        self.broker = start_embedded_broker(self.broker_port, log_file=self.logs / "broker.log")

    def restart_broker(self) -> None:
        """The broker comes back empty; the operator makes the topics again at once
        (in production: the topic Job), as docs/operations.md says."""
        assert self.broker is not None
        stop_process(self.broker)
        self.start_broker()
        asyncio.run(ensure_topics(f"127.0.0.1:{self.broker_port}", TOPICS))

    def migrate(self) -> None:
        for name in SERVICE_NAMES:
            subprocess.run(
                [sys.executable, "-m", "qise.cli", "migrate", name.split("-")[0]],
                env=self.env(name),
                check=True,
                capture_output=True,
            )

    def start(self, name: str) -> None:
        """Start a service's process; `stats-2` is a second stats process (same database)."""
        self.ports.setdefault(name, free_port())
        service = name.split("-")[0]
        log = open(self.logs / f"{name}.log", "ab")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "qise.cli", "serve", service],
            env=self.env(name),
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def kill(self, name: str) -> None:
        """kill -9: no clean shutdown, no leaving the consumer group."""
        process = self.processes[name]
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()
            self.kills[name] = self.kills.get(name, 0) + 1

    def revive(self) -> list[str]:
        """Start again whatever died (as an orchestrator would); the names restarted."""
        revived = []
        for name, process in self.processes.items():
            if process.poll() is not None:
                self.start(name)
                revived.append(name)
        return revived

    def wait_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        for name in self.processes:
            while True:
                try:
                    if httpx.get(self.url(name) + "/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not healthy; see {self.logs}")
                time.sleep(0.2)

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        if self.broker is not None:
            stop_process(self.broker)


def private_postgres() -> PrivatePostgres | None:
    binaries = _postgres_bin()
    if binaries is None or (shutil.which("runuser") is None and os.geteuid() == 0):
        return None
    return PrivatePostgres(binaries)


@asynccontextmanager
async def running_cluster(
    secret: str, names: Iterable[str], extra_env: dict[str, str] | None = None
) -> AsyncIterator[Cluster]:
    """A private PostgreSQL, migrated, a broker and the processes `names`, all healthy;
    stopped and removed afterwards. `extra_env` reaches the processes, not the migrations."""
    postgres = private_postgres()
    if postgres is None:
        pytest.skip("no PostgreSQL server binaries to run a private server (initdb, pg_ctl)")
    await asyncio.to_thread(postgres.setup)
    running = Cluster(postgres, secret)
    try:
        running.start_broker()
        await asyncio.to_thread(running.migrate)
        running.extra_env = dict(extra_env or {})
        for name in names:
            running.start(name)
        await asyncio.to_thread(running.wait_healthy)
        yield running
    finally:
        running.stop_all()
        postgres.destroy()


__all__ = ["Cluster", "PrivatePostgres", "port_open", "private_postgres", "running_cluster"]
