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
