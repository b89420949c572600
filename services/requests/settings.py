from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings

ESCALATION_WAIT_HOURS = 24.0


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REQUESTS_")

    service: str = "requests"
    port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/requests.db"
    sla_urgent_hours: float = Field(4, description="Hours an urgent order has until it is due.")
    sla_normal_hours: float = Field(72, description="Hours a normal order has until it is due.")
    care_due_days: int = Field(7, description="Days to do a visit or talk after its life event.")
    birthday_lead_days: int = Field(
        7, description="Days before a political birthday that its talk task is created."
    )
    escalation_wait_hours: float = Field(
        ESCALATION_WAIT_HOURS,
        description=(
            "Hours an order escalated to the branch may wait for a team before it is flagged."
        ),
    )
    resident_retention_months: int = Field(
        0,
        ge=0,
        description=(
            "Months after an order was completed or cancelled (or a person's care ended) that"
            " the resident's name, phone and address are removed (PIPL retention; the order"
            " and every count stay). 0: kept until erased on request."
        ),
    )
    scheduler_seconds: float = Field(
        30, description="How often overdue orders and tasks are marked and birthdays looked at."
    )
