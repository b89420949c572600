"""Builds a service's FastAPI app the same way for all four: database, outbox relay,
consumers, auth, problem+json errors, `/healthz`, `/readyz`, `/metrics`."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Mapping, Sequence
from contextlib import asynccontextmanager, suppress
from dataclasses import dataclass, field
from typing import Annotated, Any

from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.asyncapi import service_asyncapi
from shared.audit import router as audit_router
from shared.auth import CurrentUser, TokenVerifier, check_jwt_secret
from shared.consumer import BatchHandler, Dedupe, EventConsumer, Guard, Handler, one_by_one
from shared.db import create_engine, create_sessionmaker, database_answers
from shared.errors import install_problem_handlers
from shared.events import EventCatalog
from shared.failures import is_transient
from shared.faults import crash_before_offset_commit
from shared.kafka import ClusterId, broker_answers, create_producer, dlq_topic, ensure_topics
from shared.limits import AnonymousRateLimit, BodyLimit, trust_forwarded_for
from shared.metrics import HTTP_REQUEST_SECONDS
from shared.openapi import install_openapi
from shared.outbox import Outbox, OutboxRelay, republish
from shared.retention import prune_claims_forever
from shared.retry import RetryPolicy
from shared.settings import ServiceSettings
from shared.tables import outbox as outbox_log
from shared.tracing import configure_tracing, instrument

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Subscription:
    """A consumer of a service: its topics, the event types it applies, and how.

    `apply` takes a whole batch of new events in one transaction; most
    services build it from one handler per type with `subscribe`.
    """

    name: str
    topics: Sequence[str]
    catalog: EventCatalog
    types: frozenset[str]
    apply: BatchHandler
    # "version" when every handler keeps each entity's newest version only (see
    # `shared.consumer.needs_claim`): no claim row per event.
    dedupe: Dedupe = "claims"

    def reads(self) -> list[tuple[str, EventCatalog]]:
        """(topic, catalog of the types it applies) for each of its topics."""
        catalog = EventCatalog(self.catalog.model_for(t) for t in sorted(self.types))
        return [(topic, catalog) for topic in self.topics]


def subscribe(
    name: str, topics: Sequence[str], catalog: EventCatalog, handlers: Mapping[str, Handler]
) -> Subscription:
    """A subscription that applies each event with the handler of its type."""
    return Subscription(name, topics, catalog, frozenset(handlers), one_by_one(handlers))


@dataclass
class Runtime:
    """What the running service holds; on `app.state.runtime`."""

    settings: ServiceSettings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    producer: AIOKafkaProducer
    outbox: Outbox | None
    subscriptions: Sequence[Subscription] = ()
    consumers: list[EventConsumer] = field(default_factory=list)
    consumer_tasks: list[asyncio.Task[None]] = field(default_factory=list)
    producer_started: bool = False
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    # Consumer groups are named `<group_prefix>-<subscription>`; a projection
    # rebuild changes the prefix so a new group reads the topics from the start.
    group_prefix: str = ""
    # Run first in each batch of the consumers `start_consumers` starts (stats: that
    # the generation they write for is still the one in use).
    consumer_guard: Guard | None = None


async def _start_messaging(runtime: Runtime) -> None:
    """Connect to Kafka (retrying while it is away), then run the relay and consumers.

    The HTTP API serves meanwhile: writes land in the outbox and go out once
    the broker answers.
    """
    settings = runtime.settings
    delay = 0.5
    while True:
        try:
            await runtime.producer.start()
            break
        except Exception as error:
            log.warning("%s: Kafka not reachable yet (%r)", settings.service, error)
            with suppress(Exception):
                await runtime.producer.stop()
            runtime.producer = create_producer(settings.kafka_bootstrap_servers, settings.service)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)
    runtime.producer_started = True
    topics = [t for s in runtime.subscriptions for t in s.topics]
    if runtime.outbox is not None:
        topics.append(runtime.outbox.topic)
    topics += [dlq_topic(t) for t in topics]
    created = await ensure_topics(settings.kafka_bootstrap_servers, sorted(set(topics)))
    if runtime.outbox is not None and runtime.outbox.topic in created:
        # Our topic is new, yet we may have published before: the broker lost its
        # data (the embedded one keeps nothing across a restart). Publish the log again.
        async with runtime.sessionmaker() as session, session.begin():
            again = await republish(session)
        if again:
            log.warning("%s: topic was missing; re-publishing %d events", settings.service, again)
    if runtime.outbox is not None:
        relay = OutboxRelay(
            outbox=runtime.outbox,
            sessionmaker=runtime.sessionmaker,
            producer=runtime.producer,
            cluster=ClusterId(settings.kafka_bootstrap_servers, f"qise-{settings.service}-relay"),
            batch_size=settings.outbox_batch_size,
            poll_seconds=settings.outbox_poll_seconds,
        )
        runtime.tasks.append(asyncio.create_task(relay.run(), name=f"{settings.service}-relay"))
    start_consumers(runtime)


def start_consumers(runtime: Runtime) -> None:
    """Run the service's consumers, in the groups of `runtime.group_prefix`."""
    for subscription in runtime.subscriptions:
        consumer = new_consumer(
            runtime,
            subscription,
            group_prefix=runtime.group_prefix or runtime.settings.group_id,
            sessionmaker=runtime.sessionmaker,
            guard=runtime.consumer_guard,
        )
        runtime.consumers.append(consumer)
        runtime.consumer_tasks.append(run_consumer(runtime, consumer))


