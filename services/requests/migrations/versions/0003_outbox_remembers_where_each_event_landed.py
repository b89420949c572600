"""outbox remembers where each event landed"""

from shared.messaging_migrations import WHERE_EVENTS_LANDED

revision = "0003"
down_revision = "0002"
upgrade, downgrade = WHERE_EVENTS_LANDED.upgrade, WHERE_EVENTS_LANDED.downgrade
