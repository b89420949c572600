from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class StatsSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="STATS_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service: str = "stats"
    port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/stats.db"
