"""The dead-letter topics: a consumer sends what it gives up on there with the reason
(`DeadLetters`); operators list what landed there and drive a message back to the
topic it came from once its cause is fixed (`read_dead_letters`, `replay`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from shared.kafka import DLQ_SUFFIX, create_producer, dlq_topic
from shared.metrics import DEAD_LETTERED, EVENTS_CONSUMED

log = logging.getLogger(__name__)

MAX_REASON_BYTES = 2000
DEAD_LETTER_KEEPS_BYTES = 100_000

KNOWN_TOPICS = (
    "qise.registry.events",
    "qise.activities.events",
    "qise.requests.events",
    "qise.county.inbound",
)


@dataclass(frozen=True)
class Received:
    """A message as a consumer read it: where it came from, its key and its bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None

    @classmethod
    def of(cls, record: ConsumerRecord[bytes, bytes]) -> Received:
        return cls(record.topic, record.partition, record.offset, record.key, record.value)


class DeadLetters:
    """Contract: `send(message, reason)` returns once `<topic>.dlq` holds the message
    (its head, when large) with the reason and its origin in headers; it raises when
    the broker does not take it, so the caller commits no offset past it."""

    def __init__(self, producer: AIOKafkaProducer, *, service: str, group_id: str) -> None:
        self.producer = producer
        self.service = service
        self.group_id = group_id

    async def send(self, message: Received, reason: str) -> None:
        log.warning(
            "dead-lettering %s@%s/%s: %s", message.topic, message.partition, message.offset, reason
        )
        value = message.value
        headers = [
            ("qise-dlq-reason", reason.encode()[:MAX_REASON_BYTES]),
            ("qise-dlq-topic", message.topic.encode()),
            ("qise-dlq-partition", str(message.partition).encode()),
            ("qise-dlq-offset", str(message.offset).encode()),
            ("qise-dlq-consumer", self.group_id.encode()),
        ]
        if value is not None and len(value) > DEAD_LETTER_KEEPS_BYTES:
            headers.append(("qise-dlq-truncated-from", str(len(value)).encode()))
            value = value[:DEAD_LETTER_KEEPS_BYTES]
        await self.producer.send_and_wait(
            dlq_topic(message.topic), value=value, key=message.key, headers=headers
        )
        DEAD_LETTERED.labels(self.service, message.topic).inc()
        EVENTS_CONSUMED.labels(self.service, message.topic, "dead_lettered").inc()


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
