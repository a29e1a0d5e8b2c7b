from __future__ import annotations

import io
from pathlib import Path

import pytest

from accounts.models import Membership
from tests.factories import UserFactory
from tests.gallery_web.translations import ensure_compiled

# Before any test activates French or Indonesian (catalogues are cached per process).
ensure_compiled()


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(db, media):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def upload(api_for):  # type: ignore[no-untyped-def]
    """upload(user, data, name="photo.jpg", **fields) -> response (processed: eager)."""

    def send(user, data: bytes, name: str = "photo.jpg", **fields):  # type: ignore[no-untyped-def]
        handle = io.BytesIO(data)
        handle.name = name
        return api_for(user).post("/api/v1/assets/", {"file": handle, **fields}, format="multipart")

    return send


def membership_of(user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.select_related("tenant", "user").get(user=user, tenant__personal=True)
