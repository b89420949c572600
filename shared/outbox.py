"""The transactional outbox and its relay.

A change and the events that report it are written in one transaction
(`Outbox.record`). The relay publishes unpublished rows in `seq` order, keyed
by community, then marks them published. Rows are kept: they are the
service's event log, and `republish` puts them back in the relay's queue
(after the broker lost its topics, or to rebuild a projection elsewhere).

A round of the relay is three steps, and no transaction is open while it waits
on the broker: read the oldest unpublished rows (one short transaction), send
them, mark those the broker acknowledged (another short transaction). A crash
between sending and marking sends them again; consumers skip them by event id.

Per key (community), events reach the topic in `seq` order: a partition has one
batch in flight at a time, and after a batch failed (or landed where a consumer
may not read it) nothing later of that partition is sent in that round, so the
next round starts again from its oldest unpublished row. What the broker lost
is queued again before anything newer is sent (`shared.broker_loss`).
"""

from __future__ import annotations

import asyncio
import logging
import time
import zlib
from collections import deque
from collections.abc import Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.partitioner import DefaultPartitioner
from opentelemetry.trace import SpanKind
from sqlalchemy import Row, bindparam, func, insert, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.auth import ACTOR
from shared.broker_loss import Landing, PublishedPositions, republish
from shared.db import utcnow
from shared.events import CloudEvent, EventData, new_event
from shared.kafka import ClusterId, ensure_topics
from shared.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG
from shared.tables import outbox
from shared.tracing import TRACE_KEYS, span_from, trace_headers, tracing_enabled

log = logging.getLogger(__name__)

_WAKE_KEY = "qise.outbox.wake"
# The backlog gauge is counted at most this often while the relay is busy: a count of
# the unpublished rows after every round is a query more per round, and a round
# carries only a few events at a moderate write rate.
BACKLOG_SECONDS = 1.0
_RECORD = insert(outbox)


class Outbox:
    """Where one service records the events it publishes: its source and its topic."""

    def __init__(self, *, service: str, topic: str) -> None:
        self.service = service
        self.source = f"/qise/{service}"
        self.topic = topic
        self._wake = asyncio.Event()

    async def record(
        self, session: AsyncSession, data: EventData, *, community: str, subject: str
    ) -> CloudEvent:
        """Add an event to the current transaction; it is published once that commits."""
        envelope, row = self.entry(session, data, community=community, subject=subject)
        # The row as parameters, not .values(): one cached statement for every event.
        await session.execute(_RECORD, row)
        return envelope

    def entry(
        self, session: AsyncSession, data: EventData, *, community: str, subject: str
    ) -> tuple[CloudEvent, dict[str, Any]]:
        """An event and its outbox row, for the caller to insert in the current transaction
        with rows of its own (`shared.db.insert_together`); published once that commits."""
        envelope = new_event(
            data,
            source=self.source,
            community=community,
            subject=subject,
            actor=ACTOR.get(),
            trace=trace_headers() if tracing_enabled() else None,
        )
        row = {
            "event_id": envelope.id,
            "topic": self.topic,
            "key": community,
            "event_type": envelope.type,
            "payload": envelope.to_json().decode(),
            "created_at": envelope.time,
        }
        session.sync_session.info[_WAKE_KEY] = self._wake
        return envelope, row

    def wake(self) -> None:
        self._wake.set()

    async def wait_for_work(self, timeout: float) -> None:
        try:
            async with asyncio.timeout(timeout):
                await self._wake.wait()
        except TimeoutError:
            pass
        self._wake.clear()


@sa_event.listens_for(Session, "after_commit")
def _wake_relay_after_commit(session: Session) -> None:
    # The relay wakes as soon as a transaction with events commits, instead of
    # waiting for its next poll: that is most of an event's end-to-end latency.
    wake = session.info.pop(_WAKE_KEY, None)
    if wake is not None:
        wake.set()


@sa_event.listens_for(Session, "after_rollback")
def _forget_wake_after_rollback(session: Session) -> None:
    session.info.pop(_WAKE_KEY, None)


def _relay_lock_id(service: str) -> int:
    return zlib.crc32(f"qise-outbox-relay:{service}".encode())


