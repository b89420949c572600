"""`qise`: run the system, issue tokens, migrate, and operator tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

from services import SERVICE_NAMES, service_module
from services.console.settings import ConsoleSettings
from shared.auth import ROLES, BadTokenSettings, issue_token
from shared.broker import port_open, start_embedded_broker, stop_process
from shared.logs import configure_logging
from shared.migrate import upgrade
from shared.settings import ServiceSettings

app = typer.Typer(
    help="Qise (七色): community volunteer service for a county.", no_args_is_help=True
)

# The services that publish events (stats only reads them).
PUBLISHERS = ("registry", "activities", "requests")


def _settings(name: str) -> ServiceSettings:
    settings: ServiceSettings = service_module(name).SETTINGS()
    return settings


def _console_settings() -> ConsoleSettings:
    return ConsoleSettings()


def console_sign_in_url(settings: ConsoleSettings, token: str) -> str:
    """The console's address that signs in with `token` (the web app reads it once)."""
    return f"http://{settings.host}:{settings.port}/#/login?token={token}"


@app.command()
def token(
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}")] = "county_admin",
    community: Annotated[
        list[str] | None, typer.Option(help="Community id; repeat for several; * for all")
    ] = None,
    sub: Annotated[str, typer.Option(help="Who the token is for")] = "admin",
    hours: Annotated[float, typer.Option(help="Validity in hours")] = 12.0,
) -> None:
    """Print a signed access token (uses QISE_JWT_SECRET)."""
    if role not in ROLES:
        raise typer.BadParameter(f"role must be one of {', '.join(ROLES)}")
    communities = community or (["*"] if role == "county_admin" else [])
    if not communities:
        raise typer.BadParameter("give --community for roles other than county_admin")
    settings = ServiceSettings()
    if "HS256" not in settings.jwt_algorithms:
        typer.echo(
            "warning: the services accept no HS256 token (QISE_JWT_ALGORITHMS="
            f"{','.join(settings.jwt_algorithms)}): sign in through the identity provider",
            err=True,
        )
    try:
        typer.echo(
            issue_token(
                settings,
                sub=sub,
                role=role,
                communities=communities,
                ttl=timedelta(hours=hours),
            )
        )
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None


@app.command()
def migrate(
    service: Annotated[
        list[str] | None, typer.Argument(help="Services to migrate; all by default")
    ] = None,
) -> None:
    """Bring each service's database to the newest schema."""
    for name in service or SERVICE_NAMES:
        module = service_module(name)
        upgrade(_settings(name).database_url, module.MIGRATIONS, module.METADATA)
        typer.echo(f"{name}: migrated")


@app.command()
def serve(
    service: Annotated[
        str, typer.Argument(help="registry, activities, requests, stats or console")
    ],
) -> None:
    """Run one service in the foreground (what a container runs)."""
    import uvicorn

    from services.console.app import create_app as create_console

    settings: ServiceSettings | ConsoleSettings
    configure_logging(service, os.environ.get("QISE_LOG_FORMAT", "json"))
    try:
        if service == "console":
            settings = _console_settings()
            app = create_console(settings)
        else:
            settings = _settings(service)
            app = service_module(service).create_app(settings)
    except BadTokenSettings as error:
        typer.echo(f"{service} does not start: {error}", err=True)
        raise typer.Exit(2) from None
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        log_config=None,
        # The app reads X-Forwarded-For itself, from QISE_TRUSTED_PROXIES only
        # (shared.limits.trust_forwarded_for); uvicorn's own would trust 127.0.0.1 besides.
        proxy_headers=False,
    )


