from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from accounts.models import Invitation
from accounts.tasks import invitations_purge_task
from lumina.celery import app
from tests.factories import TenantFactory
from tests.helpers import celery_worker, child_database_url, filesystem_broker, wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_task_queued_on_commit_runs_in_a_real_worker(tmp_path):
    # given: an invitation that ended long ago, and a worker in its own process
    tenant = TenantFactory()
    old = timezone.now() - timedelta(days=90)
    stale = Invitation.objects.create(
        tenant=tenant, email="old@example.com", token_hash="x" * 64, expires_at=old
    )
    fresh = Invitation.objects.create(
        tenant=tenant,
        email="new@example.com",
        token_hash="y" * 64,
        expires_at=timezone.now() + timedelta(days=3),
    )
    with (
        celery_worker(tmp_path, database_url=child_database_url()),
        filesystem_broker(app, tmp_path),
    ):
        # when: the task is queued on commit
        with transaction.atomic():
            transaction.on_commit(lambda: invitations_purge_task.delay(30))
            queued = list((tmp_path / "broker" / "queue").glob("*"))
            assert queued == []  # nothing is sent before the commit

        # then: the worker process deletes the stale row and leaves the fresh one
        assert wait_for(lambda: not Invitation.objects.filter(pk=stale.pk).exists(), timeout=30)
    assert Invitation.objects.filter(pk=fresh.pk).exists()
    log = (tmp_path / "worker.log").read_text()
    assert "accounts.invitations_purge" in log
    assert "succeeded" in log
