"""Kafka clients with the settings every service uses."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

log = logging.getLogger(__name__)

DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


def create_producer(bootstrap_servers: str, client_id: str) -> AIOKafkaProducer:
    # acks=all and no idempotence: the embedded broker rejects the idempotent
    # producer; duplicates are harmless because every consumer dedupes by event id.
    # The relay sends one batch per partition at a time (`create_batch`), so a round
    # of 500 events fits a few batches.
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        client_id=client_id,
        acks="all",
        enable_idempotence=False,
        linger_ms=5,
        max_batch_size=524_288,
        request_timeout_ms=15000,
        max_request_size=2_097_152,
    )


async def ensure_topics(
    bootstrap_servers: str, topics: list[str], partitions: int = 3
) -> list[str]:
    """Create the topics that do not exist yet and return their names."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in topics if t not in existing]
        if missing:
            await admin.create_topics([NewTopic(t, partitions, 1) for t in missing])
        return missing
    except KafkaError as error:
        # Another process may have created it meanwhile; auto-creation covers the rest.
        log.info("topic creation: %r", error)
        return []
    finally:
        await admin.close()


async def broker_answers(producer: AIOKafkaProducer, timeout: float = 2.0) -> bool:
    try:
        async with asyncio.timeout(timeout):
            await producer.client.fetch_all_metadata()
        return True
    except Exception:
        return False


class ClusterId:
    """Which Kafka cluster the bootstrap servers lead to, asked afresh on every call.

    The id changes when a cluster is made anew (the embedded broker: at every
    start, since it keeps its log in memory), and with it every offset of the
    old log loses its meaning: the relays publish again what they published
    there, and the consumers read their partitions from the start.
    """

    def __init__(self, bootstrap_servers: str, client_id: str) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self._admin: AIOKafkaAdminClient | None = None

    async def __call__(self) -> str:
        if self._admin is None:
            admin = AIOKafkaAdminClient(
                bootstrap_servers=self.bootstrap_servers,
                client_id=self.client_id,
                request_timeout_ms=10000,
            )
            await admin.start()
            self._admin = admin
        try:
            cluster: str = (await self._admin.describe_cluster())["cluster_id"]
        except Exception:
            await self.close()
            raise
        return cluster

    async def close(self) -> None:
        admin, self._admin = self._admin, None
        if admin is not None:
            try:
                await admin.close()
            except Exception as error:
                log.debug("cluster id client close: %r", error)


async def committed_offsets(
    bootstrap_servers: str, group_ids: list[str], topics: list[str]
) -> dict[tuple[str, str, int], int]:
    """The offset each consumer group committed, by (group, topic, partition); a partition
    the group never committed is not there. Asked as a member that joins nothing (the
    admin client's OffsetFetch is not understood by every broker we run on)."""
    committed: dict[tuple[str, str, int], int] = {}
    for group in group_ids:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers, group_id=group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            await consumer.topics()  # the partitions of every topic
            for topic in topics:
                for partition in sorted(consumer.partitions_for_topic(topic) or ()):
                    offset = await consumer.committed(TopicPartition(topic, partition))
                    if offset is not None and offset >= 0:
                        committed[(group, topic, partition)] = offset
        finally:
            await consumer.stop()
    return committed
