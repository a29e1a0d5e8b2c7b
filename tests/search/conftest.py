from __future__ import annotations

import hashlib
import itertools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, Role
from accounts.tenancy import SESSION_KEY
from gallery import services as gallery_services
from gallery.models import Asset, AssetTag, Status
from search import services
from tests.factories import MembershipFactory, UserFactory, post_asset
from tests.factories import personal_membership as personal

_counter = itertools.count(1)
BASE_TIME = datetime(2024, 1, 1, tzinfo=UTC)


def make_asset(membership: Membership, **fields: Any) -> Asset:
    """An asset row as processing leaves it, indexed as gallery's events would have it
    indexed. Fast: no file, no renditions (for ranking and filter tests). Each one is
    a minute newer than the one before unless ``created_at`` is given."""
    n = next(_counter)
    tags = fields.pop("tags", None)
    defaults: dict[str, Any] = {
        "tenant_id": membership.tenant_id,
        "owner": membership.user,
        "original": f"originals/{n}.jpg",
        "original_filename": f"IMG_{n:04}.JPG",
        "sha256": hashlib.sha256(f"asset {n}".encode()).hexdigest(),
        "format": "jpeg",
        "mime": "image/jpeg",
        "bytes": 100_000,
        "width": 640,
        "height": 480,
        "status": Status.READY,
        "created_at": BASE_TIME + timedelta(minutes=n),
    }
    defaults.update(fields)
    asset = Asset.objects.create(**defaults)
    if tags:
        found = gallery_services.tags_ensure(tenant_id=membership.tenant_id, names=tags)
        AssetTag.objects.bulk_create([AssetTag(asset=asset, tag=tag) for tag in found])
    services.documents_refresh(asset_ids=[asset.pk])
    return asset


@pytest.fixture
def ws(db: None) -> Membership:
    """The personal workspace of a new user: where that user's API calls land."""
    return personal(UserFactory())


@pytest.fixture
def other_ws(db: None) -> Membership:
    """Someone else's workspace, for scoping tests."""
    return personal(UserFactory())


@pytest.fixture
def join() -> Callable[..., Membership]:
    """join(ws, role) -> a new user's membership in that workspace."""

    def make(membership: Membership, role: str = Role.EDITOR) -> Membership:
        added = MembershipFactory(tenant=membership.tenant, role=role)
        return Membership.objects.select_related("tenant", "user").get(pk=added.pk)

    return make


@pytest.fixture
def client_in(api_for: Callable[[Any], APIClient]) -> Callable[[Membership], APIClient]:
    """An API client acting in this membership's workspace (session-selected)."""

    def make(membership: Membership) -> APIClient:
        client = api_for(membership.user)
        session = client.session
        session[SESSION_KEY] = membership.tenant_id
        session.save()
        return client

    return make


@pytest.fixture
def upload_as(client_in: Callable[[Membership], APIClient], media: Any) -> Callable[..., Any]:
    """upload_as(membership, data, name, **fields) -> the asset's JSON, processed."""

    def send(membership: Membership, data: bytes, name: str = "photo.jpg", **fields: Any) -> Any:
        response = post_asset(client_in(membership), data, name, **fields)
        assert response.status_code in (200, 201), response.json()
        return response.json()

    return send


def titles(response: Any) -> list[str]:
    body = response.json() if hasattr(response, "json") else response
    return [r["title"] for r in body["results"]]
