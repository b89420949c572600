from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class StatsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STATS_")

    service: str = "stats"
    port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/stats.db"
