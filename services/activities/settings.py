from pydantic import Field
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
