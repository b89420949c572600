from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.settings import ServiceSettings


class RegistrySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="REGISTRY_")

    service: str = "registry"
    port: int = 8001
    database_url: str = "sqlite+aiosqlite:///var/registry.db"
    import_max_bytes: int = Field(5_000_000, description="Largest CSV a volunteer import accepts.")
