"""`qise`: run the system, issue tokens, migrate, and operator tasks."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import httpx
import typer

from services import SERVICE_NAMES, service_module
from shared.auth import ROLES, issue_token
from shared.broker import port_open, start_embedded_broker, stop_process
from shared.migrate import upgrade
from shared.settings import ServiceSettings

app = typer.Typer(
    help="Qise (七色): community volunteer service for a county.", no_args_is_help=True
)


def _settings(name: str) -> ServiceSettings:
    settings: ServiceSettings = service_module(name).SETTINGS()
    return settings


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
    try:
        typer.echo(
            issue_token(
                ServiceSettings(),
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
    service: Annotated[str, typer.Argument(help="registry, activities, requests or stats")],
) -> None:
    """Run one service in the foreground (what a container runs)."""
    import uvicorn

    settings = _settings(service)
    uvicorn.run(
        service_module(service).create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="info",
        proxy_headers=True,
    )


@app.command()
def up(
    log_dir: Annotated[Path, typer.Option(help="Where service logs go")] = Path("var/log"),
) -> None:
    """Start the broker (unless KAFKA_BOOTSTRAP_SERVERS is set), migrate, run the four services."""
    log_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
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
                    [sys.executable, "-m", "shared.cli", "serve", name],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        urls = {
            name: f"http://{_settings(name).host}:{_settings(name).port}" for name in SERVICE_NAMES
        }
        _wait_healthy(urls, children)
        typer.echo("")
        for name, url in urls.items():
            typer.echo(f"  {name:<11} {url}/docs")
        typer.echo(f"  {'dashboard':<11} {urls['stats']}/")
        typer.echo(f"  logs        {log_dir}/")
        admin = issue_token(
            ServiceSettings(),
            sub="admin",
            role="county_admin",
            communities=["*"],
            ttl=timedelta(hours=12),
        )
        typer.echo(f"\nAdmin token (county_admin, 12 h):\n  export TOKEN={admin}\n")
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
