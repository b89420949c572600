"""The transactional outbox and its relay.

A change and the events that report it are written in one transaction
(`Outbox.record`). The relay publishes unpublished rows in `seq` order, keyed
by community, then marks them published. Rows are kept: they are the
service's event log, and `republish` puts them back in the relay's queue
(after the broker lost its topics, or to rebuild a projection elsewhere).
"""

from __future__ import annotations

import asyncio
import logging
import zlib
from collections.abc import Sequence
from typing import Any

import orjson
from aiokafka import AIOKafkaProducer
from opentelemetry.trace import SpanKind
from sqlalchemy import Row, bindparam, func, insert, or_, select, text, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session

from shared.auth import ACTOR
from shared.db import on_postgresql, utcnow
from shared.events import CloudEvent, EventData, new_event
from shared.kafka import ClusterId, ensure_topics
from shared.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG
from shared.tables import outbox
from shared.tracing import TRACE_KEYS, span_from, trace_headers, tracing_enabled

log = logging.getLogger(__name__)

_WAKE_KEY = "qise.outbox.wake"
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
        envelope = new_event(
            data,
            source=self.source,
            community=community,
            subject=subject,
            actor=ACTOR.get(),
            trace=trace_headers() if tracing_enabled() else None,
        )
        # The row as parameters, not .values(): one cached statement for every event.
        await session.execute(
            _RECORD,
            {
                "event_id": envelope.id,
                "topic": self.topic,
                "key": community,
                "event_type": envelope.type,
                "payload": envelope.to_json().decode(),
                "created_at": envelope.time,
            },
        )
        session.sync_session.info[_WAKE_KEY] = self._wake
        return envelope

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