class PublisherLock:
    """One relay per service publishes at a time, so order holds across replicas.

    On PostgreSQL a session-level advisory lock, held on a connection of its own in
    autocommit mode: no transaction stays open while the relay waits on the broker.
    It is released when the relay stops, or by the server when that connection
    drops. SQLite has one process per database: nothing to take.
    """

    def __init__(self, engine: AsyncEngine, service: str) -> None:
        self.engine = engine
        self.lock_id = _relay_lock_id(service)
        self._connection: AsyncConnection | None = None

    async def held(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        if self._connection is not None:
            try:
                # Still this session's: a dropped connection released the lock with it.
                await self._connection.execute(text("SELECT 1"))
                return True
            except Exception:
                await self.release()
                raise
        connection = await self.engine.connect()
        try:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            locked = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:id)"), {"id": self.lock_id}
            )
        except BaseException:
            await connection.close()
            raise
        if not locked:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.execute(
                    text("SELECT pg_advisory_unlock(:id)"), {"id": self.lock_id}
                )
            except Exception as error:
                log.debug("relay lock release: %r", error)
            finally:
                await connection.close()


def _engine_of(sessionmaker: async_sessionmaker[AsyncSession]) -> AsyncEngine:
    engine = sessionmaker.kw.get("bind")
    if not isinstance(engine, AsyncEngine):
        raise TypeError("the relay needs a sessionmaker bound to an AsyncEngine")
    return engine


