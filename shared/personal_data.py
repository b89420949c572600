"""PIPL rights (个人信息保护法): what every service needs to export and erase a person's data.

A volunteer's data is spread over the services that keep it (the registry owns the
record; activities, requests and stats keep parts and replicas). Each answers its own
part at a path of its own (docs/security.md, "Personal information (PIPL)"), to the same
people: the admins of the volunteer's community and the volunteer themself. Each export
and each erasure is recorded in the service's outbox, which is its audit log
(`shared/audit.py`): who (the event's actor), when, which subject and why, and no
personal data. An erasure also rewrites the events the service logged earlier about the
person (`rewrite_logged_events`), so that the audit log keeps who did what but no longer
whom it was about by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Annotated, Any, Protocol, TypeVar

import orjson
from pydantic import Field, StringConstraints
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from shared.auth import ADMINS, Principal
from shared.errors import Forbidden
from shared.events import EventData
from shared.scoping import get_in_scope
from shared.tables import outbox

# What an erased person is called from then on: a placeholder, the same for everyone.
ERASED_VOLUNTEER_NAME = "已删除的志愿者"
ERASED_RESIDENT_NAME = "已删除的居民"

# Rewrites an event's `data` (as logged) into what it would have said without the person.
Scrub = Callable[[str, dict[str, Any]], dict[str, Any]]

# Why an erasure was asked for: it goes to the audit log, so no personal data in it.
ErasureReason = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
    Field(description="Why, for the audit log (e.g. 本人申请); no personal data here."),
]


class AVolunteer(Protocol):
    id: Any
    community_id: Any


V = TypeVar("V", bound=AVolunteer)


def may_see_personal_data(principal: Principal, community_id: str, volunteer_id: str) -> bool:
    """The admins of the volunteer's community, and the volunteer themself (the token's
    `sub` is their id), whatever their role: no team leader reads a member's export."""
    return principal.is_admin_or_self(community_id, volunteer_id)


def require_personal_data_reader(
    principal: Principal, community_id: str, volunteer_id: str
) -> None:
    """403 for anyone else who sees the community (the caller checked it is in scope)."""
    if not may_see_personal_data(principal, community_id, volunteer_id):
        raise Forbidden(
            "only the community's admins and the volunteer themself may export their data"
        )


def require_eraser(principal: Principal, community_id: str) -> None:
    """Erasing is for the community's admins (county and community admins who see it)."""
    principal.require_write(community_id)
    principal.require_role(*ADMINS)


async def volunteer_to_export(
    session: AsyncSession, model: type[V], volunteer_id: str, principal: Principal
) -> V:
    """The volunteer (a service's record or replica of them) whose data the caller may
    export: 404 outside the token's communities, 403 for anyone but the community's admins
    and the volunteer themself."""
    volunteer = await get_in_scope(session, model, volunteer_id, principal, "volunteer")
    require_personal_data_reader(principal, volunteer.community_id, str(volunteer.id))
    return volunteer


class PersonalDataExported(EventData):
    """The base of each service's audit event for one export: no personal data, only which
    subject's data left the service and how much of it."""

    subject_id: str = Field(
        description="Whose data: a volunteer's id, or for a resident the export's own id."
    )
    community_id: str
    counts: dict[str, int] = Field(
        default_factory=dict, description="How many records of each kind the export held."
    )


async def rewrite_logged_events(
    session: AsyncSession,
    *,
    community: str,
    mentions: str,
    types: Iterable[str],
    scrub: Scrub,
) -> int:
    """Rewrite the `data` of the logged events of `types`, keyed `community`, whose document
    mentions `mentions` (an id), with `scrub`. Returns how many rows changed.

    Rows are the service's event log and audit log: kept, published or not. A row rewritten
    before the relay sent it goes out rewritten; one sent already stays in the topic as it
    was until the topic's retention drops it (docs/security.md).
    """
    rows = await session.execute(
        select(outbox.c.seq, outbox.c.payload)
        .where(
            outbox.c.key == community,
            outbox.c.event_type.in_(list(types)),
            outbox.c.payload.contains(mentions, autoescape=True),
        )
        .order_by(outbox.c.seq)
        .with_for_update()
    )
    changed = 0
    for seq, payload in rows:
        document = orjson.loads(payload)
        data = scrub(document["type"], dict(document["data"]))
        if data == document["data"]:
            continue
        document["data"] = data
        await session.execute(
            update(outbox)
            .where(outbox.c.seq == seq)
            .values(payload=orjson.dumps(document).decode())
        )
        changed += 1
    return changed
