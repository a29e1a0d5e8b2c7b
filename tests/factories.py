"""The test kit: factories that make users, workspaces, memberships, API tokens, assets,
albums and share links the way the application does (through its services), so a
test's world is one the application could have made.

Factories accept the usual factory_boy overrides; the ones that go through a service
take that service's arguments. ``Team`` is the ready-made workspace the ``team``
fixture gives (tests/conftest.py)."""

from __future__ import annotations

import io
from typing import Any

import factory
from django.test import TestCase

from accounts import services
from accounts.models import ApiToken, Membership, Role, Tenant, User
from albums import services as album_services
from albums.models import Album, ShareLink
from albums.selectors import Actor
from albums.sharing import services as sharing_services
from gallery import services as gallery_services
from gallery.models import Asset
from tests import images

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    """Users made through the service, so each has a verified e-mail and a personal workspace."""

    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    username = factory.Sequence(lambda n: f"user{n}")

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        kwargs.setdefault("password", PASSWORD)
        return services.user_create(**kwargs)


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Team {n}")
    slug = factory.Sequence(lambda n: f"team-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    """A member of a workspace (a viewer unless ``role`` says otherwise)."""

    class Meta:
        model = Membership

    tenant = factory.SubFactory(TenantFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER


def add_member(tenant: Tenant, user: User, role: str = Role.VIEWER) -> Membership:
    return MembershipFactory(tenant=tenant, user=user, role=role)


def personal_membership(user: User) -> Membership:
    """The membership of ``user`` in their personal workspace (where their API calls land)."""
    return Membership.objects.select_related("tenant", "user").get(user=user, tenant__personal=True)


def membership_of(user: User, tenant: Tenant) -> Membership:
    return Membership.objects.select_related("tenant", "user").get(user=user, tenant=tenant)


def actor_of(user: User, tenant: Tenant | None = None) -> Actor:
    """The albums' caller: ``user`` working in ``tenant`` (their personal workspace if None)."""
    if tenant is None:
        found = Membership.objects.select_related("tenant", "user").filter(
            user=user, tenant__personal=True
        )
        return Actor(user=user, membership=found.first())
    return Actor(user=user, membership=membership_of(user, tenant))


def _new_personal_membership() -> Membership:
    return personal_membership(UserFactory())


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """An API token made by the service; the secret it showed once is ``token.raw``.
    ``scopes=None`` grants every scope, as the service does."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(UserFactory)
    tenant = None  # the user's personal workspace
    name = factory.Sequence(lambda n: f"token {n}")
    scopes = None

    @classmethod
    def _create(cls, model_class: type[ApiToken], *args: Any, **kwargs: Any) -> ApiToken:
        if kwargs.get("tenant") is None:
            kwargs["tenant"] = personal_membership(kwargs["user"]).tenant
        token, raw = services.api_token_create(**kwargs)
        token.raw = raw  # type: ignore[attr-defined]
        return token


class AssetFactory(factory.django.DjangoModelFactory):
    """An asset uploaded through the upload service with real image bytes (a JPEG drawn
    from ``seed`` unless ``data`` is given), stored in the default storage and processed
    (renditions made, ready) unless ``process`` is False. ``membership`` says who uploads
    where (default: a new user in their personal workspace); the service's other
    arguments (title, description, tags, visibility, ...) pass through."""

    class Meta:
        model = Asset

    membership = factory.LazyFunction(_new_personal_membership)
    seed = factory.Sequence(lambda n: 1000 + n)
    width = 96
    height = 64
    data = None
    filename = "photo.jpg"
    process = True

    @classmethod
    def _create(cls, model_class: type[Asset], *args: Any, **kwargs: Any) -> Asset:
        seed, width, height = kwargs.pop("seed"), kwargs.pop("width"), kwargs.pop("height")
        data = kwargs.pop("data")
        if data is None:
            data = images.jpeg(width, height, seed=seed)
        with TestCase.captureOnCommitCallbacks(execute=kwargs.pop("process")):
            asset, __ = gallery_services.asset_upload(fileobj=io.BytesIO(data), **kwargs)
        asset.refresh_from_db()
        return asset


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
    return AssetFactory(
        membership=membership,
        seed=seed,
        filename=name,
        data=data,
        title=title,
        visibility=visibility,
        process=process,
    )


class AlbumFactory(factory.django.DjangoModelFactory):
    """An album made by the albums service, as ``actor`` (default: a new user in their
    personal workspace); ``parent``, ``description`` and the sort pass through."""

    class Meta:
        model = Album

    actor = factory.LazyFunction(lambda: actor_of(UserFactory()))
    title = factory.Sequence(lambda n: f"Album {n}")

    @classmethod
    def _create(cls, model_class: type[Album], *args: Any, **kwargs: Any) -> Album:
        return album_services.album_create(**kwargs)


class ShareLinkFactory(factory.django.DjangoModelFactory):
    """A share link made by the albums service for ``album`` or ``asset``, as ``actor``;
    the token it showed once is ``link.token``. Limits and options pass through."""

    class Meta:
        model = ShareLink

    actor = None  # the album's (or asset's) maker in its workspace
    asset = None
    album = factory.Maybe(
        "asset", yes_declaration=None, no_declaration=factory.SubFactory(AlbumFactory)
    )

    @classmethod
    def _create(cls, model_class: type[ShareLink], *args: Any, **kwargs: Any) -> ShareLink:
        if kwargs.get("actor") is None:
            shared = kwargs["album"] or kwargs["asset"]
            owner = shared.created_by if kwargs["album"] else shared.owner
            kwargs["actor"] = actor_of(owner, shared.tenant)
        link, token = sharing_services.share_link_create(**kwargs)
        link.token = token  # type: ignore[attr-defined]
        return link


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
        return AlbumFactory(actor=self.actor(), title=title, parent=parent, **extra)


def post_asset(client: Any, data: bytes, name: str = "photo.jpg", **fields: Any) -> Any:
    """Upload ``data`` as ``name`` through the API with ``client`` (the response)."""
    handle = io.BytesIO(data)
    handle.name = name
    return client.post("/api/v1/assets/", {"file": handle, **fields}, format="multipart")


def bearer(raw: str) -> Any:
    """An API client that sends the API token ``raw`` (CSRF enforced, as for scripts)."""
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client
