from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import Client, TestCase
from rest_framework.test import APIClient

from accounts.models import Membership, Role, Tenant, User
from tests.browser import CHROMIUM, chromium_installed, launch
from tests.factories import Team, TenantFactory, UserFactory, add_member


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
def make_team(db: None) -> Callable[..., tuple[Tenant, dict[str, User]]]:
    """make_team() -> (a new workspace, one member per role): people["owner"] and so on.
    (``team`` is the ready-made workspace object of tests/factories.py's Team.)"""

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


@pytest.fixture
def team(db: None, media: Path) -> Team:
    """A workspace with an owner, an editor and a viewer, plus an outsider
    (tests/factories.py's Team); files go to a fresh ``media`` folder."""
    return Team()


@pytest.fixture
def other_team(db: None, media: Path) -> Team:
    """A second, unrelated Team."""
    return Team()


def role_of(tenant: Tenant, user: User) -> str | None:
    found = Membership.objects.filter(tenant=tenant, user=user).first()
    return found.role if found else None


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Path:
    """A fresh, empty local storage folder for each test (Django's setting_changed
    signal resets the default storage)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the whole run, shared by every browser test: Playwright's sync
    API allows a single running instance per thread. Each test opens its own context.
    A missing Chromium fails the browser tests (CI installs it): it never skips them."""
    if not chromium_installed():
        pytest.fail(
            f"Chromium is missing at {CHROMIUM} (set LUMINA_CHROMIUM or install it; "
            ".ci/run installs it): the browser tests cannot run"
        )
    # Playwright keeps an event loop in this thread; the tests still call the ORM
    # synchronously between browser steps, which is safe here (one thread, no awaits).
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            yield browser
        finally:
            browser.close()


class S3Bucket:
    """A fresh bucket on the run's moto_server, set as the default storage."""

    def __init__(self, endpoint: str, name: str) -> None:
        import boto3

        self.endpoint = endpoint
        self.name = name
        self.client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name="us-east-1",
        )
        self.client.create_bucket(Bucket=name)

    def keys(self) -> set[str]:
        listing = self.client.list_objects_v2(Bucket=self.name)
        return {item["Key"] for item in listing.get("Contents", [])}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    """A real S3 endpoint: moto_server on 127.0.0.1, one for the whole run."""
    import subprocess
    import sys

    import boto3

    from tests.helpers import free_port, wait_for

    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )

    def up() -> bool:
        try:
            client.list_buckets()
            return True
        except Exception:
            return False

    assert wait_for(up, timeout=30)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3_storage(settings: Any, s3_endpoint: str) -> S3Bucket:
    """Default storage on a new bucket of the moto_server (django-storages' S3 backend)."""
    import uuid

    bucket = S3Bucket(s3_endpoint, f"lumina-{uuid.uuid4().hex[:12]}")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": bucket.name,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "file_overwrite": True,
                "default_acl": None,
            },
        },
    }
    return bucket


@pytest.fixture(autouse=True)
def _celery_join_flag_reset() -> None:
    """Celery keeps "a task is running here" (no ``result.get()``) in one process-wide flag
    that eager tasks set and restore. Eager tasks run at once in several live-server
    threads can restore it in the wrong order and leave it set, which breaks a later
    test's ``.delay().get()``. Each test starts with it cleared, as a fresh process does."""
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)
