"""The rebuild's rules in plain Python: when the generation being built has caught up with
the one in use, how far behind it is, and which tables a generation has of its own."""

from __future__ import annotations

from services.stats.models import Base
from services.stats.rebuild import (
    GENERATION_MESSAGING,
    behind,
    build_schema,
    caught_up,
    generation_tables,
    retired_schema,
)

ACTIVITIES_0 = ("activities", "qise.activities.events", 0)
ACTIVITIES_1 = ("activities", "qise.activities.events", 1)
REGISTRY_0 = ("registry", "qise.registry.events", 0)


def test_caught_up_when_every_partition_in_use_is_reached() -> None:
    active = {ACTIVITIES_0: 120, ACTIVITIES_1: 80, REGISTRY_0: 40}
    assert caught_up(active, {ACTIVITIES_0: 120, ACTIVITIES_1: 95, REGISTRY_0: 40})
    assert behind(active, {ACTIVITIES_0: 120, ACTIVITIES_1: 95, REGISTRY_0: 40}) == 0


def test_not_caught_up_while_one_partition_is_behind() -> None:
    active = {ACTIVITIES_0: 120, ACTIVITIES_1: 80, REGISTRY_0: 40}
    building = {ACTIVITIES_0: 200, ACTIVITIES_1: 79, REGISTRY_0: 40}
    assert not caught_up(active, building)
    assert behind(active, building) == 1


def test_a_partition_the_build_has_not_read_yet_is_behind() -> None:
    active = {ACTIVITIES_0: 120, REGISTRY_0: 40}
    assert not caught_up(active, {ACTIVITIES_0: 120})
    assert behind(active, {ACTIVITIES_0: 120}) == 40


def test_partitions_only_the_build_has_read_do_not_hold_it_back() -> None:
    # The generation in use never applied anything from partition 1 (nothing to apply).
    assert caught_up({ACTIVITIES_0: 7}, {ACTIVITIES_0: 7, ACTIVITIES_1: 3})
    assert caught_up({}, {})


def test_a_generation_has_every_projection_and_its_consumers_bookkeeping() -> None:
    names = {t.name for t in generation_tables()}
    assert "projection_state" not in names and "outbox" not in names
    assert {t.name for t in Base.metadata.sorted_tables} - {"projection_state"} <= names
    assert {"processed_events", "parked_events", "consumer_brokers"} <= names
    assert names <= {t.name for t in Base.metadata.sorted_tables} | set(GENERATION_MESSAGING)
    assert (build_schema(3), retired_schema(2)) == ("stats_build_g3", "stats_retired_g2")
