"""The schema changes of the messaging tables (`shared/tables.py`), written once.

Every service database holds the same outbox, inbox (`processed_events`) and
broker map (`consumer_brokers`). Each change to them is one step here; each
service has a revision that runs that step (`STEP.upgrade()` in its `upgrade`,
`STEP.downgrade()` in its `downgrade`), beside its own tables' changes.

A step is frozen once released: it says what the tables became at that step,
not what `shared/tables.py` says today, so an old database upgrades the same way
whenever it does. A later change is a new step, run by a new revision of every
service.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

_UNPUBLISHED = sa.text("published_at IS NULL")


def _partition() -> list[sa.Column[Any]]:
    """A partition of the broker's log, as the tables that remember places in it keep it."""
    return [
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("partition", sa.Integer(), nullable=False),
    ]


def _event_of_a_consumer() -> list[sa.Column[Any]]:
    """The key of what a consumer did with an event: its name and the event's id."""
    return [
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
    ]


def _index_by_consumer_and(table: str, column: str, name: str) -> None:
    """An index of `table` by consumer, then `column`: each consumer's rows in that order."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.create_index(name, ["consumer", column], unique=False)


@dataclass(frozen=True)
class MessagingStep:
    """One change to the messaging tables, and how to undo it."""

    upgrade: Callable[[], None]
    downgrade: Callable[[], None]


def _create_outbox_and_inbox() -> None:
    op.create_table(
        "outbox",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("event_type", sa.String(length=200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("published_at", UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_outbox_event_id")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index(
            "ix_outbox_unpublished",
            ["seq"],
            unique=False,
            postgresql_where=_UNPUBLISHED,
            sqlite_where=_UNPUBLISHED,
        )
    op.create_table(
        "processed_events",
        *_event_of_a_consumer(),
        sa.Column("event_time", UTCDateTime(timezone=True), nullable=False),
        sa.Column("processed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_processed_events")),
    )
    _index_by_consumer_and("processed_events", "event_time", "ix_processed_events_consumer_time")


def _drop_outbox_and_inbox() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_events_consumer_time")
    op.drop_table("processed_events")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(
            "ix_outbox_unpublished", postgresql_where=_UNPUBLISHED, sqlite_where=_UNPUBLISHED
        )
    op.drop_table("outbox")


def _add_where_events_landed() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kafka_partition", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("kafka_offset", sa.BigInteger(), nullable=True))


def _drop_where_events_landed() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("kafka_offset")
        batch_op.drop_column("kafka_partition")


def _add_brokers_remembered() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kafka_cluster", sa.String(length=200), nullable=True))
    op.create_table(
        "consumer_brokers",
        sa.Column("group_id", sa.String(length=200), nullable=False),
        *_partition(),
        sa.Column("cluster_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("group_id", "topic", "partition", name=op.f("pk_consumer_brokers")),
    )


def _drop_brokers_remembered() -> None:
    op.drop_table("consumer_brokers")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("kafka_cluster")


def _add_parked_events_and_claim_age() -> None:
    op.create_table(
        "parked_events",
        *_event_of_a_consumer(),
        *_partition(),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("key", sa.LargeBinary(), nullable=True),
        sa.Column("message", sa.LargeBinary(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("parked_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("retry_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_parked_events")),
    )
    _index_by_consumer_and("parked_events", "retry_at", "ix_parked_events_consumer_retry_at")
    _index_by_consumer_and(
        "processed_events", "processed_at", "ix_processed_events_consumer_processed_at"
    )


def _drop_parked_events_and_claim_age() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.drop_index("ix_processed_events_consumer_processed_at")
    with op.batch_alter_table("parked_events", schema=None) as batch_op:
        batch_op.drop_index("ix_parked_events_consumer_retry_at")
    op.drop_table("parked_events")


def _add_outbox_positions() -> None:
    op.create_table(
        "outbox_positions",
        *_partition(),
        sa.Column("cluster_id", sa.String(length=200), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "topic", "partition", "cluster_id", name=op.f("pk_outbox_positions")
        ),
    )
    # Once, here: from now on the relay starts from this table, not from the outbox.
    op.execute(
        'INSERT INTO outbox_positions (topic, partition, cluster_id, "offset")'
        " SELECT topic, kafka_partition, kafka_cluster, max(kafka_offset) FROM outbox"
        " WHERE kafka_cluster IS NOT NULL AND kafka_offset IS NOT NULL"
        " GROUP BY topic, kafka_partition, kafka_cluster"
    )


def _drop_outbox_positions() -> None:
    op.drop_table("outbox_positions")


OUTBOX_AND_INBOX = MessagingStep(_create_outbox_and_inbox, _drop_outbox_and_inbox)
"""The outbox (the service's event log) and `processed_events` (what its consumers applied)."""

WHERE_EVENTS_LANDED = MessagingStep(_add_where_events_landed, _drop_where_events_landed)
"""The outbox keeps the partition and offset the broker acknowledged for each event."""

BROKERS_REMEMBERED = MessagingStep(_add_brokers_remembered, _drop_brokers_remembered)
"""The outbox keeps the broker's cluster id; `consumer_brokers` the one each partition
was read from."""

PARKED_EVENTS = MessagingStep(_add_parked_events_and_claim_age, _drop_parked_events_and_claim_age)
"""`parked_events` holds what a consumer could not apply yet (it names what is not known
yet); `processed_events` is indexed by age, so old claims are pruned cheaply."""

OUTBOX_POSITIONS = MessagingStep(_add_outbox_positions, _drop_outbox_positions)
"""`outbox_positions` keeps the highest offset each partition acknowledged, per cluster: the
relay starts from it instead of reading the outbox."""


def _add_consumer_progress() -> None:
    op.create_table(
        "consumer_progress",
        sa.Column("consumer", sa.String(length=100), nullable=False),
        sa.Column("group_id", sa.String(length=200), nullable=False),
        *_partition(),
        sa.Column("next_offset", sa.BigInteger(), nullable=False),
        sa.Column("applied", sa.BigInteger(), nullable=False),
        sa.Column("newest_event_time", UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "group_id", "topic", "partition", name=op.f("pk_consumer_progress")
        ),
    )
    # What consumers applied before this table existed: their claims, counted once.
    op.execute(
        "INSERT INTO consumer_progress (consumer, group_id, topic, partition, next_offset,"
        " applied, newest_event_time, updated_at)"
        " SELECT consumer, consumer, '', 0, 0, count(*), max(event_time), max(processed_at)"
        " FROM processed_events GROUP BY consumer"
    )


def _drop_consumer_progress() -> None:
    op.drop_table("consumer_progress")


CONSUMER_PROGRESS = MessagingStep(_add_consumer_progress, _drop_consumer_progress)
"""`consumer_progress` keeps, per consumer group and partition, the next offset, the events
applied and the newest event time; one row a partition, written with each batch."""
