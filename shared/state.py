"""An entity's state as a frozen dataclass that mirrors its row, column for column.

The pure rules (each service's `lifecycle.py`) take such a state and return the
next one. The domain reads it from the row it locked (`State.of(row)`), writes
the new one back (`state.write_to(row)`) or inserts it (`Row(**state.columns())`).
A field that is no column of the row (an activity's participants) is declared
`field(metadata=NOT_A_COLUMN)`: `of` then takes it from its caller and `columns`
leaves it out, so the state's own class maps it, explicitly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from typing import Any, Self, TypeVar

from shared.errors import Conflict

NOT_A_COLUMN = {"column": False}
S = TypeVar("S", bound=str)


@dataclass(frozen=True)
class RowState:
    """The base of a state whose fields are its row's columns, by name."""

    @classmethod
    def _column_names(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.metadata.get("column", True)]

    @classmethod
    def of(cls, row: object, **not_columns: Any) -> Self:
        """The state of a row (anything with these attributes) and of the fields that are none."""
        return cls(**{name: getattr(row, name) for name in cls._column_names()}, **not_columns)

    def columns(self) -> dict[str, Any]:
        """The row's columns by name, to insert or to write back."""
        return {name: getattr(self, name) for name in self._column_names()}

    def write_to(self, row: object) -> None:
        """Put the state onto its row; the ORM leaves unchanged columns out of the UPDATE."""
        for name, value in self.columns().items():
            setattr(row, name, value)


# A lifecycle as a table: action -> (statuses it may start from, status it leads to).
Moves = Mapping[str, tuple[Collection[S], S]]


def check_move_in(moves: Moves[S], action: str, status: S, what: str) -> S:
    """The status `action` leads to from `status` in a lifecycle's table, or Conflict naming
    the current status and the action; `what` names the entity ("an order")."""
    allowed, target = moves[action]
    if status not in allowed:
        raise Conflict(
            f"cannot {action} {what} that is {status}", current_status=status, action=action
        )
    return target
