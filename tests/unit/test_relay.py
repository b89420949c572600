"""The outbox relay against an in-memory broker, on SQLite: per-key order in every path,
no write lock held while the broker is away, and an idle relay that costs nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka.errors import KafkaConnectionError
from aiokafka.partitioner import DefaultPartitioner
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.pool import StaticPool

from services.registry import events as registry
from shared import outbox as outbox_module
from shared.db import create_engine, create_sessionmaker
from shared.events import CloudEvent
from shared.outbox import Outbox, OutboxRelay
from shared.tables import MESSAGING_METADATA, outbox

TOPIC = "qise.test.relay"
Partition = tuple[str, int]


@dataclass
class FakeBatch:
    limit: int
    values: list[bytes] = field(default_factory=list)

    def append(self, *, key: bytes, value: bytes, timestamp: Any, headers: Any) -> object | None:
        if len(self.values) >= self.limit:
            return None
        self.values.append(value)
        return object()

    def close(self) -> None:
        pass


@dataclass
class FakeBroker:
    """Partitions as batches by base offset, read the way the embedded broker serves them."""

    partitions: int = 3
    cluster_id: str = "cluster-1"
    batches: dict[Partition, dict[int, list[bytes]]] = field(default_factory=dict)
    end: dict[Partition, int] = field(default_factory=dict)
    # Produce requests to refuse, counted per partition from when they are set.
    refuse: dict[Partition, list[int]] = field(default_factory=dict)
    produced: dict[Partition, int] = field(default_factory=dict)
    down: asyncio.Event | None = None
    cluster_asked: int = 0
    # The produce request (counted as `refuse` is) before which the broker is replaced.
    replace_before: dict[Partition, int] = field(default_factory=dict)

    def produce(self, tp: Partition, values: list[bytes]) -> int:
        self.produced[tp] = self.produced.get(tp, 0) + 1
        if self.replace_before.pop(tp, None) == self.produced[tp]:
            self.replace()
        if self.produced[tp] in self.refuse.get(tp, []):
            raise KafkaConnectionError("refused by the test")
        base = self.end.get(tp, 0)
        self.end[tp] = base + len(values)
        log = self.batches.setdefault(tp, {})
        if base in log:
            raise KafkaConnectionError("offset taken")
        log[base] = list(values)
        return base

    def replace(self) -> None:
        """A new cluster, empty (the embedded broker restarted)."""
        number = int(self.cluster_id.rsplit("-", 1)[1]) + 1
        self.cluster_id = f"cluster-{number}"
        self.batches, self.end, self.refuse = {}, {}, {}

    def read(self, tp: Partition, start: int = 0) -> list[bytes]:
        """A consumer from `start`: batches at or above it, records below its position skipped."""
        position, out = start, []
        for base in sorted(b for b in self.batches.get(tp, {}) if b >= start):
            for i, value in enumerate(self.batches[tp][base]):
                if base + i >= position:
                    out.append(value)
                    position = base + i + 1
        return out


class FakeCluster:
    def __init__(self, broker: FakeBroker) -> None:
        self.broker = broker
        self.bootstrap_servers = "fake:9092"

    async def __call__(self) -> str:
        self.broker.cluster_asked += 1
        return self.broker.cluster_id

    async def close(self) -> None:
        pass


class FakeProducer:
    def __init__(self, broker: FakeBroker, batch_limit: int = 3) -> None:
        self.broker = broker
        self.batch_limit = batch_limit

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.broker.partitions))

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.batch_limit)

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        return await self._deliver((topic, partition), batch.values)

    async def send(
        self, topic: str, value: bytes, key: bytes, headers: Any = None
    ) -> asyncio.Future[Any]:
        """Record by record, as `AIOKafkaProducer.send` is used by a relay that batches nothing."""
        choices = sorted(await self.partitions_for(topic))
        return await self._deliver((topic, DefaultPartitioner()(key, choices, choices)), [value])

    async def _deliver(self, tp: Partition, values: list[bytes]) -> asyncio.Future[Any]:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.broker.down is not None:
            await self.broker.down.wait()  # the broker is away: the future waits, as aiokafka's
        try:
            base = self.broker.produce(tp, values)
            future.set_result(SimpleNamespace(topic=tp[0], partition=tp[1], offset=base))
        except KafkaConnectionError as error:
            future.set_exception(error)
        return future


@dataclass
class World:
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    broker: FakeBroker
    box: Outbox
    relay: OutboxRelay

    async def record(self, community: str, count: int) -> None:
        async with self.sessionmaker() as session, session.begin():
            for i in range(count):
                await self.box.record(
                    session,
                    registry.CommunityCreated(community_id=community, name=f"社区{i}"),
                    community=community,
                    subject=f"communities/{community}",
                )

    async def drain(self, rounds: int = 50) -> None:
        """Run rounds until nothing is left, as the relay's loop does (failures retried)."""
        for _ in range(rounds):
            try:
                await self.relay.publish_pending()
            except KafkaConnectionError:
                continue
            async with self.sessionmaker() as session:
                waiting = await session.scalar(
                    select(outbox.c.seq).where(outbox.c.published_at.is_(None)).limit(1)
                )
            if waiting is None:
                return
        raise AssertionError("the relay did not publish everything")

    async def seqs(self) -> dict[str, tuple[str, int]]:
        async with self.sessionmaker() as session:
            rows = await session.execute(select(outbox.c.event_id, outbox.c.key, outbox.c.seq))
            return {event_id.hex: (key, seq) for event_id, key, seq in rows}

    async def first_seen(self, start: dict[Partition, int] | None = None) -> dict[str, list[int]]:
        """Per key, the seq of each event in the order a consumer first meets it."""
        seqs = await self.seqs()
        order: dict[str, list[int]] = {}
        for p in range(self.broker.partitions):
            seen: set[str] = set()
            tp = (TOPIC, p)
            for value in self.broker.read(tp, (start or {}).get(tp, 0)):
                event_id = CloudEvent.from_json(value).id.hex
                if event_id not in seen:
                    seen.add(event_id)
                    key, seq = seqs[event_id]
                    order.setdefault(key, []).append(seq)
        return order