@app.command()
def up(
    log_dir: Annotated[Path, typer.Option(help="Where service logs go")] = Path("var/log"),
) -> None:
    """Start the broker (unless KAFKA_BOOTSTRAP_SERVERS is set), migrate, run the four services
    and the console."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    # Local development: the services may check tokens with the built-in secret.
    env.setdefault("QISE_ALLOW_DEV_SECRET", "1")
    # The console forwards to the services over 127.0.0.1: they count its callers by the
    # address it forwards, not all as 127.0.0.1.
    env.setdefault("QISE_TRUSTED_PROXIES", "127.0.0.1,::1")
    broker = None
    if "KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        port = int(os.environ.get("QISE_BROKER_PORT", "9092"))
        if port_open("127.0.0.1", port):
            typer.echo(
                f"port {port} is taken: stop what runs there, or set KAFKA_BOOTSTRAP_SERVERS"
            )
            raise typer.Exit(1)
        typer.echo(f"starting the embedded broker (Tansu) on 127.0.0.1:{port}")
        broker = start_embedded_broker(port, log_file=log_dir / "broker.log")
        env["KAFKA_BOOTSTRAP_SERVERS"] = f"127.0.0.1:{port}"
        # One machine, one process per service: a restarted consumer need not wait long.
        for name in SERVICE_NAMES:
            env.setdefault(f"{name.upper()}_CONSUMER_SESSION_TIMEOUT_MS", "3000")
    children: list[subprocess.Popen[bytes]] = []
    try:
        for name in SERVICE_NAMES:
            settings = _settings(name)
            module = service_module(name)
            upgrade(settings.database_url, module.MIGRATIONS, module.METADATA)
            if port_open(settings.host, settings.port):
                typer.echo(f"port {settings.port} for {name} is taken")
                raise typer.Exit(1)
            log = open(log_dir / f"{name}.log", "ab")
            children.append(
                subprocess.Popen(
                    [sys.executable, "-m", "qise.cli", "serve", name],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        console = _console_settings()
        if port_open(console.host, console.port):
            typer.echo(f"port {console.port} for the console is taken")
            raise typer.Exit(1)
        if not (console.web_root / "index.html").is_file():
            typer.echo(f"the console's web app is not built ({console.web_root}): run `make web`")
        log = open(log_dir / "console.log", "ab")
        children.append(
            subprocess.Popen(
                [sys.executable, "-m", "qise.cli", "serve", "console"],
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        urls = {
            name: f"http://{_settings(name).host}:{_settings(name).port}" for name in SERVICE_NAMES
        }
        _wait_healthy({**urls, "console": f"http://{console.host}:{console.port}"}, children)
        typer.echo("")
        for name, url in urls.items():
            typer.echo(f"  {name:<11} {url}/docs")
        admin = issue_token(
            ServiceSettings(),
            sub="admin",
            role="county_admin",
            communities=["*"],
            ttl=timedelta(hours=12),
        )
        typer.echo(f"  {'dashboard':<11} {urls['stats']}/#token={admin}")
        typer.echo(f"\n  工作台 console  http://{console.host}:{console.port}/")
        typer.echo(f"  sign in (county_admin): {console_sign_in_url(console, admin)}")
        typer.echo(f"  logs        {log_dir}/")
        typer.echo(f"\nAdmin token (county_admin, 12 h):\n  export TOKEN={admin}\n")
        typer.echo("Sample data: .venv/bin/qise demo")
        typer.echo("Ctrl-C stops everything.")
        _wait_for_signal(children)
    finally:
        typer.echo("stopping…")
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.wait(15)
            except subprocess.TimeoutExpired:
                child.kill()
        if broker is not None:
            stop_process(broker)
        typer.echo("stopped")


@app.command()
def openapi(
    out: Annotated[Path, typer.Option(help="Folder for <service>.json")] = Path("var/openapi"),
) -> None:
    """Write each service's OpenAPI document (what the console's API types come from)."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    for name in SERVICE_NAMES:
        # Only the document is wanted: nothing starts, so the development secret is harmless.
        settings = service_module(name).SETTINGS(allow_dev_secret=True)
        document = service_module(name).create_app(settings).openapi()
        path = out / f"{name}.json"
        path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
        typer.echo(f"{name}: {path}")


