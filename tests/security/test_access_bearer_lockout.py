"""Bearer failures are counted per token prefix and per address apart (issue 11, "decide
and document"): a few stale tokens behind one NAT lock out only themselves, while
someone guessing many tokens from one address locks that address out of token
authentication."""

from __future__ import annotations

import secrets

import pytest
from django.conf import settings

from accounts import lockout
from tests.factories import ApiTokenFactory, UserFactory

pytestmark = pytest.mark.django_db
NAT = "198.51.100.20"


def me(client, raw: str, ip: str = NAT):  # type: ignore[no-untyped-def]
    return client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=ip)


def stale() -> str:
    return "lum_" + secrets.token_urlsafe(32)


def test_a_few_stale_tokens_behind_one_address_lock_only_themselves(client):
    user = UserFactory()
    raw = ApiTokenFactory(user=user, name="t").raw
    limit = settings.AXES_FAILURE_LIMIT
    olds = [stale() for _ in range(3)]
    for old in olds:  # three scripts still using revoked tokens, retrying
        statuses = [me(client, old).status_code for _ in range(limit + 3)]
        assert statuses[: limit - 1] == [401] * (limit - 1)
        assert set(statuses[limit:]) == {429}
    # everyone else's tokens behind that address still work
    assert me(client, raw).status_code == 200
    assert me(client, stale()).status_code == 401


def test_guessing_many_tokens_locks_the_address(client):
    user = UserFactory()
    raw = ApiTokenFactory(user=user, name="t").raw
    guesses = settings.AXES_FAILURE_LIMIT * lockout.BEARER_IP_FACTOR
    for _ in range(guesses):
        assert me(client, stale()).status_code == 401
    locked = me(client, raw)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert int(locked["Retry-After"]) > 0
    assert me(client, raw, ip="192.0.2.7").status_code == 200
