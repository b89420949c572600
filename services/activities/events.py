"""Events the activities service publishes on `qise.activities.events`."""

from __future__ import annotations

from shared.events import EventCatalog
from shared.outbox import Outbox

TOPIC = "qise.activities.events"
OUTBOX = Outbox(service="activities", topic=TOPIC)

CATALOG = EventCatalog([])
