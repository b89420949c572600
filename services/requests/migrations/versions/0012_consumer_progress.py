"""consumers record how far each group got on each partition (consumer_progress)"""

from shared.messaging_migrations import CONSUMER_PROGRESS

revision = "0012"
down_revision = "0011"
upgrade, downgrade = CONSUMER_PROGRESS.upgrade, CONSUMER_PROGRESS.downgrade
