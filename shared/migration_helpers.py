"""The columns, keys and indexes the services' revisions write alike, written once.

Each helper builds what the revisions wrote out before it existed: the same types, lengths,
nullability and names (those of the naming convention, `shared/db.py`), so a database
migrated through them has the same schema to the byte. Like the messaging steps
(`shared/messaging_migrations.py`), a helper is frozen once a released revision calls it:
a column of another shape is written out in its revision, or gets a helper of its own.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from shared.db import UTCDateTime

Column = sa.Column[Any]


def record_id() -> Column:
    """The uuid a record is known by."""
    return sa.Column("id", sa.Uuid(), nullable=False)


def community_id() -> Column:
    """The community a row belongs to (a community id is at most 40 characters)."""
    return sa.Column("community_id", sa.String(length=40), nullable=False)


def community_record() -> list[Column]:
    """`id` and `community_id`, the leading columns of a record a community owns."""
    return [record_id(), community_id()]


def category() -> Column:
    """A service category's code (红色先锋 is `red`; a code is at most 40 characters)."""
    return sa.Column("category", sa.String(length=40), nullable=False)


def version() -> Column:
    """The version a record's events carry, counted up by each change."""
    return sa.Column("version", sa.Integer(), nullable=False)


def created_at() -> Column:
    return sa.Column("created_at", UTCDateTime(timezone=True), nullable=False)


def updated_at() -> Column:
    return sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False)


def foreign_key(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    """`table.column` refers to `referred` ("communities.id"), named by the naming convention."""
    referred_table = referred.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [referred], name=op.f(f"fk_{table}_{column}_{referred_table}")
    )


def index_columns(table: str, *columns: str) -> None:
    """One index on each of `columns`, in that order, named `ix_<table>_<column>`."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in columns:
            batch_op.create_index(batch_op.f(f"ix_{table}_{column}"), [column], unique=False)


def drop_column_indexes(table: str, *columns: str) -> None:
    """Undoes `index_columns(table, *columns)`, the last index first."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        for column in reversed(columns):
            batch_op.drop_index(batch_op.f(f"ix_{table}_{column}"))


def drop_indexed_table(table: str, *indexed: str) -> None:
    """Drops `table`, its indexes on `indexed` first, as `index_columns` made them."""
    drop_column_indexes(table, *indexed)
    op.drop_table(table)
