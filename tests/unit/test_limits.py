"""The per-address limit on requests without a valid token, on a clock the test moves:
tokens that fail are checked at most as often as the budget allows, tokens seen valid
keep working, and the memory of addresses stays bounded without handing out fresh
budgets."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from prometheus_client import REGISTRY
from pydantic import ValidationError
from typer.testing import CliRunner

from qise import cli
from services.console.settings import ConsoleSettings
from shared.auth import CurrentUser, Principal, TokenVerifier, issue_token
from shared.errors import Unauthorized, install_problem_handlers
from shared.limits import AnonymousRateLimit, ClientBuckets, address_key, trust_forwarded_for
from shared.settings import ServiceSettings
from tests.conftest import TEST_SECRET

SETTINGS = ServiceSettings(jwt_secret="unit-test-secret-unit-test-secret-000")
TOO_MANY = "https://qise.dev/problems/too-many-requests"
GUESSER = "198.51.100.66"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class CountingVerifier(TokenVerifier):
    """The services' verifier, counting the tokens it is asked to check; `revoked` ones
    are refused as an expired token would be."""

    def __init__(self) -> None:
        super().__init__(SETTINGS)
        self.checked = 0
        self.revoked: set[str] = set()

    async def verify(self, token: str) -> Principal:
        self.checked += 1
        await asyncio.sleep(0)  # let concurrent requests overlap, as a JWKS lookup would
        if token in self.revoked:
            raise Unauthorized("invalid token: Signature has expired")
        return await super().verify(token)


def token(sub: str) -> dict[str, str]:
    jwt = issue_token(SETTINGS, sub=sub, role="volunteer", communities=["c1"])
    return {"Authorization": f"Bearer {jwt}"}


def guess(n: int) -> dict[str, str]:
    return {"Authorization": f"Bearer guess.{n}.x"}


def limited_app(
    clock: Clock, *, per_minute: int = 60, burst: int = 5, trusted: tuple[str, ...] = ()
) -> tuple[FastAPI, CountingVerifier]:
    app = FastAPI()
    verifier = CountingVerifier()
    app.state.tokens = verifier
    install_problem_handlers(app, unavailable=lambda _: False)

    @app.get("/me")
    async def me(user: CurrentUser, request: Request) -> dict[str, str | None]:
        return {"sub": user.sub, "client": request.client.host if request.client else None}

    @app.get("/open")
    async def open_page(request: Request) -> dict[str, str | None]:
        return {"client": request.client.host if request.client else None}

    app.add_middleware(
        AnonymousRateLimit, per_minute=per_minute, burst=burst, service="unit-limits", clock=clock
    )
    trust_forwarded_for(app, trusted)
    return app, verifier


def client_at(app: FastAPI, address: str) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://unit")


def refused(reason: str) -> float:
    labels = {"service": "unit-limits", "reason": reason}
    return REGISTRY.get_sample_value("qise_rate_limited_total", labels) or 0.0


def bad_tokens() -> float:
    return REGISTRY.get_sample_value("qise_bad_tokens_total", {"service": "unit-limits"}) or 0.0


def assert_too_many(response: httpx.Response) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["retry-after"] == "1"  # 60 a minute: one more each second
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == TOO_MANY


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def guesser(clock: Clock) -> AsyncIterator[tuple[httpx.AsyncClient, CountingVerifier]]:
    app, verifier = limited_app(clock, per_minute=60, burst=5)
    async with client_at(app, GUESSER) as client:
        yield client, verifier


async def test_a_guesser_gets_its_tokens_checked_only_as_often_as_the_budget_allows(
    guesser: tuple[httpx.AsyncClient, CountingVerifier], clock: Clock
) -> None:
    client, verifier = guesser
    colleague = token("colleague")
    assert (await client.get("/me", headers=colleague)).status_code == 200
    before_refused, before_bad = refused("bad_token"), bad_tokens()
    verifier.checked = 0
    answers = []
    for n in range(500):
        answers.append(await client.get("/me", headers=guess(n)))
        if n % 50 == 0:
            # A colleague at the same address, with a token seen valid, keeps working.
            assert (await client.get("/me", headers=colleague)).json()["sub"] == "colleague"
    statuses = [a.status_code for a in answers]
    assert statuses == [401] * 5 + [429] * 495
    assert verifier.checked == 5 + 10  # the five guesses, and the colleague's ten requests
    assert_too_many(answers[-1])
    assert "invalid tokens" in answers[-1].json()["detail"]
    assert refused("bad_token") - before_refused == 495
    assert bad_tokens() - before_bad == 5


async def test_a_guesser_sending_all_at_once_is_checked_no_more(
    guesser: tuple[httpx.AsyncClient, CountingVerifier],
) -> None:
    client, verifier = guesser
    answers = await asyncio.gather(*(client.get("/me", headers=guess(n)) for n in range(100)))
    assert sorted(a.status_code for a in answers) == [401] * 5 + [429] * 95
    assert verifier.checked == 5


async def test_the_address_recovers_at_the_pace_the_retry_after_names(
    guesser: tuple[httpx.AsyncClient, CountingVerifier], clock: Clock
) -> None:
    client, verifier = guesser
    for n in range(20):
        await client.get("/me", headers=guess(n))
    # A valid token the process has not seen yet waits like a guess: nothing tells them
    # apart without checking it.
    newcomer = token("newcomer")
    assert_too_many(await client.get("/me", headers=newcomer))
    clock.now += 1  # Retry-After: 1
    assert (await client.get("/me", headers=newcomer)).status_code == 200
    assert (await client.get("/me", headers=guess(100))).status_code == 401  # the one refilled
    assert_too_many(await client.get("/me", headers=guess(101)))
    clock.now += 5  # the whole burst again
    verifier.checked = 0
    statuses = [(await client.get("/me", headers=guess(200 + n))).status_code for n in range(8)]
    assert statuses == [401] * 5 + [429] * 3 and verifier.checked == 5
    # Over a minute of ten guesses a second: the burst, and one a second after it.
    verifier.checked = 0
    for n in range(600):
        clock.now += 0.1
        await client.get("/me", headers=guess(1000 + n))
    assert 59 <= verifier.checked <= 61


async def test_requests_without_a_token_and_tokens_that_fail_have_budgets_of_their_own(
    guesser: tuple[httpx.AsyncClient, CountingVerifier],
) -> None:
    client, _ = guesser
    for _ in range(5):
        assert (await client.get("/open")).status_code == 200
    before = refused("anonymous")
    answer = await client.get("/open")
    assert_too_many(answer)
    assert "without a valid token" in answer.json()["detail"]
    assert refused("anonymous") - before == 1
    # Anonymous callers behind the same address do not lock out a new valid token...
    assert (await client.get("/me", headers=token("new"))).status_code == 200
    # ...nor do they spend the budget of tokens that fail.
    for n in range(5):
        assert (await client.get("/me", headers=guess(n))).status_code == 401
    assert_too_many(await client.get("/me", headers=guess(5)))


async def test_a_token_no_route_checks_costs_nothing_until_the_address_is_locked_out(
    guesser: tuple[httpx.AsyncClient, CountingVerifier],
) -> None:
    client, verifier = guesser
    for n in range(20):
        assert (await client.get("/open", headers=guess(n))).status_code == 200
    assert verifier.checked == 0
    for n in range(5):
        assert (await client.get("/me", headers=guess(n))).status_code == 401
    assert_too_many(await client.get("/open", headers=guess(99)))


async def test_a_remembered_token_that_is_refused_is_forgotten_and_counted(
    guesser: tuple[httpx.AsyncClient, CountingVerifier],
) -> None:
    client, verifier = guesser
    expiring = token("expiring")
    assert (await client.get("/me", headers=expiring)).status_code == 200
    verifier.revoked.add(expiring["Authorization"].removeprefix("Bearer "))
    for _ in range(5):  # first as a remembered token, then as any other: each 401 counts
        assert (await client.get("/me", headers=expiring)).status_code == 401
    assert_too_many(await client.get("/me", headers=expiring))
    assert_too_many(await client.get("/me", headers=guess(1)))


ABUSER = "192.0.2.1"


@pytest.fixture
def abused(clock: Clock) -> ClientBuckets:
    """Room for ten addresses, ten requests at once, one a second; the abuser's spent."""
    buckets = ClientBuckets(per_minute=60, burst=10, max_clients=10, clock=clock)
    while buckets.take(ABUSER):
        pass
    return buckets


