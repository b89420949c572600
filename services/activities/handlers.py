"""Events from other services that activities reacts to."""

from __future__ import annotations

from shared.service import Subscription

SUBSCRIPTIONS: list[Subscription] = []
