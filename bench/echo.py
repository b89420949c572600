"""The write-path baseline: a bare FastAPI JSON echo endpoint, served exactly as
`qise serve` serves a service (same uvicorn call, same logging set-up).

Run: `python -m bench.echo PORT`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from fastapi import FastAPI

from shared.logs import configure_logging


def create_app() -> FastAPI:
    app = FastAPI(title="echo")

    @app.post("/echo", status_code=201)
    async def echo(body: dict[str, Any]) -> dict[str, Any]:
        return body

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def serve(app: FastAPI, name: str, port: int) -> None:
    """The same as qise.cli.serve: one process, uvicorn's default loop and HTTP
    implementation (uvloop, httptools), access log through structlog."""
    import uvicorn

    configure_logging(name, os.environ.get("QISE_LOG_FORMAT", "json"))
    uvicorn.run(
        app,
        host="127.0.0.1",
        port=port,
        log_level="info",
        log_config=None,
        proxy_headers=False,
    )


def main() -> None:
    serve(create_app(), "echo", int(sys.argv[1]))


if __name__ == "__main__":
    main()