def test_a_flood_of_new_addresses_forgets_refilled_buckets_before_an_abusers(
    abused: ClientBuckets, clock: Clock
) -> None:
    # Five new addresses a second for four seconds, one request each: each bucket is full
    # again a second later, while the abuser's, emptied, needs ten. Least recently used
    # alone would forget the abuser first, and hand it a fresh budget of ten.
    for n in range(20):
        clock.now += 0.2
        assert abused.take(f"203.0.113.{n}")
        assert len(abused.buckets) <= 10
    assert [abused.take(ABUSER) for _ in range(5)] == [True] * 4 + [False]


def test_an_abuser_that_keeps_sending_keeps_its_empty_bucket_through_a_flood(
    abused: ClientBuckets,
) -> None:
    # The clock stands still: no bucket is full again, so the least recently used go.
    for n in range(1000):
        assert abused.take(f"10.{n // 250}.{n % 250}.1")
        if n % 5 == 0:
            assert not abused.take(ABUSER)
        assert len(abused.buckets) <= 10
    # What remains, as the class says: an address idle through enough new ones is forgotten.
    for n in range(10):
        abused.take(f"10.9.{n}.1")
    assert ABUSER not in abused.buckets


def test_addresses_of_one_ipv6_subscriber_share_a_bucket() -> None:
    assert (
        address_key("2001:db8:1:2::1")
        == address_key("2001:db8:1:2:abcd::9")
        == ("2001:db8:1:2::/64")
    )
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1") == "192.0.2.1"
    assert address_key("testclient") == "testclient"
    buckets = ClientBuckets(per_minute=60, burst=2)
    assert buckets.take("2001:db8::1") and buckets.take("2001:db8::2")
    assert not buckets.take("2001:db8::3")
    assert buckets.take("2001:db8:0:1::1")