@pytest.fixture
async def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[World]:
    async def no_topics(*args: Any, **kwargs: Any) -> list[str]:
        return []

    monkeypatch.setattr(outbox_module, "ensure_topics", no_topics)
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(MESSAGING_METADATA.create_all)
    sessionmaker = create_sessionmaker(engine)
    broker = FakeBroker()
    box = Outbox(service="relay-test", topic=TOPIC)
    relay = OutboxRelay(
        outbox=box,
        sessionmaker=sessionmaker,
        producer=FakeProducer(broker),
        cluster=FakeCluster(broker),  # type: ignore[arg-type]
        batch_size=10,
    )
    yield World(engine, sessionmaker, broker, box, relay)
    await engine.dispose()


def in_seq_order(order: dict[str, list[int]], keys: list[str]) -> None:
    for key in keys:
        assert order[key] == sorted(order[key]), (key, order[key])


async def test_a_failed_send_holds_back_the_rest_of_its_partition(world: World) -> None:
    keys = ["a", "b", "c", "d"]
    for key in keys:
        await world.record(key, 12)
    # The second and fifth produce requests of every partition fail; later ones succeed.
    world.broker.refuse = {(TOPIC, p): [2, 5] for p in range(3)}
    await world.drain()
    order = await world.first_seen()
    in_seq_order(order, keys)
    assert sorted(len(order[key]) for key in keys) == [12, 12, 12, 12]


async def test_a_new_cluster_gets_the_older_events_before_the_pending_ones(
    world: World,
) -> None:
    await world.record("a", 5)
    await world.drain()
    world.broker.replace()  # came back empty, while newer events wait
    await world.record("a", 4)
    await world.drain()
    order = await world.first_seen()
    assert order["a"] == sorted(order["a"]) and len(order["a"]) == 9


def keys_on(partition: int, count: int) -> list[str]:
    choices = [0, 1, 2]
    keys = (f"k{i}" for i in range(1000))
    return [k for k in keys if DefaultPartitioner()(k.encode(), choices, choices) == partition][
        :count
    ]


