from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from accounts.models import Membership, Role, Tenant, User
from tests.factories import TenantFactory, UserFactory, add_member


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


@pytest.fixture
def api(user: User) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_for() -> Callable[[User], APIClient]:
    def make(u: User) -> APIClient:
        client = APIClient()
        client.force_authenticate(u)
        return client

    return make


@pytest.fixture
def team(db: None) -> Callable[..., tuple[Tenant, dict[str, User]]]:
    """A workspace with one member per role: team()[1]["owner"] and so on."""

    def make() -> tuple[Tenant, dict[str, User]]:
        tenant = TenantFactory()
        people = {}
        for role in (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.VIEWER):
            person = UserFactory(
                email=f"{role}-{tenant.slug}@example.com", username=f"{role}-{tenant.slug}"
            )
            add_member(tenant, person, role)
            people[str(role)] = person
        return tenant, people

    return make


def role_of(tenant: Tenant, user: User) -> str | None:
    found = Membership.objects.filter(tenant=tenant, user=user).first()
    return found.role if found else None
