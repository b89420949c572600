"""`/api/<service>/<path>` forwarded to `<path>` of that service, unchanged.

Method, path, query string, body and the headers that matter (`Authorization`
first) go through; the answer comes back as the service gave it. A service that
does not answer is a problem+json 503 (no connection) or 502 (broken or late answer),
never a bare 500.
"""

from __future__ import annotations

import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from shared.errors import PROBLEM_BASE, PROBLEM_JSON

# Hop-by-hop headers (RFC 9110 §7.6.1) and those httpx sets itself: never forwarded.
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# httpx hands back the decoded body, so its encoding and length no longer hold.
NOT_RETURNED = HOP_BY_HOP | {"content-encoding"}


def unavailable(status: int, service: str, detail: str) -> JSONResponse:
    code = "service-unavailable" if status == 503 else "bad-gateway"
    title = "Service unavailable" if status == 503 else "Bad gateway"
    return JSONResponse(
        {
            "type": PROBLEM_BASE + code,
            "title": title,
            "status": status,
            "detail": detail,
            "service": service,
        },
        status_code=status,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": "5"} if status == 503 else None,
    )


def outbound_headers(request: Request) -> dict[str, str]:
    headers = {k: v for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP}
    # The services limit anonymous callers per address: tell them whose request this is.
    client = request.client.host if request.client else None
    if client:
        previous = request.headers.get("x-forwarded-for")
        headers["x-forwarded-for"] = f"{previous}, {client}" if previous else client
    headers.setdefault("x-forwarded-proto", request.url.scheme)
    return headers


async def forward(
    client: httpx.AsyncClient, service: str, base_url: str, path: str, request: Request
) -> Response:
    """Send `request` to `<base_url>/<path>` and answer what the service answers."""
    url = f"{base_url.rstrip('/')}/{path}"
    if request.url.query:
        url += "?" + request.url.query
    try:
        answer = await client.request(
            request.method,
            url,
            content=await request.body(),
            headers=outbound_headers(request),
        )
    except httpx.ConnectError:
        return unavailable(503, service, f"服务 {service} 暂时无法连接，请稍后再试。")
    except httpx.TimeoutException:
        return unavailable(502, service, f"服务 {service} 未在规定时间内应答，请稍后再试。")
    except httpx.HTTPError as error:
        return unavailable(502, service, f"服务 {service} 应答异常（{type(error).__name__}）。")
    headers = {k: v for k, v in answer.headers.items() if k.lower() not in NOT_RETURNED}
    return Response(content=answer.content, status_code=answer.status_code, headers=headers)
