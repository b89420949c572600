from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class ActivitiesSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ACTIVITIES_")

    service: str = "activities"
    port: int = 8002
    database_url: str = "sqlite+aiosqlite:///var/activities.db"
    clock_skew_minutes: int = Field(
        10, description="How far in the future an activity may end (devices' clocks differ)."
    )
    public_base_url: str = Field(
        "http://127.0.0.1:8000",
        validation_alias=AliasChoices("ACTIVITIES_PUBLIC_BASE_URL", "QISE_PUBLIC_URL"),
        description="The console's address as the public reaches it: certificates print"
        " (and their QR code holds) <this>/api/activities/certificates/<number>?code=<code>.",
    )
    certificate_checks_per_minute: int = Field(
        30,
        description="Certificate checks (GET /certificates/...) per minute and address"
        " before 429 (0: off).",
    )
    certificate_checks_burst: int = Field(10, description="Certificate checks allowed at once.")
