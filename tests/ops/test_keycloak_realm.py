"""deploy/keycloak/qise-realm.json, the example realm: what docs/security.md says it holds,
and the access tokens it gives its example users map to the roles and communities meant
when the services read them with the settings docs/security.md names."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.auth import ALL_COMMUNITIES, ROLES, claim_at, communities_in, role_in

REALM_FILE = Path(__file__).resolve().parents[2] / "deploy" / "keycloak" / "qise-realm.json"
ROLE_CLAIM, COMMUNITIES_CLAIM = "realm_access.roles", "communities"


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(REALM_FILE.read_text(encoding="utf-8"))
    return data


def client(realm: dict[str, Any], client_id: str) -> dict[str, Any]:
    (found,) = [c for c in realm["clients"] if c["clientId"] == client_id]
    return found


def mapper(client_: dict[str, Any], kind: str) -> dict[str, str]:
    (found,) = [m for m in client_["protocolMappers"] if m["protocolMapper"] == kind]
    config: dict[str, str] = found["config"]
    return config


def test_the_realm_defines_the_five_roles(realm: dict[str, Any]) -> None:
    assert realm["realm"] == "qise"
    assert {r["name"] for r in realm["roles"]["realm"]} == set(ROLES)


def test_the_console_is_a_public_client_with_pkce(realm: dict[str, Any]) -> None:
    console = client(realm, "qise-console")
    assert console["publicClient"] is True
    assert console["standardFlowEnabled"] is True
    assert console["implicitFlowEnabled"] is False
    assert console["directAccessGrantsEnabled"] is False  # no passwords through the app
    assert console["attributes"]["pkce.code.challenge.method"] == "S256"
    assert "http://127.0.0.1:8000/auth/callback" in console["redirectUris"]
    assert all("*" not in uri for uri in console["redirectUris"])


def test_the_console_tokens_are_for_the_services(realm: dict[str, Any]) -> None:
    console = client(realm, "qise-console")
    audience = mapper(console, "oidc-audience-mapper")
    assert audience["included.client.audience"] == "qise-api"
    assert audience["access.token.claim"] == "true"
    api = client(realm, "qise-api")
    assert api["bearerOnly"] is True and api["standardFlowEnabled"] is False
    communities = mapper(console, "oidc-usermodel-attribute-mapper")
    assert communities["user.attribute"] == "communities"
    assert communities["claim.name"] == COMMUNITIES_CLAIM
    assert communities["multivalued"] == "true"
    assert communities["access.token.claim"] == "true"


def test_only_administrators_may_change_a_users_communities(realm: dict[str, Any]) -> None:
    """Else a volunteer could give itself `*` in the account console."""
    (provider,) = realm["components"]["org.keycloak.userprofile.UserProfileProvider"]
    profile = json.loads(provider["config"]["kc.user.profile.config"][0])
    (attribute,) = [a for a in profile["attributes"] if a["name"] == "communities"]
    assert attribute["multivalued"] is True
    assert attribute["permissions"]["edit"] == ["admin"]
    assert "unmanagedAttributePolicy" not in profile


def access_token_claims(user: dict[str, Any]) -> dict[str, Any]:
    """What Keycloak puts in a user's access token through the realm's mappers: the
    `roles` scope's realm roles (with the composite default role's own), the attribute."""
    roles = [*user["realmRoles"], "offline_access", "uma_authorization"]
    return {
        "sub": user.get("id", "generated"),
        "realm_access": {"roles": roles},
        "communities": user["attributes"]["communities"],
    }


def test_one_example_user_per_role_reads_as_meant(realm: dict[str, Any]) -> None:
    seen = {}
    for user in realm["users"]:
        claims = access_token_claims(user)
        role = role_in(claim_at(claims, ROLE_CLAIM), ROLE_CLAIM)
        communities = communities_in(claim_at(claims, COMMUNITIES_CLAIM), COMMUNITIES_CLAIM)
        seen[role] = communities
        assert all(c["temporary"] for c in user["credentials"])  # changed at first sign-in
        if role in ("team_leader", "volunteer"):
            # The services know a leader or volunteer by `sub`: the user id is the
            # volunteer's id in the registry.
            assert "id" in user
    assert set(seen) == set(ROLES)
    assert seen["county_admin"] == [ALL_COMMUNITIES]
    assert all(ALL_COMMUNITIES not in c for r, c in seen.items() if r != "county_admin")
