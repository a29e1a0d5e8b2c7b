from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.cache import cache

from tests import images


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate-limit counters and the workspace IP-rule cache live in the cache."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def upload_as(api_for, media):  # type: ignore[no-untyped-def]
    """upload_as(user, title=..., seed=...) -> asset id (through the API)."""

    def send(user, seed: int = 0, **fields):  # type: ignore[no-untyped-def]
        handle = io.BytesIO(images.jpeg(seed=seed))
        handle.name = fields.pop("name", "photo.jpg")
        response = api_for(user).post(
            "/api/v1/assets/", {"file": handle, **fields}, format="multipart"
        )
        assert response.status_code in (200, 201), response.content
        return response.json()["id"]

    return send


LOGIN = "/accounts/login/"
