"""Limits that protect a service from careless or hostile clients: the size of a
request body (413) and the pace of requests without a valid token (429)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.errors import problem

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class BodyTooLarge(Exception):
    pass


class BodyLimit:
    """ASGI middleware: refuse a body over the limit with 413, declared or streamed.

    `larger` raises the limit for paths that take files (a CSV of volunteers).
    """

    def __init__(
        self, app: ASGIApp, *, limit: int, larger: Mapping[str, int] | None = None
    ) -> None:
        self.app = app
        self.limit = limit
        self.larger = dict(larger or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.larger.get(scope["path"], self.limit)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return
        seen = 0
        exceeded = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if exceeded:
                # The app may turn BodyTooLarge into an answer of its own (FastAPI makes it
                # a 400 "error parsing the body"): whatever it says, the answer is 413.
                if not started and message["type"] == "http.response.start":
                    started = True
                    await self._refuse(scope, receive, send, limit)
                return
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                started = True
                await self._refuse(scope, receive, send, limit)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        response = problem(
            413,
            "Payload too large",
            f"the request body is larger than {limit} bytes",
            "payload-too-large",
        )
        await response(scope, receive, send)


@dataclass
class Bucket:
    capacity: float
    per_second: float
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.tokens = self.capacity

    def refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now

    def take(self) -> bool:
        self.refill()
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def empty(self) -> bool:
        self.refill()
        return self.tokens < 1


class ClientBuckets:
    """A bucket per client address, `per_minute` requests with bursts of `burst`; at most
    `max_clients` addresses are remembered. `per_minute <= 0` turns the limit off."""

    def __init__(self, *, per_minute: int, burst: int, max_clients: int = 100_000) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.max_clients = max_clients
        self.buckets: dict[str, Bucket] = {}

    def bucket(self, client: str) -> Bucket:
        bucket = self.buckets.get(client)
        if bucket is None:
            if len(self.buckets) >= self.max_clients:
                self.buckets.clear()  # memory stays bounded; forgetting is the safe direction
            bucket = self.buckets[client] = Bucket(self.burst, self.per_minute / 60)
        return bucket

    def take(self, client: str) -> bool:
        """Whether the client may make one more request now (and count it)."""
        return self.per_minute <= 0 or self.bucket(client).take()

    @property
    def retry_after(self) -> int:
        """Seconds until one more request is allowed, for a `Retry-After` header."""
        return max(1, round(60 / max(self.per_minute, 1)))

    def too_many(self, detail: str) -> Response:
        """The 429 answer (problem+json, with `Retry-After`)."""
        response = problem(429, "Too many requests", detail, "too-many-requests")
        response.headers["Retry-After"] = str(self.retry_after)
        return response


TOO_MANY_ANONYMOUS = "too many requests without a valid token from this address; slow down"


class AnonymousRateLimit:
    """ASGI middleware, per client address: requests without a token, and answers of 401,
    draw on a bucket; once it is empty such requests get 429, while valid tokens go on
    working.

    This slows token guessing and anonymous floods without locking out the staff
    of a service center who share one address.
    """

    def __init__(
        self, app: ASGIApp, *, per_minute: int, burst: int, max_clients: int = 100_000
    ) -> None:
        self.app = app
        self.clients = ClientBuckets(per_minute=per_minute, burst=burst, max_clients=max_clients)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] in UNLIMITED_PATHS
            or self.clients.per_minute <= 0
        ):
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        bucket = self.clients.bucket(client)
        anonymous = not any(name == b"authorization" for name, _ in scope["headers"])
        if anonymous:
            if not bucket.take():
                await self.clients.too_many(TOO_MANY_ANONYMOUS)(scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        replaced = False

        async def watched(message: Message) -> None:
            # A 401 to a token, once the bucket is empty, becomes a 429 (its body is dropped).
            nonlocal replaced
            if replaced:
                return
            if (
                message["type"] == "http.response.start"
                and message["status"] == 401
                and not bucket.take()
            ):
                replaced = True
                await self.clients.too_many(TOO_MANY_ANONYMOUS)(scope, receive, send)
                return
            await send(message)

        await self.app(scope, receive, watched)
