"""the relay keeps the highest offset each partition acknowledged, per cluster"""

from shared.messaging_migrations import OUTBOX_POSITIONS

revision = "0008"
down_revision = "0007"
upgrade, downgrade = OUTBOX_POSITIONS.upgrade, OUTBOX_POSITIONS.downgrade