import_app = typer.Typer(help="Bring data in from files.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _service_url(name: str) -> str:
    settings = _settings(name)
    return f"http://{settings.host}:{settings.port}"


def _bearer(given: str | None) -> dict[str, str]:
    """The token given, or $TOKEN, or a fresh county_admin one signed with QISE_JWT_SECRET."""
    value = (
        given
        or os.environ.get("TOKEN")
        or issue_token(ServiceSettings(), sub="qise-cli", role="county_admin", communities=["*"])
    )
    return {"Authorization": f"Bearer {value}"}


@import_app.command("volunteers")
def import_volunteers(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="UTF-8 CSV with a header")
    ],
    community: Annotated[str, typer.Option(help="Community the volunteers belong to")],
    url: Annotated[str | None, typer.Option(help="Registry URL")] = None,
    token: Annotated[str | None, typer.Option(help="Bearer token (default: $TOKEN)")] = None,
    chunk: Annotated[int, typer.Option(min=1, max=2000, help="Rows per request")] = 100,
) -> None:
    """Register volunteers from a spreadsheet; good rows land, bad rows are listed by line."""
    from rich.progress import Progress

    from services.registry.volunteer_csv import split_csv

    try:
        chunks = split_csv(file.read_bytes(), chunk)
    except UnicodeDecodeError:
        typer.echo(f"{file} is not UTF-8: save it as 'CSV UTF-8' and try again", err=True)
        raise typer.Exit(2) from None
    created, errors = 0, []
    headers = _bearer(token)
    with httpx.Client(
        base_url=url or _service_url("registry"), headers=headers, timeout=120
    ) as client:
        with Progress() as progress:
            task = progress.add_task(f"importing into {community}", total=len(chunks))
            for first_line, body in chunks:
                response = client.post(
                    "/volunteers/import",
                    params={"community_id": community, "first_line": first_line},
                    files={"file": (file.name, body, "text/csv")},
                )
                if response.status_code != 200:
                    progress.stop()
                    problem = response.json() if response.content else {}
                    typer.echo(
                        f"import stopped: {response.status_code} {problem.get('detail', '')}",
                        err=True,
                    )
                    raise typer.Exit(1)
                result = response.json()
                created += result["created"]
                errors += result["errors"]
                progress.advance(task)
    typer.echo(f"created {created} volunteers; {len(errors)} rows not imported")
    for error in errors:
        typer.echo(f"  line {error['row']}: {error['detail']}")


@app.command()
def demo(
    prefix: Annotated[
        str, typer.Option(help="Prefix of the demo community ids, to load a second set")
    ] = "",
    volunteers: Annotated[int, typer.Option(min=1)] = 500,
    activities: Annotated[int, typer.Option(min=0)] = 300,
    orders: Annotated[int, typer.Option(min=0)] = 200,
    token: Annotated[str | None, typer.Option(help="county_admin token (default: $TOKEN)")] = None,
) -> None:
    """Load a Xi-County-like data set through the APIs: 3 communities, 21 teams, 500 volunteers."""
    import asyncio

    from rich.progress import Progress

    from qise.demo import STEPS, DemoError, DemoPlan, load_demo, planned_totals

    plan = DemoPlan(prefix=prefix, volunteers=volunteers, activities=activities, orders=orders)
    headers = _bearer(token)

    async def run(progress: Progress) -> None:
        totals = planned_totals(plan)
        tasks = {step: progress.add_task(step, total=totals.get(step)) for step in STEPS}
        clients = {
            name: httpx.AsyncClient(base_url=_service_url(name), headers=headers, timeout=60)
            for name in PUBLISHERS
        }
        try:
            result = await load_demo(
                clients.__getitem__,
                plan,
                lambda step, done: progress.update(tasks[step], completed=done),
            )
        finally:
            for client in clients.values():
                await client.aclose()
        progress.stop()
        typer.echo(
            f"loaded {', '.join(result.communities)}: {result.teams} teams, {result.volunteers}"
            f" volunteers, {result.activities} activities ({result.verified} verified,"
            f" {result.voided} voided), {result.orders} orders ({result.completed} completed),"
            f" {result.life_events} party-member life events"
        )
        typer.echo(
            f"branch {result.branch}: {result.agreements} unit agreements, {result.unit_members}"
            f" working party members, {result.escalated} orders escalated"
            f" ({result.escalations_waiting} waiting), income {result.income:g} yuan,"
            f" {result.resources} shared resources with {result.bookings} bookings,"
            f" {result.care_recipients} people under care with {result.visits} visits"
        )

    try:
        with Progress() as progress:
            asyncio.run(run(progress))
    except DemoError as error:
        typer.echo(str(error), err=True)
        raise typer.Exit(1) from None
    typer.echo(f"dashboard: {_service_url('stats')}/")


dlq_app = typer.Typer(help="Dead-letter topics: look and re-drive.", no_args_is_help=True)
app.add_typer(dlq_app, name="dlq")


def _dlq_topics(topic: str | None) -> list[str]:
    from shared.dlq import KNOWN_TOPICS

    chosen = [topic] if topic else list(KNOWN_TOPICS)
    return [t if t.endswith(".dlq") else t + ".dlq" for t in chosen]


