"""What the deployment checks compare against: facts taken from the code."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml

from qise.settings_doc import accepted_env_names
from services import SERVICE_NAMES, service_module
from services.console.settings import ConsoleSettings
from shared.kafka import dlq_topic
from shared.settings import ServiceSettings

ROOT = Path(__file__).resolve().parents[2]

# The ports of the public contract (../shared/contract.md, "Everywhere").
CONTRACT_PORTS = {"registry": 8001, "activities": 8002, "requests": 8003, "stats": 8004}


def settings_class(service: str) -> type[ServiceSettings]:
    cls: type[ServiceSettings] = service_module(service).SETTINGS
    return cls


def prefix(service: str) -> str:
    return str(settings_class(service).model_config.get("env_prefix", "")).upper()


def default_port(service: str) -> int:
    port = settings_class(service).model_fields["port"].default
    assert isinstance(port, int)
    return port


def allowed_env(service: str) -> frozenset[str]:
    """Every variable name the service's settings class reads."""
    return accepted_env_names(settings_class(service))


def console_env() -> frozenset[str]:
    """Every variable name the console's settings read."""
    return accepted_env_names(ConsoleSettings)


def any_service_env() -> frozenset[str]:
    """Names any service or the console reads (the shared ConfigMap carries them all)."""
    return frozenset().union(console_env(), *(allowed_env(name) for name in SERVICE_NAMES))


def event_topics() -> set[str]:
    """The topics the code publishes to or reads from (TOPIC and INBOUND_TOPIC)."""
    topics = set()
    for name in SERVICE_NAMES:
        events = importlib.import_module(f"services.{name}.events")
        for attribute in ("TOPIC", "INBOUND_TOPIC"):
            if hasattr(events, attribute):
                topics.add(str(getattr(events, attribute)))
    return topics


def all_topics() -> set[str]:
    """Every topic and its dead-letter topic."""
    return event_topics() | {dlq_topic(topic) for topic in event_topics()}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load_yaml_all(path: Path) -> list[Any]:
    return [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
