"""A registry process (`qise serve registry`) configured through its environment for an
OpenID Connect issuer, as docs/security.md sets it up for Keycloak: it takes the issuer's
RS256 and ES256 tokens over real HTTP, refuses `qise token`'s, follows a key rotation while
running, and what it records travels on to the other services as always."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from shared.broker import free_port, stop_process
from tests.api import next_phone
from tests.conftest import ADMIN, Stack, eventually, token
from tests.oidc_issuer import DISCOVERY_PATH, JWKS_PATH, Issuer, running_issuer

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def issuer() -> Iterator[Issuer]:
    with running_issuer() as running:
        yield running


def serve_registry(
    stack: Stack, database_url: str, issuer: Issuer, workdir: Path
) -> tuple[subprocess.Popen[bytes], str]:
    """`qise serve registry` with only the environment a deployment would give it."""
    port = free_port()
    ours = ("QISE_", "REGISTRY_", "KAFKA_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    env.update(
        {
            "PYTHONPATH": os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
            "KAFKA_BOOTSTRAP_SERVERS": stack.broker.bootstrap,
            "REGISTRY_DATABASE_URL": database_url,
            "REGISTRY_PORT": str(port),
            # With only the issuer's algorithms, the secret checks nothing: none is set.
            "QISE_JWT_SECRET": "",
            "QISE_JWKS_REFETCH_SECONDS": "0",
            "QISE_LOG_FORMAT": "console",
            **issuer.environment(),
        }
    )
    with (workdir / "registry.log").open("ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "qise.cli", "serve", "registry"],
            env=env,
            cwd=workdir,  # no .env file of the developer's
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    return process, f"http://127.0.0.1:{port}"


def log_of(workdir: Path) -> str:
    return (workdir / "registry.log").read_text()


async def wait_ready(process: subprocess.Popen[bytes], url: str, workdir: Path) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient(base_url=url, timeout=1) as client:
        while True:
            assert process.poll() is None, log_of(workdir)
            try:
                if (await client.get("/readyz")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, log_of(workdir)
            await asyncio.sleep(0.2)


async def test_a_served_registry_trusts_the_issuer(
    stack: Stack, issuer: Issuer, tmp_path: Path
) -> None:
    database_url = await stack.database("registry_oidc_served")
    process, url = serve_registry(stack, database_url, issuer, tmp_path)
    try:
        await wait_ready(process, url, tmp_path)
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            county_sub = str(uuid.uuid4())
            county = issuer.token(roles=["county_admin"], communities="*", sub=county_sub)
            community = f"k{uuid.uuid4().hex[:12]}"
            created = await client.post(
                "/communities",
                json={"id": community, "name": f"统一身份 {community}", "branch": "测试大支部"},
                headers={"Authorization": f"Bearer {county}"},
            )
            assert created.status_code == 201, created.text

            admin_sub = str(uuid.uuid4())
            admin = issuer.token(
                roles=["community_admin", "volunteer"],
                communities=[community],
                sub=admin_sub,
                algorithm="ES256",
            )
            volunteer = await client.post(
                "/volunteers",
                json={"community_id": community, "name": "李统一", "phone": next_phone()},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert volunteer.status_code == 201, volunteer.text
            audit = await client.get(
                "/audit",
                params={"community_id": community},
                headers={"Authorization": f"Bearer {admin}"},
            )
            assert [e["actor"] for e in audit.json()["items"]] == [county_sub, admin_sub]

            # The development token of `qise token` is not the issuer's: refused.
            local = await client.get("/communities", headers={"Authorization": f"Bearer {token()}"})
            assert local.status_code == 401
            assert "algorithm HS256 is not accepted" in local.json()["detail"]

            # The provider rotates its key; the running service follows.
            issuer.rotate("RS256")
            rotated = issuer.token(roles=["community_admin"], communities=[community])
            listed = await client.get(
                "/communities", headers={"Authorization": f"Bearer {rotated}"}
            )
            assert [c["id"] for c in listed.json()["items"]] == [community]
            assert issuer.hits[DISCOVERY_PATH] == 1 and issuer.hits[JWKS_PATH] == 2

            # What it recorded went out as always: the stack's stats counts the volunteer.
            async def counted() -> None:
                response = await stack["stats"].get(
                    "/stats/overview", params={"scope": "community", "id": community}, headers=ADMIN
                )
                assert response.status_code == 200, response.text
                assert response.json()["volunteers"] == 1

            await eventually(counted, timeout=60)
    finally:
        stop_process(process)
