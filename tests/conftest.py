from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = os.environ.get("LUMINA_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the whole run, shared by every browser test: Playwright's sync
    API allows a single running instance per thread. Each test opens its own context."""
    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail(f"Chromium is missing at {CHROMIUM}; .ci/run installs it")
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    # Playwright keeps an event loop in this thread; the tests still call the ORM
    # synchronously between browser steps, which is safe here (one thread, no awaits).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
