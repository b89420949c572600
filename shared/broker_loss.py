"""Broker-loss recovery: noticing that the broker no longer holds what it acknowledged.

A broker loses what it acknowledged in two ways, and both ends of a topic recover
from each without an operator:

- **A new cluster** (the embedded broker restarted: its log lives in memory; a
  Kafka cluster made anew). Its cluster id differs. The relay queues again
  every event it published to another cluster before it sends anything there
  (`PublishedPositions.follow`); a round that was under way when the broker was
  replaced counts nowhere, and the offsets it took on the new cluster count as
  handed out there (`carry_over`). A consumer reads each partition it last read
  from another cluster again from the beginning (`ConsumerBrokers`).
- **Offsets handed out again within one cluster** (a topic deleted and made
  again; the embedded broker when a topic's creation races a produce to it:
  Tansu 0.6 resets the partitions' high watermarks after the topic is visible,
  so a batch that landed in between is followed by batches at the same
  offsets). A consumer fetching from an offset two batches share reads only one
  of them. The relay counts a batch published only when it lands above every
  offset its partition acknowledged before, and queues again the events of the
  batches it overlaps (`PublishedPositions.land`, `requeue_hidden`).

Contract, relay side: an event counts as published only where every consumer
reads it, and what is queued again is older than what waits, so it goes first
(per key, `seq` order). Contract, consumer side: a batch fetched from another
cluster than the one its partition was last read from is never applied; the
partition is read again from its beginning. Both sides rely on consumers
skipping by event id what they applied before.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import upsert
from shared.kafka import ClusterId
from shared.tables import consumer_brokers, outbox, outbox_positions

log = logging.getLogger(__name__)

Partition = tuple[str, int]

# Batches remembered per partition, to find the rows an overlapping batch hides
# without scanning the outbox; older overlaps fall back to a scan (a rare repair).
REMEMBERED_BATCHES = 64


@dataclass(frozen=True)
class Landing:
    """Where one batch of outbox rows landed: its partition, first and last offset, rows."""

    topic: str
    partition: int
    base_offset: int
    seqs: tuple[int, ...]

    @property
    def last_offset(self) -> int:
        return self.base_offset + len(self.seqs) - 1


@dataclass
class PublishedPositions:
    """What one relay knows of its log on the cluster it publishes to.

    `highest[p]` is the highest offset partition p of `cluster` ever acknowledged
    to this relay (kept in `outbox_positions`, so a restarted relay knows it too).
    Offsets only grow: a batch that lands at or below it shares offsets with one
    acknowledged before.
    """

    cluster: str | None = None
    highest: dict[Partition, int] = field(default_factory=dict)
    recent: dict[Partition, deque[Landing]] = field(default_factory=dict)

    async def follow(self, session: AsyncSession, cluster: str) -> int:
        """Make `cluster` the one published to. Events published to another cluster are
        queued again (it does not hold them) before anything is sent there, so per key
        they go out again in `seq` order. Returns how many were queued again.

        Reads only `outbox_positions` (one row per partition) unless the cluster changed.
        """
        if cluster == self.cluster:
            return 0
        known = set(await session.scalars(select(outbox_positions.c.cluster_id).distinct()))
        again = 0
        if known - {cluster}:
            again = await republish(session, not_on=cluster)
            await session.execute(
                delete(outbox_positions).where(outbox_positions.c.cluster_id != cluster)
            )
        rows = await session.execute(
            select(
                outbox_positions.c.topic, outbox_positions.c.partition, outbox_positions.c.offset
            ).where(outbox_positions.c.cluster_id == cluster)
        )
        self.cluster = cluster
        self.highest = {(topic, partition): offset for topic, partition, offset in rows}
        self.recent = {}
        return again

    def land(self, landing: Landing) -> bool:
        """Whether every consumer reads the batch: it landed above all offsets acknowledged
        before on its partition. Either way its offsets count as handed out."""
        partition = (landing.topic, landing.partition)
        highest = self.highest.get(partition, -1)
        self.highest[partition] = max(highest, landing.last_offset)
        if landing.base_offset > highest:
            self.recent.setdefault(partition, deque(maxlen=REMEMBERED_BATCHES)).append(landing)
            return True
        return False

    def carry_over(
        self, landings: Sequence[Landing], before: dict[Partition, int]
    ) -> list[Landing]:
        """After the cluster changed during a round: count as handed out on the new
        cluster (just followed) the batches of that round that can only have landed
        there, and return them. The relay is the only producer of its topic, so on the
        old cluster each partition's batches follow on from `before` (its highest
        offsets there when the round began); a batch that does not is on the new one,
        and so is every later batch of its partition."""
        expected = {p: offset + 1 for p, offset in before.items()}
        moved: set[Partition] = set()
        carried = []
        for landing in landings:
            partition = (landing.topic, landing.partition)
            if partition not in moved and landing.base_offset == expected.get(partition, 0):
                expected[partition] = landing.last_offset + 1
                continue
            moved.add(partition)
            self.highest[partition] = max(self.highest.get(partition, -1), landing.last_offset)
            carried.append(landing)
        return carried

    async def record(self, session: AsyncSession, landings: Sequence[Landing]) -> None:
        """Store the highest offsets (in the transaction that marks the rows published)."""
        partitions = {(landing.topic, landing.partition) for landing in landings}
        rows = [
            {"topic": t, "partition": p, "cluster_id": self.cluster, "offset": self.highest[(t, p)]}
            for t, p in sorted(partitions)
        ]
        if rows:
            await upsert(session, outbox_positions, rows, key=["topic", "partition", "cluster_id"])

    async def requeue_hidden(self, session: AsyncSession, landing: Landing) -> int:
        """Queue again the published rows that a batch landed over: a consumer fetching
        from an offset the two share reads one of them only."""
        partition = (landing.topic, landing.partition)
        remembered = self.recent.get(partition, deque(maxlen=REMEMBERED_BATCHES))
        covered = bool(remembered) and remembered[0].base_offset <= landing.base_offset
        hidden = [e for e in remembered if e.last_offset >= landing.base_offset]
        self.recent[partition] = deque(
            (e for e in remembered if e.last_offset < landing.base_offset),
            maxlen=REMEMBERED_BATCHES,
        )
        conditions = [
            outbox.c.published_at.is_not(None),
            outbox.c.topic == landing.topic,
            outbox.c.kafka_partition == landing.partition,
            outbox.c.kafka_cluster == self.cluster,
            outbox.c.kafka_offset >= landing.base_offset,
        ]
        if covered:
            # Every row it can hide went out in a remembered batch: a range of the key.
            if not hidden:
                return 0
            conditions.append(outbox.c.seq >= min(seq for e in hidden for seq in e.seqs))
        return await _requeue(session, *conditions)


async def republish(session: AsyncSession, *, since_seq: int = 0, not_on: str | None = None) -> int:
    """Queue every event of the log (from `since_seq`) for publication again; with
    `not_on`, only those published to another cluster than that one."""
    conditions = [outbox.c.seq >= since_seq, outbox.c.published_at.is_not(None)]
    if not_on is not None:
        conditions.append(outbox.c.kafka_cluster != not_on)
    return await _requeue(session, *conditions)


async def _requeue(session: AsyncSession, *conditions: object) -> int:
    result = await session.execute(
        update(outbox)
        .where(*conditions)  # type: ignore[arg-type]
        .values(published_at=None, kafka_partition=None, kafka_offset=None, kafka_cluster=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)


class ConsumerBrokers:
    """Which cluster each partition a consumer group reads was last read from.

    Kept in the group's database (`consumer_brokers`), so a consumer that died after
    committing a position from the old log into the new broker still notices.
    """

    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], group_id: str) -> None:
        self.sessionmaker = sessionmaker
        self.group_id = group_id
        # None: never read here; its committed offset (or the earliest) is right.
        self.read_from: dict[TopicPartition, str | None] = {}

    async def drop_batches_from_another_broker(
        self,
        consumer: AIOKafkaConsumer,
        cluster: ClusterId,
        batches: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]],
    ) -> None:
        """Drop the batches of partitions last read from another broker (it restarted
        empty, or the cluster is new) and read those partitions again from the start.

        Their positions and committed offsets come from the old log and mean nothing
        in the new one.
        """
        # Asked after the fetch: the batches come from this broker or one before it.
        broker = await cluster()
        unknown = [p for p in batches if p not in self.read_from]
        if unknown:
            self.read_from.update(dict.fromkeys(unknown))
            self.read_from.update(await self._brokers_read_from(unknown))
        changed = [p for p in batches if self.read_from[p] != broker]
        if not changed:
            return
        for partition in changed:
            if self.read_from[partition] is None:
                continue
            log.warning(
                "%s: %s was read from broker %s, this is %s: reading it again",
                self.group_id,
                partition,
                self.read_from[partition],
                broker,
            )
            del batches[partition]
            await consumer.seek_to_beginning(partition)
            # Before the broker is remembered: a restart from here starts at 0 too.
            await consumer.commit({partition: 0})
        async with self.sessionmaker() as session, session.begin():
            rows = [
                {
                    "group_id": self.group_id,
                    "topic": p.topic,
                    "partition": p.partition,
                    "cluster_id": broker,
                }
                for p in changed
            ]
            await upsert(session, consumer_brokers, rows, key=["group_id", "topic", "partition"])
        self.read_from.update(dict.fromkeys(changed, broker))

    async def _brokers_read_from(
        self, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, str]:
        async with self.sessionmaker() as session:
            found = await session.execute(
                select(
                    consumer_brokers.c.topic,
                    consumer_brokers.c.partition,
                    consumer_brokers.c.cluster_id,
                ).where(
                    consumer_brokers.c.group_id == self.group_id,
                    consumer_brokers.c.topic.in_({p.topic for p in partitions}),
                )
            )
            return {TopicPartition(t, p): c for t, p, c in found}


__all__ = ["ConsumerBrokers", "Landing", "PublishedPositions", "republish"]
