"""OpenID Connect: a registry that trusts a test issuer (tests/oidc_issuer.py), serving its
discovery document and JWKS over real HTTP, accepts that issuer's RS256 and ES256 tokens
and reads Keycloak's claims; every other token is 401.

The key cache itself (rate limit, shared fetches, stale keys, a silent issuer) is tested on
`TokenVerifier` against the same issuer, with no service around it.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest

from shared.auth import BadTokenSettings, TokenVerifier, check_jwt_secret, issue_token
from shared.errors import Unauthorized, Unavailable
from shared.settings import ServiceSettings
from tests.conftest import TEST_SECRET, RunningService, Stack
from tests.oidc_issuer import JWKS_PATH, Issuer, new_key, running_issuer
from tests.security.test_tokens import b64, hmac_signed
from tests.security.world import PROBLEM_JSON

COUNTY = ["county_admin"]


@pytest.fixture(scope="module")
def issuer() -> Iterator[Issuer]:
    with running_issuer() as running:
        yield running


@pytest.fixture(scope="module")
async def registry(stack: Stack, issuer: Issuer) -> AsyncIterator[RunningService]:
    """A registry configured for the issuer as docs/security.md says for Keycloak. It
    fetches again at once on an unknown `kid` (the rate limit is tested below)."""
    url = await stack.database("registry_oidc")
    service = await stack.start(
        "registry",
        url,
        anonymous_per_minute=0,
        **issuer.service_settings(jwks_refetch_seconds=0),
    )
    try:
        yield service
    finally:
        await service.stop()


async def get(service: RunningService, path: str, token: str) -> httpx.Response:
    return await service.client.get(path, headers={"Authorization": f"Bearer {token}"})


async def refused(service: RunningService, token: str) -> str:
    """The 401's detail, after checking it is the usual problem+json."""
    response = await get(service, "/communities", token)
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.headers["content-type"] == PROBLEM_JSON
    detail: str = response.json()["detail"]
    return detail


async def new_community(service: RunningService, token: str) -> str:
    community_id = f"o{uuid.uuid4().hex[:12]}"
    body = {"id": community_id, "name": f"统一身份 {community_id}", "branch": "测试大支部"}
    response = await service.client.post(
        "/communities", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 201, response.text
    return community_id


# -- accepted ------------------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_the_issuers_tokens_work(
    registry: RunningService, issuer: Issuer, algorithm: str
) -> None:
    county = issuer.token(roles=COUNTY, communities=["*"], algorithm=algorithm)
    community = await new_community(registry, county)
    admin = issuer.token(roles=["community_admin"], communities=[community], algorithm=algorithm)
    assert (await get(registry, f"/communities/{community}", admin)).status_code == 200
    listed = (await get(registry, "/communities", admin)).json()["items"]
    assert [c["id"] for c in listed] == [community]
    other = await new_community(registry, county)
    assert (await get(registry, f"/communities/{other}", admin)).status_code == 404


async def test_keycloak_claims_give_the_most_privileged_role(
    registry: RunningService, issuer: Issuer
) -> None:
    """Realm roles hold Keycloak's own roles too; of the Qise roles the strongest counts."""
    both = issuer.token(roles=["volunteer", "county_admin"], communities="*")
    community = await new_community(registry, both)  # only a county_admin may
    weaker = issuer.token(roles=["volunteer", "community_admin"], communities=[community])
    body = {"id": f"o{uuid.uuid4().hex[:12]}", "name": "不许", "branch": "测试大支部"}
    response = await registry.client.post(
        "/communities", json=body, headers={"Authorization": f"Bearer {weaker}"}
    )
    assert response.status_code == 403, response.text
    assert "community_admin" in response.json()["detail"]


async def test_communities_as_one_attribute_string(
    registry: RunningService, issuer: Issuer
) -> None:
    county = issuer.token(roles=COUNTY, communities=["*"])
    first, second = await new_community(registry, county), await new_community(registry, county)
    token = issuer.token(roles=["community_admin"], communities=f"{first}, {second}")
    listed = (await get(registry, "/communities", token)).json()["items"]
    assert sorted(c["id"] for c in listed) == sorted([first, second])


