"""The messaging tables every service database has: the outbox (its event log),
the inbox of event ids a consumer has applied, and the events it parked."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    Uuid,
    text,
)

from shared.db import UTCDateTime, new_metadata

MESSAGING_METADATA = new_metadata()

outbox = Table(
    "outbox",
    MESSAGING_METADATA,
    # Publication order; SQLite only autoincrements an INTEGER primary key.
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", Uuid, nullable=False, unique=True),
    Column("topic", String(200), nullable=False),
    Column("key", String(100), nullable=False),
    Column("event_type", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("published_at", UTCDateTime, nullable=True),
    # Where the broker put it: a relay that restarts still knows the highest offset
    # acknowledged, and so notices when a restarted broker lost the log.
    Column("kafka_partition", Integer, nullable=True),
    Column("kafka_offset", BigInteger, nullable=True),
    # The cluster id of that broker: one made anew (or the embedded one, restarted
    # empty) has another, and does not hold the event.
    Column("kafka_cluster", String(200), nullable=True),
    Index(
        "ix_outbox_unpublished",
        "seq",
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    ),
)

processed_events = Table(
    "processed_events",
    MESSAGING_METADATA,
    Column("consumer", String(100), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("event_time", UTCDateTime, nullable=False),
    Column("processed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
    # "as of": the newest event a consumer applied.
    Index("ix_processed_events_consumer_time", "consumer", "event_time"),
    # Retention prunes each consumer's oldest claims (`shared/retention.py`).
    Index("ix_processed_events_consumer_processed_at", "consumer", "processed_at"),
)

# Events a consumer could not apply yet because they name an entity its replica has
# not received (`NotYetKnown`): kept, with the message as read, until they apply or
# the park horizon passes (`shared/parking.py`). Written before the offset commit.
parked_events = Table(
    "parked_events",
    MESSAGING_METADATA,
    Column("consumer", String(100), nullable=False),
    Column("event_id", Uuid, nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("key", LargeBinary, nullable=True),
    Column("message", LargeBinary, nullable=False),
    Column("reason", Text, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("parked_at", UTCDateTime, nullable=False),
    Column("retry_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("consumer", "event_id"),
    Index("ix_parked_events_consumer_retry_at", "consumer", "retry_at"),
)

# How far each consumer group got on each partition, written in the same transaction as
# every batch it applies: what `/stats/lag` counts and `as_of` reads, and how a rebuild
# tells that its new groups have caught up with the old ones (`shared/progress.py`).
# One row a partition, however many events: unlike `processed_events`, it does not grow.
consumer_progress = Table(
    "consumer_progress",
    MESSAGING_METADATA,
    Column("consumer", String(100), nullable=False),
    Column("group_id", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    # The offset after the newest record applied (the greatest seen).
    Column("next_offset", BigInteger, nullable=False),
    Column("applied", BigInteger, nullable=False),
    Column("newest_event_time", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("group_id", "topic", "partition"),
)

# Which broker (its cluster id) each partition a consumer group reads was last read
# from. A broker that comes back empty (the embedded one keeps its log in memory; a
# Kafka cluster made anew) has another id: positions and committed offsets from the
# old log mean nothing in the new one, so the consumer reads the partition again from
# its beginning (what it applied before is skipped by `processed_events`).
consumer_brokers = Table(
    "consumer_brokers",
    MESSAGING_METADATA,
    Column("group_id", String(200), nullable=False),
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("cluster_id", String(200), nullable=False),
    PrimaryKeyConstraint("group_id", "topic", "partition"),
)

# The highest offset each partition of each cluster acknowledged to this service's
# outbox relay. Offsets only grow: a batch that lands at or below it shares offsets
# with an earlier one, and a consumer reads only one of the two. One row per
# partition, so a relay starts without reading the outbox.
outbox_positions = Table(
    "outbox_positions",
    MESSAGING_METADATA,
    Column("topic", String(200), nullable=False),
    Column("partition", Integer, nullable=False),
    Column("cluster_id", String(200), nullable=False),
    Column("offset", BigInteger, nullable=False),
    PrimaryKeyConstraint("topic", "partition", "cluster_id"),
)
