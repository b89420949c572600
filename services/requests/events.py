"""Events the requests service publishes on `qise.requests.events`."""

from __future__ import annotations

from shared.events import EventCatalog
from shared.outbox import Outbox

TOPIC = "qise.requests.events"
OUTBOX = Outbox(service="requests", topic=TOPIC)

CATALOG = EventCatalog([])
