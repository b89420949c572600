"""The idempotent event consumer.

Each message's event id is stored in `processed_events` in the same
transaction as the handler's effect, and the Kafka offset is committed only
after that transaction: a crash anywhere re-delivers, and a re-delivered
event is recognised and skipped. A consumer whose handlers keep only the
newest version of each entity (`dedupe="version"`) claims no ids for events
that carry a version: applying one twice or out of order changes nothing, so
the claim row would only cost a write. A batch is applied in one transaction; when
it fails, its events are applied one by one, and each failure is treated as
`shared.failures.classify` says: a transient one is retried with backoff
(`shared.retry`) until it applies, or, if it keeps failing while the database
answers, dead-lettered as poison; an event naming what is not known here yet
is parked (`shared.parking`) and retried until the park horizon; anything else
goes to `<topic>.dlq` at once (`shared.dlq`), and the consumer goes on with
the next one. Offsets are committed by the commit policy (`shared.commits`),
which also hands partitions over at a rebalance. The next batch is fetched and
parsed while the one before waits for the database: one batch ahead at most,
applied in order, and dropped if the group changed hands meanwhile.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from opentelemetry.trace import SpanKind
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared import progress
from shared.broker_loss import ConsumerBrokers
from shared.commits import CommitAfterApply
from shared.db import UNVERSIONED, database_answers, insert_for, utcnow
from shared.dlq import MAX_REASON_BYTES, DeadLetters, Received
from shared.errors import DomainError
from shared.events import CloudEvent, Event, EventCatalog, UnknownEventType
from shared.failures import Failure, classify
from shared.faults import Hook
from shared.kafka import ClusterId
from shared.metrics import (
    CONSUMER_BLOCKED,
    CONSUMER_LAG,
    CONSUMER_RESTARTS,
    CONSUMER_RETRIES,
    EVENTS_CONSUMED,
    PARKED,
    POISON,
)
from shared.parking import Parked, ParkingLot
from shared.retry import RetryPolicy
from shared.tables import processed_events
from shared.tracing import TRACE_KEYS, span_from, tracing_enabled

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, Event[Any]], Awaitable[None]]
BatchHandler = Callable[[AsyncSession, list[Event[Any]]], Awaitable[None]]
# Run first in every batch's transaction; raises `Retired` when this consumer must not
# write any more (stats: its projections' generation was replaced).
Guard = Callable[[AsyncSession], Awaitable[None]]


class Retired(Exception):
    """The consumer's guard refused a batch: it stops, applying and committing nothing more."""


def one_by_one(handlers: Mapping[str, Handler]) -> BatchHandler:
    """A batch handler that hands each event, in order, to the handler of its type."""

    async def apply(session: AsyncSession, events: list[Event[Any]]) -> None:
        for event in events:
            await handlers[event.envelope.type](session, event)

    return apply


# How a consumer knows an event it applied already: by a claim row per event id
# ("claims"), or, for handlers that keep each entity's newest version only, by the
# version the event carries ("version"; unversioned events are still claimed).
Dedupe = Literal["claims", "version"]


def needs_claim(event: Event[Any], dedupe: Dedupe) -> bool:
    """Whether applying `event` must first claim its id in `processed_events`.

    Under "version" an event whose data carries a version needs none: its handler
    refuses a state no newer than the one it holds, so a duplicate or a late event
    changes nothing. An unversioned one (version 0, from before its type carried
    versions) replaces its like in arrival order, so only its claim tells a
    re-delivery from a change.
    """
    if dedupe == "claims":
        return True
    return getattr(event.data, "version", UNVERSIONED) == UNVERSIONED


# Larger messages are no event of ours; the dead-letter copy keeps their head.
MAX_MESSAGE_BYTES = 1_000_000
# How often parked events whose time has come are looked for.
PARKED_EVERY_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class Delivery:
    """One message that parsed into a known event."""

    message: Received
    event: Event[Any]


