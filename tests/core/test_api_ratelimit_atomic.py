"""Rate limits hold under parallel requests on the embedded default cache (a file
cache, which reads and then writes): 30 requests at once through a real HTTP server,
exactly the limit is allowed. Counted answers carry the RateLimit-* headers."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts import services
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

LIMIT = 10
PARALLEL = 30


@pytest.fixture
def file_cache(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "cache"),
        }
    }
    # An hour's window: the test never straddles two windows.
    settings.LUMINA_RATE_LIMITS = {**settings.LUMINA_RATE_LIMITS, "api_read": f"{LIMIT}/h"}


def test_parallel_requests_get_exactly_the_limit_on_the_file_cache(live_server, file_cache):
    user = UserFactory()
    _token, raw = services.api_token_create(
        user=user, tenant=user.memberships.get().tenant, name="burst"
    )
    start = threading.Barrier(PARALLEL)

    def call(_: int) -> requests.Response:
        start.wait()
        return requests.get(
            f"{live_server.url}/api/v1/me/",
            headers={"Authorization": f"Bearer {raw}"},
            timeout=60,
        )

    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(call, range(PARALLEL)))

    statuses = sorted(a.status_code for a in answers)
    assert statuses == [200] * LIMIT + [429] * (PARALLEL - LIMIT)
    allowed = [a for a in answers if a.status_code == 200]
    assert sorted(int(a.headers["RateLimit-Remaining"]) for a in allowed) == list(range(LIMIT))
    for answer in answers:
        assert answer.headers["RateLimit-Limit"] == str(LIMIT)
        assert 0 < int(answer.headers["RateLimit-Reset"]) <= 3600
    refused = [a for a in answers if a.status_code == 429]
    assert all(a.json()["error"]["code"] == "rate_limited" for a in refused)
    assert all(int(a.headers["Retry-After"]) > 0 for a in refused)
