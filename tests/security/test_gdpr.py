"""Privacy: the export ZIP built by a task, and account deletion with confirmation,
grace period and the choice for solely owned workspaces."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts import gdpr
from accounts.models import AccountDeletion, DataExport, Membership, Tenant, User
from accounts.tasks import account_deletions_execute_task
from tests import images
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_export_contains_everything_and_is_downloadable(browser, upload_as):
    user = UserFactory(display_name="Sekar")
    asset_id = upload_as(user, title="Borobudur at dawn", name="borobudur.jpg")
    other = UserFactory()
    upload_as(other, seed=3, title="Not mine")
    browser.force_login(user)
    browser.post(reverse("security-privacy"), {"action": "export"})
    export = DataExport.objects.get(user=user)
    assert export.status == "ready"  # the task ran on commit (eager in tests)
    assert any("export is ready" in m.subject for m in mail.outbox)

    page = browser.get(reverse("security-privacy")).content.decode()
    assert reverse("security-export-download", args=[export.pk]) in page
    response = browser.get(reverse("security-export-download", args=[export.pk]))
    assert response.status_code == 200
    data = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = set(zf.namelist())
        profile = json.loads(zf.read("profile.json"))
        assets = json.loads(zf.read("assets.json"))
        memberships = json.loads(zf.read("memberships.json"))
        trail = json.loads(zf.read("audit.json"))
        assert profile["email"] == user.email
        assert profile["display_name"] == "Sekar"
        assert [a["title"] for a in assets] == ["Borobudur at dawn"]
        assert assets[0]["id"] == asset_id
        original = assets[0]["file_in_export"]
        assert original in names
        assert zf.read(original)[:2] == b"\xff\xd8"  # the JPEG itself
        assert memberships[0]["role"] == "owner"
        assert any(row["event"] == "privacy.export_requested" for row in trail)
        assert "tokens.json" in names
        assert "devices.json" in names


def test_someone_elses_export_is_404(browser):
    alice, bob = UserFactory(), UserFactory()
    export = gdpr.data_export_request(user=bob)
    browser.force_login(alice)
    assert browser.get(reverse("security-export-download", args=[export.pk])).status_code == 404


def test_export_build_is_idempotent(user):
    export = DataExport.objects.create(user=user)
    gdpr.data_export_build(export_id=export.pk)
    export.refresh_from_db()
    first = export.file
    gdpr.data_export_build(export_id=export.pk)
    export.refresh_from_db()
    assert export.file == first


def test_expired_exports_are_purged(user, media):
    export = DataExport.objects.create(user=user)
    gdpr.data_export_build(export_id=export.pk)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert gdpr.data_exports_purge() == 1
    export.refresh_from_db()
    assert export.status == "expired"
    assert export.file == ""


def test_deletion_needs_confirmation_and_waits_for_the_grace_period(browser, make_team, settings):
    settings.LUMINA_DELETION_GRACE_DAYS = 14
    tenant, people = make_team()
    owner = people["owner"]
    browser.force_login(owner)
    # wrong confirmation, then wrong password: nothing scheduled
    browser.post(
        reverse("security-privacy"),
        {
            "action": "delete",
            "confirm": "nope",
            "password": PASSWORD,
            f"plan-{tenant.pk}": "delete",
        },
    )
    browser.post(
        reverse("security-privacy"),
        {
            "action": "delete",
            "confirm": owner.email,
            "password": "bad",
            f"plan-{tenant.pk}": "delete",
        },
    )
    assert not AccountDeletion.objects.exists()
    heir = people["editor"]
    browser.post(
        reverse("security-privacy"),
        {
            "action": "delete",
            "confirm": owner.email,
            "password": PASSWORD,
            f"plan-{tenant.pk}": str(heir.pk),
        },
    )
    deletion = AccountDeletion.objects.get(user=owner)
    assert deletion.scheduled_for > timezone.now() + timedelta(days=13)
    assert any("will be deleted" in m.subject for m in mail.outbox)

    # before the grace period ends nothing happens
    assert account_deletions_execute_task.delay().get() == 0
    assert User.objects.filter(pk=owner.pk).exists()

    AccountDeletion.objects.filter(pk=deletion.pk).update(scheduled_for=timezone.now())
    assert account_deletions_execute_task.delay().get() == 1
    assert not User.objects.filter(pk=owner.pk).exists()
    assert Membership.objects.get(tenant=tenant, user=heir).role == "owner"
    # the personal workspace went with its only owner
    assert not Tenant.objects.filter(personal=True, memberships__isnull=True).exists()
    # idempotent
    assert account_deletions_execute_task.delay().get() == 0


def test_deleting_a_sole_owned_workspace_and_cancelling(browser, make_team, upload_as):
    tenant, people = make_team()
    owner = people["owner"]
    browser.force_login(owner)
    browser.post(
        reverse("security-privacy"),
        {
            "action": "delete",
            "confirm": owner.email,
            "password": PASSWORD,
            f"plan-{tenant.pk}": "delete",
        },
    )
    browser.post(reverse("security-privacy"), {"action": "cancel"})
    assert not AccountDeletion.objects.exists()
    browser.post(
        reverse("security-privacy"),
        {
            "action": "delete",
            "confirm": owner.email,
            "password": PASSWORD,
            f"plan-{tenant.pk}": "delete",
        },
    )
    AccountDeletion.objects.update(scheduled_for=timezone.now())
    account_deletions_execute_task.delay()
    assert not Tenant.objects.filter(pk=tenant.pk).exists()
    assert User.objects.filter(pk=people["editor"].pk).exists()


def test_a_plan_must_cover_every_sole_owned_shared_workspace(make_team):
    tenant, people = make_team()
    from lumina.core.errors import LuminaError

    with pytest.raises(LuminaError):
        gdpr.account_deletion_request(user=people["owner"], password=PASSWORD, plan={})
    stranger = UserFactory()
    with pytest.raises(LuminaError):
        gdpr.account_deletion_request(
            user=people["owner"], password=PASSWORD, plan={str(tenant.pk): str(stranger.pk)}
        )


def test_audit_trail_forgets_who_a_deleted_user_was(user):
    from auditlog.models import LogEntry

    email = user.email
    gdpr.account_delete(user=user, plan={})
    assert not LogEntry.objects.filter(actor_email=email).exists()
    assert not LogEntry.objects.filter(object_repr=email).exists()
    assert LogEntry.objects.filter(additional_data__event="privacy.deletion_executed").exists()
    _ = images  # drawn images are used through upload_as
