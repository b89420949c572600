"""Bearer-token auth: who is calling, in which role, over which communities.

Tokens are HS256 with the shared secret (`qise token`, local use), or RS256/ES256 from
the county's OpenID Connect provider (`QISE_OIDC_ISSUER`, keys in `shared.oidc`), or
checked with one static public key; the role and communities are read from the claims
the settings name (Keycloak: `realm_access.roles` and a `communities` attribute).

Reading a resource of a community outside the token answers 404 (as if it did
not exist); writing into such a community answers 403.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from contextvars import ContextVar
from datetime import timedelta
from typing import Annotated, Any, Literal

import jwt
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, ValidationError

from shared.db import utcnow
from shared.errors import Forbidden, NotFound, Unauthorized, Unavailable
from shared.limits import token_passed
from shared.oidc import IssuerUnavailable, JwksCache, UnknownKey, VerificationKey, load_public_key
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
# How long a checked token counts as checked (at most: never beyond its expiry), and
# how many such tokens a service remembers.
TOKEN_CACHE_SECONDS = 60.0
TOKEN_CACHE_SIZE = 10_000
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

    def is_admin_or_self(self, community_id: str, person_id: str) -> bool:
        """The admins of the community, or the person themself (the token's `sub` is their
        id) whatever their role: who reads what is private to a volunteer."""
        return self.is_admin_of(community_id) or (self.sees(community_id) and self.sub == person_id)

    def require_county_wide(self) -> None:
        """For what holds for the whole county (its communities, branches, categories, the
        routing table, county figures, the services' logs): a county_admin token over all
        communities. A county_admin limited to some communities is refused (403), since
        its effect or its answer would reach communities the token does not hold."""
        self.require_role("county_admin")
        if not self.sees_all:
            held = ", ".join(self.communities) or "none"
            raise Forbidden(
                "this reaches the whole county: it needs a county_admin token over all"
                f' communities (communities ["*"]); this one holds {held}'
            )


class BadTokenSettings(RuntimeError):
    """The token settings do not make sense together: the service does not start."""


class UnsafeJwtSecret(BadTokenSettings):
    """The service would check tokens with a secret that others know or can guess."""


def check_jwt_secret(settings: ServiceSettings) -> None:
    """Refuse to serve with a secret that lets anyone forge tokens.

    The built-in development secret is published with the code: only `qise up`
    (local development) may run with it, by setting `QISE_ALLOW_DEV_SECRET`. Any
    other HS256 secret needs at least 32 bytes. When HS256 is not among the
    accepted algorithms, the secret checks nothing and may be anything.
    """
    if "HS256" not in settings.jwt_algorithms:
        return
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
    claims: dict[str, Any] = {"sub": sub, "iat": utcnow(), "exp": utcnow() + ttl}
    # Where the services read them, so a token works with any QISE_ROLE_CLAIM.
    _put_claim(claims, settings.role_claim, role)
    _put_claim(claims, settings.communities_claim, communities)
    if settings.jwt_audience:
        claims["aud"] = settings.jwt_audience
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


class TokenVerifier:
    """Checks access tokens as the settings say, and reads who is calling from them.

    HS256 tokens are checked with the secret only; RS256 and ES256 tokens only with a
    public key of that same algorithm (the issuer's, found by `kid`, or the static one),
    so no key ever checks a token of another algorithm and `none` is never accepted.
    """

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.algorithms = settings.jwt_algorithms
        self.static_key: VerificationKey | None = None
        self.issuer_keys: JwksCache | None = None
        asymmetric = [a for a in self.algorithms if a != "HS256"]
        if settings.oidc_issuer and settings.jwt_public_key:
            raise BadTokenSettings(
                "set QISE_OIDC_ISSUER or QISE_JWT_PUBLIC_KEY, not both: with an issuer the"
                " services check tokens with the issuer's keys"
            )
        if settings.oidc_issuer:
            if not settings.jwt_audience:
                raise BadTokenSettings(
                    "QISE_OIDC_ISSUER needs QISE_JWT_AUDIENCE: without it, tokens the issuer"
                    " made for any other application would be accepted"
                )
            if not asymmetric:
                raise BadTokenSettings(
                    "QISE_OIDC_ISSUER is set but QISE_JWT_ALGORITHMS names neither RS256 nor"
                    " ES256 (e.g. QISE_JWT_ALGORITHMS=RS256,ES256)"
                )
            self.issuer_keys = JwksCache(
                settings.oidc_issuer,
                cache_seconds=settings.jwks_cache_seconds,
                refetch_seconds=settings.jwks_refetch_seconds,
                timeout_seconds=settings.oidc_timeout_seconds,
            )
        elif settings.jwt_public_key:
            try:
                self.static_key = load_public_key(settings.jwt_public_key)
            except ValueError as error:
                raise BadTokenSettings(f"QISE_JWT_PUBLIC_KEY: {error}") from None
            if self.static_key.algorithm not in self.algorithms:
                raise BadTokenSettings(
                    f"QISE_JWT_PUBLIC_KEY is a {self.static_key.algorithm} key, but"
                    f" QISE_JWT_ALGORITHMS is {','.join(self.algorithms)}"
                )
        elif asymmetric:
            raise BadTokenSettings(
                f"QISE_JWT_ALGORITHMS has {','.join(asymmetric)}: set QISE_OIDC_ISSUER (or"
                " QISE_JWT_PUBLIC_KEY) for the keys that check those tokens"
            )
        # Tokens checked a moment ago: token -> (its caller, until when that holds, the
        # issuer's key that checked it).
        self._checked: dict[str, tuple[Principal, float, tuple[str, VerificationKey] | None]] = {}
        self._cache_seconds = TOKEN_CACHE_SECONDS
        if self.issuer_keys is not None:
            # Not beyond the issuer's keys' own cache: a key it withdrew stops counting then.
            self._cache_seconds = min(TOKEN_CACHE_SECONDS, settings.jwks_cache_seconds)

    async def verify(self, token: str) -> Principal:
        """The caller of a valid token; Unauthorized (401) for any other token, and
        Unavailable (503) when the issuer's keys cannot be had.

        A client sends the same token with every request until it expires: a token
        checked a moment ago is not checked again (signature, claims) until the
        earliest of its expiry, `TOKEN_CACHE_SECONDS` later, and (for an issuer's
        token) the issuer's keys being due for a new fetch.
        """
        known = self._checked.get(token)
        if known is not None:
            principal, until, issuer_key = known
            if time.time() < until and self._still_held(issuer_key):
                return principal
            del self._checked[token]
        principal, expires, issuer_key = await self._verify(token)
        until = min(expires, time.time() + self._cache_seconds)
        if until > time.time():
            if len(self._checked) >= TOKEN_CACHE_SIZE:
                # Cheaper than an LRU and enough: live tokens come back in the next request.
                self._checked.clear()
            self._checked[token] = (principal, until, issuer_key)
        return principal

    def _still_held(self, issuer_key: tuple[str, VerificationKey] | None) -> bool:
        """A token of the issuer counts only while the key that checked it is the issuer's:
        once the keys rotated, the tokens of the key that left are refused at once."""
        if issuer_key is None:
            return True
        return self.issuer_keys is not None and self.issuer_keys.holds(*issuer_key)

    async def _verify(
        self, token: str
    ) -> tuple[Principal, float, tuple[str, VerificationKey] | None]:
        """`verify`, with the time (epoch seconds) from which the token is refused, and
        the issuer's key (by `kid`) that checked it."""
        algorithm, kid = _header(token)
        if algorithm not in self.algorithms:
            raise Unauthorized(
                f"invalid token: algorithm {algorithm} is not accepted"
                f" (QISE_JWT_ALGORITHMS={','.join(self.algorithms)})"
            )
        if algorithm == "HS256" or self.issuer_keys is None:
            return (*self._decode_at_hand(token), None)
        if kid is None:
            raise Unauthorized("invalid token: no `kid` names the issuer's key that signed it")
        try:
            key = await self.issuer_keys.key(kid, algorithm)
        except UnknownKey as error:
            raise Unauthorized(f"invalid token: {error}") from None
        except IssuerUnavailable as error:
            raise Unavailable(f"tokens cannot be checked now: {error}") from None
        checked = self._decode(token, algorithm, key.key, issuer=self.issuer_keys.issuer)
        return (*checked, (kid, key))

    def decode(self, token: str) -> Principal:
        """`verify` for the keys at hand: the secret and the static public key."""
        return self._decode_at_hand(token)[0]

    def _decode_at_hand(self, token: str) -> tuple[Principal, float]:
        algorithm, _ = _header(token)
        if algorithm not in self.algorithms:
            raise Unauthorized(f"invalid token: algorithm {algorithm} is not accepted")
        if algorithm == "HS256":
            return self._decode(token, algorithm, self.settings.jwt_secret)
        if self.static_key is None or self.static_key.algorithm != algorithm:
            raise Unauthorized(f"invalid token: no key checks {algorithm} tokens here")
        return self._decode(token, algorithm, self.static_key.key)

    def _decode(
        self, token: str, algorithm: str, key: Any, *, issuer: str | None = None
    ) -> tuple[Principal, float]:
        """The caller of a token checked with `key`, and with `iss` when it came from an
        issuer (HS256 tokens beside an issuer are the secret's, not the issuer's); and
        from when (epoch seconds) it is refused as expired."""
        settings = self.settings
        required = ["exp", "sub", *(["iss"] if issuer else [])]
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[algorithm],
                audience=settings.jwt_audience,
                issuer=issuer,
                leeway=settings.jwt_leeway_seconds,
                options={"require": required},
            )
            principal = Principal(
                sub=claims["sub"],
                role=role_in(claim_at(claims, settings.role_claim), settings.role_claim),
                communities=communities_in(
                    claim_at(claims, settings.communities_claim), settings.communities_claim
                ),
            )
        except (jwt.PyJWTError, ValidationError) as error:
            raise Unauthorized(f"invalid token: {error}") from None
        if ALL_COMMUNITIES in principal.communities and principal.role != "county_admin":
            raise Unauthorized('invalid token: only county_admin may hold communities ["*"]')
        # PyJWT refuses a token once now > exp + leeway.
        return principal, float(claims["exp"]) + settings.jwt_leeway_seconds


def _put_claim(claims: dict[str, Any], path: str, value: Any) -> None:
    *parents, name = path.split(".")
    for part in parents:
        claims = claims.setdefault(part, {})
    claims[name] = value


def _header(token: str) -> tuple[str, str | None]:
    """The token's algorithm and `kid`, read before anything is checked."""
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as error:
        raise Unauthorized(f"invalid token: {error}") from None
    algorithm, kid = header.get("alg"), header.get("kid")
    if not isinstance(algorithm, str) or not (kid is None or isinstance(kid, str)):
        raise Unauthorized("invalid token: a malformed header")
    return algorithm, kid


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The claim named `path`, or else found by its dotted path (`realm_access.roles`)."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def role_in(value: Any, claim: str) -> Role:
    """The role a claim gives: a string is the role; of a list, the most privileged Qise
    role in it (others, such as Keycloak's `offline_access`, are not ours)."""
    if isinstance(value, str):
        if value in ROLES:
            return value
        raise Unauthorized(f"invalid token: {value!r} in {claim} is not a role")
    if isinstance(value, list):
        for role in ROLES:
            if role in value:
                return role
        raise Unauthorized(f"invalid token: {claim} holds no role of Qise")
    raise Unauthorized(f"invalid token: no role in {claim}")


def communities_in(value: Any, claim: str) -> list[str]:
    """The communities a claim gives: a list of ids, or one string of them."""
    if isinstance(value, str):
        return value.replace(",", " ").split()
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return [item.strip() for item in value if item.strip()]
    raise Unauthorized(f"invalid token: {claim} is not a list of communities")


def decode_token(settings: ServiceSettings, token: str) -> Principal:
    """The caller of a token checked with the secret or the static public key (no issuer)."""
    return TokenVerifier(settings).decode(token)


_bearer = HTTPBearer(auto_error=False)


async def current_principal(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthorized("a bearer token is required: Authorization: Bearer <JWT>")
    verifier: TokenVerifier = request.app.state.tokens
    principal = await verifier.verify(credentials.credentials)
    token_passed(request.scope)  # the rate limit lets this token through from now on
    ACTOR.set(principal.sub)
    return principal


CurrentUser = Annotated[Principal, Depends(current_principal)]