async def test_offsets_handed_out_again_repeat_only_that_partition_and_keep_order(
    world: World,
) -> None:
    lost = (TOPIC, 0)
    keys = keys_on(0, 3) + keys_on(1, 2) + keys_on(2, 2)
    for key in keys:
        await world.record(key, 4)
    await world.drain()
    old_top = world.broker.end[lost]
    newest_before = max(seq for _, seq in (await world.seqs()).values())
    # The broker hands out offsets of partition 0 again from 2 (its log went back; or
    # a topic's creation raced a produce): batches there share offsets with older ones.
    world.broker.end[lost] = 2
    for key in keys:
        await world.record(key, 3)
    await world.drain()
    # Nothing is lost for a consumer from the start (one reading through the offsets
    # handed out twice meets the batch that took them before the older events there:
    # the broker serves one of the two batches at each offset).
    from_start = await world.first_seen()
    assert all(len(from_start[key]) == 7 for key in keys)
    in_seq_order(from_start, keys[3:])
    # A consumer that had read up to the old top misses none of the newer events of
    # partition 0, and meets them in order.
    at_old_top = await world.first_seen({lost: old_top})
    in_seq_order(at_old_top, keys[:3])
    for key in keys[:3]:
        newer = [seq for seq in from_start[key] if seq > newest_before]
        assert set(newer) <= set(at_old_top[key]), (key, newer, at_old_top[key])
    # The other partitions got each event once: nothing was republished there.
    for p in (1, 2):
        values = world.broker.read((TOPIC, p))
        assert len(values) == len(set(values)) == 2 * 7


async def test_a_round_the_broker_was_replaced_during_loses_nothing_there(
    world: World,
) -> None:
    """The producer retries a batch across the broker's restart: it lands on the new
    cluster, which may then hand its offsets out again (the embedded broker resets a
    new topic's watermarks after it is visible)."""
    key = keys_on(0, 1)[0]
    tp = (TOPIC, 0)
    await world.record(key, 2)
    await world.drain()
    await world.record(key, 6)
    world.broker.replace_before = {tp: world.broker.produced[tp] + 1}
    await world.relay.publish_pending()  # two batches, on the new cluster at 0 to 5
    assert world.broker.cluster_id == "cluster-2"
    world.broker.end[tp] = 1  # the new topic's watermark reset: offsets from 1 again
    await world.drain()
    assert sorted(seq for seqs in (await world.first_seen()).values() for seq in seqs) == list(
        range(1, 9)
    )


async def test_an_idle_relay_asks_the_broker_for_its_cluster_now_and_then(world: World) -> None:
    world.relay.cluster_check_seconds = 60
    for _ in range(50):
        await world.relay.publish_pending()
    assert world.broker.cluster_asked <= 1


async def test_an_idle_relay_starts_without_reading_the_outbox(
    world: World, tmp_path: Path
) -> None:
    """A long published log: starting costs the same as with an empty one."""
    await world.record("a", 3)
    await world.drain()
    async with world.sessionmaker() as session, session.begin():
        await session.execute(
            text(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)"
                " INSERT INTO outbox (event_id, topic, key, event_type, payload, created_at,"
                " published_at, kafka_partition, kafka_offset, kafka_cluster)"
                " SELECT lower(hex(randomblob(16))), :topic, 'z', 't', '{}', '2026-01-01',"
                " '2026-01-01', 1, 1000 + i, 'cluster-1' FROM n"
            ),
            {"topic": TOPIC},
        )
    steps = 0

    def count() -> int:
        nonlocal steps
        steps += 1
        return 0

    # One connection, so that the relay runs on the one that counts.
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}", poolclass=StaticPool)
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        await raw.driver_connection.set_progress_handler(count, 10)  # type: ignore[union-attr]
    restarted = OutboxRelay(
        outbox=world.box,
        sessionmaker=create_sessionmaker(engine),
        producer=world.relay.producer,
        cluster=world.relay.cluster,
        batch_size=10,
    )
    try:
        await restarted.publish_pending()
        started_with, steps = steps, 0
        async with engine.connect() as connection:
            await connection.execute(text("SELECT count(*) FROM outbox WHERE kafka_offset < 0"))
        one_pass = steps
    finally:
        await engine.dispose()
    # The start reads a few rows: a small fraction of one pass over the outbox.
    assert 0 < started_with < one_pass / 20, (started_with, one_pass)


async def test_the_relay_holds_no_write_lock_while_the_broker_is_away(world: World) -> None:
    await world.record("a", 2)
    world.broker.down = asyncio.Event()
    publishing = asyncio.create_task(world.relay.publish_pending())
    await asyncio.sleep(0.3)  # the relay now waits on the broker
    write = asyncio.create_task(world.record("a", 1))
    written, _ = await asyncio.wait({write}, timeout=2.0)
    world.broker.down.set()  # the broker is back: whatever waited goes on
    await write
    await publishing
    assert written, "a write waited for the relay, which waited for the broker"
    world.broker.down = None
    await world.drain()
    assert len((await world.first_seen())["a"]) == 3
