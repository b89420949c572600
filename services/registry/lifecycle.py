"""The registry's rules for volunteers and teams, as pure moves.

A move takes the entity's whole state and returns the new state (version + 1)
with the event that reports it; it knows no database. The domain reads the row
with a lock, takes its state (`VolunteerState.of(row)`), calls the move, writes
the state back (`state.write_to(row)`) and records the event.
Rules that need the database (a phone or team name taken, a leader who is a
volunteer of the community) stay in the domain, checked before the move.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Self, TypeVar

from pydantic import ValidationError

from services.registry import events as ev
from services.registry.schemas import LifeEventIn, VolunteerIn, VolunteerPatch
from shared.errors import Conflict, Invalid
from shared.personal_data import ERASED_VOLUNTEER_NAME, Scrub
from shared.phones import mask_phone
from shared.state import RowState

ACTIVE = "active"
INACTIVE = "inactive"

VolunteerEvent = TypeVar("VolunteerEvent", bound=ev.VolunteerState)
TeamEvent = TypeVar("TeamEvent", bound=ev.TeamState)

# The volunteer fields a PATCH may change; the rest belong to the registry.
EDITABLE = (
    "name",
    "phone",
    "gender",
    "birth_year",
    "skills",
    "availability",
    "is_party_member",
    "party_joined_on",
    "unit_id",
)
REQUIRED = ("name", "phone", "is_party_member")


def _text(key: uuid.UUID | str | None) -> str | None:
    return str(key) if key is not None else None


def _uuid(key: uuid.UUID | str | None) -> uuid.UUID | None:
    return uuid.UUID(str(key)) if key is not None else None


# -- volunteers --------------------------------------------------------------------


@dataclass(frozen=True)
class VolunteerState(RowState):
    """A volunteer's whole state: its `volunteers` row, column for column."""

    id: uuid.UUID
    community_id: str
    name: str
    phone: str | None  # none once erased
    gender: str | None
    birth_year: int | None
    skills: tuple[str, ...]  # a JSON list on the row
    availability: str | None
    is_party_member: bool
    party_joined_on: date | None
    active: bool
    deactivated_reason: str | None
    unit_id: uuid.UUID | None
    version: int
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None

    @classmethod
    def of(cls, row: object, **not_columns: Any) -> Self:
        """The state of a volunteer row; its skills, a list there, as a tuple."""
        state = super().of(row, **not_columns)
        return replace(state, skills=tuple(state.skills or ()))

    def columns(self) -> dict[str, Any]:
        """The row's columns; skills as the list the row holds."""
        return {**super().columns(), "skills": list(self.skills)}

    @property
    def status(self) -> str:
        return ACTIVE if self.active else INACTIVE

    def shown(self) -> dict[str, Any]:
        """The fields the API answer and every event of the volunteer carry alike, as sent."""
        return {
            "community_id": self.community_id,
            "name": self.name,
            "gender": self.gender,
            "birth_year": self.birth_year,
            "skills": list(self.skills),
            "is_party_member": self.is_party_member,
            "party_joined_on": self.party_joined_on,
            "active": self.active,
            "unit_id": _text(self.unit_id),
        }

    def event(self, kind: type[VolunteerEvent], **extra: Any) -> VolunteerEvent:
        """The event `kind` reporting this state; `extra` holds the fields only it carries."""
        return kind(
            volunteer_id=str(self.id),
            **self.shown(),
            # Whole phones never leave the registry; the answer shows them to admins.
            phone_masked=mask_phone(self.phone) if self.phone is not None else "",
            version=self.version,
            **extra,
        )


def register_volunteer(
    command: VolunteerIn, *, volunteer_id: uuid.UUID, at: datetime
) -> tuple[VolunteerState, ev.VolunteerRegistered]:
    state = VolunteerState(
        id=volunteer_id,
        community_id=command.community_id,
        name=command.name,
        phone=command.phone,
        gender=command.gender,
        birth_year=command.birth_year,
        skills=tuple(command.skills),
        availability=command.availability,
        is_party_member=command.is_party_member,
        party_joined_on=command.party_joined_on,
        active=True,
        deactivated_reason=None,
        unit_id=_uuid(command.unit_id),
        version=1,
        created_at=at,
        updated_at=at,
        erased_at=None,
    )
    return state, state.event(ev.VolunteerRegistered)


