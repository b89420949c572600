"""Building the projections again from the events: a new generation beside the one in use.

On PostgreSQL (any number of replicas) a rebuild is a group operation:

- `start_build` marks generation n as building and creates schema `stats_build_g<n>`
  with empty copies of every projection table and of the messaging tables whose rows
  belong to a generation (claims, parked events, brokers, progress).
- Every replica's `Rebuilds` coordinator sees it and starts a second set of consumers,
  in groups `<group>-g<n>-<name>`, whose connections put the build schema first on
  their `search_path`: the handlers write the build tables unchanged, and Kafka shares
  the new groups' partitions among all replicas. The API and the old consumers go on
  with the tables in `public`.
- Once the build has applied, on every partition, at least what the generation in use
  has (`caught_up`), any replica switches in one transaction (`switch`): the tables in
  use go to `stats_retired_g<old>`, the build's into `public`. Readers see the old
  tables or the new, never half. Each replica then consumes with its normal
  connections in the new groups, from where the build left off.
- Every consumer batch first checks, holding a share lock on `projection_state`, that
  its generation is still the one it writes for (`writes_for`, `builds`): the switch
  waits for the batches in flight, and a batch after it stops its consumer.

SQLite (embedded, one process) rebuilds in place: `rebuild_in_place`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Table, delete, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import ProgrammingError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.stats.handlers import CONSUMERS
from services.stats.models import Base, ProjectionState
from shared.consumer import EventConsumer, Guard, Retired
from shared.db import create_engine, create_sessionmaker, on_postgresql
from shared.errors import Conflict
from shared.kafka import committed_offsets
from shared.metrics import PROJECTION_GENERATION, REBUILD_BEHIND
from shared.progress import applied_by_consumer
from shared.service import (
    Runtime,
    new_consumer,
    run_consumer,
    start_consumers,
    stop_consumers,
    stop_tasks,
)
from shared.tables import MESSAGING_METADATA, consumer_progress, processed_events

log = logging.getLogger(__name__)

# The messaging tables whose rows belong to one generation's consumers: what they
# claimed, parked, the broker they read and how far they got.
GENERATION_MESSAGING = (
    "processed_events",
    "parked_events",
    "consumer_brokers",
    "consumer_progress",
)
UNDEFINED_TABLE = "42P01"
# How often each replica looks at projection_state and the build's progress.
POLL_SECONDS = 0.5
# How often, once the build has applied as far as the generation in use, the consumer
# groups' committed offsets are compared too.
COMMITTED_EVERY_SECONDS = 2.0
# How long the switch waits for readers' locks on the tables it moves (under
# PostgreSQL's deadlock_timeout, 1 s, so it is the one that gives up).
SWITCH_LOCK_TIMEOUT = "500ms"
# How long the switch, holding the generation in use still, waits for the build to
# draw level with it before it gives up until the next look.
SWITCH_WAIT_SECONDS = 2.0
# A (consumer, topic, partition) and the offset after the newest record applied there.
Offsets = Mapping[tuple[str, str, int], int]


class RebuildUnderWay(Conflict):
    code, title = "rebuild-under-way", "A rebuild is under way"


@dataclass(frozen=True)
class State:
    generation: int
    building: int | None
    newest: int


def build_schema(generation: int) -> str:
    return f"stats_build_g{generation}"


def retired_schema(generation: int) -> str:
    return f"stats_retired_g{generation}"


def generation_tables() -> list[Table]:
    """The tables a generation has its own copy of: every projection table and the
    messaging tables of `GENERATION_MESSAGING` (not projection_state, nor the outbox)."""
    projections = [
        t for t in Base.metadata.sorted_tables if t.name != ProjectionState.__tablename__
    ]
    messaging = [
        MESSAGING_METADATA.tables[n] for n in GENERATION_MESSAGING if n in MESSAGING_METADATA.tables
    ]
    return projections + messaging


def group_prefix(runtime: Runtime, generation: int) -> str:
    return f"{runtime.settings.group_id}-g{generation}"


def group_ids(runtime: Runtime, generation: int) -> dict[str, str]:
    """The consumer group of each subscription in `generation`, by subscription name."""
    prefix = group_prefix(runtime, generation)
    return {s.name: f"{prefix}-{s.name}" for s in runtime.subscriptions}


# -- the state ------------------------------------------------------------------------------


async def read_state(session: AsyncSession) -> State:
    row = (
        await session.execute(
            select(
                ProjectionState.generation, ProjectionState.building, ProjectionState.newest
            ).where(ProjectionState.id == 1)
        )
    ).one_or_none()
    if row is None:
        return State(1, None, 1)
    return State(row.generation, row.building, max(row.newest, row.generation))


async def generation(session: AsyncSession) -> int:
    return (await read_state(session)).generation


async def _state_row(session: AsyncSession) -> ProjectionState:
    """The one row, locked (FOR UPDATE: it waits for every batch in flight)."""
    state = await session.scalar(
        select(ProjectionState)
        .where(ProjectionState.id == 1)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if state is None:
        state = ProjectionState(id=1, generation=1, building=None, newest=1)
        session.add(state)
        await session.flush()
    return state


# -- the guards: a batch writes only for the generation it belongs to ------------------------


async def _locked_state(session: AsyncSession) -> tuple[int, int | None]:
    # FOR KEY SHARE: batches do not wait for each other, yet the switch's FOR UPDATE
    # waits for every batch in flight of the generation in use, and every later one
    # waits for the switch.
    row = (
        await session.execute(
            select(ProjectionState.generation, ProjectionState.building)
            .where(ProjectionState.id == 1)
            .with_for_update(read=True, key_share=True)
        )
    ).one_or_none()
    return (row.generation, row.building) if row else (1, None)


async def _current_state(session: AsyncSession) -> tuple[int, int | None]:
    state = await read_state(session)
    return state.generation, state.building


def writes_for(generation: int) -> Guard:
    """The guard of the consumers of the generation in use."""

    async def guard(session: AsyncSession) -> None:
        current, _ = await _locked_state(session)
        if current != generation:
            raise Retired(f"generation {generation} was replaced by {current}")

    return guard


def builds(generation: int) -> Guard:
    """The guard of the consumers building `generation`. It takes no lock: the switch
    lets build batches go on while it waits for the build to draw level, and one that
    writes while the switch moves the tables waits for it, then writes the same tables
    (the table a statement names is found when it is planned), in `public`."""

    async def guard(session: AsyncSession) -> None:
        current, building = await _current_state(session)
        if building != generation:
            raise Retired(f"generation {generation} is no longer being built ({current} is used)")

    return guard


# -- starting, abandoning and switching ----------------------------------------------------


async def start_build(session: AsyncSession) -> int:
    """Mark a new generation as building and create its empty tables; its number.

    Raises RebuildUnderWay when one is being built already.
    """
    state = await _state_row(session)
    if state.building is not None:
        raise RebuildUnderWay(
            f"generation {state.building} is being built; wait for it or abandon it"
            " (DELETE /admin/rebuild)",
            building=state.building,
        )
    new = max(state.generation, state.newest) + 1
    state.building = state.newest = new
    schema = build_schema(new)
    await session.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
    await session.execute(text(f"CREATE SCHEMA {schema}"))
    connection = await session.connection()
    await connection.run_sync(_create_tables, schema)
    return new


def _create_tables(connection: Connection, schema: str) -> None:
    # The metadata's own names for indexes and constraints (those of the migrations),
    # so the tables can live in `public` later with the right ones.
    translated = connection.execution_options(schema_translate_map={None: schema})
    for table in generation_tables():
        table.create(translated)


async def abandon_build(session: AsyncSession) -> int | None:
    """Stop building; the generation that was being built, if any. Its schema is dropped
    afterwards (`drop_schema`), once every consumer of it has seen this."""
    state = await _state_row(session)
    abandoned, state.building = state.building, None
    return abandoned


async def both_progress(
    session: AsyncSession, active: Mapping[str, str], building: Mapping[str, str], schema: str
) -> tuple[
    dict[tuple[str, str, int], tuple[int, int]], dict[tuple[str, str, int], tuple[int, int]]
]:
    """(next offset, applied) per (consumer, topic, partition): of the groups `active` in
    public, and of the groups `building` in `schema` (consumer name → group id); read in
    one statement, so from one snapshot."""
    rows = await session.execute(
        text(
            "SELECT 'active' AS side, group_id, topic, partition, next_offset, applied"
            " FROM public.consumer_progress WHERE group_id = ANY(:active)"
            " UNION ALL SELECT 'building', group_id, topic, partition, next_offset, applied"
            f" FROM {schema}.consumer_progress WHERE group_id = ANY(:building)"
        ),
        {"active": list(active.values()), "building": list(building.values())},
    )
    names = {group: name for name, group in [*active.items(), *building.items()]}
    sides: dict[str, dict[tuple[str, str, int], tuple[int, int]]] = {"active": {}, "building": {}}
    for side, group, topic, partition, offset, applied in rows:
        sides[side][(names[group], topic, partition)] = (offset, applied)
    return sides["active"], sides["building"]


def caught_up(active: Offsets, building: Offsets) -> bool:
    """Whether the build got, on every partition the generation in use got something
    from, at least as far as it.

    Asked of two kinds of offsets: those recorded with the effects (consumer_progress:
    what each generation applied, in the same snapshot), and those the consumer groups
    committed in Kafka, which also pass the records stats ignores and go back to before
    consumer_progress was kept (against the old groups' offsets when first asked during
    the build: `Rebuilds._committed_as_far`). The build then has all the history the
    old generation had, and all it applied since."""
    return all(building.get(key, -1) >= offset for key, offset in active.items())


def behind(active: Offsets, building: Offsets) -> int:
    """Records the build is behind the generation in use, over all partitions."""
    return sum(max(offset - building.get(key, 0), 0) for key, offset in active.items())


async def switch(session: AsyncSession, runtime: Runtime, new: int) -> bool:
    """Put generation `new` in use if it has caught up, in this one transaction.

    The row lock waits for the batches in flight of the generation in use, and holds
    the later ones; `ALTER TABLE … SET SCHEMA` moves the
    tables in use to `stats_retired_g<old>` and the build's into `public`. Rows of the
    messaging tables that belong to no generation of ours (other consumers') go along.
    """
    state = await _state_row(session)
    if state.building != new:
        return False
    old = state.generation
    # The generation in use stands still now (its batches wait for this lock); the
    # build goes on, and draws level within moments if it was just behind.
    waited = 0.0
    while True:
        active, built = await both_progress(
            session, group_ids(runtime, old), group_ids(runtime, new), build_schema(new)
        )
        if caught_up(_offsets(active), _offsets(built)):
            break
        if waited >= SWITCH_WAIT_SECONDS:
            return False
        await asyncio.sleep(0.1)
        waited += 0.1
    # Every table at once, or not at all within the timeout: a reader holding one table
    # while waiting for another is never caught in a deadlock with the switch, which
    # gives up first and is tried again at the next poll.
    await session.execute(text(f"SET LOCAL lock_timeout = '{SWITCH_LOCK_TIMEOUT}'"))
    tables = [
        f'{schema}."{table.name}"'
        for schema in ("public", build_schema(new))
        for table in generation_tables()
    ]
    await session.execute(text(f"LOCK TABLE {', '.join(tables)} IN ACCESS EXCLUSIVE MODE"))
    ours = [*group_ids(runtime, old).values(), *group_ids(runtime, new).values()]
    await _carry_over_others(session, build_schema(new), ours)
    retired = retired_schema(old)
    await session.execute(text(f"DROP SCHEMA IF EXISTS {retired} CASCADE"))
    await session.execute(text(f"CREATE SCHEMA {retired}"))
    for table in generation_tables():
        await session.execute(text(f'ALTER TABLE public."{table.name}" SET SCHEMA {retired}'))
        await session.execute(
            text(f'ALTER TABLE {build_schema(new)}."{table.name}" SET SCHEMA public')
        )
    state.generation, state.building = new, None
    return True


async def _carry_over_others(session: AsyncSession, schema: str, our_groups: list[str]) -> None:
    ours = {"consumers": list(CONSUMERS), "groups": our_groups}
    for name, where in (
        ("processed_events", "consumer <> ALL(:consumers)"),
        ("parked_events", "consumer <> ALL(:consumers)"),
        ("consumer_brokers", "group_id <> ALL(:groups)"),
        ("consumer_progress", "group_id <> ALL(:groups)"),
    ):
        table = MESSAGING_METADATA.tables.get(name)
        if table is None:
            continue
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        await session.execute(
            text(
                f'INSERT INTO {schema}."{name}" ({columns})'
                f' SELECT {columns} FROM public."{name}" WHERE {where}'
            ),
            ours,
        )


def _offsets(
    rows: Mapping[tuple[str, str, int], tuple[int, int]],
) -> dict[tuple[str, str, int], int]:
    return {key: offset for key, (offset, _) in rows.items()}


async def drop_schema(engine: AsyncEngine, schema: str) -> None:
    async with engine.begin() as connection:
        await connection.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))


async def drop_leftovers(engine: AsyncEngine, state: State) -> None:
    """Schemas of retired generations and of builds no longer under way (a switch or an
    abandonment whose replica stopped before dropping them)."""
    async with engine.connect() as connection:
        names = (
            await connection.execute(
                text(
                    "SELECT nspname FROM pg_namespace WHERE nspname LIKE 'stats\\_retired\\_g%'"
                    " OR nspname LIKE 'stats\\_build\\_g%'"
                )
            )
        ).scalars()
        leftovers = [
            n for n in names if state.building is None or n != build_schema(state.building)
        ]
    for name in leftovers:
        await drop_schema(engine, name)


# -- each replica's coordinator --------------------------------------------------------------


@dataclass
class BuildConsumers:
    """This replica's consumers of the generation being built, on their own engine."""

    generation: int
    engine: AsyncEngine
    consumers: list[EventConsumer] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # The old groups' committed offsets when first asked, and whether the build's
    # groups have committed as far (`Rebuilds._committed_as_far`).
    history: dict[tuple[str, str, int], int] | None = None
    history_read: bool = False

    async def stop(self) -> None:
        await stop_tasks(self.tasks)
        await self.engine.dispose()


class Rebuilds:
    """Each replica's part in a rebuild: it starts and stops its build consumers as
    projection_state says, switches when the build has caught up, and moves its
    consumers to the generation in use after a switch (by any replica)."""

    def __init__(self) -> None:
        self.replica = f"{socket.gethostname()}/{os.getpid()}/{uuid.uuid4().hex[:6]}"
        self.consuming = 0  # the generation this replica's normal consumers write for
        self.build: BuildConsumers | None = None
        self.committed_asked = 0.0  # when the groups' committed offsets were last asked
        self.woken = asyncio.Event()

    async def on_startup(self, runtime: Runtime) -> None:
        """Consume in the consumer groups of the generation in use."""
        async with runtime.sessionmaker() as session:
            state = await read_state(session)
        self.consume(runtime, state.generation)

    def consume(self, runtime: Runtime, generation: int) -> None:
        self.consuming = generation
        runtime.group_prefix = group_prefix(runtime, generation)
        if on_postgresql_url(runtime.settings.database_url):
            runtime.consumer_guard = writes_for(generation)
        PROJECTION_GENERATION.labels(runtime.settings.service, "active").set(generation)

    def wake(self) -> None:
        self.woken.set()

    async def run(self, runtime: Runtime) -> None:
        if not on_postgresql_url(runtime.settings.database_url):
            return  # SQLite rebuilds in place, in its one process
        try:
            async with runtime.sessionmaker() as session:
                await drop_leftovers(runtime.engine, await read_state(session))
            while True:
                try:
                    await self.step(runtime)
                except asyncio.CancelledError:
                    raise
                except Exception as error:
                    log.warning("stats rebuild coordinator: %r", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.woken.wait(), POLL_SECONDS)
                self.woken.clear()
        finally:
            await self._stop_building()

    async def step(self, runtime: Runtime) -> None:
        async with runtime.sessionmaker() as session:
            state = await read_state(session)
        service = runtime.settings.service
        PROJECTION_GENERATION.labels(service, "building").set(state.building or 0)
        if state.generation != self.consuming:
            await self._follow_switch(runtime, state.generation)
        if state.building is None:
            if self.build is not None:
                await self._stop_building()
            return
        if self.build is None or self.build.generation != state.building:
            await self._stop_building()
            if not runtime.producer_started:
                return
            self.build = self._start_building(runtime, state.building)
        if await self._caught_up(runtime, state.building):
            await self._switch(runtime, state.building)

    async def _follow_switch(self, runtime: Runtime, generation: int) -> None:
        """Another generation is in use: the build consumers, if any, stop, and the
        normal ones go on in its groups from the offsets the build committed."""
        await self._stop_building()
        started = bool(runtime.consumer_tasks)
        await stop_consumers(runtime)
        self.consume(runtime, generation)
        if started:
            start_consumers(runtime)
        log.info("%s consumes generation %d", self.replica, generation)

    def _start_building(self, runtime: Runtime, generation: int) -> BuildConsumers:
        schema = build_schema(generation)
        engine = create_engine(
            runtime.settings.database_url,
            pool_size=4,
            max_overflow=4,
            connect_args={"server_settings": {"search_path": f"{schema}, public"}},
        )
        build = BuildConsumers(generation, engine)
        sessionmaker: async_sessionmaker[AsyncSession] = create_sessionmaker(engine)
        for subscription in runtime.subscriptions:
            consumer = new_consumer(
                runtime,
                subscription,
                group_prefix=group_prefix(runtime, generation),
                sessionmaker=sessionmaker,
                guard=builds(generation),
            )
            build.consumers.append(consumer)
            build.tasks.append(run_consumer(runtime, consumer))
        log.info("%s builds generation %d", self.replica, generation)
        return build

    async def _stop_building(self) -> None:
        build, self.build = self.build, None
        if build is not None:
            await build.stop()

    async def _caught_up(self, runtime: Runtime, new: int) -> bool:
        async with runtime.sessionmaker() as session:
            old = (await read_state(session)).generation
            active, built = await both_progress(
                session, group_ids(runtime, old), group_ids(runtime, new), build_schema(new)
            )
        offsets, building = _offsets(active), _offsets(built)
        REBUILD_BEHIND.labels(runtime.settings.service).set(behind(offsets, building))
        if not caught_up(offsets, building):
            return False
        return await self._committed_as_far(runtime, old, new)

    async def _committed_as_far(self, runtime: Runtime, old: int, new: int) -> bool:
        """Whether the build's groups committed, on every partition, at least what the
        old groups had committed when this replica first asked during this build: the
        history (what the old groups passed before consumer_progress was kept, and the
        records stats ignores). A fixed target, met once: what came after it the
        progress rule follows, so a steady stream of events cannot keep it out of reach."""
        build = self.build
        if build is None:
            return False
        if build.history_read:
            return True
        # Each ask starts a client per group: not at every poll.
        if time.monotonic() - self.committed_asked < COMMITTED_EVERY_SECONDS:
            return False
        self.committed_asked = time.monotonic()
        groups = {
            group: (generation, consumer)
            for generation in (old, new)
            for consumer, group in group_ids(runtime, generation).items()
        }
        topics = sorted({t for s in runtime.subscriptions for t in s.topics})
        committed = await committed_offsets(
            runtime.settings.kafka_bootstrap_servers, list(groups), topics
        )
        sides: dict[int, dict[tuple[str, str, int], int]] = {old: {}, new: {}}
        for (group, topic, partition), offset in committed.items():
            generation, consumer = groups[group]
            sides[generation][(consumer, topic, partition)] = offset
        if build.history is None:
            build.history = sides[old]
        build.history_read = caught_up(build.history, sides[new])
        return build.history_read

    async def _switch(self, runtime: Runtime, new: int) -> None:
        async with runtime.sessionmaker() as session, session.begin():
            old = (await read_state(session)).generation
            switched = await switch(session, runtime, new)
        if not switched:
            return
        log.info("%s switched the projections to generation %d", self.replica, new)
        REBUILD_BEHIND.labels(runtime.settings.service).set(0)
        await self._follow_switch(runtime, new)
        await drop_schema(runtime.engine, retired_schema(old))
        await drop_schema(runtime.engine, build_schema(new))

    def building_here(self) -> list[tuple[str, str, int]]:
        """(consumer, topic, partition) this replica's build consumers read now."""
        if self.build is None:
            return []
        return [(c.name, t, p) for c in self.build.consumers for t, p in c.assigned]


def on_postgresql_url(url: str) -> bool:
    return url.startswith("postgresql")


# -- what the API tells ---------------------------------------------------------------------


@dataclass(frozen=True)
class PartitionProgress:
    consumer: str
    topic: str
    partition: int
    active_offset: int | None
    building_offset: int | None
    active_applied: int | None
    building_applied: int | None


async def progress_report(
    session: AsyncSession, runtime: Runtime
) -> tuple[State, list[PartitionProgress]]:
    """The state, and each partition's progress in the generation in use and in the one
    being built; read again if the build's tables went away between the two reads (a
    switch or an abandonment meanwhile)."""
    for attempt in range(3):
        state = await read_state(session)
        if not on_postgresql(session):
            return state, []
        building = state.building
        try:
            async with session.begin_nested():
                active, built = await both_progress(
                    session,
                    group_ids(runtime, state.generation),
                    group_ids(runtime, building) if building else {},
                    build_schema(building) if building else "public",
                )
            break
        except ProgrammingError as error:
            if attempt == 2 or getattr(error.orig, "sqlstate", None) != UNDEFINED_TABLE:
                raise
    keys = sorted({*active, *built})
    return state, [
        PartitionProgress(
            *key,
            active_offset=active[key][0] if key in active else None,
            building_offset=built[key][0] if key in built else None,
            active_applied=active[key][1] if key in active else None,
            building_applied=built[key][1] if key in built else None,
        )
        for key in keys
    ]


# -- SQLite: in place --------------------------------------------------------------------------


async def rebuild_in_place(runtime: Runtime, rebuilds: Rebuilds) -> int:
    """Empty every projection and read all events again, in new consumer groups (one
    process: the API answers from the tables as they fill).

    The new groups start at the beginning of the topics. What the broker no
    longer holds, the services publish again from their outboxes on request
    (`qise stats rebuild --republish`).
    """
    await stop_consumers(runtime)
    async with runtime.sessionmaker() as session, session.begin():
        await _empty_projections(session)
        state = await _state_row(session)
        state.generation = state.newest = max(state.generation, state.newest) + 1
        new_generation = state.generation
    rebuilds.consume(runtime, new_generation)
    if runtime.producer_started:
        start_consumers(runtime)
    return new_generation


async def _empty_projections(session: AsyncSession) -> None:
    """Every projection table and this service's consumers' inbox and progress rows,
    emptied."""
    tables = [t for t in Base.metadata.sorted_tables if t.name != ProjectionState.__tablename__]
    for table in reversed(tables):
        await session.execute(delete(table))
    await session.execute(
        delete(processed_events).where(processed_events.c.consumer.in_(CONSUMERS))
    )
    await session.execute(
        delete(consumer_progress).where(consumer_progress.c.consumer.in_(CONSUMERS))
    )


async def applied_counts(session: AsyncSession) -> dict[str, int]:
    return await applied_by_consumer(session, CONSUMERS)
