"""Operators' view of the dead-letter topics: list what landed there, and drive a
message back to the topic it came from (once its cause is fixed)."""

from __future__ import annotations

from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition

from shared.kafka import DLQ_SUFFIX, create_producer

KNOWN_TOPICS = (
    "qise.registry.events",
    "qise.activities.events",
    "qise.requests.events",
    "qise.county.inbound",
)


@dataclass(frozen=True)
class DeadLetter:
    dlq_topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def reason(self) -> str:
        return self.headers.get("qise-dlq-reason", "")

    @property
    def origin(self) -> str:
        return self.headers.get("qise-dlq-topic", self.dlq_topic.removesuffix(DLQ_SUFFIX))

    @property
    def ref(self) -> str:
        """How an operator names this message: <dlq topic>:<partition>:<offset>."""
        return f"{self.dlq_topic}:{self.partition}:{self.offset}"


async def read_dead_letters(bootstrap: str, topics: list[str]) -> list[DeadLetter]:
    """Every message in the given dead-letter topics, oldest first per partition."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in sorted(consumer.partitions_for_topic(topic) or ())
        ]
        if not partitions:
            return []
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        letters: list[DeadLetter] = []
        quiet = 0
        # End offsets are not trusted (the embedded broker under-reports them):
        # read until the topics stay quiet.
        while quiet < 2:
            batches = await consumer.getmany(timeout_ms=700)
            quiet = 0 if batches else quiet + 1
            for records in batches.values():
                letters += [
                    DeadLetter(
                        r.topic,
                        r.partition,
                        r.offset,
                        r.key,
                        r.value,
                        {k: v.decode(errors="replace") for k, v in r.headers},
                    )
                    for r in records
                ]
        return sorted(letters, key=lambda d: (d.dlq_topic, d.partition, d.offset))
    finally:
        await consumer.stop()


async def replay(bootstrap: str, letters: list[DeadLetter]) -> int:
    """Publish each message again to its original topic with its key; consumers apply it
    once (they dedupe by event id) or dead-letter it again with a fresh reason."""
    producer = create_producer(bootstrap, "qise-dlq-replay")
    await producer.start()
    try:
        for letter in letters:
            await producer.send_and_wait(
                letter.origin,
                value=letter.value,
                key=letter.key,
                headers=[("qise-replayed-from", letter.ref.encode())],
            )
    finally:
        await producer.stop()
    return len(letters)
