from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client, TestCase
from rest_framework.test import APIClient

from accounts.models import Membership, Role, Tenant, User
from tests.factories import TenantFactory, UserFactory, add_member


@pytest.fixture
def user(db: None) -> User:
    return UserFactory()


class CommittingAPIClient(APIClient):
    """Runs the request's on-commit callbacks (mails, queued tasks, events) before
    returning, as a real committed request would; tests run inside a transaction."""

    def generic(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture
def api(user: User) -> APIClient:
    client = CommittingAPIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def api_for() -> Callable[[User], APIClient]:
    def make(u: User) -> APIClient:
        client = CommittingAPIClient()
        client.force_authenticate(u)
        return client

    return make


class CommittingClient(Client):
    def generic(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with TestCase.captureOnCommitCallbacks(execute=True):
            return super().generic(*args, **kwargs)


@pytest.fixture
def browser() -> Client:
    """A Django test client whose requests commit (see CommittingAPIClient)."""
    return CommittingClient()


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
