"""A stand-in for the county's OpenID Connect provider: Keycloak's paths, over real HTTP
on 127.0.0.1, with an RSA and an EC key that can rotate, and tokens shaped like Keycloak's.

    with running_issuer() as issuer:
        settings = ServiceSettings(**issuer.service_settings())
        token = issuer.token(roles=["community_admin"], communities=["longquan"])
"""

from __future__ import annotations

import json
import threading
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

REALM = "qise"
AUDIENCE = "qise-api"
CLIENT = "qise-console"
JWKS_PATH = f"/realms/{REALM}/protocol/openid-connect/certs"
DISCOVERY_PATH = f"/realms/{REALM}/.well-known/openid-configuration"
# Keycloak gives every user these realm roles besides the ones the realm defines.
KEYCLOAK_DEFAULT_ROLES = ["offline_access", "uma_authorization", f"default-roles-{REALM}"]


@dataclass(frozen=True)
class SigningKey:
    kid: str
    algorithm: str
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

    def jwk(self) -> dict[str, Any]:
        public = self.private.public_key()
        data = (
            RSAAlgorithm.to_jwk(public, as_dict=True)
            if isinstance(public, rsa.RSAPublicKey)
            else ECAlgorithm.to_jwk(public, as_dict=True)
        )
        return {**data, "kid": self.kid, "use": "sig", "alg": self.algorithm}

    def public_pem(self) -> bytes:
        return self.private.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )


def new_key(algorithm: str) -> SigningKey:
    private: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
    if algorithm == "RS256":
        private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    else:
        private = ec.generate_private_key(ec.SECP256R1())
    return SigningKey(f"{algorithm.lower()}-{uuid.uuid4().hex[:8]}", algorithm, private)


# An encryption key as Keycloak publishes beside its signing keys: never for signatures.
_ENCRYPTION_KEY = {
    **RSAAlgorithm.to_jwk(
        rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key(),
        as_dict=True,
    ),
    "kid": "enc-1",
    "use": "enc",
    "alg": "RSA-OAEP",
}


class Issuer:
    """The provider's state: its keys, what was asked of it, whether it answers."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.keys = {a: new_key(a) for a in ("RS256", "ES256")}
        self.hits: Counter[str] = Counter()
        self.down = False
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        """The issuer identifier: what tokens carry as `iss`."""
        return f"{self.base_url}/realms/{REALM}"

    def service_settings(self, **changes: Any) -> dict[str, Any]:
        """ServiceSettings fields of a service that trusts this issuer as Keycloak would be
        configured (docs/security.md)."""
        return {
            "oidc_issuer": self.url,
            "jwt_algorithms": "RS256,ES256",
            "jwt_audience": AUDIENCE,
            "role_claim": "realm_access.roles",
            "communities_claim": "communities",
            **changes,
        }

    def environment(self) -> dict[str, str]:
        """The same, as the environment of a `qise serve` process."""
        settings = self.service_settings()
        return {
            "QISE_OIDC_ISSUER": settings["oidc_issuer"],
            "QISE_JWT_ALGORITHMS": settings["jwt_algorithms"],
            "QISE_JWT_AUDIENCE": settings["jwt_audience"],
            "QISE_ROLE_CLAIM": settings["role_claim"],
            "QISE_COMMUNITIES_CLAIM": settings["communities_claim"],
        }

    def rotate(self, algorithm: str = "RS256") -> SigningKey:
        """A new key for `algorithm` in place of the old one, which the JWKS drops."""
        with self._lock:
            self.keys[algorithm] = new_key(algorithm)
            return self.keys[algorithm]

    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [k.jwk() for k in self.keys.values()] + [_ENCRYPTION_KEY]}

    def discovery(self) -> dict[str, Any]:
        base = f"{self.url}/protocol/openid-connect"
        return {
            "issuer": self.url,
            "authorization_endpoint": f"{base}/auth",
            "token_endpoint": f"{base}/token",
            "jwks_uri": f"{self.base_url}{JWKS_PATH}",
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "ES256"],
            "code_challenge_methods_supported": ["S256"],
        }

    def claims(
        self,
        *,
        roles: list[str],
        communities: list[str] | str | None,
        sub: str | None = None,
        lifetime: timedelta = timedelta(minutes=5),
        **changes: Any,
    ) -> dict[str, Any]:
        """An access token's claims as Keycloak makes them for the `qise-console` client
        with the audience mapper and the `communities` attribute mapper of deploy/keycloak.
        `changes` replace claims (None removes one)."""
        now = datetime.now(UTC)
        claims: dict[str, Any] = {
            "iss": self.url,
            "sub": sub or str(uuid.uuid4()),
            "aud": [AUDIENCE, "account"],
            "exp": now + lifetime,
            "iat": now,
            "jti": str(uuid.uuid4()),
            "typ": "Bearer",
            "azp": CLIENT,
            "scope": "openid profile",
            "preferred_username": "someone",
            "realm_access": {"roles": [*KEYCLOAK_DEFAULT_ROLES, *roles]},
            "communities": communities,
        }
        claims.update(changes)
        return {k: v for k, v in claims.items() if v is not None}

    def sign(
        self,
        claims: dict[str, Any],
        algorithm: str = "RS256",
        *,
        key: SigningKey | None = None,
        kid: str | None = None,
    ) -> str:
        """Claims signed with the issuer's current key for `algorithm` (or `key`); `kid`
        replaces the key's id in the header."""
        signer = key or self.keys[algorithm]
        return jwt.encode(
            claims, signer.private, algorithm=signer.algorithm, headers={"kid": kid or signer.kid}
        )

    def token(
        self,
        *,
        roles: list[str],
        communities: list[str] | str | None,
        algorithm: str = "RS256",
        **changes: Any,
    ) -> str:
        return self.sign(self.claims(roles=roles, communities=communities, **changes), algorithm)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        issuer = self.server.issuer
        issuer.hits[self.path] += 1
        if issuer.down:
            self._answer(503, {"error": "down for maintenance"})
        elif self.path == DISCOVERY_PATH:
            self._answer(200, issuer.discovery())
        elif self.path == JWKS_PATH:
            self._answer(200, issuer.jwks())
        else:
            self._answer(404, {"error": "not found"})

    def _answer(self, status: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests count the hits instead."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    issuer: Issuer


@contextmanager
def running_issuer() -> Iterator[Issuer]:
    """The issuer, serving on a free port of 127.0.0.1 until the block ends."""
    server = _Server(("127.0.0.1", 0), _Handler)
    server.issuer = Issuer(f"http://127.0.0.1:{server.server_address[1]}")
    thread = threading.Thread(target=server.serve_forever, name="oidc-issuer", daemon=True)
    thread.start()
    try:
        yield server.issuer
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
