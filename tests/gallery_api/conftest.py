from __future__ import annotations

from pathlib import Path

import pytest

from tests.factories import UserFactory, post_asset
from tests.factories import personal_membership as membership_of


def files_under(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


@pytest.fixture
def editor(db, media):  # type: ignore[no-untyped-def]
    return UserFactory()


@pytest.fixture
def upload(api_for):  # type: ignore[no-untyped-def]
    """upload(user, data, name="photo.jpg", **fields) -> response (processed: eager)."""

    def send(user, data: bytes, name: str = "photo.jpg", **fields):  # type: ignore[no-untyped-def]
        return post_asset(api_for(user), data, name, **fields)

    return send


__all__ = ["editor", "files_under", "membership_of", "upload"]
