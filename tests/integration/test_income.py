"""The collective economy (壮大集体经济): the income of completed paid orders, per
community, branch and period, in the overview, the report and the time series."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.api import create_community
from tests.conftest import ADMIN, Stack, eventually
from tests.integration.test_requests import order, submit, team_known


async def community_of(stack: Stack, branch: str) -> str:
    community_id = f"inc{uuid.uuid4().hex[:12]}"
    return await create_community(
        stack["registry"], community_id, f"收入社区 {community_id}", branch
    )


async def completed(requests: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    placed = await submit(requests, body)
    assert (await requests.post(f"/requests/{placed['id']}/accept", headers=ADMIN)).is_success
    done = await requests.post(f"/requests/{placed['id']}/complete", json={}, headers=ADMIN)
    assert done.status_code == 200, done.text
    return placed


async def paid_orders(stack: Stack, community: str, *prices: float) -> None:
    """Completed paid orders at these prices, and orders that bring nothing in: an unpaid
    completed one, a paid one still open, a paid one cancelled."""
    requests = stack["requests"]
    await team_known(stack, community, "orange")
    for price in prices:
        await completed(requests, order(community, paid=True, price=price))
    await completed(requests, order(community))
    await submit(requests, order(community, paid=True, price=500))
    dropped = await submit(requests, order(community, paid=True, price=700))
    cancel = await requests.post(
        f"/requests/{dropped['id']}/cancel", json={"reason": "撤回"}, headers=ADMIN
    )
    assert cancel.status_code == 200, cancel.text


async def figures(stack: Stack, **params: str) -> dict[str, Any]:
    response = await stack["stats"].get("/stats/overview", params=params, headers=ADMIN)
    assert response.status_code == 200, response.text
    return response.json()


async def test_income_per_community_branch_and_period(stack: Stack) -> None:
    branch = f"收入大支部{uuid.uuid4().hex[:6]}"
    first, second = await community_of(stack, branch), await community_of(stack, branch)
    await paid_orders(stack, first, 88.5, 120)
    await paid_orders(stack, second, 30)

    async def counted() -> dict[str, Any]:
        one = await figures(stack, scope="community", id=first)
        assert (one["paid_orders"], one["income"]) == (2, 208.5)
        assert one["requests"]["submitted"] == 5 and one["requests"]["cancelled"] == 1
        other = await figures(stack, scope="community", id=second)
        assert (other["paid_orders"], other["income"]) == (1, 30.0)
        return one

    await eventually(counted)
    both = await figures(stack, scope="branch", id=branch)
    assert (both["paid_orders"], both["income"]) == (3, 238.5)

    # Counted on the order's day of submission, as the other order figures are.
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    period = {"from": today.isoformat(), "to": today.isoformat()}
    this_day = await figures(stack, scope="branch", id=branch, **period)
    assert (this_day["paid_orders"], this_day["income"]) == (3, 238.5)
    before = {"from": (today - timedelta(days=40)).isoformat(), "to": str(today - timedelta(1))}
    earlier = await figures(stack, scope="branch", id=branch, **before)
    assert (earlier["paid_orders"], earlier["income"]) == (0, 0.0)
    whole_month = {"from": today.replace(day=1).isoformat(), "to": today.isoformat()}
    month = await figures(stack, scope="community", id=first, **whole_month)
    assert month["income"] == 208.5

    series = await stack["stats"].get(
        "/stats/timeseries",
        params={"scope": "branch", "id": branch, "metric": "income", "interval": "day"},
        headers=ADMIN,
    )
    assert series.status_code == 200, series.text
    points = {p["period"]: p["value"] for p in series.json()}
    assert points[today.isoformat()] == 238.5 and sum(points.values()) == 238.5

    report = await stack["stats"].get(
        "/reports/summary", params={"scope": "community", "id": first}, headers=ADMIN
    )
    assert "壮大集体经济，有偿服务订单已办结2件，实现服务收入208.50元。" in report.text


async def test_requests_events_carry_the_price(stack: Stack) -> None:
    branch = f"收入大支部{uuid.uuid4().hex[:6]}"
    community = await community_of(stack, branch)
    await team_known(stack, community, "orange")
    placed = await completed(stack["requests"], order(community, paid=True, price=66))
    shown = await stack["requests"].get(f"/requests/{placed['id']}", headers=ADMIN)
    assert shown.json()["price"] == 66.0

    async def replicated() -> None:
        from services.stats.models import Request

        async with stack.services["stats"].runtime.sessionmaker() as session:
            row = await session.get(Request, uuid.UUID(placed["id"]))
            assert row is not None and row.status == "completed"
            assert row.paid and row.price == 66

    await eventually(replicated)
