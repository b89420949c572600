"""consumers park events that name what they do not know yet; claims are pruned by age"""

from shared.messaging_migrations import PARKED_EVENTS

revision = "0006"
down_revision = "0005"
upgrade, downgrade = PARKED_EVENTS.upgrade, PARKED_EVENTS.downgrade
