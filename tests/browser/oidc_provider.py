"""A small OpenID Connect provider for the browser tests, shaped like Keycloak: discovery,
JWKS, an authorization endpoint that signs the configured account in at once (no login
form) and sends the browser back with a code, a token endpoint that trades the code for
RS256 tokens only with the PKCE verifier whose S256 hash is the challenge, and an
end-session endpoint. It checks what a real provider checks of a public client: the
client id, the registered redirect URIs, S256, one use per code."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import APIRouter, FastAPI, Form
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response

KID = "fake-provider-1"
# Keycloak's issuer is the realm's address: <server>/realms/<realm>.
REALM_PATH = "/realms/qise"


@dataclass
class Account:
    """Who signs in: Keycloak's realm roles (ours among its own) and a `communities`
    user attribute, mapped into the access token."""

    sub: str
    username: str
    realm_roles: list[str]
    communities: list[str]


@dataclass
class Grant:
    """An issued code and what the token request must match."""

    client_id: str
    redirect_uri: str
    challenge: str
    account: Account
    scope: str
    nonce: str | None


def s256(verifier: str) -> str:
    """The PKCE S256 challenge of a verifier (RFC 7636 §4.2)."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def problem(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


@dataclass
class FakeProvider:
    client_id: str = "qise-console"
    audience: str = "qise"
    issuer: str = ""  # <where it serves>/realms/qise, known once it serves
    redirect_uris: set[str] = field(default_factory=set)
    post_logout_redirect_uris: set[str] = field(default_factory=set)
    account: Account | None = None
    token_seconds: int = 600
    grants: dict[str, Grant] = field(default_factory=dict)
    challenges: list[tuple[str, str]] = field(default_factory=list)  # (method, challenge)
    refusals: list[str] = field(default_factory=list)  # what /token refused, why
    ended: list[dict[str, str]] = field(default_factory=list)  # end-session requests
    key: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    @property
    def public_pem(self) -> str:
        return (
            self.key.public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode("ascii")
        )

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})

    def access_token(self, account: Account, scope: str) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": account.sub,
            "aud": [self.audience, "account"],
            "azp": self.client_id,
            "typ": "Bearer",
            "iat": now,
            "exp": now + self.token_seconds,
            "scope": scope,
            "preferred_username": account.username,
            "realm_access": {"roles": account.realm_roles},
            "communities": account.communities,
        }
        return self.sign(claims)

    def id_token(self, account: Account, nonce: str | None) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": account.sub,
            "aud": self.client_id,
            "azp": self.client_id,
            "typ": "ID",
            "iat": now,
            "auth_time": now,
            "exp": now + self.token_seconds,
            "preferred_username": account.username,
        }
        if nonce:
            claims["nonce"] = nonce
        return self.sign(claims)

    def app(self) -> FastAPI:
        """The provider's HTTP app; `issuer` is its base URL plus REALM_PATH."""
        app = FastAPI()
        # The console's web app calls discovery and the token endpoint from its own origin.
        app.add_middleware(
            CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"]
        )
        app.include_router(self.routes(), prefix=REALM_PATH)
        return app

    def routes(self) -> APIRouter:
        realm = APIRouter()

        @realm.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/protocol/openid-connect/auth",
                "token_endpoint": f"{self.issuer}/protocol/openid-connect/token",
                "jwks_uri": f"{self.issuer}/protocol/openid-connect/certs",
                "end_session_endpoint": f"{self.issuer}/protocol/openid-connect/logout",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "code_challenge_methods_supported": ["S256"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }

        @realm.get("/protocol/openid-connect/certs")
        async def jwks() -> dict[str, Any]:
            key = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            return {"keys": [{**key, "kid": KID, "use": "sig", "alg": "RS256"}]}

        @realm.get("/protocol/openid-connect/auth")
        async def authorize(
            client_id: str,
            redirect_uri: str,
            response_type: str,
            state: str = "",
            scope: str = "",
            code_challenge: str = "",
            code_challenge_method: str = "",
            nonce: str | None = None,
        ) -> Response:
            # A wrong client or redirect URI is never redirected to (RFC 6749 §4.1.2.1).
            if client_id != self.client_id:
                return PlainTextResponse("unknown client", status_code=400)
            if redirect_uri not in self.redirect_uris:
                return PlainTextResponse("redirect_uri not registered", status_code=400)
            self.challenges.append((code_challenge_method, code_challenge))

            def back(**params: str) -> RedirectResponse:
                query = urlencode({**params, "state": state, "iss": self.issuer})
                return RedirectResponse(f"{redirect_uri}?{query}", status_code=302)

            if response_type != "code":
                return back(error="unsupported_response_type")
            if code_challenge_method != "S256" or not code_challenge:
                return back(error="invalid_request", error_description="PKCE S256 required")
            if self.account is None:
                return back(error="access_denied", error_description="nobody signs in")
            code = secrets.token_urlsafe(24)
            self.grants[code] = Grant(
                client_id, redirect_uri, code_challenge, self.account, scope, nonce
            )
            return back(code=code)

        @realm.post("/protocol/openid-connect/token", response_model=None)
        async def token(
            grant_type: Annotated[str, Form()],
            code: Annotated[str, Form()] = "",
            redirect_uri: Annotated[str, Form()] = "",
            client_id: Annotated[str, Form()] = "",
            code_verifier: Annotated[str, Form()] = "",
        ) -> JSONResponse:
            if grant_type != "authorization_code":
                self.refusals.append("grant_type")
                return problem("unsupported_grant_type", grant_type)
            grant = self.grants.pop(code, None)  # a code is good once
            if grant is None:
                self.refusals.append("code")
                return problem("invalid_grant", "Code not valid")
            if client_id != grant.client_id or redirect_uri != grant.redirect_uri:
                self.refusals.append("client")
                return problem("invalid_grant", "Incorrect client or redirect_uri")
            if s256(code_verifier) != grant.challenge:
                self.refusals.append("code_verifier")
                return problem("invalid_grant", "PKCE verification failed: Code mismatch")
            return JSONResponse(
                {
                    "access_token": self.access_token(grant.account, grant.scope),
                    "id_token": self.id_token(grant.account, grant.nonce),
                    "token_type": "Bearer",
                    "expires_in": self.token_seconds,
                    "scope": grant.scope,
                },
                headers={"Cache-Control": "no-store"},
            )

        @realm.get("/protocol/openid-connect/logout")
        async def end_session(
            post_logout_redirect_uri: str = "",
            id_token_hint: str = "",
            client_id: str = "",
        ) -> Response:
            self.ended.append({"id_token_hint": id_token_hint, "client_id": client_id})
            if post_logout_redirect_uri not in self.post_logout_redirect_uris:
                return PlainTextResponse("signed out", status_code=200)
            return RedirectResponse(post_logout_redirect_uri, status_code=302)

        return realm
