from __future__ import annotations

import pytest
from django.core.cache import cache

from tests import images
from tests.factories import post_asset


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and the workspace IP-rule cache live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def upload_as(api_for, media):  # type: ignore[no-untyped-def]
    """upload_as(user, title=..., seed=...) -> asset id (through the API)."""

    def send(user, seed: int = 0, **fields):  # type: ignore[no-untyped-def]
        name = fields.pop("name", "photo.jpg")
        response = post_asset(api_for(user), images.jpeg(seed=seed), name, **fields)
        assert response.status_code in (200, 201), response.content
        return response.json()["id"]

    return send


LOGIN = "/accounts/login/"
