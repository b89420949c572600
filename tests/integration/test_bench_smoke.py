"""`python -m bench --quick` runs every benchmark on tiny sizes and reports them.

It checks that the benchmark code runs and that the table and the JSON report
have their parts; it asserts nothing about speed (a loaded CI machine is no
place for timed assertions).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.profiling import summarize
from bench.results import COLUMNS

# Each a row's name or the start of it (the rebuild and the queries name their sizes).
EXPECTED_ROWS = [
    "broker produce, raw aiokafka",
    "broker consume, raw aiokafka",
    "stats projection throughput",
    "rebuild of ",
    "stats projection throughput, SQLite",
    "write path POST /activities",
    "write path POST /activities vs echo",
    "write path latency p99",
    "write path one-row INSERT endpoint",
    "write path POST /activities, SQLite",
    "write path one-row INSERT endpoint, SQLite",
    "outbox relay publish",
    "freshness p95",
    "freshness p99",
    "freshness at 40/s p95",
    "query overview, county p99 @",
    "query timeseries, month, 3 years p99 @",
    "peak RSS stats",
    "peak RSS stats-rebuild-1",
]


def test_quick_run_prints_the_table_and_writes_the_report(postgres: str, tmp_path: Path) -> None:
    server = make_url(postgres).set(drivername="postgresql").render_as_string(False)
    output = tmp_path / "latest.json"
    finished = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output", str(output)],
        env={**os.environ, "BENCH_POSTGRES": server},
        capture_output=True,
        text=True,
        timeout=300,
        cwd=Path(__file__).parents[2],
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    header = "| " + " | ".join(COLUMNS)
    assert header.replace(" ", "") in finished.stdout.replace(" ", ""), finished.stdout

    report = json.loads(output.read_text())
    assert {"started_at", "finished_at", "machine", "results", "table", "settings"} <= set(report)
    assert report["machine"]["cores"] >= 1 and report["machine"]["python"]
    names = [row["benchmark"] for row in report["results"]]
    for name in EXPECTED_ROWS:
        assert any(n.startswith(name) for n in names), (name, names)
    for row in report["results"]:
        assert {"value", "unit", "baseline", "ratio", "target", "met"} <= set(row)
    by_name = {row["benchmark"]: row for row in report["results"]}
    rebuilt = next(r for r in report["results"] if r["benchmark"].startswith("rebuild of "))
    for row in (
        by_name["stats projection throughput"],
        by_name["stats projection throughput, SQLite"],
        rebuilt,
    ):
        assert row["extra"]["complete"] and row["extra"]["figures_exact"], row
        assert row["ratio"] is not None and row["target"], row
    assert by_name["peak RSS stats"]["target"] and by_name["peak RSS stats"]["met"] is not None
    assert {"rebuild", "query 20k"} <= set(report["phases_s"])


def test_profile_summary_attributes_samples() -> None:
    here, site = Path.cwd(), "/venv/lib/python3.11/site-packages"
    cli = f"<module> ({here}/qise/cli.py:5)"
    raw = (
        f"{cli};apply ({here}/services/stats/handlers.py:9);"
        f"execute ({site}/sqlalchemy/orm/session.py:1) 3\n"
        f"{cli};run ({site}/uvicorn/main.py:2) 1\n"
    )
    summary = summarize(raw, seconds=1.0, rate=4)
    assert summary.samples == 4 and summary.busy == 1.0
    assert summary.self_top[0] == ("execute (sqlalchemy/orm/session.py)", 75.0)
    assert summary.packages[0] == ("sqlalchemy", 75.0)
    assert summary.ours_top[0] == (
        "apply (services/stats/handlers.py) -> execute (sqlalchemy/orm/session.py)",
        75.0,
    )