class OutboxRelay:
    """Publishes a service's outbox to Kafka, in order, at least once."""

    def __init__(
        self,
        *,
        outbox: Outbox,
        sessionmaker: async_sessionmaker[AsyncSession],
        producer: AIOKafkaProducer,
        cluster: ClusterId,
        batch_size: int = 500,
        poll_seconds: float = 0.2,
    ) -> None:
        self.outbox = outbox
        self.sessionmaker = sessionmaker
        self.producer = producer
        self.cluster = cluster
        # The cluster the newest published rows went to, once known.
        self.published_to: str | None = None
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        # The highest offset each partition acknowledged. Offsets only grow, so an
        # acknowledgement below it means the broker lost the partition's log.
        self.acknowledged: dict[tuple[str, int], int] = {}
        # After a partition's offsets went back, the broker hands out offsets that it
        # had acknowledged before: a consumer already past one would never read what
        # lands there. An event that lands at or below this floor is sent again
        # until it lands above it, where every consumer reads it.
        self.floor: dict[tuple[str, int], int] = {}

    async def run(self) -> None:
        try:
            await self._run()
        finally:
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
        """Publish one batch of unpublished events; returns how many."""
        lost = False
        async with self.sessionmaker() as session, session.begin():
            if on_postgresql(session):
                # One relay per service publishes at a time, so order holds across replicas.
                locked = await session.scalar(
                    text("SELECT pg_try_advisory_xact_lock(:id)"),
                    {"id": _relay_lock_id(self.outbox.service)},
                )
                if not locked:
                    return 0
            rows = (
                await session.execute(
                    select(outbox.c.seq, outbox.c.topic, outbox.c.key, outbox.c.payload)
                    .where(outbox.c.published_at.is_(None))
                    .order_by(outbox.c.seq)
                    .limit(self.batch_size)
                )
            ).all()
            if rows:
                cluster, lost = await self._publish(session, rows)
            else:
                OUTBOX_BACKLOG.labels(self.outbox.service).set(0)
                # Idle, it still notices a broker that came back empty.
                cluster = await self.cluster()
        for row in rows:
            EVENTS_PUBLISHED.labels(self.outbox.service, row.topic).inc()
        if cluster != self.published_to:
            await self._republish_elsewhere(cluster)
        if lost:
            async with self.sessionmaker() as session, session.begin():
                again = await republish(session)
            self.acknowledged.clear()
            log.warning(
                "%s: the broker lost published events (offsets went back); re-publishing %d",
                self.outbox.service,
                again,
            )
        if rows:
            await self._update_backlog()
        return len(rows)

    async def _publish(
        self, session: AsyncSession, rows: Sequence[Row[Any, Any, Any, Any]]
    ) -> tuple[str, bool]:
        """Send the rows and mark them published where the broker put them. Returns the
        broker's cluster now, and whether its offsets went back (it lost the log)."""
        # The cluster asked before sending is the one the rows are marked with: if the
        # broker is replaced meanwhile, the cluster asked after differs and they go
        # out again.
        cluster = await self.cluster()
        if self.published_to is not None and cluster != self.published_to:
            # The broker changed under this relay: make the topic as the deployment has
            # it before sending there (a send would have the broker create it as it
            # likes). At start-up the service has just made its topics.
            await ensure_topics(self.cluster.bootstrap_servers, [self.outbox.topic])
        sent: list[asyncio.Future[Any]] = []
        for row in rows:
            sent.append(await self._send(row.topic, row.key, row.payload))
        receipts = await asyncio.gather(*sent)
        cluster_now = await self.cluster()
        if cluster_now != self.published_to:
            # Offsets acknowledged by another cluster say nothing about this one's.
            self.acknowledged = await _acknowledged_offsets(session, cluster_now)
            self.floor.clear()
        lost = self._broker_lost_log(receipts)
        landed = [
            (row, r)
            for row, r in zip(rows, receipts, strict=True)
            if r.offset > self.floor.get((r.topic, r.partition), -1)
        ]
        if landed:
            await session.execute(
                update(outbox)
                .where(outbox.c.seq == bindparam("row_seq"))
                .values(
                    published_at=utcnow(),
                    kafka_partition=bindparam("row_partition"),
                    kafka_offset=bindparam("row_offset"),
                    kafka_cluster=cluster,
                ),
                [
                    {"row_seq": row.seq, "row_partition": r.partition, "row_offset": r.offset}
                    for row, r in landed
                ],
            )
        return cluster_now, lost

    async def _republish_elsewhere(self, cluster: str) -> None:
        """Queue again the events published to another cluster than this one: a broker
        that came back empty, or a cluster made anew, does not hold them."""
        async with self.sessionmaker() as session, session.begin():
            again = await republish(session, not_on=cluster)
        if again:
            self.acknowledged.clear()
            log.warning(
                "%s: publishing %d events again: cluster %s does not hold them",
                self.outbox.service,
                again,
                cluster,
            )
        self.published_to = cluster

    async def _send(self, topic: str, key: str, payload: str) -> asyncio.Future[Any]:
        value = payload.encode()
        if not tracing_enabled():
            sent: asyncio.Future[Any] = await self.producer.send(
                topic, value=value, key=key.encode()
            )
            return sent
        document = orjson.loads(value)
        carrier = {k: document[k] for k in TRACE_KEYS if document.get(k)}
        with span_from(f"publish {document['type']}", carrier, SpanKind.PRODUCER):
            headers = [(k, v.encode()) for k, v in trace_headers().items()]
            traced: asyncio.Future[Any] = await self.producer.send(
                topic, value=value, key=key.encode(), headers=headers
            )
            return traced

    def _broker_lost_log(self, receipts: list[Any]) -> bool:
        lost = False
        for receipt in receipts:
            partition = (receipt.topic, receipt.partition)
            highest = self.acknowledged.get(partition, -1)
            if receipt.offset <= highest:
                lost = True
                self.floor[partition] = max(self.floor.get(partition, -1), highest)
            self.acknowledged[partition] = max(receipt.offset, highest)
        return lost

    async def _update_backlog(self) -> None:
        async with self.sessionmaker() as session:
            backlog = await session.scalar(
                select(func.count()).select_from(outbox).where(outbox.c.published_at.is_(None))
            )
        OUTBOX_BACKLOG.labels(self.outbox.service).set(backlog or 0)


async def _acknowledged_offsets(session: AsyncSession, cluster: str) -> dict[tuple[str, int], int]:
    """The highest offset of each partition of this cluster (or of an unknown one:
    rows published before clusters were recorded)."""
    rows = await session.execute(
        select(outbox.c.topic, outbox.c.kafka_partition, func.max(outbox.c.kafka_offset))
        .where(
            outbox.c.kafka_offset.is_not(None),
            or_(outbox.c.kafka_cluster.is_(None), outbox.c.kafka_cluster == cluster),
        )
        .group_by(outbox.c.topic, outbox.c.kafka_partition)
    )
    return {(topic, partition): offset for topic, partition, offset in rows}


async def republish(session: AsyncSession, *, since_seq: int = 0, not_on: str | None = None) -> int:
    """Queue every event of the log (from `since_seq`) for publication again; with
    `not_on`, only those published to another cluster than that one."""
    conditions = [outbox.c.seq >= since_seq, outbox.c.published_at.is_not(None)]
    if not_on is not None:
        conditions.append(outbox.c.kafka_cluster != not_on)
    result = await session.execute(
        update(outbox)
        .where(*conditions)
        .values(published_at=None, kafka_partition=None, kafka_offset=None, kafka_cluster=None)
    )
    return int(getattr(result, "rowcount", 0) or 0)
