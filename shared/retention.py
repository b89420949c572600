"""How long a consumer remembers the events it applied (`processed_events`).

Contract: `prune_claims` deletes, for one consumer, up to `limit` claims applied
before `before`, never its newest event (stats answers "as of" from it), and
answers how many it deleted; `prune_claims_forever` does so for every consumer
of a service, in small batches, every `every` seconds. A claim must outlive any
redelivery of its event from the broker: keep claims longer than the topics'
retention (docs/operations.md, "Retention of applied event ids").
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from shared.db import utcnow
from shared.metrics import CLAIMS_PRUNED
from shared.tables import processed_events

log = logging.getLogger(__name__)


async def prune_claims(
    session: AsyncSession, consumer: str, before: datetime, limit: int = 1000
) -> int:
    claims = processed_events.c
    newest = await session.scalar(
        select(func.max(claims.event_time)).where(claims.consumer == consumer)
    )
    if newest is None:
        return 0
    oldest = (
        select(claims.event_id)
        .where(claims.consumer == consumer, claims.processed_at < before)
        .where(claims.event_time < newest)
        .order_by(claims.processed_at)
        .limit(limit)
    )
    result = await session.execute(
        delete(processed_events).where(
            claims.consumer == consumer, claims.event_id.in_(oldest.scalar_subquery())
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def prune_claims_forever(
    sessionmaker: async_sessionmaker[AsyncSession],
    *,
    service: str,
    consumers: Sequence[str],
    keep_days: float,
    every: float = 600.0,
    limit: int = 1000,
) -> None:
    """Until cancelled: short transactions of `limit` rows, so pruning never holds
    locks or bloats a transaction while consumers write claims."""
    while True:
        try:
            before = utcnow() - timedelta(days=keep_days)
            for consumer in consumers:
                while True:
                    async with sessionmaker() as session, session.begin():
                        pruned = await prune_claims(session, consumer, before, limit)
                    CLAIMS_PRUNED.labels(service).inc(pruned)
                    if pruned < limit:
                        break
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("%s: pruning processed_events failed, trying later: %r", service, error)
        await asyncio.sleep(every)
