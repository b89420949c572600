"""Seeding a catalog table (code, name, one detail column, position) from a revision, written once.

Activity kinds, service kinds and the registry's categories are such catalogs: a list of
(code, name, detail) rows, numbered from 1 in list order, removed again by code.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

CatalogRows = Sequence[tuple[str, str, str | None]]


def _catalog(table: str, detail: str) -> sa.TableClause:
    return sa.table(
        table,
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column(detail, sa.String),
        sa.column("position", sa.Integer),
    )


def seed_catalog(table: str, detail: str, rows: CatalogRows) -> None:
    """Insert `rows` into `table`, their third field into the column `detail`."""
    op.bulk_insert(
        _catalog(table, detail),
        [
            {"code": code, "name": name, detail: value, "position": position}
            for position, (code, name, value) in enumerate(rows, start=1)
        ],
    )


def unseed_catalog(table: str, rows: CatalogRows) -> None:
    """Delete the rows `seed_catalog` inserted, by code."""
    catalog = sa.table(table, sa.column("code", sa.String))
    op.execute(catalog.delete().where(catalog.c.code.in_([code for code, _, _ in rows])))
