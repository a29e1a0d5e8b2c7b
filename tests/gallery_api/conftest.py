from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.conf import settings

from accounts.models import Membership
from tests.factories import UserFactory


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """A fresh, empty local storage folder for each test."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()  # Django's setting_changed signal resets the storage
    return settings.MEDIA_ROOT


@pytest.fixture
def editor(db, media):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def upload(api_for):  # type: ignore[no-untyped-def]
    """upload(user, data, name="photo.jpg", **fields) -> response"""

    def send(user, data: bytes, name: str = "photo.jpg", **fields):  # type: ignore[no-untyped-def]
        client = api_for(user)
        handle = io.BytesIO(data)
        handle.name = name
        return client.post("/api/v1/assets/", {"file": handle, **fields}, format="multipart")

    return send


def membership_of(user) -> Membership:  # type: ignore[no-untyped-def]
    return Membership.objects.select_related("tenant", "user").get(user=user, tenant__personal=True)


__all__ = ["files_under", "membership_of", "settings"]
