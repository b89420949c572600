"""Least privilege for sensitive data: the rules, called directly (docs/security.md,
"Who sees what")."""

from __future__ import annotations

import pytest

from shared.auth import ROLES, Principal, Role
from shared.errors import Forbidden

COMMUNITY = "longquan"
PERSON = "3f1c2a4e-0000-4000-8000-000000000001"


def caller(role: Role, communities: list[str], sub: str = "someone") -> Principal:
    return Principal(sub=sub, role=role, communities=communities)


# -- a county admin limited to some communities does not reach the whole county --------


def test_a_county_admin_over_all_communities_reaches_the_county() -> None:
    caller("county_admin", ["*"]).require_county_wide()


def test_a_limited_county_admin_is_refused_what_reaches_the_county() -> None:
    with pytest.raises(Forbidden) as refused:
        caller("county_admin", [COMMUNITY, "xinhua"]).require_county_wide()
    assert 'communities ["*"]' in refused.value.detail
    assert "longquan, xinhua" in refused.value.detail


@pytest.mark.parametrize("role", [r for r in ROLES if r != "county_admin"])
def test_no_other_role_reaches_the_county(role: Role) -> None:
    with pytest.raises(Forbidden):
        caller(role, [COMMUNITY]).require_county_wide()


# -- what is private to a volunteer: their community's admins, and themself ----------------


@pytest.mark.parametrize(
    ("role", "communities", "sub", "reads"),
    [
        ("county_admin", ["*"], "someone", True),
        ("county_admin", [COMMUNITY], "someone", True),
        ("county_admin", ["xinhua"], "someone", False),
        ("community_admin", [COMMUNITY], "someone", True),
        ("community_admin", ["xinhua"], "someone", False),
        ("branch_admin", [COMMUNITY], "someone", False),
        ("team_leader", [COMMUNITY], "someone", False),
        ("volunteer", [COMMUNITY], "someone", False),
        # The person themself, whatever their role, in their community only.
        ("volunteer", [COMMUNITY], PERSON, True),
        ("team_leader", [COMMUNITY], PERSON, True),
        ("volunteer", ["xinhua"], PERSON, False),
    ],
)
def test_admins_of_the_community_or_the_person_themself(
    role: Role, communities: list[str], sub: str, reads: bool
) -> None:
    assert caller(role, communities, sub).is_admin_or_self(COMMUNITY, PERSON) is reads
