"""The four Qise services. Each `services.<name>.app` module has the same parts:
`create_app`, `SETTINGS` (its settings class), `METADATA` and `MIGRATIONS`."""

from __future__ import annotations

import importlib
from types import ModuleType

SERVICE_NAMES = ("registry", "activities", "requests", "stats")


def service_module(name: str) -> ModuleType:
    if name not in SERVICE_NAMES:
        raise ValueError(f"unknown service {name!r}; one of {', '.join(SERVICE_NAMES)}")
    return importlib.import_module(f"services.{name}.app")
