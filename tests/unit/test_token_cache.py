"""A token checked a moment ago is not checked again, but never beyond its expiry."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import jwt
import pytest

from shared.auth import TokenVerifier, issue_token
from shared.errors import Unauthorized
from shared.settings import ServiceSettings
from tests.conftest import TEST_SECRET

SETTINGS = ServiceSettings(_env_file=None, jwt_secret=TEST_SECRET, jwt_leeway_seconds=0)


async def test_a_token_is_checked_once_while_it_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    decoded = 0
    decode = jwt.decode

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal decoded
        decoded += 1
        return decode(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(jwt, "decode", counting)
    tokens = TokenVerifier(SETTINGS)
    token = issue_token(SETTINGS, sub="a", role="volunteer", communities=["c1"])
    first, second = await tokens.verify(token), await tokens.verify(token)
    assert first == second and first.sub == "a"
    assert decoded == 1
    other = issue_token(SETTINGS, sub="b", role="volunteer", communities=["c2"])
    assert (await tokens.verify(other)).communities == ["c2"]
    assert decoded == 2


async def test_a_checked_token_is_refused_once_it_expires() -> None:
    tokens = TokenVerifier(SETTINGS)
    token = issue_token(
        SETTINGS, sub="a", role="volunteer", communities=["c1"], ttl=timedelta(seconds=1)
    )
    assert (await tokens.verify(token)).sub == "a"
    expires = jwt.decode(token, options={"verify_signature": False})["exp"]
    await asyncio.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(Unauthorized, match="expired"):
        await tokens.verify(token)
