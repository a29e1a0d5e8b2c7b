from __future__ import annotations

from typing import Any

import factory

from accounts import services
from accounts.models import Membership, Role, Tenant, User

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


def add_member(tenant: Tenant, user: User, role: str = Role.VIEWER) -> Membership:
    return Membership.objects.create(tenant=tenant, user=user, role=role)
