"""Forged, stale and malformed tokens, over HTTP against one route of each service: all 401.

Every 401 is problem+json with `WWW-Authenticate: Bearer`. The requests come from an address
of their own, so their 401s leave the shared limiter's budget for the other tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import warnings
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest
from jwt.warnings import InsecureKeyLengthWarning

from services import SERVICE_NAMES
from shared.auth import decode_token, issue_token
from shared.errors import Unauthorized
from shared.settings import ServiceSettings
from tests.conftest import TEST_SECRET, RunningService, Stack, token
from tests.oidc_issuer import new_key
from tests.security.world import PROBLEM_JSON, client_at

ROUTES = {
    "registry": "/communities",
    "activities": "/activity-kinds",
    "requests": "/service-kinds",
    "stats": "/stats/areas",
}
assert set(ROUTES) == set(SERVICE_NAMES)


def claims(**changes: Any) -> dict[str, Any]:
    """Good claims of a community admin, with `changes` (None removes a claim)."""
    now = datetime.now(UTC)
    base: dict[str, Any] = {
        "sub": "forger",
        "role": "community_admin",
        "communities": ["longquan"],
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def signed(payload: dict[str, Any], key: str = TEST_SECRET, algorithm: str = "HS256") -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureKeyLengthWarning)  # HS512 with the test secret
        return jwt.encode(payload, key, algorithm=algorithm)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned() -> str:
    """`alg: none`: claims a county admin over everything, with no signature at all."""
    header = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    body = claims(role="county_admin", communities=["*"])
    body = {**body, "iat": int(body["iat"].timestamp()), "exp": int(body["exp"].timestamp())}
    return f"{header}.{b64(json.dumps(body).encode())}."


def tampered() -> str:
    """A good volunteer's token whose claims were rewritten to a county admin's."""
    header, _, signature = token("volunteer", ["longquan"]).split(".")
    now = int(datetime.now(UTC).timestamp())
    body = {"sub": "tester", "role": "county_admin", "communities": ["*"], "exp": now + 3600}
    return f"{header}.{b64(json.dumps(body).encode())}.{signature}"


def hmac_signed(payload: dict[str, Any], secret: bytes) -> str:
    """An HS256 token made by hand: PyJWT refuses to use a PEM key as an HMAC secret."""
    body = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in payload.items()}
    head = f"{b64(json.dumps({'alg': 'HS256', 'typ': 'JWT'}).encode())}"
    signing_input = f"{head}.{b64(json.dumps(body).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(mac)}"


AUTHORIZATIONS: dict[str, Callable[[], str | None]] = {
    "no token": lambda: None,
    "garbage": lambda: "Bearer not.a.token",
    "not a JWT at all": lambda: "Bearer 4f6e0c1e-garbage",
    "an empty bearer": lambda: "Bearer ",
    "the Basic scheme": lambda: "Basic " + b64(b"admin:admin"),
    "a good token without its scheme": lambda: token(),
    "the wrong key": lambda: (
        "Bearer " + signed(claims(), key="another-secret-" + "0123456789abcdef" * 2)
    ),
    "alg none": lambda: "Bearer " + unsigned(),
    "HS512 instead of HS256": lambda: "Bearer " + signed(claims(), algorithm="HS512"),
    "a rewritten payload": lambda: "Bearer " + tampered(),
    "expired": lambda: "Bearer " + signed(claims(exp=datetime.now(UTC) - timedelta(minutes=5))),
    "not yet valid": lambda: "Bearer " + signed(claims(nbf=datetime.now(UTC) + timedelta(hours=1))),
    "no exp": lambda: "Bearer " + signed(claims(exp=None)),
    "no sub": lambda: "Bearer " + signed(claims(sub=None)),
    "an empty sub": lambda: "Bearer " + signed(claims(sub="")),
    "no role": lambda: "Bearer " + signed(claims(role=None)),
    "an unknown role": lambda: "Bearer " + signed(claims(role="superuser")),
    "no communities": lambda: "Bearer " + signed(claims(communities=None)),
    "communities not a list": lambda: "Bearer " + signed(claims(communities={"longquan": 1})),
    "communities a string with *": lambda: "Bearer " + signed(claims(communities="longquan *")),
    '["*"] for a community admin': lambda: "Bearer " + signed(claims(communities=["*"])),
    '["*"] for a team leader': lambda: (
        "Bearer " + signed(claims(role="team_leader", communities=["longquan", "*"]))
    ),
    '["*"] for a volunteer': lambda: (
        "Bearer " + signed(claims(role="volunteer", communities=["*"]))
    ),
}

CASES = [(service, case) for service in SERVICE_NAMES for case in AUTHORIZATIONS]


@pytest.mark.parametrize(
    ("service", "case"), CASES, ids=[f"{service} with {case}" for service, case in CASES]
)
async def test_a_bad_token_is_401(stack: Stack, service: str, case: str) -> None:
    authorization = AUTHORIZATIONS[case]()
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with client_at(stack, service, "10.0.2.1") as client:
        response = await client.get(ROUTES[service], headers=headers)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == 401 and body["type"] == "https://qise.dev/problems/unauthorized"
    assert body["title"] and body["detail"]


@pytest.mark.parametrize("service", SERVICE_NAMES)
async def test_a_good_token_works(stack: Stack, service: str) -> None:
    async with client_at(stack, service, "10.0.2.1") as client:
        response = await client.get(
            ROUTES[service], headers={"Authorization": "Bearer " + signed(claims())}
        )
    assert response.status_code == 200, response.text


def test_issue_token_refuses_star_for_other_roles() -> None:
    settings = ServiceSettings(jwt_secret=TEST_SECRET)
    with pytest.raises(ValueError, match="only county_admin"):
        issue_token(settings, sub="x", role="community_admin", communities=["*"])


def test_with_rs256_an_hs256_token_is_refused() -> None:
    """With RS256 configured, neither an HS256 token signed with the secret nor one signed
    with the public key as an HMAC secret (the algorithm confusion attack) is accepted."""
    public_key = new_key("RS256").public_pem()
    settings = ServiceSettings(
        jwt_secret=TEST_SECRET, jwt_algorithms="RS256", jwt_public_key=public_key.decode()
    )
    for forged in (signed(claims()), hmac_signed(claims(), public_key)):
        with pytest.raises(Unauthorized, match="algorithm HS256 is not accepted"):
            decode_token(settings, forged)


# -- QISE_JWT_AUDIENCE -----------------------------------------------------------------


@pytest.fixture(scope="module")
async def with_audience(stack: Stack) -> AsyncIterator[RunningService]:
    """A registry that checks `aud`: QISE_JWT_AUDIENCE=qise."""
    url = await stack.database("registry_aud")
    service = await stack.start("registry", url, jwt_audience="qise")
    try:
        yield service
    finally:
        await service.stop()


def audience_token(audience: str | None) -> str:
    settings = ServiceSettings(jwt_secret=TEST_SECRET, jwt_audience=audience)
    return issue_token(settings, sub="tester", role="county_admin", communities=["*"])


async def test_with_an_audience_the_right_aud_works(with_audience: RunningService) -> None:
    token_ = audience_token("qise")
    assert jwt.decode(token_, options={"verify_signature": False})["aud"] == "qise"
    response = await with_audience.client.get(
        "/communities", headers={"Authorization": f"Bearer {token_}"}
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("audience", ["elsewhere", None], ids=["the wrong aud", "no aud"])
async def test_with_an_audience_a_token_without_it_is_401(
    with_audience: RunningService, audience: str | None
) -> None:
    response = await with_audience.client.get(
        "/communities", headers={"Authorization": f"Bearer {audience_token(audience)}"}
    )
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert "aud" in response.json()["detail"].lower()