def new_consumer(
    runtime: Runtime,
    subscription: Subscription,
    *,
    group_prefix: str,
    sessionmaker: async_sessionmaker[AsyncSession],
    guard: Guard | None,
) -> EventConsumer:
    """A consumer of `subscription` in group `<group_prefix>-<name>`, writing through
    `sessionmaker`; stats' rebuild runs a second set on another schema."""
    settings = runtime.settings
    return EventConsumer(
        service=settings.service,
        name=subscription.name,
        topics=subscription.topics,
        types=subscription.types,
        apply=subscription.apply,
        catalog=subscription.catalog,
        sessionmaker=sessionmaker,
        producer=runtime.producer,
        bootstrap_servers=settings.kafka_bootstrap_servers,
        group_id=f"{group_prefix}-{subscription.name}",
        batch_size=settings.consumer_batch_size,
        policy=RetryPolicy(
            poison_after_seconds=settings.consumer_poison_after_seconds,
            park_horizon_seconds=settings.consumer_park_horizon_seconds,
        ),
        session_timeout_ms=settings.consumer_session_timeout_ms,
        before_offset_commit=crash_before_offset_commit(settings.fault_crash_after_commit),
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        guard=guard,
        dedupe=subscription.dedupe,
    )


def run_consumer(runtime: Runtime, consumer: EventConsumer) -> asyncio.Task[None]:
    return asyncio.create_task(
        consumer.run(), name=f"{runtime.settings.service}-{consumer.group_id}"
    )


async def stop_consumers(runtime: Runtime) -> None:
    """Stop the consumers running now. Those started meanwhile are not waited for, and
    a cancellation of the caller is not swallowed."""
    tasks, runtime.consumer_tasks, runtime.consumers = runtime.consumer_tasks, [], []
    await stop_tasks(tasks)


