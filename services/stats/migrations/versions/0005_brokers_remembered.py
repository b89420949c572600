"""outbox rows and consumers remember which broker cluster they used"""

from shared.messaging_migrations import BROKERS_REMEMBERED

revision = "0005"
down_revision = "0004"
upgrade, downgrade = BROKERS_REMEMBERED.upgrade, BROKERS_REMEMBERED.downgrade
