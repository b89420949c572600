"""docker-compose.yml against the code: services, settings, ports, databases, topics."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from services import SERVICE_NAMES
from shared.settings import DEV_JWT_SECRET
from tests.ops.helpers import (
    CONTRACT_PORTS,
    ROOT,
    all_topics,
    allowed_env,
    console_env,
    default_port,
    load_yaml,
    prefix,
)

COMPOSE = ROOT / "docker-compose.yml"
INIT_SQL = ROOT / "deploy" / "postgres-init.sql"
TOPICS_SCRIPT = ROOT / "deploy" / "create-topics.sh"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(COMPOSE)
    return data


def _services(compose: dict[str, Any]) -> dict[str, Any]:
    services: dict[str, Any] = compose["services"]
    return services


def _env(service: dict[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        environment = dict(item.split("=", 1) for item in environment)
    return {str(k): str(v) for k, v in environment.items()}


def _published(service: dict[str, Any]) -> dict[int, int]:
    """Container port -> host port."""
    ports = {}
    for entry in service.get("ports", []):
        parts = str(entry).split(":")
        ports[int(parts[-1])] = int(parts[-2])
    return ports


def _databases() -> dict[str, str]:
    """Database -> owner, from the init SQL."""
    sql = INIT_SQL.read_text(encoding="utf-8")
    return dict(re.findall(r"CREATE DATABASE (\w+) OWNER (\w+);", sql))


def _kafka_service(compose: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    for name, service in _services(compose).items():
        if str(service.get("image", "")).startswith("apache/kafka") and "kafka-init" not in name:
            return name, service
    raise AssertionError("no apache/kafka service")


def test_every_service_is_there(compose: dict[str, Any]) -> None:
    assert set(SERVICE_NAMES) <= set(_services(compose))


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_service_environment_matches_its_settings(compose: dict[str, Any], service: str) -> None:
    definition = _services(compose)[service]
    env = _env(definition)
    unknown = set(env) - allowed_env(service)
    assert not unknown, f"{service}: not settings of {service}: {sorted(unknown)}"
    p = prefix(service)
    port = int(env[f"{p}PORT"])
    assert port == CONTRACT_PORTS[service] == default_port(service)
    assert _published(definition) == {port: port}
    assert env[f"{p}HOST"] == "0.0.0.0"

    url = make_url(env[f"{p}DATABASE_URL"])
    assert url.drivername == "postgresql+asyncpg"
    assert url.host == "postgres"
    databases = _databases()
    assert url.database in databases, f"{url.database} is not created by {INIT_SQL.name}"
    assert databases[url.database] == url.username, "connect as the database's owner"
    assert url.database == service

    kafka_name, _ = _kafka_service(compose)
    assert env["KAFKA_BOOTSTRAP_SERVERS"] == f"{kafka_name}:9092"
    assert definition["build"]["args"]["SERVICE"] == service


def test_each_service_has_its_own_database(compose: dict[str, Any]) -> None:
    urls = [
        make_url(_env(_services(compose)[name])[f"{prefix(name)}DATABASE_URL"])
        for name in SERVICE_NAMES
    ]
    assert len({url.database for url in urls}) == len(SERVICE_NAMES)
    assert set(_databases()) == set(SERVICE_NAMES)


def test_the_jwt_secret_must_be_given(compose: dict[str, Any]) -> None:
    """Compose runs the production components: no development secret to fall back on, and
    no local-development flag; without QISE_JWT_SECRET compose itself stops, naming it."""
    for name in SERVICE_NAMES:
        env = _env(_services(compose)[name])
        assert re.fullmatch(
            r"\$\{QISE_JWT_SECRET:\?[^$}]*QISE_JWT_SECRET[^$}]*\}", env["QISE_JWT_SECRET"]
        )
        assert not [k for k in env if k.endswith("ALLOW_DEV_SECRET")]
    assert DEV_JWT_SECRET not in COMPOSE.read_text(encoding="utf-8")


def test_services_start_after_postgres_and_the_topics(compose: dict[str, Any]) -> None:
    services = _services(compose)
    for name in SERVICE_NAMES:
        depends = services[name]["depends_on"]
        assert depends["postgres"] == {"condition": "service_healthy"}
        assert depends["kafka-init"] == {"condition": "service_completed_successfully"}
    kafka_name, _ = _kafka_service(compose)
    assert services["kafka-init"]["depends_on"][kafka_name] == {"condition": "service_healthy"}
    assert "healthcheck" in services["postgres"]
    assert "healthcheck" in services[kafka_name]


def test_kafka_runs_kraft_and_answers_the_host(compose: dict[str, Any]) -> None:
    _, kafka = _kafka_service(compose)
    env = _env(kafka)
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "zookeeper" not in " ".join(env).lower()
    advertised = env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    assert "PLAINTEXT://kafka:9092" in advertised
    # The contract's local bootstrap (127.0.0.1:9092) for `qise dlq`, `qise stats rebuild`.
    host = next(a for a in advertised if a.endswith("127.0.0.1:9092"))
    listener = host.split("://")[0]
    inside = next(
        int(item.rsplit(":", 1)[1])
        for item in env["KAFKA_LISTENERS"].split(",")
        if item.startswith(listener + "://")
    )
    assert _published(kafka) == {inside: 9092}
    assert env["KAFKA_LOG_DIRS"] in [v.split(":")[1] for v in kafka["volumes"]]


def test_init_step_creates_every_topic_with_3_partitions(compose: dict[str, Any]) -> None:
    init = _services(compose)["kafka-init"]
    env = _env(init)
    assert set(env["TOPICS"].split()) == all_topics()
    assert len(env["TOPICS"].split()) == len(all_topics())
    assert env["PARTITIONS"] == "3"
    assert any(v.startswith("./deploy/create-topics.sh:") for v in init["volumes"])
    assert init["entrypoint"][-1] == init["volumes"][0].split(":")[1]


def test_prometheus_is_optional_and_scrapes_every_service(compose: dict[str, Any]) -> None:
    prometheus = _services(compose)["prometheus"]
    assert prometheus["profiles"] == ["observability"]
    config = load_yaml(ROOT / "deploy" / "prometheus.yml")
    targets = {
        t for job in config["scrape_configs"] for s in job["static_configs"] for t in s["targets"]
    }
    assert targets == {f"{name}:{CONTRACT_PORTS[name]}" for name in SERVICE_NAMES} | {
        "console:8000"
    }


def _fake_kafka_topics(bin_dir: Path, log: Path, have: dict[str, int]) -> None:
    """A stand-in for kafka-topics.sh: logs its arguments, describes `have`."""
    lines = "\n".join(
        f"printf 'Topic: {t}\\tTopicId: x\\tPartitionCount: {n}\\tReplicationFactor: 1\\n'"
        f"; printf '\\tTopic: {t}\\tPartition: 0\\tLeader: 1\\n'"
        for t, n in have.items()
    )
    script = bin_dir / "kafka-topics.sh"
    script.write_text(
        f'#!/bin/sh\necho "$@" >> {log}\ncase "$*" in *--describe*)\n{lines}\n;; esac\n'
    )
    script.chmod(0o755)


def _run_topics_script(tmp_path: Path, have: dict[str, int]) -> tuple[int, str, list[str]]:
    log = tmp_path / "calls"
    _fake_kafka_topics(tmp_path, log, have)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "KAFKA_BIN": str(tmp_path),
        "KAFKA_BOOTSTRAP_SERVERS": "kafka:9092",
        "TOPICS": "a.events a.events.dlq",
        "PARTITIONS": "3",
        "REPLICATION_FACTOR": "1",
        "TOPIC_CONFIG": "retention.ms=1000 min.insync.replicas=1",
        "DLQ_TOPIC_CONFIG": "retention.ms=2000",
    }
    done = subprocess.run(
        ["sh", str(TOPICS_SCRIPT)], env=env, capture_output=True, text=True, timeout=30
    )
    return done.returncode, done.stdout + done.stderr, log.read_text().splitlines()


def test_topics_script_creates_each_topic_with_its_settings(tmp_path: Path) -> None:
    code, output, calls = _run_topics_script(tmp_path, {"a.events": 3, "a.events.dlq": 4})
    assert code == 0, output
    creates = [c for c in calls if "--create" in c]
    assert len(creates) == 2
    assert "--topic a.events --partitions 3 --replication-factor 1" in creates[0]
    assert "--config retention.ms=1000 --config min.insync.replicas=1" in creates[0]
    assert creates[1].endswith("--config retention.ms=2000")
    assert "--if-not-exists" in creates[0]


def test_topics_script_fails_on_too_few_partitions(tmp_path: Path) -> None:
    code, output, _ = _run_topics_script(tmp_path, {"a.events": 1, "a.events.dlq": 3})
    assert code == 1
    assert "a.events has 1 partitions, wanted 3" in output


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if (
        docker
        and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0
    ):
        return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_docker_compose_accepts_the_file() -> None:
    """`docker compose config -q` needs no engine; skipped where no compose client exists."""
    command = _compose_command()
    if command is None:
        pytest.skip("no docker compose client here")

    def config(secret: str | None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != "QISE_JWT_SECRET"}
        if secret is not None:
            env["QISE_JWT_SECRET"] = secret
        return subprocess.run(
            [*command, "-f", str(COMPOSE), "--profile", "observability", "config", "-q"],
            capture_output=True,
            text=True,
            timeout=60,
            cwd=ROOT,
            env=env,
        )

    done = config("s" * 48)
    assert done.returncode == 0, done.stderr
    if not (ROOT / ".env").exists():
        refused = config(None)
        assert refused.returncode != 0 and "QISE_JWT_SECRET" in refused.stderr


def test_the_console_forwards_to_the_services(compose: dict[str, Any]) -> None:
    console = _services(compose)["console"]
    env = _env(console)
    assert not set(env) - console_env(), sorted(set(env) - console_env())
    assert env["CONSOLE_PORT"] == "8000" and env["CONSOLE_HOST"] == "0.0.0.0"
    assert _published(console) == {8000: 8000}
    assert console["build"]["args"]["SERVICE"] == "console"
    for name in SERVICE_NAMES:
        assert env[f"CONSOLE_{name.upper()}_URL"] == f"http://{name}:{CONTRACT_PORTS[name]}"
        assert name in console["depends_on"]
    assert "QISE_JWT_SECRET" not in env, "the console checks no token: the services do"
