"""The layers import downwards only: `qise` composes the services, the services use
`shared`, and `shared` knows no service."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def imported_packages(folder: Path) -> dict[str, set[str]]:
    """The top-level packages each module below `folder` imports, by file."""
    found: dict[str, set[str]] = {}
    for file in sorted(folder.rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module.split(".")[0])
        found[str(file.relative_to(ROOT))] = names
    return found


@pytest.mark.parametrize(
    ("layer", "above"), [("shared", {"services", "qise"}), ("services", {"qise"})]
)
def test_a_layer_imports_nothing_above_it(layer: str, above: set[str]) -> None:
    wrong = {f: sorted(n & above) for f, n in imported_packages(ROOT / layer).items() if n & above}
    assert wrong == {}


def test_the_check_sees_imports_inside_functions() -> None:
    assert "services" in imported_packages(ROOT / "qise")["qise/events_doc.py"]
    assert "services" in imported_packages(ROOT / "qise")["qise/cli.py"]
