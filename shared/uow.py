"""The unit of work: the one place a command's transaction commits.

A route opens it around the one domain function it calls; the consumer's batch
transaction plays the same part for event handlers. Domain functions change
rows and record outbox events in the session they are given and never commit,
so a change and the events that report it commit together, or neither does,
and the same domain function serves HTTP and Kafka alike.

Two people changing one record at once: the domain reads the record it will
change with a row lock (`shared.scoping.get_to_change`), so on PostgreSQL the
second writer waits and then decides on the first one's result (on SQLite
every transaction holds the write lock from its start). Versioned
entities also map `version` as SQLAlchemy's version counter, so an UPDATE that
was not preceded by a lock still checks the version it read; losing that check
is the 409 below.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from shared.errors import ChangedMeanwhile, Conflict


@asynccontextmanager
async def unit_of_work(session: AsyncSession) -> AsyncIterator[AsyncSession]:
    """Commit what the block changed, with its outbox rows; on any error, nothing of it."""
    try:
        yield session
        await session.commit()
    except StaleDataError:
        await session.rollback()
        raise ChangedMeanwhile(
            "someone else changed this record at the same moment; reload it and try again"
        ) from None
    except BaseException:
        await session.rollback()
        raise


async def flush_unique(session: AsyncSession, conflict: str) -> None:
    """Write pending rows now; a unique constraint hit by a concurrent writer is a 409.

    The check before the write (e.g. "is this phone taken?") answers the usual
    case with a precise message; this answers the same way when another writer
    took the value between that check and our insert. The transaction is then
    spoilt: the unit of work around it rolls it back.
    """
    try:
        await session.flush()
    except IntegrityError:
        raise Conflict(conflict) from None
