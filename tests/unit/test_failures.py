"""One classification of failures: transient, not yet known, permanent."""

from __future__ import annotations

import pytest
from aiokafka.errors import (
    KafkaConnectionError,
    NotLeaderForPartitionError,
    UnsupportedVersionError,
)
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.errors import Conflict, Invalid, NotFound, NotYetKnown
from shared.failures import Failure, classify
from shared.retry import RetryPolicy


class PostgresSays(Exception):
    """What the asyncpg adapter puts in `DBAPIError.orig`: the SQLSTATE as `sqlstate`."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__(f"SQLSTATE {sqlstate}")
        self.sqlstate = sqlstate


def database_error(sqlstate: str, kind: type[DBAPIError] = DBAPIError) -> DBAPIError:
    return kind("UPDATE ...", {}, PostgresSays(sqlstate))


@pytest.mark.parametrize(
    "sqlstate",
    ["40P01", "40001", "57014", "55P03", "53300", "53200", "57P01", "57P03", "08006", "08001"],
)
def test_what_postgresql_refuses_for_the_moment_is_transient(sqlstate: str) -> None:
    assert classify(database_error(sqlstate)) is Failure.TRANSIENT
    assert classify(database_error(sqlstate, OperationalError)) is Failure.TRANSIENT


@pytest.mark.parametrize("sqlstate", ["23505", "23503", "22001", "42P01", "42703"])
def test_what_postgresql_refuses_for_the_statement_is_permanent(sqlstate: str) -> None:
    assert classify(database_error(sqlstate, IntegrityError)) is Failure.PERMANENT
    assert classify(database_error(sqlstate, ProgrammingError)) is Failure.PERMANENT


def test_the_infrastructure_away_is_transient() -> None:
    away: list[BaseException] = [
        PoolTimeout("QueuePool limit of size 10 overflow 20 reached"),
        OperationalError("BEGIN", {}, Exception("database is locked")),  # SQLite
        ConnectionRefusedError(111, "connection refused"),
        TimeoutError(),
        KafkaConnectionError("no broker"),
        NotLeaderForPartitionError(),
    ]
    for error in away:
        assert classify(error) is Failure.TRANSIENT, error
    invalidated = database_error("XX000")
    invalidated.connection_invalidated = True
    assert classify(invalidated) is Failure.TRANSIENT


def test_a_reference_not_received_yet_is_not_yet_known() -> None:
    assert classify(NotYetKnown("community 'x' is not known here (yet)")) is Failure.NOT_YET_KNOWN


def test_rules_data_and_bugs_are_permanent() -> None:
    class Shape(BaseModel):
        n: int

    with pytest.raises(ValidationError) as invalid:
        Shape.model_validate({"n": "x"})
    for error in [
        Invalid("bad"),
        Conflict("no"),
        NotFound("gone"),
        invalid.value,
        KeyError("x"),
        TypeError("bug"),
        UnsupportedVersionError(),
    ]:
        assert classify(error) is Failure.PERMANENT, error


def test_the_retry_policy_backs_off_to_a_ceiling_and_bounds_poison_and_parking() -> None:
    policy = RetryPolicy(poison_after_seconds=60, park_horizon_seconds=3600, longest_delay=30)
    delays = [policy.delay(attempt) for attempt in range(1, 20)]
    assert all(0 < d <= 30 for d in delays) and max(delays[-5:]) > 10
    assert not policy.is_poison(59) and policy.is_poison(60)
    assert not policy.past_horizon(3599) and policy.past_horizon(3600)
    assert 0 < policy.park_delay(1) <= 1 and policy.park_delay(30) <= policy.longest_park_delay
