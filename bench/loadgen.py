"""A small HTTP/1.1 keep-alive load generator on asyncio streams.

httpx spends more CPU per request than a bare FastAPI endpoint does, which on
a two-core machine would make the generator the bottleneck of the baseline.
This client writes pre-built requests and reads `Content-Length` answers: both
sides of a comparison are driven by the same client with the same settings.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import orjson


def request_bytes(
    method: str, path: str, *, body: object | None = None, headers: dict[str, str] | None = None
) -> bytes:
    payload = orjson.dumps(body) if body is not None else b""
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: keep-alive"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return orjson.loads(self.body)


class Connection:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def _open(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        if self._reader is None or self._writer is None or self._writer.is_closing():
            self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self._reader, self._writer

    async def send(self, raw: bytes) -> Response:
        for attempt in (1, 2):
            reader, writer = await self._open()
            try:
                writer.write(raw)
                return await _read_response(reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                await self.close()
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            try:
                await self._writer.wait_closed()
            except ConnectionError:
                pass
        self._reader = self._writer = None


async def _read_response(reader: asyncio.StreamReader) -> Response:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers: dict[str, str] = {}
    for line in header_lines:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = b""
        while True:
            size = int((await reader.readuntil(b"\r\n")).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Response(int(status_line.split(" ", 2)[1]), headers, body)


@dataclass
class LoadResult:
    """What a load run did: answers by status, latencies of the expected ones, wall time."""

    seconds: float
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0
    skipped: int = 0

    @property
    def ok(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0


async def closed_loop(
    host: str,
    port: int,
    requests: Sequence[bytes],
    *,
    concurrency: int,
    seconds: float,
    expect: int,
) -> LoadResult:
    """`concurrency` clients, each sending its next request when the last one answered."""
    cycle = itertools.cycle(requests)
    result = LoadResult(seconds)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds

    async def client() -> None:
        connection = Connection(host, port)
        try:
            while loop.time() < deadline:
                raw = next(cycle)
                started = time.perf_counter()
                try:
                    response = await connection.send(raw)
                except (OSError, asyncio.IncompleteReadError):
                    result.errors += 1
                    await asyncio.sleep(0.01)
                    continue
                result.statuses[response.status] += 1
                if response.status == expect:
                    result.latencies.append(time.perf_counter() - started)
        finally:
            await connection.close()

    started = loop.time()
    await asyncio.gather(*(client() for _ in range(concurrency)))
    result.seconds = loop.time() - started
    return result


async def open_loop(
    host: str,
    port: int,
    next_request: Callable[[], bytes],
    *,
    rate: float,
    seconds: float,
    expect: int,
    max_in_flight: int = 64,
) -> LoadResult:
    """Requests started at a fixed rate whatever the answers take (up to `max_in_flight`)."""
    result = LoadResult(seconds)
    idle: list[Connection] = []
    in_flight: set[asyncio.Task[None]] = set()
    loop = asyncio.get_running_loop()

    async def one(raw: bytes) -> None:
        connection = idle.pop() if idle else Connection(host, port)
        started = time.perf_counter()
        try:
            response = await connection.send(raw)
        except (OSError, asyncio.IncompleteReadError):
            result.errors += 1
            await connection.close()
            return
        idle.append(connection)
        result.statuses[response.status] += 1
        if response.status == expect:
            result.latencies.append(time.perf_counter() - started)

    interval = 1.0 / rate
    started = loop.time()
    for n in itertools.count():
        due = started + n * interval
        if due >= started + seconds:
            break
        delay = due - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        if len(in_flight) >= max_in_flight:
            result.skipped += 1
            continue
        task = asyncio.create_task(one(next_request()))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
    if in_flight:
        await asyncio.gather(*in_flight)
    result.seconds = loop.time() - started
    for connection in idle:
        await connection.close()
    return result
