"""`qise stats rebuild` against answers shaped like the services': it follows the build
through GET /admin/rebuild until the switch, then the lag until it is steady."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from qise import cli

BUILDING = {
    "active": 1,
    "building": 2,
    "partitions": [{"building_applied": 40}, {"building_applied": None}],
    "replica": {"replica": "a", "building": []},
}
SWITCHED = {**BUILDING, "active": 2, "building": None}
LAG = {"generation": 2, "building": None, "consumers": [{"applied": 90, "lag": 0}]}
OVERVIEW = {"volunteers": 3, "teams": 2, "activities": 5, "requests": {"submitted": 4}}


def answer(json: dict[str, Any], status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=json, request=httpx.Request("GET", "http://stats"))


@pytest.fixture
def services(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The calls made, in order; the build is seen twice before the switch."""
    calls: list[str] = []
    rebuilds = [BUILDING, BUILDING, SWITCHED]

    def get(url: str, **_: Any) -> httpx.Response:
        path = url.split(":", 2)[2].split("/", 1)[1]
        calls.append(f"GET /{path}")
        if path == "admin/outbox":
            return answer({"events": 30, "unpublished": 0})
        if path == "admin/rebuild":
            return answer(rebuilds.pop(0) if len(rebuilds) > 1 else rebuilds[0])
        if path == "stats/lag":
            return answer(LAG)
        return answer(OVERVIEW)

    def post(url: str, **_: Any) -> httpx.Response:
        calls.append("POST /" + url.split(":", 2)[2].split("/", 1)[1])
        return answer({"generation": 2}, 202)

    monkeypatch.setattr(httpx, "get", get)
    monkeypatch.setattr(httpx, "post", post)
    monkeypatch.setattr(time, "sleep", lambda _: None)
    return calls


def test_the_rebuild_is_followed_until_the_switch(services: list[str]) -> None:
    result = CliRunner().invoke(cli.app, ["stats", "rebuild", "--source", "topics", "--token", "t"])
    assert result.exit_code == 0, result.output
    assert "rebuilt (generation 2): 3 volunteers" in result.output
    assert services.count("GET /admin/rebuild") == 3
    assert services.index("POST /admin/rebuild") < services.index("GET /admin/rebuild")
    assert services.index("GET /admin/rebuild") < services.index("GET /stats/lag")
