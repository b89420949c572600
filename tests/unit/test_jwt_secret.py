"""A service refuses to start with a JWT secret anyone can forge tokens with: the published
development secret (unless `qise up` runs it locally), or one shorter than 32 bytes."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from qise import cli
from services import SERVICE_NAMES, service_module
from shared.auth import MIN_SECRET_BYTES, UnsafeJwtSecret
from shared.settings import DEV_JWT_SECRET
from tests.conftest import TEST_SECRET
from tests.oidc_issuer import new_key


@pytest.fixture(autouse=True)
def no_secret_in_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Neither the shell nor a `.env` file chooses the secret here."""
    monkeypatch.chdir(tmp_path)
    for name in (
        "QISE_JWT_SECRET",
        "QISE_ALLOW_DEV_SECRET",
        "QISE_JWT_ALGORITHM",
        "QISE_JWT_ALGORITHMS",
        "QISE_JWT_PUBLIC_KEY",
        "QISE_OIDC_ISSUER",
    ):
        monkeypatch.delenv(name, raising=False)
        for service in SERVICE_NAMES:
            monkeypatch.delenv(f"{service.upper()}_{name.removeprefix('QISE_')}", raising=False)


def start(service: str, **settings: Any) -> None:
    module = service_module(service)
    module.create_app(module.SETTINGS(_env_file=None, **settings))


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_a_service_refuses_the_development_secret(service: str) -> None:
    with pytest.raises(UnsafeJwtSecret, match="QISE_JWT_SECRET is the published development"):
        start(service)
    with pytest.raises(UnsafeJwtSecret, match="QISE_JWT_SECRET"):
        start(service, jwt_secret=DEV_JWT_SECRET)


@pytest.mark.parametrize(
    ("secret", "reason"),
    [("", "QISE_JWT_SECRET is not set"), ("s" * 31, "QISE_JWT_SECRET has 31 bytes")],
)
def test_a_service_refuses_a_short_secret(secret: str, reason: str) -> None:
    with pytest.raises(UnsafeJwtSecret, match=reason):
        start("registry", jwt_secret=secret)
    with pytest.raises(UnsafeJwtSecret, match=reason):
        start("registry", jwt_secret=secret, allow_dev_secret=True)


def test_a_long_secret_or_a_public_key_is_accepted() -> None:
    start("registry", jwt_secret="s" * MIN_SECRET_BYTES)
    start("registry", jwt_secret="秘" * 11)  # 33 bytes in UTF-8
    start("stats", jwt_secret=TEST_SECRET)
    public_key = new_key("ES256").public_pem().decode()
    # Tokens checked with a public key alone: the secret checks nothing, whatever it is.
    start("registry", jwt_algorithms="ES256", jwt_public_key=public_key)
    start("registry", jwt_algorithms="RS256,ES256", jwt_public_key=public_key, jwt_secret="")


def test_the_former_single_algorithm_setting_still_works(monkeypatch: pytest.MonkeyPatch) -> None:
    """Deployments that set QISE_JWT_ALGORITHM=RS256 with a PEM key keep running."""
    monkeypatch.setenv("QISE_JWT_ALGORITHM", "RS256")
    monkeypatch.setenv("QISE_JWT_PUBLIC_KEY", new_key("RS256").public_pem().decode())
    monkeypatch.setenv("QISE_JWT_SECRET", "")
    start("registry")
    monkeypatch.setenv("QISE_JWT_ALGORITHM", "HS256")
    with pytest.raises(UnsafeJwtSecret, match="QISE_JWT_SECRET is not set"):
        start("registry")


def test_local_development_may_use_the_development_secret(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    start("registry", allow_dev_secret=True)
    monkeypatch.setenv("QISE_ALLOW_DEV_SECRET", "1")
    start("activities")


def test_qise_serve_stops_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    served: list[object] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **_: served.append(app))
    result = CliRunner().invoke(cli.app, ["serve", "registry"])
    assert result.exit_code == 2, result.output
    assert "registry does not start: QISE_JWT_SECRET" in result.output
    assert served == []
    monkeypatch.setenv("QISE_JWT_SECRET", TEST_SECRET)
    assert CliRunner().invoke(cli.app, ["serve", "registry"]).exit_code == 0
    assert len(served) == 1


class Started(Exception):
    """What the stand-in for Popen raises, with what `qise up` gave the service."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        super().__init__(command)
        self.command, self.env = command, env


def test_qise_up_lets_its_services_start_with_the_development_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def popen(command: list[str], *, env: dict[str, str], **_: Any) -> subprocess.Popen[bytes]:
        raise Started(command, env)

    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1")  # no embedded broker
    monkeypatch.setattr(cli, "upgrade", lambda *_: None)
    monkeypatch.setattr(cli, "port_open", lambda *_: False)
    monkeypatch.setattr(subprocess, "Popen", popen)
    result = CliRunner().invoke(cli.app, ["up", "--log-dir", str(tmp_path / "log")])
    started = result.exception
    assert isinstance(started, Started), result.output
    assert started.command[1:] == ["-m", "qise.cli", "serve", "registry"]
    # The service process reads its settings from that environment, as `qise serve` does.
    for name, value in started.env.items():
        monkeypatch.setenv(name, value)
    registry = service_module("registry")
    registry.create_app(registry.SETTINGS(_env_file=None))
