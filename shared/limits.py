"""Limits that protect a service from careless or hostile clients: the size of a
request body (413), the pace of requests without a valid token (429), and whose
address a request counts against behind a proxy."""

from __future__ import annotations

import hashlib
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from shared.errors import problem
from shared.metrics import BAD_TOKENS, RATE_LIMITED

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
    """Room for `capacity` requests at once, refilled at `per_second`; times are the
    caller's clock readings."""

    capacity: float
    per_second: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.per_second)
        self.stamp = now

    def take(self, now: float) -> bool:
        self.refill(now)
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False

    def give_back(self) -> None:
        self.tokens = min(self.capacity, self.tokens + 1)

    def full(self, now: float) -> bool:
        self.refill(now)
        return self.tokens >= self.capacity


def address_key(host: str) -> str:
    """Whose bucket a client address draws on: an IPv6 address by its /64, since one
    subscriber usually holds a whole /64 and could otherwise take a fresh bucket per
    request; an IPv4 address (also IPv4-mapped IPv6) as itself."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host  # not an address (a test client's name): as it is
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Interface((address, 64)).network)  # its /64
    return str(address)


class ClientBuckets:
    """A bucket per client address (`address_key`), `per_minute` requests with bursts of
    `burst`; `per_minute <= 0` turns the limit off.

    At most `max_clients` addresses are remembered. Past that, buckets that are full
    again are forgotten first: a full bucket is what a new address gets, so forgetting it
    loses nothing. Only when those are not enough are the least recently used forgotten,
    down to nine tenths (so that the sweep runs once per tenth of new addresses, not per
    request). What remains: an address forgotten that way starts again with a full bucket.
    That takes some nine tenths of `max_clients` other addresses, each with a bucket not yet
    refilled, arriving after the address's last request: an address that keeps sending
    stays among the most recently used and keeps its bucket; one that paused that long has
    waited out part of its penalty. Whoever commands that many addresses is beyond a
    per-address limit anyway.
    """

    def __init__(
        self,
        *,
        per_minute: int,
        burst: int,
        max_clients: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_minute = per_minute
        self.burst = burst
        self.max_clients = max(1, max_clients)
        self.clock = clock
        self.buckets: OrderedDict[str, Bucket] = OrderedDict()

    @property
    def off(self) -> bool:
        return self.per_minute <= 0

    def bucket(self, client: str) -> Bucket:
        """The client's bucket, made full when it has none; now the most recently used."""
        key = address_key(client)
        bucket = self.buckets.get(key)
        if bucket is not None:
            self.buckets.move_to_end(key)
            return bucket
        now = self.clock()
        if len(self.buckets) >= self.max_clients:
            self._make_room(now)
        bucket = Bucket(self.burst, self.per_minute / 60, self.burst, now)
        self.buckets[key] = bucket
        return bucket

    def _make_room(self, now: float) -> None:
        for key in [key for key, bucket in self.buckets.items() if bucket.full(now)]:
            del self.buckets[key]
        keep = self.max_clients - max(1, self.max_clients // 10)
        while len(self.buckets) > keep:
            self.buckets.popitem(last=False)

    def take(self, client: str) -> bool:
        """Whether the client may make one more request now (and count it)."""
        return self.off or self.bucket(client).take(self.clock())

    def give_back(self, client: str) -> None:
        """Undo one `take`: the request turned out not to count."""
        bucket = self.buckets.get(address_key(client))
        if bucket is not None:
            bucket.give_back()

    @property
    def retry_after(self) -> int:
        """Seconds until one more request is allowed, for a `Retry-After` header."""
        return max(1, round(60 / max(self.per_minute, 1)))

    def too_many(self, detail: str) -> Response:
        """The 429 answer (problem+json, with `Retry-After`)."""
        response = problem(429, "Too many requests", detail, "too-many-requests")
        response.headers["Retry-After"] = str(self.retry_after)
        return response


class PassedTokens:
    """Digests of the `size` tokens that most recently passed the check (never the
    tokens themselves: a digest has a fixed size and opens nothing)."""

    def __init__(self, size: int) -> None:
        self.size = max(1, size)
        self.digests: OrderedDict[bytes, None] = OrderedDict()

    def recall(self, digest: bytes) -> bool:
        if digest not in self.digests:
            return False
        self.digests.move_to_end(digest)
        return True

    def remember(self, digest: bytes) -> None:
        self.digests[digest] = None
        self.digests.move_to_end(digest)
        if len(self.digests) > self.size:
            self.digests.popitem(last=False)

    def forget(self, digest: bytes) -> None:
        self.digests.pop(digest, None)


TOKEN_CHECK = "qise.token_check"


@dataclass
class TokenCheck:
    """Put in the ASGI scope by `AnonymousRateLimit`; `passed` is set by whoever checks
    the request's token (`shared.auth.current_principal`) once the token is valid."""

    passed: bool = False


def token_passed(scope: Scope) -> None:
    """Tell the rate limit that the request's token was checked and is valid."""
    check = scope.get(TOKEN_CHECK)
    if isinstance(check, TokenCheck):
        check.passed = True


TOO_MANY_ANONYMOUS = "too many requests without a valid token from this address; slow down"
TOO_MANY_BAD_TOKENS = (
    "too many invalid tokens from this address: tokens not yet seen valid are checked again"
    " after Retry-After seconds"
)


class AnonymousRateLimit:
    """ASGI middleware: per client address, two buckets of `burst` refilled at
    `per_minute`, one for requests without a token and one for tokens that fail.

    - A request without a token takes from the first; once it is empty, 429.
    - A token that this process saw pass the check lately goes through, always: the staff
      of a service centre sharing one address with a guesser keep working.
    - Any other token takes from the second before the app sees it; the take is given
      back unless the token is refused (401). Once the bucket is empty such requests are
      429 before any check, so a guesser gets its tokens checked at most `burst` times at
      once and `per_minute` times a minute, however fast it sends them. (A new valid token
      from that address waits alike: nothing tells it from a guess without checking it.)
    - A remembered token that is refused (it expired) is forgotten and takes from the
      second bucket too.

    `per_minute <= 0` turns it off. `/healthz`, `/readyz` and `/metrics` are never limited.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        per_minute: int,
        burst: int,
        service: str = "service",
        max_clients: int = 100_000,
        max_passed_tokens: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.service = service
        self.anonymous = ClientBuckets(
            per_minute=per_minute, burst=burst, max_clients=max_clients, clock=clock
        )
        self.failures = ClientBuckets(
            per_minute=per_minute, burst=burst, max_clients=max_clients, clock=clock
        )
        self.passed = PassedTokens(max_passed_tokens)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or self.anonymous.off:
            await self.app(scope, receive, send)
            return
        client = scope["client"][0] if scope.get("client") else "unknown"
        authorization = next((v for k, v in scope["headers"] if k == b"authorization"), None)
        if authorization is None:
            if not self.anonymous.take(client):
                await self._refuse("anonymous", TOO_MANY_ANONYMOUS, scope, receive, send)
                return
            await self.app(scope, receive, send)
            return
        digest = hashlib.blake2b(authorization, digest_size=16).digest()
        known = self.passed.recall(digest)
        if not known and not self.failures.take(client):
            await self._refuse("bad_token", TOO_MANY_BAD_TOKENS, scope, receive, send)
            return
        check = scope[TOKEN_CHECK] = TokenCheck()
        settled = False

        def settle(status: int | None) -> None:
            nonlocal settled
            settled = True
            if status == 401:
                BAD_TOKENS.labels(self.service).inc()
                self.passed.forget(digest)
                if known:
                    self.failures.take(client)
                return  # an unknown token paid before it was checked
            if check.passed:
                self.passed.remember(digest)
            if not known:
                self.failures.give_back(client)

        async def watched(message: Message) -> None:
            if message["type"] == "http.response.start" and not settled:
                settle(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watched)
        finally:
            if not settled:
                settle(None)

    async def _refuse(
        self, reason: str, detail: str, scope: Scope, receive: Receive, send: Send
    ) -> None:
        RATE_LIMITED.labels(self.service, reason).inc()
        await self.anonymous.too_many(detail)(scope, receive, send)


def trust_forwarded_for(app: Starlette, trusted_proxies: Sequence[str]) -> None:
    """Take the client's address from `X-Forwarded-For` when, and only when, the peer is
    one of `trusted_proxies` (addresses or CIDR networks): the right-most address there
    that is not itself trusted. Everything that reads the client address afterwards (the
    rate limits, `request.client`, the access log) then sees that one. Add it last, so it
    runs first. Without trusted proxies the header is ignored: anyone can write it.
    """
    if trusted_proxies:
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(trusted_proxies))
