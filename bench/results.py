"""Result rows, the printed table and the JSON report."""

from __future__ import annotations

import json
import os
import platform
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

COLUMNS = ("benchmark", "value", "baseline", "ratio", "target", "met?")


@dataclass
class Row:
    """One line of the table. `ratio` is value / baseline, both measured in this run."""

    benchmark: str
    value: float
    unit: str
    baseline: float | None = None
    baseline_name: str = ""
    target: str = ""
    met: bool | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.baseline is None or self.baseline == 0:
            return None
        return self.value / self.baseline

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = self.ratio
        return data


def at_least(value: float, threshold: float) -> bool:
    return value >= threshold


def at_most(value: float, threshold: float) -> bool:
    return value <= threshold


def percentile(values: Sequence[float], p: float) -> float:
    """The p-th percentile (0-100) by the nearest-rank method; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def latency_summary(seconds: Sequence[float]) -> dict[str, float]:
    ms = [s * 1000 for s in seconds]
    return {
        "count": len(ms),
        "p50_ms": percentile(ms, 50),
        "p95_ms": percentile(ms, 95),
        "p99_ms": percentile(ms, 99),
        "max_ms": max(ms) if ms else 0.0,
        "mean_ms": statistics.fmean(ms) if ms else 0.0,
    }


def _number(value: float, unit: str) -> str:
    if unit in ("events/s", "msg/s", "req/s", "rows/s"):
        text = f"{value:,.0f}"
    elif unit == "MiB":
        text = f"{value:,.0f}"
    elif abs(value) >= 100:
        text = f"{value:,.0f}"
    elif abs(value) >= 10:
        text = f"{value:.1f}"
    else:
        text = f"{value:.2f}"
    return f"{text} {unit}".strip()


def cells(row: Row) -> list[str]:
    baseline = ""
    if row.baseline is not None:
        baseline = _number(row.baseline, row.unit)
        if row.baseline_name:
            baseline += f" ({row.baseline_name})"
    ratio = f"{row.ratio:.2f}" if row.ratio is not None else "—"
    met = "—" if row.met is None else ("yes" if row.met else "NO")
    name = row.benchmark + (f" [{row.note}]" if row.note else "")
    return [name, _number(row.value, row.unit), baseline or "—", ratio, row.target or "—", met]


def table(rows: Sequence[Row]) -> str:
    """A Markdown table: readable in a terminal and pasteable into docs/performance.md."""
    lines = [cells(r) for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in lines)) for i, c in enumerate(COLUMNS)]

    def render(values: Sequence[str]) -> str:
        return "| " + " | ".join(v.ljust(w) for v, w in zip(values, widths, strict=True)) + " |"

    out = [render(COLUMNS), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [render(line) for line in lines]
    return "\n".join(out)


def machine() -> dict[str, Any]:
    memory = psutil.virtual_memory()
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(memory.total / 2**30, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
    }


def write_report(
    path: Path,
    rows: Sequence[Row],
    *,
    started: datetime,
    settings: dict[str, Any],
    profiles: dict[str, Any],
    phases: dict[str, float],
) -> dict[str, Any]:
    finished = datetime.now(UTC)
    report = {
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_s": round((finished - started).total_seconds(), 1),
        "machine": machine(),
        "settings": settings,
        "columns": list(COLUMNS),
        "results": [r.as_json() for r in rows],
        "phases_s": phases,
        "profiles": profiles,
        "table": table(rows),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
    return report
