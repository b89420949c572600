from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from shared.settings import TRUSTED_PROXIES_HELP, TokenClaims, TrustedProxies

# `npm run build` in services/console/web writes the single-page app here.
WEB_BUILD = Path(__file__).parent / "web" / "dist"


class ConsoleSettings(TokenClaims):
    """The console owns no data: where it listens, where the four services answer,
    and where the built web app lies."""

    model_config = SettingsConfigDict(
        env_prefix="CONSOLE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    service: str = Field("console", description="Service name, used in metrics.")
    host: str = Field("127.0.0.1", description="Interface the HTTP server listens on.")
    port: int = Field(8000, description="HTTP port.")
    registry_url: str = Field("http://127.0.0.1:8001", description="Base URL of registry.")
    activities_url: str = Field("http://127.0.0.1:8002", description="Base URL of activities.")
    requests_url: str = Field("http://127.0.0.1:8003", description="Base URL of requests.")
    stats_url: str = Field("http://127.0.0.1:8004", description="Base URL of stats.")
    upstream_timeout_seconds: float = Field(
        60.0, description="Longest the console waits for a service's answer (then 502)."
    )
    web_dir: Path | None = Field(
        None,
        description="Folder of the built web app (`npm run build` output); by default"
        " services/console/web/dist beside the code.",
    )

    trusted_proxies: TrustedProxies = Field(
        (), validation_alias=AliasChoices("QISE_TRUSTED_PROXIES"), description=TRUSTED_PROXIES_HELP
    )

    # Sign-in: the issuer and the claim paths come from TokenClaims, as the services read them.
    oidc_client_id: str | None = Field(
        None,
        validation_alias=AliasChoices("QISE_OIDC_CLIENT_ID"),
        description="The console's client id at the provider: a public client whose redirect"
        " URI is `<console address>/auth/callback` and whose post-logout redirect URI is"
        " `<console address>/`.",
    )
    oidc_scope: str = Field(
        "openid profile",
        validation_alias=AliasChoices("QISE_OIDC_SCOPE"),
        description="Scopes the console asks the provider for.",
    )

    @property
    def oidc_configured(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    def auth_config(self) -> dict[str, Any]:
        """What the web app needs to sign in and to read a token's claims as the services
        do (`GET /auth/config`): nothing secret."""
        oidc = (
            {"issuer": self.oidc_issuer, "client_id": self.oidc_client_id, "scope": self.oidc_scope}
            if self.oidc_configured
            else None
        )
        return {
            "oidc": oidc,
            "role_claim": self.role_claim,
            "communities_claim": self.communities_claim,
        }

    @property
    def web_root(self) -> Path:
        return self.web_dir or WEB_BUILD

    def upstreams(self) -> dict[str, str]:
        """Service name -> base URL, as `/api/<service>/...` reaches them."""
        return {
            "registry": self.registry_url,
            "activities": self.activities_url,
            "requests": self.requests_url,
            "stats": self.stats_url,
        }
