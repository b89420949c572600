"""Where the requests service records the events it publishes (its contract is in events.py)."""

from __future__ import annotations

from services.requests.events import TOPIC
from shared.outbox import Outbox

OUTBOX = Outbox(service="requests", topic=TOPIC)
