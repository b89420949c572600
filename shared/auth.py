"""Bearer-token auth: who is calling, in which role, over which communities.

Reading a resource of a community outside the token answers 404 (as if it did
not exist); writing into such a community answers 403.
"""

from __future__ import annotations

from contextvars import ContextVar
from datetime import timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from shared.db import utcnow
from shared.errors import Forbidden, NotFound, Unauthorized
from shared.settings import DEV_JWT_SECRET, ServiceSettings

# A branch_admin's token lists its branch's communities (社区大支部).
Role = Literal["county_admin", "branch_admin", "community_admin", "team_leader", "volunteer"]
ROLES: tuple[Role, ...] = (
    "county_admin",
    "branch_admin",
    "community_admin",
    "team_leader",
    "volunteer",
)
ALL_COMMUNITIES = "*"
ADMINS: tuple[Role, ...] = ("county_admin", "community_admin")

MIN_SECRET_BYTES = 32
GENERATE_SECRET = "openssl rand -base64 48"

# Who is making the current change: set with the caller's token, read by the outbox so
# that every event (and so the audit log) names its author.
ACTOR: ContextVar[str] = ContextVar("qise_actor", default="system")


class Principal(BaseModel):
    sub: str = Field(min_length=1, max_length=100)
    role: Role
    communities: list[str]

    @property
    def sees_all(self) -> bool:
        return self.role == "county_admin" and ALL_COMMUNITIES in self.communities

    def sees(self, community_id: str) -> bool:
        return self.sees_all or community_id in self.communities

    def community_filter(self) -> list[str] | None:
        """The communities a query may read, or None for all of them."""
        return None if self.sees_all else list(self.communities)

    def require_read(self, community_id: str, what: str = "resource") -> None:
        if not self.sees(community_id):
            raise NotFound(f"{what} not found")

    def require_write(self, community_id: str) -> None:
        if not self.sees(community_id):
            raise Forbidden(f"no write access to community {community_id!r}")

    def require_role(self, *roles: Role) -> None:
        if self.role not in roles:
            raise Forbidden(f"role {self.role} may not do this; needs one of {', '.join(roles)}")

    def is_admin_of(self, community_id: str) -> bool:
        return self.role in ADMINS and self.sees(community_id)


class UnsafeJwtSecret(RuntimeError):
    """The service would check tokens with a secret that others know or can guess."""


def check_jwt_secret(settings: ServiceSettings) -> None:
    """Refuse to serve with a secret that lets anyone forge tokens.

    The built-in development secret is published with the code: only `qise up`
    (local development) may run with it, by setting `QISE_ALLOW_DEV_SECRET`. Any
    other HS256 secret needs at least 32 bytes.
    """
    if settings.jwt_algorithm == "RS256":
        return  # tokens are checked with the public key; the secret checks nothing
    secret = settings.jwt_secret
    if secret == DEV_JWT_SECRET:
        if settings.allow_dev_secret:
            return
        raise UnsafeJwtSecret(
            "QISE_JWT_SECRET is the published development secret, with which anyone can forge"
            f" tokens: set QISE_JWT_SECRET to at least {MIN_SECRET_BYTES} random bytes"
            f" (e.g. `{GENERATE_SECRET}`). Only `qise up` (`make run`) runs with it, for"
            " local development."
        )
    size = len(secret.encode())
    if size < MIN_SECRET_BYTES:
        what = "is not set" if not secret else f"has {size} bytes"
        raise UnsafeJwtSecret(
            f"QISE_JWT_SECRET {what}: set it to at least {MIN_SECRET_BYTES} random bytes"
            f" (e.g. `{GENERATE_SECRET}`)."
        )


def issue_token(
    settings: ServiceSettings,
    *,
    sub: str,
    role: Role,
    communities: list[str],
    ttl: timedelta = timedelta(hours=12),
) -> str:
    if ALL_COMMUNITIES in communities and role != "county_admin":
        raise ValueError('only county_admin may hold communities ["*"]')
    claims: dict[str, Any] = {
        "sub": sub,
        "role": role,
        "communities": communities,
        "iat": utcnow(),
        "exp": utcnow() + ttl,
    }
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


def decode_token(settings: ServiceSettings, token: str) -> Principal:
    key = settings.jwt_public_key if settings.jwt_algorithm == "RS256" else settings.jwt_secret
    try:
        claims = jwt.decode(
            token,
            key=key or "",
            algorithms=[settings.jwt_algorithm],
            audience=settings.jwt_audience,
            options={"require": ["exp", "sub", "role", "communities"]},
        )
        principal = Principal.model_validate(claims)
    except (jwt.PyJWTError, ValidationError) as error:
        raise Unauthorized(f"invalid token: {error}") from None
    if ALL_COMMUNITIES in principal.communities and principal.role != "county_admin":
        raise Unauthorized('invalid token: only county_admin may hold communities ["*"]')
    return principal


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required: Authorization: Bearer <JWT>")
    settings: ServiceSettings = request.app.state.settings
    principal = decode_token(settings, credentials.credentials)
    ACTOR.set(principal.sub)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
