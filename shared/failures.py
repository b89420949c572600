"""Why applying an event failed, decided once for the consumer and the HTTP API.

Contract: `classify(error)` answers one of three `Failure`s, and each has one
treatment (`shared/consumer.py` applies it):

- `TRANSIENT`: the infrastructure, not the event: a deadlock or serialization
  failure, a statement or lock timeout, too many connections, a database
  shutting down or unreachable, the connection pool exhausted, the broker away.
  Retried with backoff, counted in `qise_consumer_retries_total`.
- `NOT_YET_KNOWN`: the event names an entity this service's replica has not
  received yet (`NotYetKnown`). Parked and retried until the park horizon.
- `PERMANENT`: every other domain error, invalid data, a bug. Retrying gives
  the same answer: dead-lettered at once.
"""

from __future__ import annotations

import enum

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from shared.errors import NotYetKnown

# SQLSTATEs of a statement PostgreSQL refused for the moment, not for its content.
TRANSIENT_SQLSTATES = frozenset(
    {
        "40001",  # serialization_failure
        "40P01",  # deadlock_detected
        "55P03",  # lock_not_available (lock_timeout)
        "57014",  # query_canceled (statement_timeout)
        "57P01",  # admin_shutdown
        "57P02",  # crash_shutdown
        "57P03",  # cannot_connect_now (starting up, recovering)
        "57P05",  # idle_session_timeout
    }
)
# Whole classes: 08 connection exception, 53 insufficient resources (53300 too_many_connections).
TRANSIENT_SQLSTATE_CLASSES = frozenset({"08", "53"})


class Failure(enum.Enum):
    TRANSIENT = "transient"
    NOT_YET_KNOWN = "not_yet_known"
    PERMANENT = "permanent"


def classify(error: BaseException) -> Failure:
    """What kind of failure `error` is; see the module's contract."""
    if isinstance(error, NotYetKnown):
        return Failure.NOT_YET_KNOWN
    if is_transient(error):
        return Failure.TRANSIENT
    return Failure.PERMANENT


def is_transient(error: BaseException) -> bool:
    """Failures of the infrastructure, not of the event: retrying later will work."""
    if isinstance(error, PoolTimeout | InterfaceError | ConnectionError | TimeoutError | OSError):
        return True
    if isinstance(error, KafkaConnectionError | KafkaTimeoutError):
        return True
    if isinstance(error, KafkaError):
        return bool(error.retriable)
    if isinstance(error, DBAPIError):
        if error.connection_invalidated:
            return True
        state = sqlstate(error)
        if state is None:
            # No SQLSTATE: SQLite's "database is locked" and driver-level failures.
            return isinstance(error, OperationalError)
        return state in TRANSIENT_SQLSTATES or state[:2] in TRANSIENT_SQLSTATE_CLASSES
    state = getattr(error, "sqlstate", None)  # asyncpg raised outside SQLAlchemy
    if isinstance(state, str):
        return state in TRANSIENT_SQLSTATES or state[:2] in TRANSIENT_SQLSTATE_CLASSES
    return False


def sqlstate(error: DBAPIError) -> str | None:
    """The SQLSTATE PostgreSQL answered, when it did."""
    state = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return str(state) if state else None
