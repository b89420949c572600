"""The PIPL rules, called directly: what erasing a volunteer keeps and removes, how their
logged events read afterwards, who may read a volunteer's data, and the retention clock."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.registry import events as ev
from services.registry import lifecycle as lc
from services.registry.api import volunteer_out
from services.registry.models import Volunteer
from services.registry.schemas import LifeEventIn, VolunteerIn, VolunteerPatch
from services.requests.lifecycle import months_before, retention_cutoff
from shared.auth import Principal, Role
from shared.errors import Conflict
from shared.personal_data import ERASED_VOLUNTEER_NAME, may_see_personal_data

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = AT + timedelta(days=30)


def registered(**fields: object) -> lc.VolunteerState:
    command = VolunteerIn.model_validate(
        {
            "community_id": "longquan",
            "name": "陈秀英",
            "phone": "13812345678",
            "gender": "female",
            "birth_year": 1958,
            "skills": ["剪纸"],
            "availability": "周末",
            "is_party_member": True,
            "party_joined_on": "1985-07-01",
            "unit_id": str(uuid.uuid4()),
            **fields,
        }
    )
    state, _ = lc.register_volunteer(command, volunteer_id=uuid.uuid4(), at=AT)
    return state


# -- erasing a volunteer -----------------------------------------------------------------


def test_erasing_removes_the_person_and_keeps_what_is_counted() -> None:
    state = registered()
    erased, event = lc.erase_volunteer(state, reason="本人申请", at=LATER)
    assert event is not None
    assert erased.name == ERASED_VOLUNTEER_NAME
    assert (erased.phone, erased.gender, erased.birth_year, erased.skills) == (None, None, None, ())
    assert (erased.availability, erased.party_joined_on, erased.unit_id) == (None, None, None)
    assert erased.erased_at == LATER and erased.updated_at == LATER
    kept = ("id", "community_id", "is_party_member", "active", "created_at")
    assert {k: getattr(erased, k) for k in kept} == {k: getattr(state, k) for k in kept}
    assert erased.version == state.version + 1


def test_the_erasure_event_carries_the_anonymised_state_for_the_replicas() -> None:
    erased, event = lc.erase_volunteer(registered(), reason="本人申请", at=LATER)
    assert isinstance(event, ev.VolunteerErased)
    assert event.event_type in ev.REPLICA
    assert event.name == ERASED_VOLUNTEER_NAME and event.phone_masked == ""
    assert event.version == erased.version and event.reason == "本人申请"
    assert event.is_party_member and event.active
    assert "陈秀英" not in event.model_dump_json()


def test_a_deactivated_volunteer_loses_the_reason_too_and_stays_inactive() -> None:
    state, _ = lc.deactivate_volunteer(registered(), reason="搬去女儿家住", at=AT)
    erased, _ = lc.erase_volunteer(state, reason="本人申请", at=LATER)
    assert erased.deactivated_reason is None and erased.active is False


def test_erasing_again_changes_nothing() -> None:
    once, _ = lc.erase_volunteer(registered(), reason="本人申请", at=AT)
    twice, event = lc.erase_volunteer(once, reason="再次申请", at=LATER)
    assert event is None and twice == once


def test_an_erased_volunteer_takes_no_details_and_no_life_events() -> None:
    erased, _ = lc.erase_volunteer(registered(), reason="本人申请", at=AT)
    with pytest.raises(Conflict):
        lc.update_volunteer(erased, VolunteerPatch.model_validate({"name": "陈秀英"}), at=LATER)
    with pytest.raises(Conflict):
        lc.record_life_event(
            erased,
            LifeEventIn(kind="ill", occurred_on=date(2026, 3, 1)),
            life_event_id=uuid.uuid4(),
        )


def test_the_answer_shows_no_phone_for_an_erased_volunteer() -> None:
    erased, _ = lc.erase_volunteer(registered(), reason="本人申请", at=AT)
    admin = Principal(sub="a", role="community_admin", communities=["longquan"])
    for reader in (admin, Principal(sub="v", role="volunteer", communities=["longquan"])):
        out = volunteer_out(Volunteer(**erased.columns()), reader, [])
        assert out.phone == "" and out.erased_at == AT and out.name == ERASED_VOLUNTEER_NAME


# -- the events logged before ------------------------------------------------------------


def logged(state: lc.VolunteerState, kind: type[ev.VolunteerState]) -> dict[str, Any]:
    data: dict[str, Any] = state.event(kind).model_dump(mode="json")
    return data


def test_logged_state_events_read_as_the_erased_state_at_their_own_version() -> None:
    state = registered()
    erased, event = lc.erase_volunteer(state, reason="本人申请", at=LATER)
    assert event is not None
    scrub = lc.scrub_logged_event(erased)
    data = scrub(ev.VolunteerRegistered.event_type, logged(state, ev.VolunteerRegistered))
    blank = event.model_dump(mode="json")
    for field in lc.ERASED_IN_EVENTS:
        assert data[field] == blank[field], field
    assert data["version"] == state.version and data["is_party_member"] is True
    gone, _ = lc.deactivate_volunteer(state, reason="搬去女儿家住", at=AT)
    deactivated = scrub(
        ev.VolunteerDeactivated.event_type,
        {**logged(gone, ev.VolunteerUpdated), "reason": "搬去女儿家住"},
    )
    assert deactivated["reason"] == "" and deactivated["name"] == ERASED_VOLUNTEER_NAME


def test_logged_life_events_lose_the_name_and_the_note() -> None:
    state = registered()
    recorded = lc.record_life_event(
        state,
        LifeEventIn(kind="hospitalized", occurred_on=date(2026, 2, 1), note="肺炎住院"),
        life_event_id=uuid.uuid4(),
    )
    erased, _ = lc.erase_volunteer(state, reason="本人申请", at=LATER)
    data = lc.scrub_logged_event(erased)(recorded.event_type, recorded.model_dump(mode="json"))
    assert (data["volunteer_name"], data["note"]) == (ERASED_VOLUNTEER_NAME, None)
    assert (data["kind"], data["occurred_on"]) == ("hospitalized", "2026-02-01")


def test_events_about_someone_else_or_of_other_kinds_stay() -> None:
    erased, _ = lc.erase_volunteer(registered(), reason="本人申请", at=LATER)
    scrub = lc.scrub_logged_event(erased)
    other = logged(registered(name="李强"), ev.VolunteerRegistered)
    assert scrub(ev.VolunteerRegistered.event_type, dict(other)) == other
    joined = {"team_id": str(uuid.uuid4()), "volunteer_id": str(erased.id), "version": 3}
    assert scrub(ev.TeamMemberJoined.event_type, dict(joined)) == joined


# -- who may read a volunteer's data -----------------------------------------------------

ME = str(uuid.uuid4())


@pytest.mark.parametrize(
    ("role", "communities", "sub", "may"),
    [
        ("county_admin", ["*"], "county", True),
        ("county_admin", ["longquan"], "county", True),
        ("community_admin", ["longquan"], "admin", True),
        ("community_admin", ["elsewhere"], "admin", False),
        ("branch_admin", ["longquan"], "branch", False),
        ("volunteer", ["longquan"], ME, True),
        ("team_leader", ["longquan"], ME, True),
        ("volunteer", ["longquan"], "someone-else", False),
        ("team_leader", ["longquan"], "their-leader", False),
        ("volunteer", ["elsewhere"], ME, False),
    ],
)
def test_the_community_admins_and_the_person_themself_read_a_volunteer(
    role: Role, communities: list[str], sub: str, may: bool
) -> None:
    principal = Principal(sub=sub, role=role, communities=communities)
    assert may_see_personal_data(principal, "longquan", ME) is may


# -- the retention clock ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 5, 31, 8, tzinfo=UTC), 3, datetime(2026, 2, 28, 8, tzinfo=UTC)),
        (datetime(2028, 5, 31, 8, tzinfo=UTC), 3, datetime(2028, 2, 29, 8, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 1, datetime(2025, 12, 15, tzinfo=UTC)),
        (datetime(2026, 3, 10, tzinfo=UTC), 36, datetime(2023, 3, 10, tzinfo=UTC)),
        (datetime(2026, 11, 30, tzinfo=UTC), -3, datetime(2027, 2, 28, tzinfo=UTC)),
    ],
)
def test_months_are_calendar_months(moment: datetime, months: int, expected: datetime) -> None:
    assert months_before(moment, months) == expected


def test_retention_at_zero_months_is_off() -> None:
    assert retention_cutoff(AT, 0) is None
    assert retention_cutoff(AT, 12) == datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
