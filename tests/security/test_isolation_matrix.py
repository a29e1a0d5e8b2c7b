"""Tenant isolation over every API endpoint with an id in its path: ids of another
workspace's objects answer 404, for every method the view has, for a session user
and for a Bearer token with every scope. The endpoint list comes from the URL
resolver, so new endpoints join the matrix by themselves; a new kind of id needs a
provider in PROVIDERS."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Invitation, Role, Tenant, User
from albums.models import AlbumShare
from tests.factories import (
    AlbumFactory,
    ApiTokenFactory,
    AssetFactory,
    ShareLinkFactory,
    TenantFactory,
    UserFactory,
    actor_of,
    add_member,
    membership_of,
)

pytestmark = pytest.mark.django_db
METHODS = ("get", "post", "put", "patch", "delete")


def api_routes() -> Iterator[tuple[str, URLPattern]]:
    def walk(patterns: Any, prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            else:
                yield prefix + str(p.pattern), p

    for route, pattern in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/") and "<" in route:
            yield route, pattern


ROUTES = sorted(api_routes(), key=lambda rp: rp[0])


class Victim:
    """A workspace with one of everything, none of it the attacker's."""

    def __init__(self, media_upload: Callable[..., int]) -> None:
        self.owner = UserFactory()
        self.member = UserFactory()
        self.tenant = TenantFactory()
        add_member(self.tenant, self.owner, Role.OWNER)
        add_member(self.tenant, self.member, Role.EDITOR)
        self.invitation, _ = services.invitation_create(
            membership=self.tenant.memberships.get(user=self.owner),
            email="invitee@example.com",
            role=Role.VIEWER,
        )
        self.token = ApiTokenFactory(user=self.owner, tenant=self.tenant, name="v")
        self.asset_id = media_upload(self.owner, self.tenant)
        self._albums: dict[str, int] | None = None

    def albums(self) -> dict[str, int]:
        if self._albums is None:
            album = AlbumFactory(actor=actor_of(self.owner, self.tenant), title="Private album")
            link = ShareLinkFactory(album=album)
            share = AlbumShare.objects.create(
                album=album, user=self.member, role="viewer", created_by=self.owner
            )
            self._albums = {"album_id": album.pk, "link_id": link.pk, "share_id": share.pk}
        return self._albums


PROVIDERS: dict[str, Callable[[Victim], int]] = {
    "tenant_id": lambda v: v.tenant.pk,
    "user_id": lambda v: v.member.pk,
    "invitation_id": lambda v: v.invitation.pk,
    "token_id": lambda v: v.token.pk,
    "asset_id": lambda v: v.asset_id,
    "album_id": lambda v: v.albums()["album_id"],
    "link_id": lambda v: v.albums()["link_id"],
    "share_id": lambda v: v.albums()["share_id"],
}


@pytest.fixture
def victim(media, settings) -> Victim:  # type: ignore[no-untyped-def]
    def upload(user: User, tenant: Tenant) -> int:
        asset = AssetFactory(
            membership=membership_of(user, tenant),
            seed=11,
            width=640,
            height=480,
            process=False,
            filename="secret.jpg",
            title="Secret",
            description="",
            tags=[],
            visibility="tenant",
        )
        return asset.pk

    return Victim(upload)


@pytest.fixture
def attackers() -> list[APIClient]:
    """An owner of another workspace: by session, and by a token with every scope."""
    attacker = UserFactory()
    session = APIClient()
    session.force_authenticate(attacker)
    bearer = APIClient()
    bearer.credentials(
        HTTP_AUTHORIZATION=f"Bearer {ApiTokenFactory(user=attacker, name='all').raw}"
    )
    return [session, bearer]


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[r for r, _ in ROUTES])
def test_other_workspaces_ids_are_404(route, pattern, victim, attackers):
    kwargs = {}
    for name in pattern.pattern.converters:
        if name not in PROVIDERS:
            pytest.fail(f"{route}: no provider for <{name}> in PROVIDERS (tenant matrix)")
        kwargs[name] = PROVIDERS[name](victim)
    path = "/" + route
    for name, value in kwargs.items():
        path = path.replace(f"<int:{name}>", str(value))
    view = getattr(pattern.callback, "cls", None) or getattr(pattern.callback, "view_class", None)
    methods = [m for m in METHODS if view is None or hasattr(view, m)]
    assert methods, route
    for client in attackers:
        for method in methods:
            response = getattr(client, method)(path, {}, format="json")
            assert response.status_code == 404, (method.upper(), path, response.content[:200])
            assert response.json()["error"]["code"] in ("not_found", "invitation_invalid")
    # and nothing changed hands
    assert Invitation.objects.filter(pk=victim.invitation.pk, revoked_at__isnull=True).exists()
    victim.token.refresh_from_db()
    assert victim.token.revoked_at is None
