"""py-spy on a running service process, and what its samples say.

`py-spy record --format raw` writes one line per distinct stack: the frames
from the outermost to the innermost, separated by `;`, then the number of
samples. From them: the functions where the time is spent (self), the
innermost project function (services/, shared/, qise/) on each stack with the library
call it made (what to change in our code), and the time by package.
"""

from __future__ import annotations

import re
import shutil
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_FRAME = re.compile(r"^(?P<function>.*) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")
_SITE = re.compile(r".*/(?:site|dist)-packages/")


def py_spy() -> str | None:
    beside = Path(sys.executable).parent / "py-spy"
    return str(beside) if beside.exists() else shutil.which("py-spy")


def _short_file(path: str) -> str:
    path = _SITE.sub("", path)
    for root in (str(Path.cwd()) + "/", "/usr/lib/python3.11/", "/usr/local/lib/python3.11/"):
        if path.startswith(root):
            return path[len(root) :]
    return path.rsplit("/lib/python3.11/", 1)[-1]


def _frame(text: str) -> tuple[str, str]:
    """(function in its file, the file's package or area)."""
    match = _FRAME.match(text.strip())
    if not match:
        return text.strip(), "?"
    file = _short_file(match["file"])
    return f"{match['function']} ({file})", _package(file)


def _package(file: str) -> str:
    head = file.split("/", 1)[0]
    if head in ("shared", "services", "qise", "bench"):
        parts = file.split("/")
        return "/".join(parts[:2]) if head == "services" else head
    if head.endswith(".py"):
        return "stdlib:" + head[:-3]
    return head


def _kind(frames: list[tuple[str, str]]) -> str:
    """What a sample was doing, in the words of a fix."""
    if any(p == "sqlalchemy" and "compile" in f.lower() for f, p in frames):
        return "SQLAlchemy: compiling SQL"
    leaf, package = frames[-1]
    if package == "sqlalchemy":
        return "SQLAlchemy: building statements, executing, results"
    if package in ("asyncpg",):
        return "asyncpg: protocol and I/O"
    if package in ("pydantic", "pydantic_core"):
        return "pydantic: validation and serialisation"
    if package in ("aiokafka", "kafka"):
        return "aiokafka"
    if package in ("uvicorn", "starlette", "fastapi", "httptools", "h11"):
        return "HTTP server and framework"
    if package in ("structlog", "stdlib:logging", "stdlib:__init__", "opentelemetry"):
        return "logging and tracing"
    if package in ("jwt", "cryptography"):
        return "JWT"
    if package.startswith("stdlib:asyncio") or leaf.startswith(("Runner.run", "run (uvloop")):
        return "event loop (idle callbacks, scheduling)"
    if _ours(package):
        return "project code itself"
    return "other: " + package


def _ours(package: str) -> bool:
    return package.startswith(("services/", "shared", "qise"))


@dataclass
class Summary:
    samples: int
    busy: float  # samples / (rate x seconds): the share of one core the process kept busy
    self_top: list[tuple[str, float]]
    ours_top: list[tuple[str, float]]
    inclusive_ours: list[tuple[str, float]]
    packages: list[tuple[str, float]]
    kinds: list[tuple[str, float]]

    def as_json(self) -> dict[str, Any]:
        return {
            "samples": self.samples,
            "busy_share_of_one_core": round(self.busy, 2),
            "self_top": [{"function": f, "percent": p} for f, p in self.self_top],
            "innermost_project_frame": [{"call": f, "percent": p} for f, p in self.ours_top],
            "inclusive_project_functions": [
                {"function": f, "percent": p} for f, p in self.inclusive_ours
            ],
            "packages_self": [{"package": k, "percent": p} for k, p in self.packages],
            "by_kind": [{"kind": k, "percent": p} for k, p in self.kinds],
        }

    def render(self, title: str, top: int = 12) -> str:
        lines = [
            f"profile of {title}: {self.samples} samples, "
            f"busy {100 * self.busy:.0f}% of one core; percentages of the samples"
        ]
        lines.append("  by kind of work:")
        lines += [f"    {p:5.1f}%  {k}" for k, p in self.kinds[:top]]
        lines.append("  where the time is spent (self):")
        lines += [f"    {p:5.1f}%  {f}" for f, p in self.self_top[:top]]
        lines.append("  innermost project function -> the call it made:")
        lines += [f"    {p:5.1f}%  {f}" for f, p in self.ours_top[:top]]
        lines.append("  project functions, inclusive:")
        lines += [f"    {p:5.1f}%  {f}" for f, p in self.inclusive_ours[:top]]
        lines.append("  by package (self):")
        lines += [f"    {p:5.1f}%  {k}" for k, p in self.packages[:top]]
        return "\n".join(lines)


def summarize(raw: str, top: int = 25, seconds: float = 0.0, rate: int = 100) -> Summary:
    own: Counter[str] = Counter()
    ours: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    packages: Counter[str] = Counter()
    kinds: Counter[str] = Counter()
    total = 0
    for line in raw.splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack or not count_text.isdigit():
            continue
        count = int(count_text)
        frames = [_frame(f) for f in stack.split(";") if f.strip()]
        if not frames:
            continue
        total += count
        leaf, package = frames[-1]
        own[leaf] += count
        packages[package] += count
        kinds[_kind(frames)] += count
        mine = [i for i, (_, p) in enumerate(frames) if _ours(p)]
        for name in {frames[i][0] for i in mine}:
            inclusive[name] += count
        if mine:
            last = mine[-1]
            below = frames[last + 1][0] if last + 1 < len(frames) else "(its own code)"
            ours[f"{frames[last][0]} -> {below}"] += count
        else:
            # SQLAlchemy runs statements in a greenlet whose stack does not show its caller.
            outer = frames[0][0]
            where = "in a SQLAlchemy greenlet" if "execute" in outer.lower() else "no project frame"
            ours[f"({where}) {outer} -> {_kind(frames)}"] += count

    def share(counter: Counter[str]) -> list[tuple[str, float]]:
        if not total:
            return []
        return [(k, round(100 * v / total, 1)) for k, v in counter.most_common(top)]

    # The trunk (the module, main(), the server's run loop) is under every sample: leave it out.
    trunk = max(inclusive.values(), default=0)
    inclusive = Counter({k: v for k, v in inclusive.items() if v < trunk})
    busy = total / (seconds * rate) if seconds > 0 else 0.0
    return Summary(
        total, busy, share(own), share(ours), share(inclusive), share(packages), share(kinds)
    )


class Profiler:
    """`py-spy record` attached to one process until `stop()`."""

    def __init__(self, name: str, pid: int, directory: Path, rate: int = 100) -> None:
        self.name = name
        self.pid = pid
        self.output = directory / f"{name}.pyspy.txt"
        self.rate = rate
        self._process: subprocess.Popen[bytes] | None = None
        self._started = 0.0

    def start(self) -> bool:
        binary = py_spy()
        if binary is None:
            return False
        self.output.parent.mkdir(parents=True, exist_ok=True)
        self._process = subprocess.Popen(
            [
                binary,
                "record",
                "--pid",
                str(self.pid),
                "--format",
                "raw",
                "--output",
                str(self.output),
                "--rate",
                str(self.rate),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self._started = time.perf_counter()
        return True

    def stop(self) -> Summary | None:
        if self._process is None:
            return None
        seconds = time.perf_counter() - self._started
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(30)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        self._process = None
        if not self.output.exists():
            return None
        return summarize(self.output.read_text(), seconds=seconds, rate=self.rate)
