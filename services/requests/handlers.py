"""Events from other services that requests reacts to."""

from __future__ import annotations

from shared.service import Subscription

SUBSCRIPTIONS: list[Subscription] = []
