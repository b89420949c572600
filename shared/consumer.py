"""The idempotent event consumer with its dead-letter topic.

Each message's event id is stored in `processed_events` in the same
transaction as the handler's effect, and the Kafka offset is committed only
after that transaction: a crash anywhere re-delivers, and a re-delivered
event is recognised and skipped. A message that cannot be parsed, or whose
handler keeps failing, goes to `<topic>.dlq` with the reason in a header, and
the consumer goes on with the next one.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from typing import Any

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.broker_loss import ConsumerBrokers
from shared.db import insert_for, is_transient, utcnow
from shared.errors import DomainError
from shared.events import CloudEvent, Event, EventCatalog, UnknownEventType
from shared.kafka import ClusterId, dlq_topic
from shared.metrics import CONSUMER_LAG, DEAD_LETTERED, EVENTS_CONSUMED
from shared.tables import processed_events
from shared.tracing import TRACE_KEYS, span_from, tracing_enabled

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Event[Any]], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Event[Any]]], Awaitable[None]]


def one_by_one(handlers: Mapping[str, Handler]) -> BatchHandler:
    """A batch handler that hands each event, in order, to the handler of its type."""

    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        for event in events:
            await handlers[event.envelope.type](session, event)

    return apply


MAX_REASON_BYTES = 2000
# Larger messages are no event of ours; the dead-letter copy keeps their head.
MAX_MESSAGE_BYTES = 1_000_000
DEAD_LETTER_KEEPS_BYTES = 100_000


@dataclass(frozen=True)
class Delivery:
    """One message that parsed into a known event."""

    record: ConsumerRecord[bytes, bytes]
    event: Event[Any]


class PoisonMessage(Exception):
    """A message no retry can fix: bad JSON, bad envelope, unknown type, bad data."""


class EventConsumer:
    """Applies the events of `types` from `topics`, once each, a batch at a time through `apply`."""

    def __init__(
        self,
        *,
        service: str,
        name: str,
        topics: Sequence[str],
        types: frozenset[str],
        apply: BatchHandler,
        catalog: EventCatalog,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        bootstrap_servers: str,
        group_id: str,
        batch_size: int = 500,
        max_attempts: int = 3,
        session_timeout_ms: int = 10000,
        crash_after_commit: float = 0.0,
        fetch_max_wait_ms: int = 100,
    ) -> None:
        unknown = [t for t in types if t not in catalog]
        if unknown:
            raise ValueError(f"handlers for event types missing from the catalog: {unknown}")
        self.service = service
        self.name = name
        self.topics = list(topics)
        self.types = types
        self.apply = apply
        self.lag: dict[tuple[str, int], int] = {}
        self.assigned: list[tuple[str, int]] = []
        self.catalog = catalog
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.batch_size = batch_size
        self.max_attempts = max_attempts
        self.session_timeout_ms = session_timeout_ms
        self.crash_after_commit = crash_after_commit
        self.fetch_max_wait_ms = fetch_max_wait_ms

    # -- the loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Consume until cancelled; reconnect after broker or database failures."""
        while True:
            consumer = AIOKafkaConsumer(
                *self.topics,
                bootstrap_servers=self.bootstrap_servers,
                group_id=self.group_id,
                client_id=f"qise-{self.service}-{self.name}",
                enable_auto_commit=False,
                auto_offset_reset="earliest",
                max_poll_records=self.batch_size,
                metadata_max_age_ms=5000,
                session_timeout_ms=self.session_timeout_ms,
                heartbeat_interval_ms=max(self.session_timeout_ms // 6, 100),
                rebalance_timeout_ms=self.session_timeout_ms,
                fetch_max_wait_ms=self.fetch_max_wait_ms,
            )
            cluster = ClusterId(self.bootstrap_servers, f"qise-{self.service}-{self.name}-cluster")
            try:
                await consumer.start()
                await self._consume(consumer, cluster)
            except asyncio.CancelledError:
                raise
            except Exception as error:
                log.warning("consumer %s/%s failed, restarting: %r", self.service, self.name, error)
                await asyncio.sleep(1.0)
            finally:
                for stop in (consumer.stop, cluster.close):
                    try:
                        await stop()
                    except Exception as error:
                        log.debug("consumer stop: %r", error)

    async def _consume(self, consumer: AIOKafkaConsumer, cluster: ClusterId) -> None:
        brokers = ConsumerBrokers(self.sessionmaker, self.group_id)
        while True:
            batches = await consumer.getmany(timeout_ms=500, max_records=self.batch_size)
            self.assigned = sorted((p.topic, p.partition) for p in consumer.assignment())
            if batches:
                await brokers.drop_batches_from_another_broker(consumer, cluster, batches)
            for partition, records in batches.items():
                await self.handle_records(records)
                if self.crash_after_commit and random.random() < self.crash_after_commit:
                    # Fault tests only: die between the database commit and the offset commit.
                    log.warning("fault injection: exiting before the offset commit")
                    os._exit(137)
                await consumer.commit({partition: records[-1].offset + 1})
                self._observe_lag(consumer, partition, records[-1].offset)

    def _observe_lag(
        self, consumer: AIOKafkaConsumer, partition: TopicPartition, offset: int
    ) -> None:
        highwater = consumer.highwater(partition)
        if highwater is not None:
            self.lag[(partition.topic, partition.partition)] = max(highwater - offset - 1, 0)
            topic_lag = sum(v for (t, _), v in self.lag.items() if t == partition.topic)
            CONSUMER_LAG.labels(self.service, partition.topic).set(topic_lag)

    # -- applying records -------------------------------------------------------

    async def handle_records(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> None:
        """Apply records of one partition; returns once each is applied or dead-lettered."""
        deliveries: list[Delivery] = []
        for record in records:
            if record.value is not None and len(record.value) > MAX_MESSAGE_BYTES:
                await self.dead_letter(record, f"message of {len(record.value)} bytes is too large")
                continue
            try:
                event = parse_message(self.catalog, record.value)
            except PoisonMessage as error:
                await self.dead_letter(record, str(error))
                continue
            if event.envelope.type not in self.types:
                EVENTS_CONSUMED.labels(self.service, record.topic, "ignored").inc()
                continue
            deliveries.append(Delivery(record, event))
        if not deliveries:
            return
        try:
            await self._apply_together(deliveries)
        except Exception as error:
            if is_transient(error):
                raise
            # One bad event must not hold back the others: apply them one by one.
            log.info("batch of %d failed (%r); applying one by one", len(deliveries), error)
            for delivery in deliveries:
                await self._apply_alone(delivery)

    async def _apply_together(self, deliveries: list[Delivery]) -> None:
        async with self.sessionmaker() as session, session.begin():
            claimed = await self._claim(session, deliveries)
            applied: list[Delivery] = []
            for delivery in deliveries:
                if delivery.event.id in claimed:  # once, even when the batch has it twice
                    claimed.discard(delivery.event.id)
                    applied.append(delivery)
            if applied:
                with ExitStack() as spans:
                    if tracing_enabled():
                        for delivery in applied:
                            spans.enter_context(self._span(delivery))
                    await self.apply(session, [d.event for d in applied])
        self._count(deliveries, applied)

    async def _claim(self, session: AsyncSession, deliveries: list[Delivery]) -> set[Any]:
        """Record the batch's event ids as processed; the ids that were new come back.

        One statement, on the primary key: ids already applied (or being applied by
        another process right now, whose insert we wait for) are not returned, and
        a rollback of this transaction takes the claims back with the effects.
        """
        now = utcnow()
        rows = {
            d.event.id: {
                "consumer": self.name,
                "event_id": d.event.id,
                "event_time": d.event.time,
                "processed_at": now,
            }
            for d in deliveries
        }
        statement = (
            insert_for(session, processed_events)
            .on_conflict_do_nothing(index_elements=["consumer", "event_id"])
            .returning(processed_events.c.event_id)
        )
        return set((await session.execute(statement, list(rows.values()))).scalars())

    def _span(self, delivery: Delivery) -> AbstractContextManager[Any]:
        envelope = delivery.event.envelope
        carrier = {k: v for k in TRACE_KEYS if (v := getattr(envelope, k))}
        return span_from(f"{self.service} applies {envelope.type}", carrier, SpanKind.CONSUMER)

    async def _apply_alone(self, delivery: Delivery) -> None:
        with structlog.contextvars.bound_contextvars(event_id=str(delivery.event.id)):
            await self._apply_with_retries(delivery)

    async def _apply_with_retries(self, delivery: Delivery) -> None:
        for attempt in range(1, self.max_attempts + 1):
            try:
                await self._apply_together([delivery])
                return
            except Exception as error:
                if is_transient(error):
                    raise  # the database or broker is away: re-read later, dead-letter nothing
                if isinstance(error, DomainError) or attempt == self.max_attempts:
                    # A rule the event breaks will break again: no point retrying.
                    log.exception("event %s failed %d times", delivery.event.id, attempt)
                    reason = error.detail if isinstance(error, DomainError) else repr(error)
                    await self.dead_letter(delivery.record, f"handler failed: {reason}")
                    return
                await asyncio.sleep(0.2 * 2**attempt)

    def _count(self, deliveries: list[Delivery], applied: list[Delivery]) -> None:
        applied_ids = {d.event.id for d in applied}
        for delivery in deliveries:
            outcome = "applied" if delivery.event.id in applied_ids else "duplicate"
            EVENTS_CONSUMED.labels(self.service, delivery.record.topic, outcome).inc()

    async def dead_letter(self, record: ConsumerRecord[bytes, bytes], reason: str) -> None:
        log.warning(
            "dead-lettering %s@%s/%s: %s", record.topic, record.partition, record.offset, reason
        )
        value = record.value
        headers = [
            ("qise-dlq-reason", reason.encode()[:MAX_REASON_BYTES]),
            ("qise-dlq-topic", record.topic.encode()),
            ("qise-dlq-partition", str(record.partition).encode()),
            ("qise-dlq-offset", str(record.offset).encode()),
            ("qise-dlq-consumer", self.group_id.encode()),
        ]
        if value is not None and len(value) > DEAD_LETTER_KEEPS_BYTES:
            headers.append(("qise-dlq-truncated-from", str(len(value)).encode()))
            value = value[:DEAD_LETTER_KEEPS_BYTES]
        await self.producer.send_and_wait(
            dlq_topic(record.topic), value=value, key=record.key, headers=headers
        )
        DEAD_LETTERED.labels(self.service, record.topic).inc()
        EVENTS_CONSUMED.labels(self.service, record.topic, "dead_lettered").inc()


def parse_message(catalog: EventCatalog, raw: bytes | None) -> Event[Any]:
    """A Kafka message as a validated event, or PoisonMessage saying what is wrong with it."""
    if raw is None:
        raise PoisonMessage("empty message")
    try:
        return catalog.parse_json(raw)  # one pass: envelope and data together
    except ValidationError:
        pass
    # Poison, then: the envelope alone, then its data, to say which is wrong.
    try:
        envelope = CloudEvent.from_json(raw)
    except ValidationError as error:
        raise PoisonMessage(f"not a CloudEvents 1.0 JSON document: {_errors(error)}") from None
    try:
        return catalog.parse(envelope)
    except UnknownEventType:
        raise PoisonMessage(f"unknown event type {envelope.type!r}") from None
    except ValidationError as error:
        raise PoisonMessage(f"data does not match {envelope.type}: {_errors(error)}") from None


def _errors(error: ValidationError) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in error.errors()
    )[:MAX_REASON_BYTES]