@dlq_app.command("list")
def dlq_list(
    topic: Annotated[str | None, typer.Option(help="A topic (or its .dlq); all by default")] = None,
    show: Annotated[int, typer.Option(help="Characters of each message to show")] = 160,
) -> None:
    """What landed in the dead-letter topics, and why."""
    import asyncio

    from shared.dlq import read_dead_letters

    bootstrap = ServiceSettings().kafka_bootstrap_servers
    letters = asyncio.run(read_dead_letters(bootstrap, _dlq_topics(topic)))
    for letter in letters:
        value = (letter.value or b"").decode(errors="replace")
        typer.echo(f"{letter.ref}  from {letter.origin}  reason: {letter.reason}")
        typer.echo(f"    {value[:show]}{'…' if len(value) > show else ''}")
    typer.echo(f"{len(letters)} dead letters")


@dlq_app.command("replay")
def dlq_replay(
    ref: Annotated[
        list[str] | None, typer.Argument(help="<dlq topic>:<partition>:<offset> as `list` shows")
    ] = None,
    topic: Annotated[
        str | None, typer.Option(help="With --all: only this topic's dead letters")
    ] = None,
    everything: Annotated[bool, typer.Option("--all", help="Replay every dead letter")] = False,
) -> None:
    """Publish dead letters again to the topic they came from."""
    import asyncio

    from shared.dlq import read_dead_letters, replay

    if not ref and not everything:
        raise typer.BadParameter("name dead letters to replay, or pass --all")
    bootstrap = ServiceSettings().kafka_bootstrap_servers
    letters = asyncio.run(read_dead_letters(bootstrap, _dlq_topics(topic)))
    chosen = letters if everything else [d for d in letters if d.ref in set(ref or [])]
    missing = set(ref or []) - {d.ref for d in chosen}
    if missing:
        typer.echo(f"not found: {', '.join(sorted(missing))}", err=True)
        raise typer.Exit(1)
    typer.echo(f"replayed {asyncio.run(replay(bootstrap, chosen))} dead letters")


requests_app = typer.Typer(help="The requests service.", no_args_is_help=True)
app.add_typer(requests_app, name="requests")


@requests_app.command("retention")
def requests_retention(
    months: Annotated[
        int | None,
        typer.Option(
            min=0, help="Months to keep residents of closed orders (default: the setting)"
        ),
    ] = None,
) -> None:
    """Anonymise now the residents of orders closed longer ago than the retention period
    (REQUESTS_RESIDENT_RETENTION_MONTHS), as the requests service does on its own each round;
    audited like it. Works on the requests database directly."""
    import asyncio

    from services.requests import personal_data
    from services.requests.settings import RequestsSettings
    from shared.db import create_engine, create_sessionmaker, utcnow
    from shared.uow import unit_of_work

    settings = RequestsSettings()
    keep = settings.resident_retention_months if months is None else months
    if keep == 0:
        typer.echo("retention is off (REQUESTS_RESIDENT_RETENTION_MONTHS=0); give --months N")
        raise typer.Exit(2)

    async def run() -> tuple[int, int]:
        engine = create_engine(settings.database_url)
        sessionmaker = create_sessionmaker(engine)
        orders = people = 0
        try:
            while True:
                # A round at a time (each at most a batch), until one finds nobody.
                async with sessionmaker() as session, unit_of_work(session):
                    erased = await personal_data.apply_retention(session, utcnow(), keep)
                if not erased:
                    return orders, people
                orders += sum(len(e.request_ids) for e in erased)
                people += sum(len(e.care_recipient_ids) for e in erased)
        finally:
            await engine.dispose()

    orders, people = asyncio.run(run())
    typer.echo(
        f"anonymised the residents of {orders} orders closed more than {keep} months ago"
        f" and {people} people whose care ended then (published by the service's relay)"
    )


stats_app = typer.Typer(help="The statistics service.", no_args_is_help=True)
app.add_typer(stats_app, name="stats")


