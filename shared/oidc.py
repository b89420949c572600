"""The keys that check an OpenID Connect issuer's tokens: its discovery document, then its
JWKS, cached and looked up by `kid`.

A key set is kept for `cache_seconds`; a token naming a `kid` the set does not hold makes
it fetch again at once (the provider rotated its keys), at most once per `refetch_seconds`
so that made-up `kid`s cannot make a service hammer its provider. When the provider does
not answer, the keys already known go on checking tokens.

Fetching never blocks the event loop: it is an async HTTP call with a short timeout, and
requests waiting for the same fetch share it. The state is guarded by a thread lock, and
each event loop has its own asyncio lock, so one cache may serve several threads' loops.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_public_key

log = logging.getLogger(__name__)

DISCOVERY_PATH = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class VerificationKey:
    """A public key and the one algorithm it checks (a key never checks another one)."""

    algorithm: str
    key: Any


class IssuerUnavailable(Exception):
    """The issuer's keys could not be fetched, and none are known from before."""


class UnknownKey(Exception):
    """The issuer's key set holds no key for the token's `kid` and algorithm."""


def key_algorithm(public_key: object) -> str | None:
    """The algorithm a public key checks: RS256 for RSA, ES256 for EC P-256; else None."""
    if isinstance(public_key, rsa.RSAPublicKey):
        return "RS256"
    if isinstance(public_key, ec.EllipticCurvePublicKey) and isinstance(
        public_key.curve, ec.SECP256R1
    ):
        return "ES256"
    return None


def load_public_key(pem: str) -> VerificationKey:
    """A PEM public key (RSA, or EC P-256). Raises ValueError for anything else."""
    try:
        public_key = load_pem_public_key(pem.encode())
    except (ValueError, TypeError) as error:
        raise ValueError(f"not a PEM public key ({error})") from None
    algorithm = key_algorithm(public_key)
    if algorithm is None:
        raise ValueError("only RSA (RS256) and EC P-256 (ES256) public keys are supported")
    return VerificationKey(algorithm, public_key)


def signing_keys(jwks: object) -> dict[str, VerificationKey]:
    """The signature keys of a JWKS document, by `kid`.

    Keys without a `kid`, meant for encryption (`use: enc`, which Keycloak publishes beside
    its signing keys), or of a type or curve we do not check with, are left out.
    """
    if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
        raise ValueError("a JWKS document is an object with a list of `keys`")
    keys: dict[str, VerificationKey] = {}
    for entry in jwks["keys"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("kid"), str):
            continue
        if entry.get("use", "sig") != "sig":
            continue
        try:
            jwk = jwt.PyJWK(entry)
        except jwt.PyJWTError:
            continue
        algorithm = key_algorithm(jwk.key)
        # The JWK's own `alg` (or the one PyJWT infers) must agree with the key's type.
        if algorithm is not None and jwk.algorithm_name == algorithm:
            keys[entry["kid"]] = VerificationKey(algorithm, jwk.key)
    return keys


Clock = Callable[[], float]


class JwksCache:
    """The signing keys of one issuer, fetched when first needed and when they rotate."""

    def __init__(
        self,
        issuer: str,
        *,
        cache_seconds: float = 300.0,
        refetch_seconds: float = 10.0,
        timeout_seconds: float = 3.0,
        clock: Clock = time.monotonic,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.issuer = issuer
        self.cache_seconds = cache_seconds
        self.refetch_seconds = refetch_seconds
        self.timeout_seconds = timeout_seconds
        self._clock = clock
        self._transport = transport
        self._guard = threading.Lock()
        self._loop_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self._keys: Mapping[str, VerificationKey] = {}
        self._jwks_uri: str | None = None
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self.fetches = 0
        """JWKS documents fetched so far (successfully or not)."""

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + DISCOVERY_PATH

    async def key(self, kid: str, algorithm: str) -> VerificationKey:
        """The key with this `kid` for this algorithm.

        Raises UnknownKey when the issuer has none, IssuerUnavailable when no key set could
        be fetched at all.
        """
        found = self._fresh(kid)
        if found is None:
            async with self._lock():
                # Another request may have fetched while this one waited for the lock.
                found = self._fresh(kid)
                if found is None:
                    found = await self._refetch(kid)
        if found.algorithm != algorithm:
            raise UnknownKey(f"key {kid!r} checks {found.algorithm}, not {algorithm}")
        return found

    def holds(self, kid: str, key: VerificationKey) -> bool:
        """Whether `key` is still the issuer's key `kid` as last fetched and not due for a
        new fetch: a token it checked a moment ago still counts as checked."""
        return self._fresh(kid) is key

    def _fresh(self, kid: str) -> VerificationKey | None:
        with self._guard:
            if self._fetched_at is None or self._age(self._fetched_at) >= self.cache_seconds:
                return None
            return self._keys.get(kid)

    def _age(self, since: float) -> float:
        return self._clock() - since

    def _lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._guard:
            lock = self._loop_locks.get(loop)
            if lock is None:
                lock = self._loop_locks[loop] = asyncio.Lock()
            return lock

    async def _refetch(self, kid: str) -> VerificationKey:
        """Fetch the key set unless that was tried too recently, then look `kid` up
        (in the old set when the fetch failed)."""
        with self._guard:
            attempted = self._attempted_at
            due = attempted is None or self._age(attempted) >= self.refetch_seconds
            if due:
                self._attempted_at = self._clock()
        if due:
            try:
                keys = await self._fetch()
            except IssuerUnavailable as error:
                log.warning("the keys of %s could not be fetched: %s", self.issuer, error)
            else:
                with self._guard:
                    self._keys, self._fetched_at = keys, self._clock()
                log.info("fetched %d signing keys of %s", len(keys), self.issuer)
        with self._guard:
            if self._fetched_at is None:
                raise IssuerUnavailable(f"the signing keys of {self.issuer} are not available")
            found = self._keys.get(kid)
        if found is None:
            raise UnknownKey(f"the issuer has no key {kid!r}")
        return found

    async def _fetch(self) -> dict[str, VerificationKey]:
        async with httpx.AsyncClient(
            timeout=self.timeout_seconds, transport=self._transport
        ) as client:
            jwks_uri = self._jwks_uri or await self._discover(client)
            self.fetches += 1
            try:
                response = await client.get(jwks_uri)
                response.raise_for_status()
                keys = signing_keys(response.json())
            except (httpx.HTTPError, ValueError) as error:
                # The provider may have moved its keys: discover them again next time.
                self._jwks_uri = None
                raise IssuerUnavailable(f"{jwks_uri}: {error}") from None
        return keys

    async def _discover(self, client: httpx.AsyncClient) -> str:
        """The `jwks_uri` of the issuer's discovery document, which must name this issuer."""
        try:
            response = await client.get(self.discovery_url)
            response.raise_for_status()
            document = response.json()
        except (httpx.HTTPError, ValueError) as error:
            raise IssuerUnavailable(f"{self.discovery_url}: {error}") from None
        if not isinstance(document, dict):
            raise IssuerUnavailable(f"{self.discovery_url} is not a JSON object")
        if document.get("issuer") != self.issuer:
            # OpenID Connect Discovery 1.0, section 4.3: the two must be identical.
            raise IssuerUnavailable(
                f"{self.discovery_url} names the issuer {document.get('issuer')!r},"
                f" not {self.issuer!r} (QISE_OIDC_ISSUER must be exactly the provider's)"
            )
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str) or not jwks_uri.startswith(("https://", "http://")):
            raise IssuerUnavailable(f"{self.discovery_url} has no jwks_uri")
        self._jwks_uri = jwks_uri
        return jwks_uri
