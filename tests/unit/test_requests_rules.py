"""Requests rules called directly: the lifecycle table, care rules, birthdays, SLA, and the
team replica's columns."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from services.registry import events as registry
from services.requests.lifecycle import Sla, care_kind, check_move, next_political_birthday
from services.requests.models import Team
from shared.errors import Conflict
from shared.replica import key_source, state_row


@pytest.mark.parametrize(
    ("action", "status", "target"),
    [
        ("assign", "submitted", "assigned"),
        ("assign", "accepted", "assigned"),
        ("accept", "assigned", "accepted"),
        ("complete", "accepted", "completed"),
        ("cancel", "submitted", "cancelled"),
        ("cancel", "accepted", "cancelled"),
    ],
)
def test_legal_moves(action: str, status: str, target: str) -> None:
    assert check_move(action, status) == target


@pytest.mark.parametrize(
    ("action", "status"),
    [
        ("accept", "submitted"),
        ("complete", "assigned"),
        ("complete", "completed"),
        ("cancel", "completed"),
        ("cancel", "cancelled"),
        ("assign", "completed"),
    ],
)
def test_illegal_moves_name_the_current_status(action: str, status: str) -> None:
    with pytest.raises(Conflict) as caught:
        check_move(action, status)
    assert caught.value.extra["current_status"] == status


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("ill", "visit"),
        ("hospitalized", "visit"),
        ("major_difficulty", "visit"),
        ("missed_dues", "visit"),
        ("missed_org_life", "visit"),
        ("job_change", "talk"),
        ("commended", "talk"),
        ("disciplined", "talk"),
        ("negative_feedback", "talk"),
        ("retired", "talk"),
        ("political_birthday", "talk"),
    ],
)
def test_three_visits_five_talks(reason: str, kind: str) -> None:
    assert care_kind(reason) == kind


def test_political_birthday_is_the_next_anniversary() -> None:
    joined = date(1990, 7, 1)
    assert next_political_birthday(joined, date(2026, 6, 28)) == date(2026, 7, 1)
    assert next_political_birthday(joined, date(2026, 7, 1)) == date(2026, 7, 1)
    assert next_political_birthday(joined, date(2026, 7, 2)) == date(2027, 7, 1)
    assert next_political_birthday(date(2000, 2, 29), date(2026, 2, 1)) == date(2026, 2, 28)
    assert next_political_birthday(date(2026, 7, 1), date(2026, 7, 1)) == date(2027, 7, 1)


def test_sla_by_urgency() -> None:
    sla = Sla(urgent=timedelta(hours=4), normal=timedelta(hours=72))
    now = datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert sla.due("urgent", now) == now + timedelta(hours=4)
    assert sla.due("normal", now) == now + timedelta(hours=72)


def test_the_team_replica_keeps_the_unit_that_formed_the_team() -> None:
    unit = uuid.uuid4()
    team = {"team_id": str(uuid.uuid4()), "community_id": "c1", "category": "orange", "name": "x"}
    sources = key_source(Team, "team_id")
    formed = registry.TeamRegistered(**team, unit_id=str(unit)).model_dump()
    assert state_row(Team, formed, sources)["unit_id"] == unit
    # Events from before units formed teams carry none: a team no unit formed.
    assert state_row(Team, registry.TeamUpdated(**team).model_dump(), sources)["unit_id"] is None
