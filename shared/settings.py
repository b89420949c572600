"""Settings read from the environment (and an optional `.env`), one class per service.

Settings every service shares keep the names of the public contract
(`KAFKA_BOOTSTRAP_SERVERS`, `QISE_JWT_SECRET`); a service's own settings carry
its prefix, e.g. `REGISTRY_DATABASE_URL`, `STATS_PORT`.
"""

from __future__ import annotations

import ipaddress
import os
from datetime import date, datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

from pydantic import AliasChoices, BeforeValidator, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Published in the source: a service accepts it only when `qise up` runs it locally.
DEV_JWT_SECRET = "qise-dev-secret-change-me-in-production"

JwtAlgorithm = Literal["HS256", "RS256", "ES256"]


def address_list(value: object) -> object:
    """`10.0.0.0/8, 192.0.2.7` from the environment: each an IP address or network, written
    the standard way (uvicorn would silently take a mistyped one as a name to match)."""
    if isinstance(value, str):
        value = value.replace(",", " ").split()
    if not isinstance(value, list | tuple):
        return value
    addresses = []
    for item in value:
        try:
            addresses.append(
                str(ipaddress.ip_network(item) if "/" in item else ipaddress.ip_address(item))
            )
        except ValueError as error:
            raise ValueError(f"{item!r} is not an IP address or network: {error}") from None
    return tuple(addresses)


TrustedProxies = Annotated[tuple[str, ...], NoDecode, BeforeValidator(address_list)]
TRUSTED_PROXIES_HELP = (
    "The reverse proxies (IP addresses or CIDR networks, comma separated) whose"
    " X-Forwarded-For is believed: when a request comes from one, its client is the"
    " right-most address in that header that is not itself a trusted proxy; that address"
    " is what the rate limits, the public pages' limit and the logs count. Empty: the"
    " header is ignored and the client is the connection's peer. In Kubernetes: the"
    " cluster's pod network (the ingress controller and the console run there)."
)


DEFAULT_TIMEZONE = "Asia/Shanghai"


def county_today() -> date:
    """Today in the county's time zone (`QISE_TIMEZONE`).

    For checks that run where no settings object is at hand, such as a request body's
    validator refusing a date in the future: from 16:00 UTC it is already tomorrow in
    China, and the machine's UTC date would refuse what a user rightly calls today.
    """
    return datetime.now(ZoneInfo(os.environ.get("QISE_TIMEZONE", DEFAULT_TIMEZONE))).date()


class TokenClaims(BaseSettings):
    """Who issues the tokens and where they carry the role and communities: read alike by
    the services (to check tokens) and the console (to sign in and read them), so one
    ConfigMap configures both."""

    oidc_issuer: str | None = Field(
        None,
        validation_alias=AliasChoices("QISE_OIDC_ISSUER"),
        description="OpenID Connect issuer whose RS256/ES256 tokens the services accept, e.g."
        " `https://sso.example.gov.cn/realms/qise`: its discovery document names the JWKS,"
        " and tokens must carry exactly this `iss`. With QISE_OIDC_CLIENT_ID the console"
        " signs in through it (authorization code + PKCE); token sign-in stays for local use.",
    )
    role_claim: str = Field(
        "role",
        validation_alias=AliasChoices("QISE_ROLE_CLAIM"),
        description="Where a token carries its role: a claim name or a dotted path (Keycloak"
        " realm roles: `realm_access.roles`). A string is the role; of a list, the most"
        " privileged Qise role in it.",
    )
    communities_claim: str = Field(
        "communities",
        validation_alias=AliasChoices("QISE_COMMUNITIES_CLAIM"),
        description="Where a token carries its communities: a claim name or a dotted path;"
        " a list of community ids, or one string of them separated by commas or spaces.",
    )


