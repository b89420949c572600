"""The console is built against the services' OpenAPI documents kept in
services/console/web/openapi/*.json (its TypeScript types are generated from them at build
time): they must match what the Python services answer today."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "services" / "console" / "web"


def test_the_consoles_openapi_documents_are_current() -> None:
    node = shutil.which("node")
    if node is None or not (WEB / "node_modules" / "openapi-typescript").is_dir():
        pytest.skip("needs Node.js and `npm ci` in services/console/web (make test does both)")
    done = subprocess.run(
        [node, "scripts/gen-api.mjs", "--check"],
        cwd=WEB,
        env={**os.environ, "QISE_PYTHON": sys.executable},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr + done.stdout