async def test_the_actor_in_the_audit_is_the_issuers_subject(
    registry: RunningService, issuer: Issuer
) -> None:
    sub = str(uuid.uuid4())
    county = issuer.token(roles=COUNTY, communities=["*"], sub=sub, algorithm="ES256")
    community = await new_community(registry, county)
    response = await get(registry, f"/audit?community_id={community}", county)
    assert response.status_code == 200, response.text
    assert [e["actor"] for e in response.json()["items"]] == [sub]


async def test_a_token_expired_within_the_leeway_works(
    registry: RunningService, issuer: Issuer
) -> None:
    claims = issuer.claims(roles=COUNTY, communities=["*"])
    token = issuer.sign({**claims, "exp": datetime.now(UTC) - timedelta(seconds=10)})
    assert (await get(registry, "/communities", token)).status_code == 200


async def test_keys_rotate_without_a_restart(registry: RunningService, issuer: Issuer) -> None:
    for algorithm in ("RS256", "ES256"):
        before = issuer.token(roles=COUNTY, communities=["*"], algorithm=algorithm)
        assert (await get(registry, "/communities", before)).status_code == 200
        fetches = issuer.hits[JWKS_PATH]
        issuer.rotate(algorithm)
        after = issuer.token(roles=COUNTY, communities=["*"], algorithm=algorithm)
        assert (await get(registry, "/communities", after)).status_code == 200
        assert issuer.hits[JWKS_PATH] == fetches + 1
        # The old key left the issuer's set, so the tokens it signed stop working.
        assert "has no key" in await refused(registry, before)


# -- refused -------------------------------------------------------------------------


def good_claims(issuer: Issuer, **changes: Any) -> dict[str, Any]:
    """A community admin's claims, with `changes` (None removes a claim)."""
    claims = issuer.claims(roles=["community_admin"], communities=["longquan"])
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def unsigned(issuer: Issuer) -> str:
    """`alg: none` naming the issuer's own key, claiming a county admin."""
    header = {"alg": "none", "typ": "JWT", "kid": issuer.keys["RS256"].kid}
    claims = issuer.claims(roles=COUNTY, communities=["*"])
    body = {k: int(v.timestamp()) if isinstance(v, datetime) else v for k, v in claims.items()}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(body).encode())}."