class ServiceSettings(TokenClaims):
    """What every service needs. Subclasses set `env_prefix` and the defaults."""

    # A subclass's model_config is merged into this one: it sets only its env_prefix.
    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    service: str = Field("service", description="Service name, used in event sources and metrics.")
    host: str = Field("127.0.0.1", description="Interface the HTTP server listens on.")
    port: int = Field(8000, description="HTTP port.")
    database_url: str = Field(
        "sqlite+aiosqlite:///var/service.db",
        description="SQLAlchemy async URL of this service's own database.",
    )
    kafka_bootstrap_servers: str = Field(
        "127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS"),
        description="Kafka bootstrap servers, comma separated.",
    )
    jwt_secret: str = Field(
        DEV_JWT_SECRET,
        validation_alias=AliasChoices("QISE_JWT_SECRET"),
        description="HS256 secret that signs and checks access tokens: at least 32 random"
        " bytes. A service refuses to start with a shorter one, or with the built-in"
        " development secret outside `qise up`, unless HS256 is not among"
        " QISE_JWT_ALGORITHMS (then it checks nothing).",
    )
    allow_dev_secret: bool = Field(
        False,
        validation_alias=AliasChoices("QISE_ALLOW_DEV_SECRET"),
        description="Local development only: accept the built-in development JWT secret."
        " `qise up` (`make run`) sets it for the services it starts; never set it in a"
        " deployment.",
    )
    jwt_algorithms: Annotated[tuple[JwtAlgorithm, ...], NoDecode] = Field(
        ("HS256",),
        validation_alias=AliasChoices("QISE_JWT_ALGORITHMS", "QISE_JWT_ALGORITHM"),
        description="The algorithms access tokens may be signed with, comma separated:"
        " HS256 (checked with QISE_JWT_SECRET), RS256 and ES256 (checked with the keys of"
        " QISE_OIDC_ISSUER, or with QISE_JWT_PUBLIC_KEY). A token of any other algorithm,"
        " `none` included, is refused; so is an HS256 token made with a public key.",
    )
    jwt_public_key: str | None = Field(
        None,
        validation_alias=AliasChoices("QISE_JWT_PUBLIC_KEY"),
        description="A PEM public key (RSA for RS256, EC P-256 for ES256) that checks tokens"
        " when no QISE_OIDC_ISSUER is set.",
    )
    jwt_audience: str | None = Field(
        None,
        validation_alias=AliasChoices("QISE_JWT_AUDIENCE"),
        description="When set, tokens must carry this `aud`. Required with QISE_OIDC_ISSUER"
        " (e.g. the provider's `qise-api` client).",
    )
    jwt_leeway_seconds: float = Field(
        30.0,
        validation_alias=AliasChoices("QISE_JWT_LEEWAY_SECONDS"),
        description="Clock difference allowed when checking a token's `exp`, `nbf` and `iat`.",
    )
    jwks_cache_seconds: float = Field(
        300.0,
        validation_alias=AliasChoices("QISE_JWKS_CACHE_SECONDS"),
        description="How long the issuer's keys (JWKS) are used before they are fetched again.",
    )
    jwks_refetch_seconds: float = Field(
        10.0,
        validation_alias=AliasChoices("QISE_JWKS_REFETCH_SECONDS"),
        description="Least time between two fetches of the JWKS: a token with an unknown `kid`"
        " makes the service fetch again (keys rotate without a restart), at most this often.",
    )
    oidc_timeout_seconds: float = Field(
        3.0,
        validation_alias=AliasChoices("QISE_OIDC_TIMEOUT_SECONDS"),
        description="Longest wait for the issuer's discovery document or JWKS.",
    )
    timezone: str = Field(
        DEFAULT_TIMEZONE,
        validation_alias=AliasChoices("QISE_TIMEZONE"),
        description="Time zone in which dates (days, periods, reports) are counted.",
    )
    max_body_bytes: int = Field(
        1_000_000, description="Largest request body accepted (413 beyond)."
    )
    anonymous_per_minute: int = Field(
        120,
        description="Per address and minute, once the burst is spent: requests without a"
        " token, and requests whose token fails (401), each a budget of its own; beyond, 429"
        " (0: off).",
    )
    anonymous_burst: int = Field(
        60,
        description="Per address: requests without a token, and tokens that fail, allowed"
        " at once (each a budget of its own).",
    )
    trusted_proxies: TrustedProxies = Field(
        (), validation_alias=AliasChoices("QISE_TRUSTED_PROXIES"), description=TRUSTED_PROXIES_HELP
    )
    otel_exporter: str = Field(
        "none",
        validation_alias=AliasChoices("QISE_OTEL_EXPORTER"),
        description="Traces: none, console, or otlp (to OTEL_EXPORTER_OTLP_ENDPOINT).",
    )
    outbox_poll_seconds: float = Field(
        0.2, description="How often the outbox relay looks for unpublished events when idle."
    )
    outbox_batch_size: int = Field(500, description="Events the relay publishes per round.")
    consumer_poison_after_seconds: float = Field(
        600.0,
        description="How long one event may keep failing for a transient reason (deadlock,"
        " timeout) while the database answers before it goes to the dead-letter topic as"
        " poison; a database outage never counts.",
    )
    consumer_park_horizon_seconds: float = Field(
        3600.0,
        description="How long an event naming an entity not known here yet (its replica"
        " lags) is parked and retried before it goes to the dead-letter topic.",
    )
    consumer_claims_retention_days: float = Field(
        35.0,
        description="Days an applied event's id is kept in `processed_events` to recognise"
        " a redelivery; keep it above the topics' retention (0: keep forever).",
    )
    consumer_batch_size: int = Field(500, description="Events a consumer applies per transaction.")
    consumer_session_timeout_ms: int = Field(
        10000,
        description="Kafka consumer session timeout: how soon a dead consumer's work moves on.",
    )
    consumer_fetch_max_wait_ms: int = Field(
        50,
        description="Longest a consumer's fetch waits for new events (Tansu answers only at"
        " this deadline, so it bounds end-to-end latency). Each idle consumer fetches"
        " 1000/this times a second: 50 ms costs it and the broker about 1 % of a core each.",
    )
    fault_crash_after_commit: float = Field(
        0.0,
        description="Fault tests only: chance that a consumer exits between its database"
        " commit and its offset commit. Keep 0 in production.",
    )
    consumer_group: str | None = Field(
        None, description="Kafka consumer group; defaults to `qise-<service>`."
    )

    @field_validator("jwt_algorithms", mode="before")
    @classmethod
    def _algorithm_list(cls, value: object) -> object:
        """`RS256, es256` from the environment: split, upper case, without repeats."""
        if isinstance(value, str):
            value = value.replace(",", " ").upper().split()
        if isinstance(value, list | tuple):
            if not value:
                raise ValueError("name at least one algorithm: HS256, RS256 or ES256")
            return tuple(dict.fromkeys(value))
        return value

    @property
    def group_id(self) -> str:
        return self.consumer_group or f"qise-{self.service}"
