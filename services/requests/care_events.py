"""Events of the care register (关爱对象), on `qise.requests.events` with the others.

They carry what is counted and nothing that names a person: no name, phone, address,
notes or reason for ending; the person is their `care_recipient_id`. Every event
carries the person's whole counted state and its `version`.
"""

from __future__ import annotations

from datetime import date

from services.requests.care_schemas import CareKind, CareRecipientStatus
from shared.events import EventData


class CareRecipientState(EventData):
    care_recipient_id: str
    community_id: str
    kind: CareKind
    plan_days: int
    team_id: str | None = None
    status: CareRecipientStatus
    under_care_since: date
    consent_on: date
    last_visited_on: date | None = None
    next_due_on: date
    visits: int
    ended_on: date | None = None
    version: int


class CareRecipientRegistered(CareRecipientState):
    event_type = "qise.care_recipient.registered.v1"
    summary = "A person under care (关爱对象) was registered, with consent and a visit plan."


class CareRecipientChanged(CareRecipientState):
    event_type = "qise.care_recipient.changed.v1"
    summary = "A person under care's kind, visit plan or responsible team changed."


class CareRecipientEnded(CareRecipientState):
    event_type = "qise.care_recipient.ended.v1"
    summary = "A person is no longer under care (the reason stays in the service)."


class CareVisitLogged(CareRecipientState):
    event_type = "qise.care_visit.logged.v1"
    summary = "A visit to a person under care was logged; `on_time` when within the plan."
    visit_id: str
    visited_on: date
    due_on: date
    on_time: bool
    visit_team_id: str | None = None
    volunteer_id: str | None = None


CARE_REGISTER_EVENTS = (
    CareRecipientRegistered,
    CareRecipientChanged,
    CareRecipientEnded,
    CareVisitLogged,
)
