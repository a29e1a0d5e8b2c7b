"""Tenant isolation over every API endpoint with an id in its path: ids of another
workspace's objects answer 404, for every method the view has, for a session user
and for a Bearer token with every scope. The endpoint list comes from the URL
resolver, so new endpoints join the matrix by themselves; a new kind of id needs a
provider in PROVIDERS."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from accounts import services
from accounts.models import Invitation, Role, Tenant, User
from tests.factories import TenantFactory, UserFactory, add_member

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
        self.token, _ = services.api_token_create(user=self.owner, tenant=self.tenant, name="v")
        self.asset_id = media_upload(self.owner, self.tenant)
        self._albums: dict[str, int] | None = None

    def albums(self) -> dict[str, int]:
        if self._albums is None:
            album_model = apps.get_model("albums", "Album")
            link_model = apps.get_model("albums", "ShareLink")
            share_model = apps.get_model("albums", "AlbumShare")
            album = album_model.objects.create(
                tenant=self.tenant, title="Private album", created_by=self.owner
            )
            link = link_model.objects.create(
                tenant=self.tenant,
                album=album,
                token_hash=secrets.token_hex(32),
                token_prefix="abcd",
                created_by=self.owner,
            )
            share = share_model.objects.create(
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
    import io

    from gallery import services as gallery_services
    from tests import images

    def upload(user: User, tenant: Tenant) -> int:
        handle = io.BytesIO(images.jpeg(seed=11))
        asset, _ = gallery_services.asset_upload(
            membership=tenant.memberships.get(user=user),
            fileobj=handle,
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
    _, raw = services.api_token_create(
        user=attacker, tenant=attacker.memberships.get().tenant, name="all"
    )
    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return [session, bearer]


@pytest.mark.parametrize(("route", "pattern"), ROUTES, ids=[r for r, _ in ROUTES])
def test_other_workspaces_ids_are_404(route, pattern, victim, attackers):
    kwargs = {}
    for name in pattern.pattern.converters:
        if name not in PROVIDERS:
            pytest.fail(f"{route}: no provider for <{name}> in PROVIDERS (tenant matrix)")
        try:
            kwargs[name] = PROVIDERS[name](victim)
        except LookupError:
            pytest.skip(f"{route}: the models behind <{name}> are not installed")
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
