"""The configuration reference: derived the way pydantic-settings reads the environment,
and docs/operations.md carries its current text."""

from __future__ import annotations

import typing
from pathlib import Path
from types import UnionType
from typing import Any

import pytest
from pydantic_settings import BaseSettings

from qise.settings_doc import (
    OPERATIONS_DOC,
    REGENERATE,
    generated_section,
    other_settings,
    settings_of,
    settings_reference,
)
from services import SERVICE_NAMES
from tests.ops.helpers import settings_class

# Every settings class the reference documents: the four services and the console.
DOCUMENTED = (*SERVICE_NAMES, *other_settings())


def documented_class(name: str) -> type[BaseSettings]:
    return other_settings()[name] if name in other_settings() else settings_class(name)


def _probe(annotation: Any) -> tuple[str, Any]:
    """A value to put in the environment for a field of this type, and what it parses to."""
    if isinstance(annotation, UnionType) or typing.get_origin(annotation) is typing.Union:
        annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
    if annotation is int:
        return "4242", 4242
    if annotation is float:
        return "42.5", 42.5
    if annotation is bool:
        return "true", True
    if annotation is Path:
        return "/srv/probe", Path("/srv/probe")
    if typing.get_origin(annotation) is tuple and typing.get_args(annotation)[0] is str:
        return "10.0.0.0/8, 192.0.2.7", ("10.0.0.0/8", "192.0.2.7")  # the trusted proxies
    if typing.get_origin(annotation) is tuple:  # the JWT algorithms, a comma list
        return "ES256, rs256", ("ES256", "RS256")
    assert annotation is str, annotation
    return "probe-value", "probe-value"


@pytest.mark.parametrize("service", DOCUMENTED)
def test_every_derived_name_sets_its_setting(service: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each name the docs and the deployment checks use really sets the setting."""
    cls = documented_class(service)
    for setting in settings_of(cls):
        raw, parsed = _probe(cls.model_fields[setting.field].annotation)
        for name in setting.names:
            for other in setting.names:
                monkeypatch.delenv(other, raising=False)
            monkeypatch.setenv(name, raw)
            value = getattr(cls(_env_file=None), setting.field)
            assert value == parsed, f"{name} does not set {cls.__name__}.{setting.field}"
        for other in setting.names:
            monkeypatch.delenv(other, raising=False)


def test_names_follow_the_prefix_or_the_alias() -> None:
    registry = {s.field: s for s in settings_of(settings_class("registry"))}
    assert registry["port"].env == "REGISTRY_PORT"
    assert registry["database_url"].env == "REGISTRY_DATABASE_URL"
    assert registry["kafka_bootstrap_servers"].env == "KAFKA_BOOTSTRAP_SERVERS"
    assert registry["kafka_bootstrap_servers"].shared
    assert "REGISTRY_KAFKA_BOOTSTRAP_SERVERS" in registry["kafka_bootstrap_servers"].also
    assert registry["jwt_secret"].env == "QISE_JWT_SECRET"
    assert not registry["port"].shared


def test_reference_names_every_setting_of_every_service_and_the_console() -> None:
    text = settings_reference()
    for service in DOCUMENTED:
        for setting in settings_of(documented_class(service)):
            assert f"`{setting.env}`" in text, setting.env
    assert "### console (`CONSOLE_`)" in text
    assert "| `CONSOLE_STATS_URL` | `http://127.0.0.1:8004` | Base URL of stats. |" in text


def test_every_setting_says_what_it_is_for() -> None:
    for service in DOCUMENTED:
        for setting in settings_of(documented_class(service)):
            assert setting.description, f"{setting.env} has no description"


def test_operations_doc_has_the_current_reference() -> None:
    section = generated_section(OPERATIONS_DOC.read_text(encoding="utf-8"))
    assert section is not None, "docs/operations.md lost its generated settings section"
    assert section == settings_reference(), (
        f"docs/operations.md is out of date with the settings classes; run:\n  {REGENERATE}"
    )
