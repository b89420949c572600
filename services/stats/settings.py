from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class StatsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="STATS_")

    service: str = "stats"
    port: int = 8004
    database_url: str = "sqlite+aiosqlite:///var/stats.db"
    public_cache_seconds: int = Field(
        300,
        ge=0,
        description="How long a public page (/public/...) is kept and may be cached (0: not).",
    )
    public_per_minute: int = Field(
        60, description="Public page requests per minute and address before 429 (0: off)."
    )
    public_burst: int = Field(30, description="Public page requests allowed at once.")
