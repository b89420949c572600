"""Least privilege for sensitive data: the rules, called directly (docs/security.md,
"Who sees what")."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from services.requests.domain import (
    assigned_to,
    may_read_care_task,
    require_care_task_completer,
    sees_resident,
)
from services.requests.lifecycle import CARE_OWNER, CareTaskState, Sla, open_care_task, submit
from services.requests.models import ServiceRequest
from services.requests.schemas import RequestIn
from shared.auth import ROLES, Principal, Role
from shared.errors import Forbidden, NotFound
from shared.names import first_character_only

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


# -- care tasks: the community's admins, the member they are about, and their assignee ----

ADMIN_OF_IT = caller("community_admin", [COMMUNITY])
MEMBER = caller("volunteer", [COMMUNITY], sub=PERSON)
LEADER = caller("team_leader", [COMMUNITY], sub="5b0c2a4e-0000-4000-8000-000000000002")
BRANCH = caller("branch_admin", [COMMUNITY])


def care_task(owner: str = CARE_OWNER) -> CareTaskState:
    state, _ = open_care_task(
        task_id=uuid.uuid4(),
        community_id=COMMUNITY,
        volunteer_id=uuid.UUID(PERSON),
        volunteer_name="王芳",
        reason="hospitalized",
        due_on=date(2025, 6, 1),
        at=datetime(2025, 5, 20, tzinfo=UTC),
    )
    return replace(state, owner=owner)


@pytest.mark.parametrize(
    ("who", "reads", "completes"),
    [
        (caller("county_admin", ["*"]), True, True),
        (caller("county_admin", [COMMUNITY]), True, True),
        (ADMIN_OF_IT, True, True),
        (MEMBER, True, False),  # about them, but the admins' to do
        (LEADER, False, False),  # their team's member's illness is not theirs to read
        (BRANCH, False, False),
        (caller("community_admin", ["xinhua"]), False, False),
    ],
)
def test_a_care_task_is_read_by_admins_and_its_member(
    who: Principal, reads: bool, completes: bool
) -> None:
    task = care_task()
    assert may_read_care_task(who, task) is reads
    assert assigned_to(who, task) is completes


def test_a_care_task_assigned_to_a_person_is_theirs_to_read_and_complete() -> None:
    task = care_task(owner=LEADER.sub)
    assert may_read_care_task(LEADER, task) and assigned_to(LEADER, task)
    require_care_task_completer(LEADER, task)
    assert not assigned_to(ADMIN_OF_IT, task)  # named: no longer the admins' to do
    assert may_read_care_task(ADMIN_OF_IT, task)


def test_completing_a_care_task_answers_404_to_outsiders_and_403_to_its_member() -> None:
    task = care_task()
    with pytest.raises(NotFound):
        require_care_task_completer(LEADER, task)
    with pytest.raises(Forbidden):
        require_care_task_completer(MEMBER, task)
    require_care_task_completer(ADMIN_OF_IT, task)


# -- residents on an order: whole to those who serve them, while the order is open -------

TEAM = uuid.uuid4()
SERVING = "xinhua"


def order(status: str, *, team: uuid.UUID | None = TEAM, serving: str = COMMUNITY) -> Any:
    body = {
        "community_id": COMMUNITY,
        "service_kind": "elderly_care",
        "description": "上门理发",
        "resident": {"name": "赵大爷", "phone": "13512345678", "address": "幸福小区3号楼"},
        "channel": "walk_in",
        "mode": "door_to_door",
        "paid": False,
        "urgency": "normal",
    }
    state, _ = submit(
        RequestIn.model_validate(body),
        order_id=uuid.uuid4(),
        category="orange",
        sla=Sla(timedelta(hours=4), timedelta(hours=48)),
        at=datetime(2025, 5, 20, tzinfo=UTC),
    )
    state = replace(state, status=status, team_id=team, serving_community_id=serving)
    return ServiceRequest(**state.columns())


ON_TEAM = frozenset({TEAM})


@pytest.mark.parametrize("status", ["submitted", "assigned", "accepted"])
def test_the_assigned_team_sees_the_resident_while_the_order_is_open(status: str) -> None:
    assert sees_resident(LEADER, order(status), ON_TEAM)
    assert sees_resident(MEMBER, order(status), ON_TEAM)
    assert not sees_resident(MEMBER, order(status), frozenset({uuid.uuid4()}))
    assert not sees_resident(BRANCH, order(status), frozenset())


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_once_closed_only_the_communitys_admins_see_the_resident(status: str) -> None:
    assert not sees_resident(LEADER, order(status), ON_TEAM)
    assert not sees_resident(MEMBER, order(status), ON_TEAM)
    assert sees_resident(ADMIN_OF_IT, order(status), frozenset())
    assert sees_resident(caller("county_admin", [COMMUNITY]), order(status), frozenset())


def test_an_order_served_for_another_community_while_open() -> None:
    serving_admin = caller("community_admin", [SERVING])
    served = order("accepted", serving=SERVING)
    assert sees_resident(serving_admin, served, frozenset())
    assert sees_resident(caller("team_leader", [SERVING], sub="x"), served, ON_TEAM)
    assert not sees_resident(serving_admin, order("completed", serving=SERVING), frozenset())


def test_a_masked_resident_keeps_only_a_first_character() -> None:
    assert first_character_only("赵大爷") == "赵*"
    assert first_character_only(" 幸福小区3号楼") == "幸*"
    assert first_character_only("") == ""
