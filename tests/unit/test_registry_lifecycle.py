"""The registry's moves for volunteers and teams, called directly: no database."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.registry import events as ev
from services.registry import lifecycle as lc
from services.registry.api import team_out, volunteer_out
from services.registry.models import Team, Volunteer
from services.registry.schemas import LifeEventIn, VolunteerIn, VolunteerPatch
from shared.auth import Principal
from shared.errors import Conflict, Invalid

AT = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
LATER = AT + timedelta(hours=1)


def registered(**fields: object) -> lc.VolunteerState:
    command = VolunteerIn.model_validate(
        {"community_id": "longquan", "name": "王芳", "phone": "13812345678", **fields}
    )
    state, _ = lc.register_volunteer(command, volunteer_id=uuid.uuid4(), at=AT)
    return state


def patch(**fields: object) -> VolunteerPatch:
    return VolunteerPatch.model_validate(fields)


def a_team(**fields: Any) -> lc.TeamState:
    state, _ = lc.register_team(
        team_id=uuid.uuid4(),
        community_id="longquan",
        category="green",
        name="绿色家园",
        leader=None,
        at=AT,
    )
    return replace(state, **fields)


# -- volunteers --------------------------------------------------------------------


def test_registering_a_volunteer_starts_at_version_one_with_a_masked_phone() -> None:
    command = VolunteerIn.model_validate(
        {
            "community_id": "longquan",
            "name": "王芳",
            "phone": "138-1234-5678",
            "skills": ["剪纸"],
            "is_party_member": True,
            "party_joined_on": "1990-07-01",
            "birth_year": 1960,
        }
    )
    key = uuid.uuid4()
    state, event = lc.register_volunteer(command, volunteer_id=key, at=AT)
    assert (state.id, state.version, state.active, state.phone) == (key, 1, True, "13812345678")
    assert (state.created_at, state.updated_at) == (AT, AT)
    assert state.skills == ("剪纸",)
    assert isinstance(event, ev.VolunteerRegistered)
    assert event.volunteer_id == str(key) and event.phone_masked == "138****5678"
    assert event.skills == ["剪纸"] and event.version == 1 and event.party_joined_on is not None


def test_an_update_applies_only_the_fields_it_sets() -> None:
    before = registered(skills=["剪纸"], availability="周末", gender="female")
    after, event = lc.update_volunteer(before, patch(name="王芳芳", birth_year=1965), at=LATER)
    assert (after.name, after.birth_year, after.version, after.updated_at) == (
        "王芳芳",
        1965,
        2,
        LATER,
    )
    assert (after.skills, after.availability, after.gender) == (("剪纸",), "周末", "female")
    assert after.created_at == AT and after.id == before.id
    assert isinstance(event, ev.VolunteerUpdated)
    assert (event.name, event.version, event.birth_year) == ("王芳芳", 2, 1965)


def test_an_update_on_top_of_another_climbs_one_version_each() -> None:
    first, _ = lc.update_volunteer(registered(), patch(name="甲"), at=LATER)
    second, event = lc.update_volunteer(first, patch(birth_year=1970), at=LATER)
    assert (second.name, second.birth_year, second.version, event.version) == ("甲", 1970, 3, 3)


def test_leaving_the_party_clears_the_joining_date() -> None:
    member = registered(is_party_member=True, party_joined_on="1990-07-01", birth_year=1960)
    after, event = lc.update_volunteer(member, patch(is_party_member=False), at=LATER)
    assert (after.is_party_member, after.party_joined_on) == (False, None)
    assert event.party_joined_on is None


def test_joining_the_party_with_a_date() -> None:
    after, _ = lc.update_volunteer(
        registered(), patch(is_party_member=True, party_joined_on="2001-07-01"), at=LATER
    )
    assert (after.is_party_member, after.party_joined_on) == (True, date(2001, 7, 1))


@pytest.mark.parametrize("field", ["name", "phone", "is_party_member"])
def test_a_required_field_cannot_be_emptied(field: str) -> None:
    with pytest.raises(Invalid, match=f"{field} cannot be empty") as caught:
        lc.update_volunteer(registered(), patch(**{field: None}), at=LATER)
    assert caught.value.extra["errors"][0]["loc"] == ["body", field]


def test_an_update_must_leave_the_volunteer_valid_as_a_whole() -> None:
    # Each change alone is fine; together with what is stored the date is before 18.
    member = registered(is_party_member=True, party_joined_on="1990-07-01")
    with pytest.raises(Invalid, match="invalid after this change") as caught:
        lc.update_volunteer(member, patch(birth_year=1980), at=LATER)
    assert caught.value.extra["errors"][0]["loc"] == ["body", "party_joined_on"]


def test_a_joining_date_alone_for_someone_not_in_the_party_is_dropped() -> None:
    # The merge rule as it stands: not a party member means no joining date.
    after, _ = lc.update_volunteer(registered(), patch(party_joined_on="1990-07-01"), at=LATER)
    assert (after.is_party_member, after.party_joined_on, after.version) == (False, None, 2)


def test_skills_cannot_be_emptied_to_null() -> None:
    with pytest.raises(Invalid) as caught:
        lc.update_volunteer(registered(skills=["剪纸"]), patch(skills=None), at=LATER)
    assert caught.value.extra["errors"][0]["loc"] == ["body", "skills"]


def test_deactivation_keeps_the_record_with_a_reason() -> None:
    after, event = lc.deactivate_volunteer(registered(), reason="搬离社区", at=LATER)
    assert (after.active, after.deactivated_reason, after.version, after.updated_at) == (
        False,
        "搬离社区",
        2,
        LATER,
    )
    assert isinstance(event, ev.VolunteerDeactivated)
    assert (event.active, event.reason, event.version) == (False, "搬离社区", 2)


def test_a_second_deactivation_is_a_conflict_naming_the_state() -> None:
    gone, _ = lc.deactivate_volunteer(registered(), reason="搬离社区", at=LATER)
    with pytest.raises(Conflict, match="already deactivated") as caught:
        lc.deactivate_volunteer(gone, reason="又一次", at=LATER)
    assert caught.value.extra["current_status"] == "inactive"


def test_a_party_members_life_event_is_recorded() -> None:
    member = registered(is_party_member=True, party_joined_on="1990-07-01", birth_year=1960)
    key = uuid.uuid4()
    command = LifeEventIn(kind="ill", occurred_on=date(2026, 2, 1), note="住院")
    event = lc.record_life_event(member, command, life_event_id=key)
    assert event.life_event_id == str(key) and event.volunteer_id == str(member.id)
    assert (event.volunteer_name, event.kind, event.note) == ("王芳", "ill", "住院")


def test_life_events_are_for_party_members_only() -> None:
    command = LifeEventIn(kind="ill", occurred_on=date(2026, 2, 1))
    with pytest.raises(Invalid, match="party members only"):
        lc.record_life_event(registered(), command, life_event_id=uuid.uuid4())


def test_volunteer_row_answer_and_events_share_one_mapping() -> None:
    state = registered(skills=["剪纸"], is_party_member=True, party_joined_on="1990-07-01")
    row = Volunteer(**state.columns())
    assert row.skills == ["剪纸"] and lc.VolunteerState.of(row) == state
    event = state.event(ev.VolunteerUpdated)
    assert event.model_dump(exclude={"volunteer_id", "phone_masked", "version"}) == state.shown()
    reader = Principal(sub="v", role="volunteer", communities=["longquan"])
    out = volunteer_out(row, reader, [])
    assert out.model_dump(include=set(state.shown())) == state.shown()
    assert out.phone == event.phone_masked == "138****5678"


# -- teams -------------------------------------------------------------------------


def test_registering_a_team_starts_active_at_version_one() -> None:
    key, leader = uuid.uuid4(), uuid.uuid4()
    state, event = lc.register_team(
        team_id=key, community_id="longquan", category="red", name="红队", leader=leader, at=AT
    )
    assert (state.status, state.version, state.created_at) == ("active", 1, AT)
    assert isinstance(event, ev.TeamRegistered)
    assert (event.team_id, event.leader_volunteer_id, event.status, event.version) == (
        str(key),
        str(leader),
        "active",
        1,
    )


def test_renaming_and_changing_the_leader_is_one_version() -> None:
    leader = uuid.uuid4()
    after, event = lc.update_team(a_team(), name="新名", leader=leader)
    assert (after.name, after.leader_volunteer_id, after.version) == ("新名", leader, 2)
    assert isinstance(event, ev.TeamUpdated)
    assert (event.name, event.leader_volunteer_id, event.version) == ("新名", str(leader), 2)


def test_a_team_can_be_left_without_a_leader() -> None:
    after, event = lc.update_team(a_team(leader_volunteer_id=uuid.uuid4()), name="绿", leader=None)
    assert after.leader_volunteer_id is None and event.leader_volunteer_id is None


def test_deactivating_a_team() -> None:
    after, event = lc.deactivate_team(a_team())
    assert (after.status, after.version) == ("inactive", 2)
    assert event is not None and (event.status, event.version) == ("inactive", 2)


def test_deactivating_an_inactive_team_changes_and_publishes_nothing() -> None:
    inactive = a_team(status="inactive", version=4)
    after, event = lc.deactivate_team(inactive)
    assert after == inactive and event is None


def test_an_active_team_admits_a_new_member() -> None:
    team, volunteer = a_team(), uuid.uuid4()
    lc.check_team_is_active(team)
    after, event = lc.admit_member(team, volunteer, already_member=False)
    assert isinstance(event, ev.TeamMemberJoined)
    assert (event.team_id, event.volunteer_id) == (str(team.id), str(volunteer))
    # A join is a change of the team: its version climbs, and the event carries it.
    assert after == replace(team, version=team.version + 1)
    assert event.version == after.version


def test_an_inactive_team_takes_no_members() -> None:
    inactive = a_team(status="inactive")
    with pytest.raises(Conflict, match="inactive") as caught:
        lc.check_team_is_active(inactive)
    assert caught.value.extra["current_status"] == "inactive"
    with pytest.raises(Conflict, match="inactive"):
        lc.admit_member(inactive, uuid.uuid4(), already_member=False)


def test_a_member_joins_once() -> None:
    with pytest.raises(Conflict, match="already a member"):
        lc.admit_member(a_team(), uuid.uuid4(), already_member=True)


def test_a_member_leaving_is_one_version_of_the_team() -> None:
    team, volunteer = a_team(leader_volunteer_id=uuid.uuid4()), uuid.uuid4()
    after, events = lc.member_leaves(team, volunteer)
    assert after == replace(team, version=team.version + 1)
    [left] = events
    assert isinstance(left, ev.TeamMemberLeft) and left.volunteer_id == str(volunteer)
    assert left.version == after.version


def test_when_the_leader_leaves_the_team_has_none() -> None:
    leader = uuid.uuid4()
    after, events = lc.member_leaves(a_team(leader_volunteer_id=leader), leader)
    assert (after.leader_volunteer_id, after.version) == (None, 3)
    updated, left = events
    assert isinstance(updated, ev.TeamUpdated) and updated.leader_volunteer_id is None
    assert updated.version == 2
    assert isinstance(left, ev.TeamMemberLeft) and left.volunteer_id == str(leader)
    assert left.version == 3


def test_team_row_answer_and_events_share_one_mapping() -> None:
    state = a_team(leader_volunteer_id=uuid.uuid4())
    row = Team(**state.columns())
    assert lc.TeamState.of(row) == state
    event = state.event(ev.TeamUpdated)
    assert event.model_dump(exclude={"team_id", "version"}) == state.shown()
    out = team_out(row, 3)
    assert out.model_dump(include=set(state.shown())) == state.shown()
    assert (out.id, out.member_count) == (event.team_id, 3)