async def stop_tasks(tasks: Sequence[asyncio.Task[None]]) -> None:
    """Cancel the tasks and wait until they ended, whatever they raise."""
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    outbox: Outbox | None,
    publishes: EventCatalog | None = None,
    subscriptions: Sequence[Subscription] = (),
    on_startup: Callable[[Runtime], Awaitable[None]] | None = None,
    larger_bodies: Mapping[str, int] | None = None,
    background: Sequence[Callable[[Runtime], Coroutine[Any, Any, None]]] = (),
) -> FastAPI:
    """The service's app. `publishes` is the catalog of the events `outbox` records (for
    `/asyncapi.json`). Raises `UnsafeJwtSecret` before anything starts when the JWT
    secret would let anyone forge tokens, `BadTokenSettings` when the token settings
    do not fit together."""
    check_jwt_secret(settings)
    tokens = TokenVerifier(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(settings.database_url)
        runtime = Runtime(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine),
            producer=create_producer(settings.kafka_bootstrap_servers, settings.service),
            outbox=outbox,
            subscriptions=subscriptions,
        )
        app.state.runtime = runtime
        if on_startup is not None:
            await on_startup(runtime)
        starter = asyncio.create_task(_start_messaging(runtime))
        if subscriptions and settings.consumer_claims_retention_days > 0:
            pruning = prune_claims_forever(
                runtime.sessionmaker,
                service=settings.service,
                consumers=[s.name for s in subscriptions],
                keep_days=settings.consumer_claims_retention_days,
            )
            runtime.tasks.append(asyncio.create_task(pruning, name=f"{settings.service}-prune"))
        for job in background:
            runtime.tasks.append(asyncio.create_task(job(runtime), name=f"{settings.service}-job"))
        try:
            yield
        finally:
            # The background jobs first: one may start consumers (stats after a rebuild).
            await stop_tasks([starter, *runtime.tasks])
            await stop_consumers(runtime)
            if runtime.producer_started:
                with suppress(Exception):
                    await runtime.producer.stop()
            await engine.dispose()

    app = FastAPI(title=title, description=description, version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.state.tokens = tokens
    if configure_tracing(settings.service, settings.otel_exporter):
        instrument(app)
    install_problem_handlers(app, unavailable=is_transient)
    # The last added runs first: the client's address behind a trusted proxy, BodyLimit,
    # AnonymousRateLimit, then RequestTimer.
    app.add_middleware(RequestTimer, service=settings.service)
    app.add_middleware(
        AnonymousRateLimit,
        per_minute=settings.anonymous_per_minute,
        burst=settings.anonymous_burst,
        service=settings.service,
    )
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, larger=larger_bodies)
    trust_forwarded_for(app, settings.trusted_proxies)

    def events_document() -> dict[str, Any]:
        return service_asyncapi(
            settings.service,
            publishes=[(outbox.topic, publishes)] if outbox and publishes is not None else [],
            consumes=[read for subscription in subscriptions for read in subscription.reads()],
        )

    app.include_router(_operations_router(events_document))
    if outbox is not None:
        app.include_router(_outbox_router())
        app.include_router(audit_router)
    for router in routers:
        app.include_router(router)
    install_openapi(app)
    return app


class RequestTimer:
    """ASGI middleware: each answered request's latency by method, route and status.

    Pure ASGI (not `BaseHTTPMiddleware`): no task group and memory streams per request.
    """

    def __init__(self, app: ASGIApp, *, service: str) -> None:
        self.app = app
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def timed(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Until the answer starts, as the route's own work; the body streams after.
                path = getattr(scope.get("route"), "path", "unmatched")
                HTTP_REQUEST_SECONDS.labels(
                    self.service, scope["method"], path, str(message["status"])
                ).observe(time.perf_counter() - started)
            await send(message)

        await self.app(scope, receive, timed)


def _operations_router(events_document: Callable[[], dict[str, Any]]) -> APIRouter:
    router = APIRouter(tags=["operations"])

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        """The process is alive."""
        return {"status": "ok"}

    @router.get(
        "/readyz",
        responses={503: {"description": "The database or Kafka does not answer"}},
    )
    async def readyz(request: Request) -> JSONResponse:
        """200 only when the database and Kafka answer."""
        runtime: Runtime = request.app.state.runtime
        checks = {
            "database": await database_answers(runtime.sessionmaker),
            "kafka": runtime.producer_started and await broker_answers(runtime.producer),
        }
        ready = all(checks.values())
        return JSONResponse(
            {"status": "ready" if ready else "not ready", **checks},
            status_code=200 if ready else 503,
        )

    @router.get("/asyncapi.json")
    async def asyncapi() -> dict[str, Any]:
        """The AsyncAPI 3 document of the events this service sends and receives."""
        return events_document()

    @router.get(
        "/metrics",
        response_class=Response,
        responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
    )
    async def metrics() -> Response:
        """Prometheus text format."""
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def _outbox_router() -> APIRouter:
    router = APIRouter(prefix="/admin/outbox", tags=["operations"])

    @router.get("")
    async def outbox_status(request: Request, user: CurrentUser) -> dict[str, int]:
        """How many events this service's log holds, and how many wait to be published."""
        user.require_county_wide()
        async with get_runtime(request).sessionmaker() as session:
            total, waiting = (
                await session.execute(
                    select(func.count(), func.count().filter(outbox_log.c.published_at.is_(None)))
                )
            ).one()
        return {"events": total, "unpublished": waiting}

    @router.post("/republish")
    async def republish_log(request: Request, user: CurrentUser) -> dict[str, int]:
        """Publish the whole event log again (after the broker lost it, or for a rebuild)."""
        user.require_county_wide()
        runtime = get_runtime(request)
        async with runtime.sessionmaker() as session, session.begin():
            queued = await republish(session)
        if runtime.outbox is not None:
            runtime.outbox.wake()
        return {"queued": queued}

    return router


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with get_runtime(request).sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