async def test_a_spoofed_forwarded_for_from_an_untrusted_peer_is_ignored(clock: Clock) -> None:
    app, _ = limited_app(clock, burst=2, trusted=("10.0.0.0/8",))
    async with client_at(app, GUESSER) as client:
        answers = [
            await client.get("/open", headers={"X-Forwarded-For": f"192.0.2.{n}"}) for n in range(4)
        ]
    assert [a.status_code for a in answers] == [200, 200, 429, 429]
    assert {a.json()["client"] for a in answers[:2]} == {GUESSER}


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(
    clock: Clock,
) -> None:
    app, _ = limited_app(clock, burst=2, trusted=("10.0.0.0/8", "192.0.2.9"))
    async with client_at(app, "10.1.2.3") as proxy:

        async def via(chain: str) -> httpx.Response:
            return await proxy.get("/open", headers={"X-Forwarded-For": chain})

        # The right-most address not trusted is the client: what it wrote left of its own
        # address (a spoof) does not count, and trusted hops (192.0.2.9) are skipped.
        first = [await via(f"203.0.113.{n}, 198.51.100.1, 192.0.2.9") for n in range(3)]
        assert [a.status_code for a in first] == [200, 200, 429]
        assert first[0].json()["client"] == "198.51.100.1"
        second = await via("198.51.100.2")
        assert second.status_code == 200 and second.json()["client"] == "198.51.100.2"
        # The proxy's own requests are its own.
        assert (await proxy.get("/open")).json()["client"] == "10.1.2.3"


def test_trusted_proxies_are_addresses_or_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QISE_TRUSTED_PROXIES", raising=False)
    assert ServiceSettings(_env_file=None).trusted_proxies == ()
    monkeypatch.setenv("QISE_TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.7 fd00::/8")
    assert ServiceSettings(_env_file=None).trusted_proxies == (
        "10.0.0.0/8",
        "192.0.2.7",
        "fd00::/8",
    )
    assert ConsoleSettings(_env_file=None).trusted_proxies == (
        "10.0.0.0/8",
        "192.0.2.7",
        "fd00::/8",
    )
    # uvicorn would take these as names to match literally, i.e. never: refused instead.
    for wrong in ("ingress.local", "10.0.0.1/8", "10.0.0.300"):
        monkeypatch.setenv("QISE_TRUSTED_PROXIES", wrong)
        with pytest.raises(ValidationError, match="not an IP address or network"):
            ServiceSettings(_env_file=None)


def test_qise_serve_leaves_forwarded_headers_to_the_setting(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """uvicorn's own proxy headers would also trust 127.0.0.1 (or FORWARDED_ALLOW_IPS):
    only QISE_TRUSTED_PROXIES decides."""
    monkeypatch.chdir(tmp_path)  # no `.env` of the worktree
    served: list[dict[str, Any]] = []
    monkeypatch.setattr("uvicorn.run", lambda app, **options: served.append(options))
    monkeypatch.setenv("QISE_JWT_SECRET", TEST_SECRET)
    for service in ("registry", "console"):
        assert CliRunner().invoke(cli.app, ["serve", service]).exit_code == 0
    assert [options["proxy_headers"] for options in served] == [False, False]