async def _events_in_topics(bootstrap: str, topics: list[str]) -> int:
    """Messages the broker still holds in `topics` (an estimate: offsets, not a count)."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(topic, p)
            for topic in topics
            for p in (consumer.partitions_for_topic(topic) or await _partitions(consumer, topic))
        ]
        if not partitions:
            return 0
        first = await consumer.beginning_offsets(partitions)
        last = await consumer.end_offsets(partitions)
        return sum(last[p] - first[p] for p in partitions)
    finally:
        await consumer.stop()


async def _partitions(consumer: object, topic: str) -> set[int]:
    client = consumer._client  # type: ignore[attr-defined]
    await client.force_metadata_update()
    return set(client.cluster.partitions_for_topic(topic) or ())


@stats_app.command("rebuild")
def stats_rebuild(
    source: Annotated[
        str,
        typer.Option(
            help="auto (the topics if the broker still holds the events, else the outboxes),"
            " topics, or outbox"
        ),
    ] = "auto",
    token: Annotated[str | None, typer.Option(help="county_admin token (default: $TOKEN)")] = None,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the rebuild to finish")] = 600,
) -> None:
    """Empty the stats projections and build them again from the events, with a progress bar."""
    import asyncio

    from rich.progress import BarColumn, Progress, TextColumn

    headers = _bearer(token)
    urls = {name: _service_url(name) for name in SERVICE_NAMES}
    logs = {}
    for name in PUBLISHERS:
        response = httpx.get(f"{urls[name]}/admin/outbox", headers=headers, timeout=30)
        response.raise_for_status()
        logs[name] = response.json()["events"]
    total = sum(logs.values())
    topics = [f"qise.{name}.events" for name in PUBLISHERS]
    if source == "auto":
        held = asyncio.run(_events_in_topics(ServiceSettings().kafka_bootstrap_servers, topics))
        source = "topics" if held >= total else "outbox"
        typer.echo(
            f"the services' logs hold {total} events; the broker holds {held}: using the {source}"
        )
    rebuilt = httpx.post(f"{urls['stats']}/admin/rebuild", headers=headers, timeout=60)
    rebuilt.raise_for_status()
    if source == "outbox":
        for name in PUBLISHERS:
            httpx.post(
                f"{urls[name]}/admin/outbox/republish", headers=headers, timeout=60
            ).raise_for_status()
    columns = [
        TextColumn("rebuilding"),
        BarColumn(),
        TextColumn("{task.completed:.0f} events applied"),
    ]
    generation = rebuilt.json()["generation"]
    deadline = time.monotonic() + timeout

    def get(path: str) -> Any:
        if time.monotonic() > deadline:
            typer.echo("not finished in time; it goes on in the background", err=True)
            raise typer.Exit(1)
        time.sleep(0.5)
        return httpx.get(f"{urls['stats']}{path}", headers=headers, timeout=30).json()

    with Progress(*columns) as progress:
        task = progress.add_task("rebuild", total=total)
        # PostgreSQL: every replica builds beside the generation in use, until the switch.
        while (state := get("/admin/rebuild"))["building"] == generation:
            built = sum(p["building_applied"] or 0 for p in state["partitions"])
            progress.update(task, completed=built)
        if state["active"] != generation:
            typer.echo(f"generation {generation} was abandoned", err=True)
            raise typer.Exit(1)
        # SQLite rebuilds in place: until the events applied stop growing.
        previous, steady = -1, 0
        while steady < 4:
            lag = get("/stats/lag")
            applied = sum(c["applied"] for c in lag["consumers"])
            behind = any(c["lag"] for c in lag["consumers"])
            progress.update(task, completed=applied)
            steady = steady + 1 if applied == previous and not behind else 0
            previous = applied
        progress.update(task, completed=total)
    overview = httpx.get(f"{urls['stats']}/stats/overview", headers=headers, timeout=30).json()
    typer.echo(
        f"rebuilt (generation {generation}): {overview['volunteers']} volunteers,"
        f" {overview['teams']} teams, {overview['activities']} activities,"
        f" {overview['requests']['submitted']} orders"
    )


def _wait_healthy(urls: dict[str, str], children: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + 60
    pending = dict(urls)
    while pending:
        for child in children:
            if child.poll() is not None:
                typer.echo(f"a service exited with {child.returncode}; see var/log/")
                raise typer.Exit(1)
        for name, url in list(pending.items()):
            try:
                if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                    del pending[name]
            except httpx.HTTPError:
                pass
        if time.monotonic() > deadline:
            typer.echo(f"not healthy after 60 s: {', '.join(pending)}")
            raise typer.Exit(1)
        time.sleep(0.2)


def _wait_for_signal(children: list[subprocess.Popen[bytes]]) -> None:
    stop = False

    def _stop(*_: object) -> None:
        nonlocal stop
        stop = True

    # Explicit handlers: a shell starts background jobs with SIGINT ignored.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    while not stop:
        if any(child.poll() is not None for child in children):
            typer.echo("a service stopped unexpectedly; see var/log/")
            return
        time.sleep(0.2)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
