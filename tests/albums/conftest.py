from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.models import Membership, Tenant, User
from gallery.models import Asset
from tests.factories import Team, upload


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def editor_api(team: Team, api_for: Callable[[User], Any]) -> Any:
    """An API client of the team's editor, signed in and working in the team's workspace."""
    client = api_for(team.editor)
    return login(client, team.editor, team.tenant)


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
