"""Events from other services the registry reacts to: none yet. It is the system of record
for people and teams and reads no other service's events."""

from __future__ import annotations

from services.registry.settings import RegistrySettings
from shared.service import Subscription


def subscriptions(settings: RegistrySettings) -> list[Subscription]:
    return []
