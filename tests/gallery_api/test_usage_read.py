"""Reading the storage counters never writes (selectors read, services write)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Membership
from gallery import selectors
from gallery.models import StorageUsage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _writes(queries: CaptureQueriesContext) -> list[str]:
    verbs = ("INSERT", "UPDATE", "DELETE")
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(verbs)
    ]


def test_usage_of_a_workspace_that_never_stored_anything_reads_zero_without_a_write():
    # given a fresh workspace: no counters row yet
    membership = Membership.objects.get(user=UserFactory())
    assert not StorageUsage.objects.filter(tenant_id=membership.tenant_id).exists()

    # when
    with CaptureQueriesContext(connection) as queries:
        usage = selectors.usage_get(membership=membership)

    # then
    assert _writes(queries) == []
    assert (usage.originals_bytes, usage.renditions_bytes, usage.assets_count) == (0, 0, 0)
    assert usage.total_bytes == 0
    assert not StorageUsage.objects.filter(tenant_id=membership.tenant_id).exists()


def test_usage_reads_the_stored_counters_without_a_write():
    membership = Membership.objects.get(user=UserFactory())
    StorageUsage.objects.create(
        tenant_id=membership.tenant_id, originals_bytes=70, renditions_bytes=5, assets_count=2
    )
    with CaptureQueriesContext(connection) as queries:
        usage = selectors.usage_get(membership=membership)
    assert _writes(queries) == []
    assert (usage.total_bytes, usage.assets_count) == (75, 2)


def test_the_usage_endpoint_shows_zero_and_writes_nothing(api_for):
    user = UserFactory()
    membership = Membership.objects.get(user=user)
    body = api_for(user).get("/api/v1/usage/").json()
    assert body["total_bytes"] == 0
    assert body["assets_count"] == 0
    assert body["quota_bytes"] == membership.tenant.quota_bytes
    assert not StorageUsage.objects.filter(tenant_id=membership.tenant_id).exists()
