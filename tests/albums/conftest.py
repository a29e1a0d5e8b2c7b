from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import TestCase
from django.utils import timezone

from accounts.models import Membership, Role, Tenant, User
from albums import services
from albums.models import Album
from albums.selectors import Actor
from gallery import services as gallery_services
from gallery.models import Asset
from tests import images
from tests.factories import TenantFactory, UserFactory, add_member


@pytest.fixture
def media(settings, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def membership_of(user: User, tenant: Tenant) -> Membership:
    return Membership.objects.select_related("tenant", "user").get(user=user, tenant=tenant)


def actor_of(user: User, tenant: Tenant | None = None) -> Actor:
    if tenant is None:
        found = Membership.objects.select_related("tenant", "user").filter(
            user=user, tenant__personal=True
        )
        return Actor(user=user, membership=found.first())
    return Actor(user=user, membership=membership_of(user, tenant))


class Team:
    """A workspace with an owner, an editor and a viewer, plus an outsider (who has
    their own personal workspace)."""

    def __init__(self) -> None:
        self.tenant = TenantFactory()
        self.people: dict[str, User] = {}
        for role in (Role.OWNER, Role.EDITOR, Role.VIEWER):
            person = UserFactory(email=f"{role}-{self.tenant.slug}@example.com")
            add_member(self.tenant, person, role)
            self.people[str(role)] = person
        self.outsider = UserFactory(email=f"outsider-{self.tenant.slug}@example.com")

    @property
    def owner(self) -> User:
        return self.people["owner"]

    @property
    def editor(self) -> User:
        return self.people["editor"]

    @property
    def viewer(self) -> User:
        return self.people["viewer"]

    def actor(self, role: str = "editor") -> Actor:
        return actor_of(self.people[role], self.tenant)

    def membership(self, role: str = "editor") -> Membership:
        return membership_of(self.people[role], self.tenant)

    def album(self, title: str = "Album", parent: Album | None = None, **extra: Any) -> Album:
        return services.album_create(actor=self.actor(), title=title, parent=parent, **extra)


@pytest.fixture
def team(db: None, media: Path) -> Team:
    return Team()


@pytest.fixture
def other_team(db: None, media: Path) -> Team:
    return Team()


def upload(
    membership: Membership,
    *,
    seed: int = 0,
    name: str = "photo.jpg",
    data: bytes | None = None,
    title: str = "",
    visibility: str | None = None,
    process: bool = True,
) -> Asset:
    """An uploaded asset, processed (ready) unless ``process`` is False."""
    data = data if data is not None else images.jpeg(96, 64, seed=seed)
    with TestCase.captureOnCommitCallbacks(execute=process):
        asset, __ = gallery_services.asset_upload(
            membership=membership,
            fileobj=io.BytesIO(data),
            filename=name,
            title=title,
            visibility=visibility,
        )
    asset.refresh_from_db()
    return asset


@pytest.fixture
def photo(team: Team) -> Callable[..., Asset]:
    counter = iter(range(1000, 100000))

    def make(membership: Membership | None = None, **options: Any) -> Asset:
        options.setdefault("seed", next(counter))
        return upload(membership or team.membership("editor"), **options)

    return make


def set_fields(asset: Asset, **fields: Any) -> None:
    Asset.objects.filter(pk=asset.pk).update(**fields)


class Clock:
    """Time travel: ``timezone.now`` answers ``clock.now``."""

    def __init__(self) -> None:
        self.now = timezone.now()

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    found = Clock()
    monkeypatch.setattr(timezone, "now", lambda: found.now)
    return found


def read_zip(response: Any) -> zipfile.ZipFile:
    body = b"".join(response.streaming_content)
    return zipfile.ZipFile(io.BytesIO(body))


def login(client: Any, user: User, tenant: Tenant) -> Any:
    """Sign ``client`` in as ``user`` working in ``tenant``."""
    from accounts.tenancy import SESSION_KEY

    client.force_login(user)
    session = client.session
    session[SESSION_KEY] = tenant.pk
    session.save()
    return client
