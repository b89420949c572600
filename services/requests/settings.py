from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RequestsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="REQUESTS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service: str = "requests"
    port: int = 8003
    database_url: str = "sqlite+aiosqlite:///var/requests.db"
