"""Where the activities service records the events it publishes (its contract is in events.py)."""

from __future__ import annotations

from services.activities.events import TOPIC
from shared.outbox import Outbox

OUTBOX = Outbox(service="activities", topic=TOPIC)