def update_volunteer(
    state: VolunteerState, patch: VolunteerPatch, *, at: datetime
) -> tuple[VolunteerState, ev.VolunteerUpdated]:
    """The fields the PATCH set, on top of the current state; the result must be valid whole."""
    check_not_erased(state)
    changes = patch.model_dump(exclude_unset=True)
    for required in REQUIRED:
        if required in changes and changes[required] is None:
            raise Invalid(f"{required} cannot be empty", field=required)
    merged = {**{name: getattr(state, name) for name in EDITABLE}, **changes}
    merged["unit_id"] = _text(merged["unit_id"])
    # Someone who leaves the party keeps no joining date.
    if merged["is_party_member"] is False:
        merged["party_joined_on"] = None
    try:
        VolunteerIn.model_validate({"community_id": state.community_id, **merged})
    except ValidationError as error:
        raise Invalid(
            "the volunteer would be invalid after this change",
            errors=[
                {"loc": ["body", *map(str, e["loc"])], "msg": e["msg"]} for e in error.errors()
            ],
        ) from None
    merged["skills"] = tuple(merged["skills"])
    merged["unit_id"] = _uuid(merged["unit_id"])
    new = replace(state, **merged, version=state.version + 1, updated_at=at)
    return new, new.event(ev.VolunteerUpdated)


def deactivate_volunteer(
    state: VolunteerState, *, reason: str, at: datetime
) -> tuple[VolunteerState, ev.VolunteerDeactivated]:
    if not state.active:
        raise Conflict("the volunteer is already deactivated", current_status=state.status)
    new = replace(
        state, active=False, deactivated_reason=reason, version=state.version + 1, updated_at=at
    )
    return new, new.event(ev.VolunteerDeactivated, reason=reason)


def record_life_event(
    state: VolunteerState, command: LifeEventIn, *, life_event_id: uuid.UUID
) -> ev.PartyMemberLifeEventRecorded:
    """A life event of a party member; it changes nothing in the volunteer's own state."""
    check_not_erased(state)
    if not state.is_party_member:
        raise Invalid("life events are recorded for party members only", field="volunteer_id")
    return ev.PartyMemberLifeEventRecorded(
        life_event_id=str(life_event_id),
        volunteer_id=str(state.id),
        volunteer_name=state.name,
        kind=command.kind,
        occurred_on=command.occurred_on,
        note=command.note,
    )


# -- erasure on request (PIPL) -------------------------------------------------------

# What erasing a volunteer keeps: the id, community, party membership and whether active
# (what statistics count), memberships (rows of their own) and history. The rest is the
# person's and goes: these fields become these values.
ERASED: dict[str, Any] = {
    "name": ERASED_VOLUNTEER_NAME,
    "phone": None,
    "gender": None,
    "birth_year": None,
    "skills": (),
    "availability": None,
    "party_joined_on": None,
    "deactivated_reason": None,
    "unit_id": None,
}
# The same, as the volunteer's events carry them; a deactivation's reason goes too.
ERASED_IN_EVENTS = (
    "name",
    "phone_masked",
    "gender",
    "birth_year",
    "skills",
    "party_joined_on",
    "unit_id",
)
STATE_EVENTS = (
    ev.VolunteerRegistered.event_type,
    ev.VolunteerUpdated.event_type,
    ev.VolunteerDeactivated.event_type,
)


def check_not_erased(state: VolunteerState) -> None:
    """An erased volunteer's details stay erased: nobody writes a person back into them."""
    if state.erased_at is not None:
        raise Conflict("the volunteer's personal data was erased", current_status="erased")


def erase_volunteer(
    state: VolunteerState, *, reason: str, at: datetime
) -> tuple[VolunteerState, ev.VolunteerErased | None]:
    """Anonymise a volunteer in place: one change, one version, its event carrying the
    anonymised state so every replica drops the name. Erasing again changes nothing."""
    if state.erased_at is not None:
        return state, None
    new = replace(state, **ERASED, erased_at=at, version=state.version + 1, updated_at=at)
    return new, new.event(ev.VolunteerErased, reason=reason)


