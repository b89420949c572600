"""seed the seven color categories, and publish them"""

import sqlalchemy as sa
from alembic import op

from services.registry.categories import SEVEN_COLORS
from services.registry.events import CategoryDefined
from services.registry.outbox import OUTBOX
from shared.events import new_event
from shared.seed_migrations import seed_catalog, unseed_catalog

revision = "0002"
down_revision = "0001"

outbox = sa.table(
    "outbox",
    sa.column("event_id", sa.Uuid),
    sa.column("topic", sa.String),
    sa.column("key", sa.String),
    sa.column("event_type", sa.String),
    sa.column("payload", sa.Text),
    sa.column("created_at", sa.DateTime(timezone=True)),
)


def upgrade() -> None:
    seed_catalog("categories", "description", SEVEN_COLORS)
    # The seed is published like any later category, so other services learn the names.
    rows = []
    for position, (code, name, text) in enumerate(SEVEN_COLORS, start=1):
        event = new_event(
            CategoryDefined(code=code, name=name, description=text, position=position),
            source=OUTBOX.source,
            community="*",
            subject=code,
        )
        rows.append(
            {
                "event_id": event.id,
                "topic": OUTBOX.topic,
                "key": "*",
                "event_type": event.type,
                "payload": event.to_json().decode(),
                "created_at": event.time,
            }
        )
    op.bulk_insert(outbox, rows)


def downgrade() -> None:
    unseed_catalog("categories", SEVEN_COLORS)