@dataclass
class Prepared:
    """A partition's records, parsed: what to apply, what to dead-letter, what to skip."""

    topic: str = ""
    deliveries: list[Delivery] = field(default_factory=list)
    poison: list[tuple[Received, str]] = field(default_factory=list)
    ignored: int = 0


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
        policy: RetryPolicy | None = None,
        session_timeout_ms: int = 10000,
        before_offset_commit: Hook | None = None,
        fetch_max_wait_ms: int = 100,
        guard: Guard | None = None,
        dedupe: Dedupe = "claims",
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
        self.bootstrap_servers = bootstrap_servers
        self.group_id = group_id
        self.batch_size = batch_size
        self.policy = policy or RetryPolicy()
        self.session_timeout_ms = session_timeout_ms
        self.before_offset_commit = before_offset_commit
        self.fetch_max_wait_ms = fetch_max_wait_ms
        self.guard = guard
        self.dedupe: Dedupe = dedupe
        self.dead_letters = DeadLetters(producer, service=service, group_id=group_id)
        self.parking = ParkingLot(name, sessionmaker, self.policy)

    # -- the loop ---------------------------------------------------------------

    async def run(self) -> None:
        """Consume until cancelled or retired; reconnect after broker or database failures."""
        while True:
            consumer = AIOKafkaConsumer(
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
            commits = CommitAfterApply(consumer, f"{self.service}/{self.name}")
            consumer.subscribe(self.topics, listener=commits)
            cluster = ClusterId(self.bootstrap_servers, f"qise-{self.service}-{self.name}-cluster")
            try:
                await consumer.start()
                await self._consume(consumer, commits, cluster)
            except asyncio.CancelledError:
                raise
            except Retired:
                log.info("consumer %s/%s (%s) retired", self.service, self.name, self.group_id)
                return
            except Exception as error:
                log.warning("consumer %s/%s failed, restarting: %r", self.service, self.name, error)
                CONSUMER_RESTARTS.labels(self.service, self.name).inc()
                await asyncio.sleep(1.0)
            finally:
                for stop in (consumer.stop, cluster.close):
                    try:
                        await stop()
                    except Exception as error:
                        log.debug("consumer stop: %r", error)

    async def _consume(
        self, consumer: AIOKafkaConsumer, commits: CommitAfterApply, cluster: ClusterId
    ) -> None:
        brokers = ConsumerBrokers(self.sessionmaker, self.group_id)
        parked_checked = 0.0
        # The batch being applied while the next is fetched and parsed: parsing is
        # CPU, applying mostly waits for the database, so the two overlap.
        applying: asyncio.Task[None] | None = None
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=500, max_records=self.batch_size)
                # Read at once: an assignment after this resets the positions, so a
                # batch fetched before it is dropped and read again.
                generation = commits.generation
                self.assigned = sorted((p.topic, p.partition) for p in consumer.assignment())
                if batches:
                    await brokers.drop_batches_from_another_broker(consumer, cluster, batches)
                prepared = [
                    (partition, records, self.prepare(records))
                    for partition, records in batches.items()
                ]
                if applying is not None:
                    await applying  # in order: batch k commits before batch k+1 applies
                    applying = None
                if prepared:
                    applying = asyncio.create_task(
                        self._apply_and_commit(consumer, commits, prepared, generation)
                    )
                if time.monotonic() - parked_checked >= PARKED_EVERY_SECONDS:
                    if applying is not None:
                        await applying
                        applying = None
                    parked_checked = time.monotonic()
                    await self._retry_parked_unless_away()
        finally:
            if applying is not None:
                applying.cancel()
                with suppress(BaseException):
                    await applying

    async def _apply_and_commit(
        self,
        consumer: AIOKafkaConsumer,
        commits: CommitAfterApply,
        prepared: list[tuple[TopicPartition, list[ConsumerRecord[bytes, bytes]], Prepared]],
        generation: int,
    ) -> None:
        for partition, records, batch in prepared:
            async with commits.batch(partition, generation) as ours:
                if not ours:
                    continue  # handed over: its new reader starts at our last commit
                await self.apply_prepared(batch)
                if self.before_offset_commit is not None:
                    self.before_offset_commit()
                if await commits.commit(partition, records[-1].offset + 1):
                    self._observe_lag(consumer, partition, records[-1].offset)

    async def _retry_parked_unless_away(self) -> None:
        try:
            await self.retry_parked()
        except Exception as error:
            if classify(error) is not Failure.TRANSIENT:
                raise
            # Parked events keep: they are tried again at the next round.
            log.warning("%s/%s: parked events wait: %r", self.service, self.name, error)

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
        """Apply records of one partition; returns once each is applied, parked or dead-lettered."""
        await self.apply_prepared(self.prepare(records))

    def prepare(self, records: Sequence[ConsumerRecord[bytes, bytes]]) -> Prepared:
        """Parse a partition's records (CPU only: no I/O, so it overlaps a batch in flight)."""
        batch = Prepared(records[0].topic if records else "")
        catalog, types = self.catalog, self.types
        for record in records:
            value = record.value
            if value is not None and len(value) > MAX_MESSAGE_BYTES:
                batch.poison.append(
                    (Received.of(record), f"message of {len(value)} bytes is too large")
                )
                continue
            try:
                event = parse_message(catalog, value)
            except PoisonMessage as error:
                batch.poison.append((Received.of(record), str(error)))
                continue
            if event.envelope.type not in types:
                batch.ignored += 1
                continue
            batch.deliveries.append(Delivery(Received.of(record), event))
        return batch

    async def apply_prepared(self, batch: Prepared) -> None:
        """Dead-letter a prepared batch's poison, then apply its events."""
        for message, why in batch.poison:
            await self.dead_letters.send(message, why)
        if batch.ignored:
            EVENTS_CONSUMED.labels(self.service, batch.topic, "ignored").inc(batch.ignored)
        deliveries = batch.deliveries
        if not deliveries:
            return
        try:
            await self._apply_together(deliveries)
        except Retired:
            raise
        except Exception as error:
            # One bad event must not hold back the others: apply them one by one.
            log.info("batch of %d failed (%r); applying one by one", len(deliveries), error)
            for delivery in deliveries:
                with structlog.contextvars.bound_contextvars(event_id=str(delivery.event.id)):
                    await self._settle(delivery)

    async def _settle(self, delivery: Delivery) -> None:
        """Apply one event, retrying while its failure is transient; park or dead-letter it
        as its failure's class says (`shared.failures`)."""
        topic = delivery.message.topic
        started = time.monotonic()
        attempt = 0
        try:
            while True:
                attempt += 1
                try:
                    await self._apply_together([delivery])
                    return
                except Retired:
                    raise
                except Exception as error:
                    failure = classify(error)
                    if failure is Failure.NOT_YET_KNOWN:
                        await self.parking.park(delivery.event.id, delivery.message, reason(error))
                        PARKED.labels(self.service, topic).inc()
                        EVENTS_CONSUMED.labels(self.service, topic, "parked").inc()
                        return
                    if failure is Failure.PERMANENT:
                        log.exception("event %s failed", delivery.event.id)
                        await self.dead_letters.send(
                            delivery.message, f"handler failed: {reason(error)}"
                        )
                        return
                    failing_for = time.monotonic() - started
                    CONSUMER_RETRIES.labels(self.service, topic).inc()
                    CONSUMER_BLOCKED.labels(self.service, topic).set(failing_for)
                    if self.policy.is_poison(failing_for) and await database_answers(
                        self.sessionmaker
                    ):
                        # The database answers, yet this event keeps failing: it is the cause.
                        log.error("event %s is poison: %r", delivery.event.id, error)
                        POISON.labels(self.service, topic).inc()
                        await self.dead_letters.send(
                            delivery.message,
                            f"poison: failed for {failing_for:.0f} s, {attempt} attempts,"
                            f" last: {reason(error)}",
                        )
                        return
                    log.warning("event %s failed, retrying: %r", delivery.event.id, error)
                    await asyncio.sleep(self.policy.delay(attempt))
        finally:
            CONSUMER_BLOCKED.labels(self.service, topic).set(0)

    async def _apply_together(self, deliveries: list[Delivery]) -> None:
        async with self.sessionmaker() as session, session.begin():
            if self.guard is not None:
                await self.guard(session)
            claiming = [d for d in deliveries if needs_claim(d.event, self.dedupe)]
            claimed = await self._claim(session, claiming) if claiming else set()
            applied: list[Delivery] = []
            for delivery in deliveries:
                if not claiming or not needs_claim(delivery.event, self.dedupe):
                    applied.append(delivery)  # its handler refuses what is not newer
                elif delivery.event.id in claimed:  # once, even when the batch has it twice
                    claimed.discard(delivery.event.id)
                    applied.append(delivery)
            if applied:
                with ExitStack() as spans:
                    if tracing_enabled():
                        for delivery in applied:
                            spans.enter_context(self._span(delivery))
                    await self.apply(session, [d.event for d in applied])
            taken = {id(d) for d in applied}
            await progress.record(
                session,
                consumer=self.name,
                group_id=self.group_id,
                applied=[_progress_of(d, id(d) in taken) for d in deliveries],
            )
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

    def _count(self, deliveries: list[Delivery], applied: list[Delivery]) -> None:
        # Counted per topic and outcome, not per event: labels() is not free.
        outcomes: Counter[tuple[str, str]] = Counter()
        if len(applied) == len(deliveries):
            for delivery in deliveries:
                outcomes[(delivery.message.topic, "applied")] += 1
        else:
            applied_ids = {id(d) for d in applied}
            for delivery in deliveries:
                outcome = "applied" if id(delivery) in applied_ids else "duplicate"
                outcomes[(delivery.message.topic, outcome)] += 1
        for (topic, outcome), count in outcomes.items():
            EVENTS_CONSUMED.labels(self.service, topic, outcome).inc(count)

    # -- parked events ----------------------------------------------------------

    async def retry_parked(self) -> None:
        """Apply the parked events whose time has come; dead-letter those past the horizon."""
        for parked in await self.parking.take_due():
            await self._retry_one_parked(parked)

    async def _retry_one_parked(self, parked: Parked) -> None:
        try:
            event = parse_message(self.catalog, parked.message.value)
            await self._apply_together([Delivery(parked.message, event)])
        except Retired:
            raise
        except Exception as error:
            failure = classify(error)
            if failure is Failure.TRANSIENT:
                await self.parking.postpone(parked, parked.reason)
                return
            waited = (utcnow() - parked.parked_at).total_seconds()
            if failure is Failure.NOT_YET_KNOWN and not self.policy.past_horizon(waited):
                await self.parking.postpone(parked, reason(error))
                return
            why = (
                f"not applicable after {waited:.0f} s parked: {reason(error)}"
                if failure is Failure.NOT_YET_KNOWN
                else f"handler failed: {reason(error)}"
            )
            await self.dead_letters.send(parked.message, why)
        await self.parking.release(parked.event_id)


def _progress_of(delivery: Delivery, applied: bool) -> tuple[str, int, int, Any]:
    message = delivery.message
    return (
        message.topic,
        message.partition,
        message.offset,
        delivery.event.time if applied else None,
    )


def reason(error: BaseException) -> str:
    """What a dead letter's or a parked event's reason says about `error`."""
    return error.detail if isinstance(error, DomainError) else repr(error)


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
