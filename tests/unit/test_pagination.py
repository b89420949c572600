"""Sorted paging's pure parts: the cursor of a sorted page carries its sort, key and id and
reads back only as such; the sorts each list offers are those its table defines."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, get_args

import pytest
from sqlalchemy import column

from services.activities import domain as activities
from services.activities.models import Activity
from services.activities.schemas import ActivitySort
from services.registry import domain as registry
from services.registry.models import Volunteer
from services.registry.schemas import TeamSort, VolunteerSort
from services.requests import domain as requests
from services.requests.schemas import CareTaskSort, RequestSort
from shared.errors import Invalid
from shared.pagination import (
    Sort,
    SortKey,
    Sorts,
    _after,
    _read_sorted_cursor,
    _sorted_cursor,
    sort_by,
    sort_names,
)

LAST = uuid.UUID("018f3a5e-0000-7000-8000-000000000001")


def sorted_by(kind: type, name: str = "-key", nullable: bool = True) -> Sort:
    return Sort(name, SortKey(column("key"), kind, nullable=nullable), name.startswith("-"))


def encoded(document: Any) -> str:
    raw = json.dumps(document).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (datetime, datetime(2026, 5, 1, 9, 30, 0, 123456, tzinfo=UTC)),
        (date, date(2026, 5, 1)),
        (str, "王芳"),
        (int, 1980),
        (Decimal, Decimal("3.50")),
        (int, None),
    ],
)
def test_a_sorted_cursor_reads_back_its_key_and_id(kind: type, value: Any) -> None:
    sort = sorted_by(kind)
    cursor = _sorted_cursor(sort, value, LAST)
    assert cursor.replace("-", "").replace("_", "").isalnum()  # URL-safe as it is
    assert _read_sorted_cursor(cursor, sort) == (value, LAST)


@pytest.mark.parametrize(
    ("kind", "cursor"),
    [
        (int, _sorted_cursor(sorted_by(int, "key"), 5, LAST)),  # of the other direction
        (int, str(LAST)),  # the default order's
        (int, "bm90IGpzb24"),  # "not json"
        (int, encoded([1, 2])),
        (int, encoded({"s": "-key", "k": 5})),
        (int, encoded({"s": "-key", "k": 5, "id": "nope"})),
        (int, encoded({"s": "-key", "k": 5, "id": 7})),
        (int, encoded({"s": "-key", "k": True, "id": str(LAST)})),
        (int, encoded({"s": "-key", "k": 2**31, "id": str(LAST)})),
        (int, encoded({"s": "-key", "k": "5", "id": str(LAST)})),
        (datetime, encoded({"s": "-key", "k": "2026-05-01T09:30:00", "id": str(LAST)})),
        (datetime, encoded({"s": "-key", "k": 5, "id": str(LAST)})),
        (date, encoded({"s": "-key", "k": "2026-13-01", "id": str(LAST)})),
        (str, encoded({"s": "-key", "k": "a\x00b", "id": str(LAST)})),
        (Decimal, encoded({"s": "-key", "k": "NaN", "id": str(LAST)})),
        (Decimal, encoded({"s": "-key", "k": "three", "id": str(LAST)})),
        (Decimal, encoded({"s": "-key", "k": 3.5, "id": str(LAST)})),
    ],
)
def test_anything_else_is_no_cursor(kind: type, cursor: str) -> None:
    with pytest.raises(Invalid) as refused:
        _read_sorted_cursor(cursor, sorted_by(kind))
    assert refused.value.extra["errors"] == [{"loc": ["query", "cursor"], "msg": "invalid cursor"}]


def test_a_sort_is_a_key_and_a_direction() -> None:
    keys: Sorts = {"due_on": SortKey(column("due_on"), date)}
    assert sort_by(None, keys) is None
    assert sort_by("due_on", keys) == Sort("due_on", keys["due_on"], descending=False)
    assert sort_by("-due_on", keys) == Sort("-due_on", keys["due_on"], descending=True)
    with pytest.raises(Invalid):
        sort_by("name", keys)
    assert sort_names(keys) == ["due_on", "-due_on"]


def test_a_key_knows_its_column() -> None:
    born = SortKey.of(Volunteer.birth_year)
    assert (born.kind, born.nullable) == (int, True)
    started = SortKey.of(Activity.started_at)
    assert (started.kind, started.nullable) == (datetime, False)
    with pytest.raises(TypeError):
        SortKey(column("skills"), list)


def sql(condition: Any) -> str:
    return str(condition)


def test_after_a_key_come_the_greater_keys_the_ties_by_id_then_the_nulls() -> None:
    ascending = sorted_by(int, "key")
    assert sql(_after(column("key"), Activity.id, ascending, 5, LAST)) == (
        "key > :key_1 OR key = :key_2 AND activities.id > :id_1 OR key IS NULL"
    )
    descending = sorted_by(int, "-key", nullable=False)
    assert sql(_after(column("key"), Activity.id, descending, 5, LAST)) == (
        "key < :key_1 OR key = :key_2 AND activities.id < :id_1"
    )
    # After a NULL only NULLs are left, in id order.
    assert sql(_after(column("key"), Activity.id, ascending, None, LAST)) == (
        "key IS NULL AND activities.id > :id_1"
    )


@pytest.mark.parametrize(
    ("offered", "table"),
    [
        (ActivitySort, activities.ACTIVITY_SORTS),
        (RequestSort, requests.REQUEST_SORTS),
        (CareTaskSort, requests.CARE_TASK_SORTS),
        (TeamSort, registry.TEAM_SORTS),
        (VolunteerSort, registry.VOLUNTEER_SORTS),
    ],
)
def test_each_list_offers_the_sorts_its_table_defines_both_ways(offered: Any, table: Sorts) -> None:
    assert list(get_args(offered)) == sort_names(table)
