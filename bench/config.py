"""What a run measures and how much: every size has a `--flag` and a `BENCH_*` variable.

The defaults are the issue's sizes. The big datasets (the 1M events of the
rebuild, the 100k/1M/10M query databases) are built once and cached
(`bench/cache.py`), so that a whole run fits ten minutes on a two-core machine;
a first run, with a cold cache, takes longer and says so.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import MISSING, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

BENCHMARKS = (
    "broker",
    "projection",
    "rebuild",
    "sqlite",
    "write",
    "relay",
    "freshness",
    "query",
)
# What each benchmark needs run before it (the rebuild brings its own broker and baseline).
NEEDS = {"projection": ("broker",), "sqlite": ("broker",)}
RESULTS = Path("bench/results")


@dataclass(frozen=True)
class Settings:
    events: int = field(
        default=200_000, metadata={"help": "events pre-loaded for the projection (and rebuild)"}
    )
    communities: int = field(default=20, metadata={"help": "communities in the pre-loaded events"})
    rebuild_events: int = field(
        default=1_000_000, metadata={"help": "events rebuilt (a broker of their own)"}
    )
    rebuild_replicas: int = field(default=3, metadata={"help": "stats replicas that rebuild"})
    rebuild_timeout: float = field(
        default=600.0, metadata={"help": "longest wait for the rebuild to switch, in seconds"}
    )
    sqlite_events: int = field(
        default=50_000, metadata={"help": "events projected with stats on SQLite"}
    )
    concurrency: int = field(default=32, metadata={"help": "clients of the write-path load"})
    write_seconds: float = field(default=10.0, metadata={"help": "seconds of write-path load"})
    relay_rows: int = field(default=50_000, metadata={"help": "outbox rows the relay publishes"})
    fresh_rate: float = field(
        default=500.0, metadata={"help": "writes/s during freshness (capped at 50%% sustained)"}
    )
    fresh_high_rate: float = field(
        default=500.0, metadata={"help": "writes/s of the second freshness point (no target)"}
    )
    # Issue 18 sets no duration; these fit the ten-minute run beside its 1M-event rebuild.
    fresh_seconds: float = field(default=45.0, metadata={"help": "seconds of freshness load"})
    fresh_samples: int = field(default=150, metadata={"help": "freshness probes"})
    fresh_high_seconds: float = field(
        default=20.0, metadata={"help": "seconds of the second freshness point's load"}
    )
    query_sizes: str = field(
        default="100000,1000000,10000000",
        metadata={"help": "activities of each query database (the curve), comma separated"},
    )
    query_repeats: int = field(default=300, metadata={"help": "requests per query measured"})
    query_seconds: float = field(
        default=3.0, metadata={"help": "at most this long per query (at least 20 requests)"}
    )
    timeout: float = field(
        default=300.0, metadata={"help": "longest wait for a catch-up, in seconds"}
    )
    profile: bool = field(
        default=False, metadata={"help": "py-spy on stats (projection) and activities (writes)"}
    )
    only: str = field(default="", metadata={"help": f"comma list of: {', '.join(BENCHMARKS)}"})
    output: Path = field(
        default=RESULTS / "latest.json", metadata={"help": "where the JSON report goes"}
    )

    @property
    def selected(self) -> list[str]:
        """The benchmarks to run, with what they need, in running order."""
        wanted = {name.strip() for name in self.only.split(",") if name.strip()} or set(BENCHMARKS)
        unknown = wanted - set(BENCHMARKS)
        if unknown:
            raise SystemExit(f"unknown benchmarks: {', '.join(sorted(unknown))}")
        for name in list(wanted):
            wanted.update(NEEDS.get(name, ()))
        return [name for name in BENCHMARKS if name in wanted]

    @property
    def query_activities(self) -> list[int]:
        return [_convert(int, n.strip()) for n in self.query_sizes.split(",") if n.strip()]

    def shrunk(self, name: str) -> str:
        """A note when a size is below what the issue asks for."""
        asked = ISSUE_SIZES.get(name)
        if asked is None or getattr(self, name) >= asked:
            return ""
        return f"issue asks {asked:,}; shrunk to fit the 10-minute run"

    def as_json(self) -> dict[str, Any]:
        return {
            f.name: str(v) if isinstance(v, Path) else v
            for f in fields(self)
            for v in [getattr(self, f.name)]
        }


# The sizes the issue asks for, where the defaults are smaller (rows say "shrunk").
ISSUE_SIZES = {
    "events": 200_000,
    "rebuild_events": 1_000_000,
}

# A run of seconds rather than minutes, for the smoke test: it checks the code, not the speed.
QUICK: dict[str, Any] = {
    "events": 3_000,
    "communities": 4,
    "rebuild_events": 3_000,
    "rebuild_replicas": 2,
    "sqlite_events": 3_000,
    "concurrency": 4,
    "write_seconds": 1.0,
    "relay_rows": 1_000,
    "fresh_rate": 20.0,
    "fresh_high_rate": 40.0,
    "fresh_seconds": 2.0,
    "fresh_high_seconds": 2.0,
    "fresh_samples": 5,
    "query_sizes": "20000",
    "query_repeats": 10,
    "query_seconds": 2.0,
    "timeout": 120.0,
}


def _convert(kind: Any, text: str) -> Any:
    if kind in (bool, "bool"):
        return text.lower() in ("1", "true", "yes", "on")
    if kind in (int, "int"):
        return int(text.replace("_", ""))
    if kind in (float, "float"):
        return float(text)
    if kind in (Path, "Path"):
        return Path(text)
    return text


def parse(argv: list[str] | None = None) -> Settings:
    """Defaults, then `BENCH_*` variables, then `--quick`, then flags."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Qise benchmarks: a table of ratios to baselines."
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks that it runs")
    for f in fields(Settings):
        flag = "--" + f.name.replace("_", "-")
        if f.type in (bool, "bool"):
            parser.add_argument(flag, action="store_true", default=None, help=f.metadata["help"])
        else:
            parser.add_argument(flag, default=None, help=f.metadata["help"] + f" ({f.default})")
    arguments = parser.parse_args(argv)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        assert f.default is not MISSING
        variable = os.environ.get("BENCH_" + f.name.upper())
        if variable is not None:
            values[f.name] = _convert(f.type, variable)
    settings = replace(Settings(), **values)
    if arguments.quick:
        settings = replace(settings, **QUICK)
    flags = {
        f.name: _convert(f.type, str(getattr(arguments, f.name)))
        for f in fields(Settings)
        if getattr(arguments, f.name) is not None
    }
    return replace(settings, **flags)
