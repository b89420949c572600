"""The audit log: who changed what and when, for every write.

Every write records its events in the outbox in the same transaction, and every
event names its author (the `actor` extension, from the caller's token). The
outbox is therefore the audit log, complete by construction; this router lets
a community's admins read it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel
from sqlalchemy import select

from shared.auth import ADMINS, CurrentUser
from shared.pagination import DEFAULT_LIMIT, Limit, Page
from shared.schemas import Slug
from shared.tables import outbox

router = APIRouter(tags=["audit"])


class AuditEntry(BaseModel):
    seq: int
    time: datetime
    type: str
    subject: str
    actor: str | None
    data: dict[str, Any]


@router.get("/audit")
async def audit_log(
    request: Request,
    user: CurrentUser,
    community_id: Slug,
    event_type: Annotated[str | None, Query(alias="type", max_length=200)] = None,
    limit: Limit = DEFAULT_LIMIT,
    # The `seq` of the last entry seen: ASCII digits that fit a bigint (a "²" is a digit
    # to str.isdigit, and 20 digits overflow the column).
    cursor: Annotated[
        str | None,
        Query(pattern=r"^[0-9]{0,18}$", description="`next_cursor` of the previous page."),
    ] = None,
) -> Page[AuditEntry]:
    """Every change in a community, oldest first, with who made it (its admins only)."""
    user.require_read(community_id, "community")
    user.require_role(*ADMINS)
    query = select(outbox.c.seq, outbox.c.payload).where(outbox.c.key == community_id)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    if cursor:
        query = query.where(outbox.c.seq > int(cursor))
    entries: list[AuditEntry] = []
    async with request.app.state.runtime.sessionmaker() as session:
        rows = await session.execute(query.order_by(outbox.c.seq).limit(limit + 1))
        for seq, payload in rows:
            event = orjson.loads(payload)
            entries.append(
                AuditEntry(
                    seq=seq,
                    time=event["time"],
                    type=event["type"],
                    subject=event["subject"],
                    actor=event.get("actor"),
                    data=event["data"],
                )
            )
    more = len(entries) > limit
    entries = entries[:limit]
    return Page(items=entries, next_cursor=str(entries[-1].seq) if more and entries else None)