class OutboxRelay:
    """Publishes a service's outbox to Kafka, in order per key, at least once."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        cluster: ClusterId,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
        cluster_check_seconds: float = 5.0,
        lock: PublisherLock | None = None,
    ) -> None:
        self.outbox = outbox
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.cluster = cluster
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        # Idle, the relay asks which cluster the broker is at most this often; a round
        # that sends asks before and after.
        self.cluster_check_seconds = cluster_check_seconds
        self.lock = lock or PublisherLock(_engine_of(sessionmaker), outbox.service)
        self.positions = PublishedPositions()
        self._cluster_asked_at = -float("inf")
        self._backlog_counted_at = -float("inf")
        self._partitioner = DefaultPartitioner()

    async def run(self) -> None:
        try:
            await self._run()
        finally:
            await self.lock.release()
            await self.cluster.close()

    async def _run(self) -> None:
        backoff = self.poll_seconds
        while True:
            try:
                published = await self.publish_pending()
                backoff = self.poll_seconds
            except asyncio.CancelledError:
                raise
            except Exception as error:
                # Broker or database away: keep the rows, try again later.
                log.warning("outbox relay of %s failed: %r", self.outbox.service, error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            if published < self.batch_size:
                await self.outbox.wait_for_work(self.poll_seconds)

    async def publish_pending(self) -> int:
        """Publish one round of unpublished events; returns how many were published."""
        rows = await self._pending()
        if not rows:
            OUTBOX_BACKLOG.labels(self.outbox.service).set(0)
            if self._cluster_check_due() and await self.lock.held():
                # Idle, it still notices a broker that came back empty, now and then.
                await self._follow(await self._ask_cluster())
            return 0
        if not await self.lock.held():
            return 0
        cluster = await self._ask_cluster()
        if await self._follow(cluster):
            rows = await self._pending()  # what was queued again is older: it goes first
        before = dict(self.positions.highest)
        landings, failure = await self._send(rows)
        if (now := await self._ask_cluster()) != cluster:
            # The broker was replaced while these were out (the producer retries across a
            # restart): they count nowhere and go again after the older events; but the
            # offsets they took on the new cluster are handed out there.
            log.warning("%s: the broker changed during a round; sending again", self.outbox.service)
            await self._follow(now)
            carried = self.positions.carry_over([landing for landing, _ in landings], before)
            async with self.sessionmaker() as session, session.begin():
                await self.positions.record(session, carried)
            return 0
        async with self.sessionmaker() as session, session.begin():
            published = await self._mark(session, cluster, landings)
        for topic, count in published.items():
            EVENTS_PUBLISHED.labels(self.outbox.service, topic).inc(count)
        if time.monotonic() - self._backlog_counted_at >= BACKLOG_SECONDS:
            await self._update_backlog()
        if failure is not None:
            raise failure
        return sum(published.values())

    async def _pending(self) -> Sequence[Row[Any, Any, Any, Any]]:
        async with self.sessionmaker() as session, session.begin():
            return (
                await session.execute(
                    select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self.batch_size)
                )
            ).all()

    def _cluster_check_due(self) -> bool:
        return time.monotonic() - self._cluster_asked_at >= self.cluster_check_seconds

    async def _ask_cluster(self) -> str:
        self._cluster_asked_at = -float("inf")  # asked again at once if this fails
        cluster = await self.cluster()
        self._cluster_asked_at = time.monotonic()
        return cluster

    async def _follow(self, cluster: str) -> int:
        """Publish to `cluster` from now on; returns how many events were queued again."""
        if cluster == self.positions.cluster:
            return 0
        changed = self.positions.cluster is not None and cluster != self.positions.cluster
        async with self.sessionmaker() as session, session.begin():
            again = await self.positions.follow(session, cluster)
        if again:
            log.warning(
                "%s: publishing %d events again: cluster %s does not hold them",
                self.outbox.service,
                again,
                cluster,
            )
        if changed:
            # Make the topic as the deployment has it before sending there (a send would
            # have the broker create it as it likes). At start-up the service just did.
            await ensure_topics(self.cluster.bootstrap_servers, [self.outbox.topic])
        return again

    async def _send(
        self, rows: Sequence[Row[Any, Any, Any, Any]]
    ) -> tuple[list[tuple[Landing, bool]], BaseException | None]:
        """Send rows in waves of one batch per partition. A partition stops at its first
        batch that fails or lands where a consumer may not read it: nothing later of
        that key may reach the topic before it. Returns each landing, whether it
        counts, and the first failure."""
        queues: dict[tuple[str, int], deque[Row[Any, Any, Any, Any]]] = {}
        partitions: dict[str, list[int]] = {}
        for row in rows:
            if row.topic not in partitions:
                partitions[row.topic] = sorted(await self.producer.partitions_for(row.topic))
            choices = partitions[row.topic]
            partition = self._partitioner(row.key.encode(), choices, choices)
            queues.setdefault((row.topic, partition), deque()).append(row)
        landings: list[tuple[Landing, bool]] = []
        failure: BaseException | None = None
        while queues:
            wave = [(tp, *self._batch(queue)) for tp, queue in queues.items()]
            try:
                sent = [
                    await self.producer.send_batch(batch, topic, partition=partition)
                    for (topic, partition), batch, _ in wave
                ]
            except Exception as error:
                return landings, failure or error
            receipts = await asyncio.gather(*sent, return_exceptions=True)
            for (tp, _, seqs), receipt in zip(wave, receipts, strict=True):
                if isinstance(receipt, BaseException):
                    failure = failure or receipt
                    del queues[tp]
                    continue
                landing = Landing(tp[0], tp[1], receipt.offset, seqs)
                counts = self.positions.land(landing)
                landings.append((landing, counts))
                if not counts or not queues[tp]:
                    del queues[tp]
        return landings, failure

    def _batch(self, queue: deque[Row[Any, Any, Any, Any]]) -> tuple[Any, tuple[int, ...]]:
        """The oldest rows of one partition that fit one batch (at least one)."""
        batch = self.producer.create_batch()
        seqs: list[int] = []
        while queue:
            row = queue[0]
            value = row.payload.encode()
            if (
                batch.append(
                    key=row.key.encode(), value=value, timestamp=None, headers=self._headers(value)
                )
                is None
            ):
                break
            seqs.append(queue.popleft().seq)
        batch.close()
        return batch, tuple(seqs)

    def _headers(self, value: bytes) -> list[tuple[str, bytes]]:
        if not tracing_enabled():
            return []
        document = orjson.loads(value)
        carrier = {k: document[k] for k in TRACE_KEYS if document.get(k)}
        with span_from(f"publish {document['type']}", carrier, SpanKind.PRODUCER):
            return [(k, v.encode()) for k, v in trace_headers().items()]

    async def _mark(
        self, session: AsyncSession, cluster: str, landings: list[tuple[Landing, bool]]
    ) -> dict[str, int]:
        """Mark published the rows of the batches that count; queue again the rows an
        overlapping batch hides. Returns how many were published per topic."""
        published: dict[str, int] = {}
        now = utcnow()
        for landing, counts in landings:
            if not counts:
                again = await self.positions.requeue_hidden(session, landing)
                log.warning(
                    "%s: %s[%d] acknowledged offset %d again; re-publishing %d events",
                    self.outbox.service,
                    landing.topic,
                    landing.partition,
                    landing.base_offset,
                    again,
                )
                continue
            await session.execute(
                update(outbox)
                .where(outbox.c.seq == bindparam("row_seq"))
                .values(
                    published_at=now,
                    kafka_partition=landing.partition,
                    kafka_offset=bindparam("row_offset"),
                    kafka_cluster=cluster,
                ),
                [
                    {"row_seq": seq, "row_offset": landing.base_offset + i}
                    for i, seq in enumerate(landing.seqs)
                ],
            )
            published[landing.topic] = published.get(landing.topic, 0) + len(landing.seqs)
        await self.positions.record(session, [landing for landing, _ in landings])
        return published

    async def _update_backlog(self) -> None:
        self._backlog_counted_at = time.monotonic()
        async with self.sessionmaker() as session:
            backlog = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        OUTBOX_BACKLOG.labels(self.outbox.service).set(backlog or 0)


__all__ = ["Outbox", "OutboxRelay", "PublisherLock", "republish"]
