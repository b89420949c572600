"""The requests service's clock: marks overdue orders and care tasks, flags escalations
the branch left waiting, creates political-birthday talks ahead of the anniversary, and
anonymises the residents of orders closed longer than the retention period (PIPL).

Each step is its own unit of work. Several replicas may run rounds at once:
the overdue step skips rows someone else holds (they are looked at next round)
and the birthday step lets the unique constraint decide who makes a talk.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from services.requests import domain, personal_data
from services.requests.settings import RequestsSettings
from shared.db import utcnow
from shared.service import Runtime
from shared.uow import unit_of_work

log = logging.getLogger(__name__)


async def run_once(runtime: Runtime) -> tuple[int, int]:
    settings = runtime.settings
    assert isinstance(settings, RequestsSettings)
    now = utcnow()
    async with runtime.sessionmaker() as session, unit_of_work(session):
        marked = await domain.mark_overdue(
            session, now, settings.timezone, timedelta(hours=settings.escalation_wait_hours)
        )
    today = now.astimezone(ZoneInfo(settings.timezone)).date()
    async with runtime.sessionmaker() as session, unit_of_work(session):
        talks = await domain.create_birthday_talks(session, today, settings.birthday_lead_days)
    return marked, talks


async def apply_retention(runtime: Runtime, now: datetime | None = None) -> int:
    """One round of the residents' retention rule (`REQUESTS_RESIDENT_RETENTION_MONTHS`;
    0 turns it off): how many orders and care records it anonymised."""
    settings = runtime.settings
    assert isinstance(settings, RequestsSettings)
    if settings.resident_retention_months == 0:
        return 0
    async with runtime.sessionmaker() as session, unit_of_work(session):
        erased = await personal_data.apply_retention(
            session, now or utcnow(), settings.resident_retention_months
        )
    return sum(len(e.request_ids) + len(e.care_recipient_ids) for e in erased)


async def run_forever(runtime: Runtime) -> None:
    settings = runtime.settings
    assert isinstance(settings, RequestsSettings)
    while True:
        try:
            marked, talks = await run_once(runtime)
            if marked or talks:
                log.info("scheduler: %d marked overdue, %d birthday talks created", marked, talks)
            if anonymised := await apply_retention(runtime):
                log.info("scheduler: %d residents' records anonymised (retention)", anonymised)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("scheduler round failed: %r", error)
        await asyncio.sleep(settings.scheduler_seconds)
