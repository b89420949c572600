"""Events the requests service publishes on `qise.requests.events`, and the one it
reads from the county platform on `qise.county.inbound`.

Order and care-task events carry the whole state and a `version`. Residents'
names and phone numbers stay in this service: events carry none.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import Field

from services.requests.care_events import CARE_REGISTER_EVENTS
from services.requests.schemas import CareStatus, Channel, Mode, RequestStatus, Resident, Urgency
from shared.events import EventCatalog, EventData, Versioned
from shared.personal_data import PersonalDataExported

TOPIC = "qise.requests.events"
INBOUND_TOPIC = "qise.county.inbound"


class RequestState(EventData):
    request_id: str
    community_id: str
    service_kind: str
    category: str
    channel: str
    mode: str
    paid: bool
    # Added later, optional: what a paid order costs the resident (yuan); older events
    # carry none, and an unpaid order none.
    price: float | None = None
    urgency: str
    status: RequestStatus
    team_id: str | None = None
    submitted_at: datetime
    due_at: datetime
    completed_at: datetime | None = None
    rating: int | None = None
    overdue: bool = False
    # 服务难题联解: when the order went to its branch, and whose team serves it.
    escalated_at: datetime | None = None
    serving_community_id: str | None = Field(
        None,
        description=(
            "The community of the team assigned; another community of the same branch when"
            " the branch gave it an escalated order (the order stays `community_id`'s)."
        ),
    )
    serving_unit_id: str | None = Field(
        None,
        description=(
            "The resident unit (驻区单位) whose team is assigned, when a unit's team serves"
            " the order; absent from earlier events."
        ),
    )
    escalation_overdue: bool = False
    version: int


class RequestSubmitted(RequestState):
    event_type = "qise.request.submitted.v1"
    summary = "A resident's service order was taken."


class RequestAssigned(RequestState):
    event_type = "qise.request.assigned.v1"
    summary = "An order was routed or reassigned to a team."


class RequestAccepted(RequestState):
    event_type = "qise.request.accepted.v1"
    summary = "The team accepted the order."


class RequestCompleted(RequestState):
    event_type = "qise.request.completed.v1"
    summary = "The team completed the order."
    activity_id: str | None = None


class RequestRated(RequestState):
    event_type = "qise.request.rated.v1"
    summary = "The resident rated a completed order (1-5)."


class RequestCancelled(RequestState):
    event_type = "qise.request.cancelled.v1"
    summary = "An open order was cancelled."
    reason: str


class RequestOverdue(RequestState):
    event_type = "qise.request.overdue.v1"
    summary = "An open order passed its due time (published once per order)."


class RequestEscalated(RequestState):
    event_type = "qise.request.escalated.v1"
    summary = "Its community cannot serve the order: it went to the branch (服务难题联解)."
    reason: str


class RequestEscalationOverdue(RequestState):
    event_type = "qise.request.escalation_overdue.v1"
    summary = (
        "An escalated order waited for the branch to assign it longer than allowed"
        " (published once per order)."
    )


class CareTaskState(EventData):
    care_task_id: str
    community_id: str
    volunteer_id: str
    kind: Literal["visit", "talk"]
    reason: str
    owner: str
    due_on: date
    status: CareStatus
    overdue: bool = False
    completed_at: datetime | None = None
    version: int


class CareTaskCreated(CareTaskState):
    event_type = "qise.care_task.created.v1"
    summary = "A visit or talk a party member is owed was created."


class CareTaskCompleted(CareTaskState):
    event_type = "qise.care_task.completed.v1"
    summary = "A care task was done."


class CareTaskOverdue(CareTaskState):
    event_type = "qise.care_task.overdue.v1"
    summary = "A care task passed its due date (published once per task)."


class ServiceKindRouted(Versioned):
    event_type = "qise.service_kind.routed.v1"
    summary = "A county added a service kind or routed it to another category."
    code: str
    name: str
    category: str


# -- PIPL: the audit records of exports and erasures, which name nobody -----------------


class VolunteerRecordsPersonalDataExported(PersonalDataExported):
    event_type = "qise.volunteer_records.personal_data_exported.v1"
    summary = (
        "What requests holds on a volunteer (care tasks, visits, order actions) was exported"
        " (PIPL): the audit record, with no personal data; the actor is who asked."
    )


class ResidentPersonalDataExported(PersonalDataExported):
    event_type = "qise.resident.personal_data_exported.v1"
    summary = (
        "A resident's orders and care-register record, found by their phone number, were"
        " exported (PIPL): the audit record, naming the records by id, never the phone."
    )
    request_ids: list[str] = Field(default_factory=list)
    care_recipient_ids: list[str] = Field(default_factory=list)


class ResidentErased(EventData):
    event_type = "qise.resident.erased.v1"
    summary = (
        "A resident's name, phone and address were removed from their orders and care-register"
        " record (PIPL): on request, or by the retention rule (`actor` system). Orders, visits"
        " and every count stay; the records are named by id, never the phone."
    )
    erasure_id: str = Field(description="This erasure's own id (the event's subject).")
    community_id: str
    request_ids: list[str] = Field(default_factory=list)
    care_recipient_ids: list[str] = Field(default_factory=list)
    reason: str
    retention: bool = Field(
        False, description="True: the retention rule, for orders closed long enough ago."
    )


CATALOG = EventCatalog(
    [
        ServiceKindRouted,
        RequestSubmitted,
        RequestAssigned,
        RequestAccepted,
        RequestCompleted,
        RequestRated,
        RequestCancelled,
        RequestOverdue,
        RequestEscalated,
        RequestEscalationOverdue,
        CareTaskCreated,
        CareTaskCompleted,
        CareTaskOverdue,
        *CARE_REGISTER_EVENTS,
        VolunteerRecordsPersonalDataExported,
        ResidentPersonalDataExported,
        ResidentErased,
    ]
)


class CountyRequestSubmitted(EventData):
    """The `POST /requests` body, written by the county platform."""

    event_type = "qise.county.request.submitted.v1"
    summary = "The county platform passes on a resident's request."
    community_id: str
    service_kind: str
    description: str
    resident: Resident
    channel: Channel = "county_platform"
    mode: Mode
    paid: bool
    price: float | None = None
    urgency: Urgency = "normal"


INBOUND_CATALOG = EventCatalog([CountyRequestSubmitted])