REFUSED: dict[str, tuple[Callable[[Issuer], str], str]] = {
    "an unknown kid": (
        lambda i: i.sign(good_claims(i), key=new_key("RS256")),
        "has no key",
    ),
    "a known kid, another key": (
        lambda i: i.sign(good_claims(i), key=new_key("RS256"), kid=i.keys["RS256"].kid),
        "signature verification failed",
    ),
    "ES256 naming the RSA key": (
        lambda i: i.sign(good_claims(i), key=i.keys["ES256"], kid=i.keys["RS256"].kid),
        "checks RS256, not ES256",
    ),
    "no kid": (
        lambda i: jwt.encode(good_claims(i), i.keys["RS256"].private, "RS256"),
        "kid",
    ),
    "the wrong issuer": (
        lambda i: i.sign(good_claims(i, iss="https://sso.elsewhere.example/realms/qise")),
        "issuer",
    ),
    "no issuer": (lambda i: i.sign(good_claims(i, iss=None)), "iss"),
    "the wrong audience": (lambda i: i.sign(good_claims(i, aud=["account"])), "audience"),
    "no audience": (lambda i: i.sign(good_claims(i, aud=None)), "aud"),
    "expired beyond the leeway": (
        lambda i: i.sign(good_claims(i, exp=datetime.now(UTC) - timedelta(seconds=60))),
        "expired",
    ),
    "not valid yet": (
        lambda i: i.sign(good_claims(i, nbf=datetime.now(UTC) + timedelta(seconds=90))),
        "not yet valid",
    ),
    "alg none": (unsigned, "algorithm none is not accepted"),
    "HS256 signed with the RSA public key": (
        lambda i: hmac_signed(good_claims(i), i.keys["RS256"].public_pem()),
        "algorithm HS256 is not accepted",
    ),
    "HS256 signed with the service's own secret": (
        lambda i: issue_token(
            ServiceSettings(jwt_secret=TEST_SECRET), sub="x", role="county_admin", communities=["*"]
        ),
        "algorithm HS256 is not accepted",
    ),
    "no role claim": (lambda i: i.sign(good_claims(i, realm_access=None)), "no role"),
    "only Keycloak's own roles": (
        lambda i: i.sign(i.claims(roles=[], communities=["longquan"])),
        "holds no role of Qise",
    ),
    "no communities": (lambda i: i.sign(good_claims(i, communities=None)), "communities"),
    '"*" for a community admin': (
        lambda i: i.sign(good_claims(i, communities="*")),
        "only county_admin",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_a_bad_token_is_401(registry: RunningService, issuer: Issuer, case: str) -> None:
    make, reason = REFUSED[case]
    assert reason.lower() in (await refused(registry, make(issuer))).lower()


# -- the key cache, without a service ------------------------------------------------


def verifier(issuer: Issuer, **changes: Any) -> TokenVerifier:
    return TokenVerifier(ServiceSettings(_env_file=None, **issuer.service_settings(**changes)))


async def test_unknown_kids_fetch_the_keys_at_most_once_per_interval() -> None:
    with running_issuer() as issuer:
        tokens = verifier(issuer, jwks_refetch_seconds=10)
        await tokens.verify(issuer.token(roles=COUNTY, communities="*"))
        assert issuer.hits[JWKS_PATH] == 1
        for _ in range(5):
            with pytest.raises(Unauthorized, match="has no key"):
                await tokens.verify(issuer.sign(good_claims(issuer), key=new_key("RS256")))
        # Made-up kids do not make the service hammer its provider: one fetch in 10 s.
        assert issuer.hits[JWKS_PATH] == 1
        issuer.rotate("RS256")
        rotated = issuer.token(roles=COUNTY, communities="*")
        with pytest.raises(Unauthorized, match="has no key"):
            await tokens.verify(rotated)
        assert tokens.issuer_keys is not None
        tokens.issuer_keys.refetch_seconds = 0  # as if the 10 s had passed
        assert (await tokens.verify(rotated)).role == "county_admin"
        assert issuer.hits[JWKS_PATH] == 2


async def test_requests_waiting_for_the_same_keys_share_one_fetch() -> None:
    with running_issuer() as issuer:
        tokens = verifier(issuer, jwks_refetch_seconds=0)
        token = issuer.token(roles=COUNTY, communities="*", algorithm="ES256")
        principals = await asyncio.gather(*(tokens.verify(token) for _ in range(20)))
        assert {p.role for p in principals} == {"county_admin"}
        assert issuer.hits[JWKS_PATH] == 1


async def test_a_silent_issuer_keeps_the_known_keys_working() -> None:
    with running_issuer() as issuer:
        tokens = verifier(issuer, jwks_cache_seconds=0, jwks_refetch_seconds=0)
        token = issuer.token(roles=COUNTY, communities="*")
        await tokens.verify(token)
        issuer.down = True
        assert (await tokens.verify(token)).sub  # fetched again, failed, the old keys serve
        assert issuer.hits[JWKS_PATH] == 2


async def test_without_any_keys_the_answer_is_503_until_the_issuer_answers(
    stack: Stack,
) -> None:
    with running_issuer() as issuer:
        issuer.down = True
        url = await stack.database("registry_oidc_down")
        service = await stack.start(
            "registry", url, **issuer.service_settings(jwks_refetch_seconds=0)
        )
        try:
            token = issuer.token(roles=COUNTY, communities="*")
            response = await get(service, "/communities", token)
            assert response.status_code == 503, response.text
            assert response.headers["retry-after"] == "2"
            assert "signing keys" in response.json()["detail"]
            issuer.down = False
            assert (await get(service, "/communities", token)).status_code == 200
        finally:
            await service.stop()


async def test_a_discovery_document_of_another_issuer_is_not_trusted() -> None:
    with running_issuer() as issuer:
        # A trailing slash makes another issuer identifier: tokens would not match it.
        tokens = verifier(issuer, oidc_issuer=issuer.url + "/")
        with pytest.raises(Unavailable, match="not available"):
            await tokens.verify(issuer.token(roles=COUNTY, communities="*"))
        assert issuer.hits[JWKS_PATH] == 0


async def test_keycloak_claims_map_to_a_principal(issuer: Issuer) -> None:
    tokens = verifier(issuer)
    claims = issuer.claims(roles=["team_leader", "volunteer"], communities=["a", " b "])
    principal = await tokens.verify(issuer.sign(claims, "ES256"))
    assert (principal.sub, principal.role, principal.communities) == (
        claims["sub"],
        "team_leader",
        ["a", "b"],
    )


# -- other configurations ------------------------------------------------------------


@pytest.mark.parametrize("algorithm", ["RS256", "ES256"])
async def test_a_static_public_key_checks_its_algorithm(algorithm: str) -> None:
    key = new_key(algorithm)
    settings = ServiceSettings(
        _env_file=None, jwt_algorithms=algorithm, jwt_public_key=key.public_pem().decode()
    )
    tokens = TokenVerifier(settings)
    claims = {
        "sub": "u1",
        "role": "volunteer",
        "communities": ["x"],
        "exp": datetime.now(UTC) + timedelta(minutes=5),
    }
    assert (await tokens.verify(jwt.encode(claims, key.private, algorithm))).role == "volunteer"
    for forged in (
        jwt.encode(claims, new_key(algorithm).private, algorithm),
        hmac_signed(claims, key.public_pem()),
    ):
        with pytest.raises(Unauthorized):
            await tokens.verify(forged)


async def test_with_hs256_and_an_issuer_each_token_meets_its_own_key(issuer: Issuer) -> None:
    """Both accepted: HS256 is checked with the secret alone, so the public key as an HMAC
    secret still fails, while `qise token`'s tokens and the issuer's both work."""
    settings = ServiceSettings(
        _env_file=None,
        jwt_secret=TEST_SECRET,
        **issuer.service_settings(jwt_algorithms="HS256,RS256,ES256"),
    )
    tokens = TokenVerifier(settings)
    local = issue_token(settings, sub="dev", role="volunteer", communities=["longquan"])
    assert (await tokens.verify(local)).communities == ["longquan"]
    assert (await tokens.verify(issuer.token(roles=COUNTY, communities="*"))).sees_all
    with pytest.raises(Unauthorized, match="Signature verification failed"):
        await tokens.verify(hmac_signed(good_claims(issuer), issuer.keys["RS256"].public_pem()))


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"jwt_audience": None}, "needs QISE_JWT_AUDIENCE"),
        ({"jwt_algorithms": "HS256"}, "names neither RS256 nor ES256"),
        ({"jwt_public_key": "-----BEGIN PUBLIC KEY-----"}, "not both"),
        ({"oidc_issuer": None}, "set QISE_OIDC_ISSUER"),
        ({"oidc_issuer": None, "jwt_public_key": "not a key"}, "not a PEM public key"),
    ],
)
def test_token_settings_that_do_not_fit_stop_the_service(
    issuer: Issuer, changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(BadTokenSettings, match=reason):
        verifier(issuer, **changes)


def test_with_only_the_issuers_algorithms_the_secret_is_irrelevant(issuer: Issuer) -> None:
    for secret in ("", "short"):
        check_jwt_secret(
            ServiceSettings(_env_file=None, jwt_secret=secret, **issuer.service_settings())
        )
    with pytest.raises(BadTokenSettings, match="QISE_JWT_SECRET"):
        check_jwt_secret(
            ServiceSettings(
                _env_file=None,
                jwt_secret="short",
                **issuer.service_settings(jwt_algorithms="HS256,RS256"),
            )
        )