def scrub_logged_event(erased: VolunteerState) -> Scrub:
    """How the volunteer's logged events read once they are erased: each state event with
    the erased fields as the erasure's event has them, each life event without the name
    and the note. Events about anyone else, or of other types, stay as they are."""
    blank = erased.event(ev.VolunteerUpdated).model_dump(mode="json")
    person = str(erased.id)

    def scrub(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
        if data.get("volunteer_id") != person:
            return data
        if event_type in STATE_EVENTS:
            data.update({name: blank[name] for name in ERASED_IN_EVENTS})
            if "reason" in data:
                data["reason"] = ""
        elif event_type == ev.PartyMemberLifeEventRecorded.event_type:
            data.update(volunteer_name=ERASED_VOLUNTEER_NAME, note=None)
        return data

    return scrub


# -- teams -------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamState(RowState):
    """A team's whole state: its `teams` row, column for column."""

    id: uuid.UUID
    community_id: str
    category: str
    name: str
    leader_volunteer_id: uuid.UUID | None
    status: str
    unit_id: uuid.UUID | None
    version: int
    created_at: datetime

    def shown(self) -> dict[str, Any]:
        """The fields the API answer and every event of the team carry alike, as sent."""
        leader = self.leader_volunteer_id
        return {
            "community_id": self.community_id,
            "category": self.category,
            "name": self.name,
            "leader_volunteer_id": str(leader) if leader is not None else None,
            "status": self.status,
            "unit_id": _text(self.unit_id),
        }

    def event(self, kind: type[TeamEvent], **extra: Any) -> TeamEvent:
        """The event `kind` reporting this state; `extra` holds the fields only it carries."""
        return kind(team_id=str(self.id), **self.shown(), version=self.version, **extra)


def register_team(
    *,
    team_id: uuid.UUID,
    community_id: str,
    category: str,
    name: str,
    leader: uuid.UUID | None,
    at: datetime,
    unit: uuid.UUID | None = None,
) -> tuple[TeamState, ev.TeamRegistered]:
    state = TeamState(
        id=team_id,
        community_id=community_id,
        category=category,
        name=name,
        leader_volunteer_id=leader,
        status=ACTIVE,
        unit_id=unit,
        version=1,
        created_at=at,
    )
    return state, state.event(ev.TeamRegistered)


def update_team(
    state: TeamState, *, name: str, leader: uuid.UUID | None
) -> tuple[TeamState, ev.TeamUpdated]:
    """Rename the team and/or change its leader: one change, one version."""
    new = replace(state, name=name, leader_volunteer_id=leader, version=state.version + 1)
    return new, new.event(ev.TeamUpdated)


def deactivate_team(state: TeamState) -> tuple[TeamState, ev.TeamUpdated | None]:
    """Deactivating an inactive team is answered with the team as it is: nothing changes."""
    if state.status == INACTIVE:
        return state, None
    new = replace(state, status=INACTIVE, version=state.version + 1)
    return new, new.event(ev.TeamUpdated)


def check_team_is_active(state: TeamState) -> None:
    """Only an active team takes members."""
    if state.status != ACTIVE:
        raise Conflict("the team is inactive", current_status=state.status)


def admit_member(
    state: TeamState, volunteer_id: uuid.UUID, *, already_member: bool
) -> tuple[TeamState, ev.TeamMemberJoined]:
    """A volunteer joins an active team once. A join is a change of the team: its version
    climbs, and the event carries it, so a replica tells a later leave from an earlier one."""
    check_team_is_active(state)
    if already_member:
        raise Conflict("the volunteer is already a member of this team")
    new = replace(state, version=state.version + 1)
    joined = ev.TeamMemberJoined(
        team_id=str(state.id), volunteer_id=str(volunteer_id), version=new.version
    )
    return new, joined


def member_leaves(
    state: TeamState, volunteer_id: uuid.UUID
) -> tuple[TeamState, list[ev.TeamUpdated | ev.TeamMemberLeft]]:
    """A member leaves, a change of the team with a version of its own; when it is the
    leader, the team is first left without one (another version)."""
    events: list[ev.TeamUpdated | ev.TeamMemberLeft] = []
    if state.leader_volunteer_id == volunteer_id:
        state = replace(state, leader_volunteer_id=None, version=state.version + 1)
        events.append(state.event(ev.TeamUpdated))
    state = replace(state, version=state.version + 1)
    events.append(
        ev.TeamMemberLeft(
            team_id=str(state.id), volunteer_id=str(volunteer_id), version=state.version
        )
    )
    return state, events
