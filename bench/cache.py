"""What a run may keep for the next: generated event files and filled query databases.

Both are named by a version: a hash of the code that makes them and of the stats
schema's newest migration, so a change to either builds them again instead of
measuring a stale copy. Event files live in `bench/results/cache/` (ignored by
git); query databases on the PostgreSQL server as
`qise_bench_cache_<what>_<size>_<version>`, marked complete by a comment that
holds what the fill worked out (the figures to check). A database without the
comment is a fill that did not finish: it is dropped and made again.
"""

from __future__ import annotations

import hashlib
import json
import pickle
import sys
import time
from array import array
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import asyncpg

from bench.dataset import Dataset, Message, build
from services.stats.app import MIGRATIONS as STATS_MIGRATIONS

ROOT = Path(__file__).resolve().parents[1]
FILES = ROOT / "bench" / "results" / "cache"
PREFIX = "qise_bench_cache"
T = TypeVar("T")


def say(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def version(sources: Iterable[str]) -> str:
    """Eight hex digits of the named source files (relative to the repository) and the
    stats schema head."""
    digest = hashlib.sha256()
    for name in sorted(sources):
        digest.update(name.encode())
        digest.update((ROOT / name).read_bytes())
    heads = sorted(p.name for p in Path(STATS_MIGRATIONS).glob("*.py"))
    digest.update((heads[-1] if heads else "").encode())
    return digest.hexdigest()[:8]


def cached_file(name: str, sources: Iterable[str], make: Callable[[], T]) -> T:
    """`make()`'s value, pickled to `bench/results/cache/<name>_<version>.pickle` the first
    time and read back after (older versions of the same name are removed)."""
    tag = version(sources)
    path = FILES / f"{name}_{tag}.pickle"
    started = time.perf_counter()
    if path.exists():
        with path.open("rb") as file:
            value: T = pickle.load(file)
        say(f"cache used: {path.name} ({time.perf_counter() - started:.1f} s to read)")
        return value
    say(f"cache cold: building {path.name} (kept for the next runs)")
    value = make()
    FILES.mkdir(parents=True, exist_ok=True)
    for stale in FILES.glob(f"{name}_*.pickle"):
        stale.unlink()
    partial = path.with_suffix(".partial")
    with partial.open("wb") as file:
        pickle.dump(value, file, protocol=pickle.HIGHEST_PROTOCOL)
    partial.rename(path)
    say(f"cache built: {path.name} in {time.perf_counter() - started:.1f} s")
    return value


# What makes the cached events: the generator and the event models it builds them with.
EVENT_SOURCES = (
    "bench/dataset.py",
    "services/activities/events.py",
    "services/registry/events.py",
    "shared/events.py",
)


def communities_for(events: int) -> int:
    """200 communities at 1M events: enough keys that a topic's three partitions are even."""
    return max(4, min(200, events // 5000))


def cached_events(events: int, communities: int) -> Dataset:
    """The dataset of `events` events, made once and cached as one blob of the messages'
    bytes with their lengths beside it: a million read back in a few seconds (pickling
    the million message objects took 18 s to read)."""
    tag = version(EVENT_SOURCES)
    path = FILES / f"events_{events}_{communities}_{tag}.bin"
    started = time.perf_counter()
    if path.exists():
        dataset = _read_events(path)
        say(f"cache used: {path.name} ({time.perf_counter() - started:.1f} s to read)")
        return dataset
    say(f"cache cold: building {path.name} (kept for the next runs)")
    dataset = build(events, communities=communities)
    FILES.mkdir(parents=True, exist_ok=True)
    for stale in FILES.glob(f"events_{events}_{communities}_*"):
        stale.unlink()
    _write_events(path, dataset)
    say(f"cache built: {path.name} in {time.perf_counter() - started:.1f} s")
    return dataset


def _write_events(path: Path, dataset: Dataset) -> None:
    messages = dataset.messages
    names = sorted({(m.topic, m.type) for m in messages})
    index = {name: i for i, name in enumerate(names)}
    kinds = array("H", (index[(m.topic, m.type)] for m in messages))
    keys = [m.key for m in messages]
    key_names = sorted(set(keys))
    key_index = {key: i for i, key in enumerate(key_names)}
    head = pickle.dumps(
        (
            dataset.world,
            dataset.expected,
            len(dataset.registry),
            names,
            key_names,
            kinds,
            array("I", (key_index[k] for k in keys)),
            array("I", (len(m.value) for m in messages)),
        ),
        protocol=pickle.HIGHEST_PROTOCOL,
    )
    partial = path.with_suffix(".partial")
    with partial.open("wb") as file:
        file.write(len(head).to_bytes(8, "big"))
        file.write(head)
        for message in messages:
            file.write(message.value)
    partial.rename(path)


def _read_events(path: Path) -> Dataset:
    data = memoryview(path.read_bytes())
    size = int.from_bytes(data[:8], "big")
    world, expected, registry, names, key_names, kinds, keys, lengths = pickle.loads(
        data[8 : 8 + size]
    )
    position = 8 + size
    messages = []
    for kind, key, length in zip(kinds, keys, lengths, strict=True):
        topic, type_ = names[kind]
        end = position + length
        messages.append(Message(topic, type_, key_names[key], bytes(data[position:end])))
        position = end
    return Dataset(world, messages[:registry], messages[registry:], expected)


def database_name(what: str, size: int, tag: str) -> str:
    return f"{PREFIX}_{what}_{size}_{tag}"


async def cached_database(server: str, name: str) -> dict[str, Any] | None:
    """What the fill of `name` recorded, or None when it is absent or unfinished (then dropped)."""
    connection = await asyncpg.connect(server)
    try:
        row = await connection.fetchrow(
            "SELECT shobj_description(oid, 'pg_database') AS note FROM pg_database"
            " WHERE datname = $1",
            name,
        )
        if row is None:
            return None
        if row["note"] is None:
            say(f"cache {name} was left unfinished: dropped")
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return None
        recorded: dict[str, Any] = json.loads(row["note"])
        return recorded
    finally:
        await connection.close()


async def drop_other_versions(server: str, what: str, size: int, keep: str) -> None:
    """Older versions of the same cached database: they would only fill the disk."""
    connection = await asyncpg.connect(server)
    try:
        # By prefix in Python: in LIKE, `_` matches any character (100000_ would match 1000000).
        same = f"{PREFIX}_{what}_{size}_"
        names = await connection.fetch("SELECT datname FROM pg_database")
        for row in names:
            name = row["datname"]
            if name.startswith(same) and name != keep and "_" not in name[len(same) :]:
                say(f"cache {name} is stale: dropped")
                await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


async def mark_complete(server: str, name: str, recorded: dict[str, Any]) -> None:
    connection = await asyncpg.connect(server)
    try:
        note = json.dumps(recorded, default=str).replace("'", "''")
        await connection.execute(f"COMMENT ON DATABASE \"{name}\" IS '{note}'")
    finally:
        await connection.close()
