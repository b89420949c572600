"""The commit policy: a partition's offset is committed only after the transaction
that applied its batch, and a rebalance waits for the batch in flight.

Contract: the consumer wraps each partition's batch in `async with
commits.batch(partition, generation) as ours:`, `generation` being
`commits.generation` when the batch was fetched; `ours` is False while a
rebalance is under way, once the partition is no longer assigned here, or when
an assignment came between the fetch and now (the batch was read ahead), and the batch is then
dropped unread (its new reader reads it from the committed offset, and skips
what was applied by event id). Inside, `commit(partition, offset)` commits and
answers False, without raising, when the group moved on meanwhile. As the
`ConsumerRebalanceListener` given to `subscribe`, `on_partitions_revoked`
returns only once the batch in flight is applied and committed, so the
partitions change hands at a committed position and no commit arrives from
an old generation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError

log = logging.getLogger(__name__)


class CommitAfterApply(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, consumer: AIOKafkaConsumer, name: str) -> None:
        self.consumer = consumer
        self.name = name
        self.in_flight = asyncio.Lock()
        self.rebalancing = False
        # One more at every assignment: a batch fetched before it is not applied.
        self.generation = 0

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self.rebalancing = True
        async with self.in_flight:
            log.info("%s: giving up %d partitions at committed offsets", self.name, len(revoked))

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self.generation += 1
        self.rebalancing = False

    @asynccontextmanager
    async def batch(
        self, partition: TopicPartition, generation: int | None = None
    ) -> AsyncIterator[bool]:
        async with self.in_flight:
            yield (
                not self.rebalancing
                and (generation is None or generation == self.generation)
                and partition in self.consumer.assignment()
            )

    async def commit(self, partition: TopicPartition, offset: int) -> bool:
        try:
            await self.consumer.commit({partition: offset})
            return True
        except (CommitFailedError, IllegalStateError) as error:
            # The partition moved on: its new reader starts at the last commit and
            # skips by event id what this batch applied.
            log.info("%s: %s moved before its commit (%r)", self.name, partition, error)
            return False
