"""The audit trail: model changes and security events, owners' page and exports, and
no secret in any audit entry or log line."""

from __future__ import annotations

import csv
import io
import json
import logging

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts import services
from accounts.models import ApiToken
from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import LOGIN
from tests.security.helpers import code_for, totp_device

pytestmark = pytest.mark.django_db


def events(**filters) -> list[str]:
    return [
        e.additional_data.get("event")
        for e in LogEntry.objects.filter(**filters).order_by("id")
        if e.additional_data
    ]


def test_model_changes_are_recorded_with_their_workspace(api_for, team, upload_as):
    tenant, people = team()
    owner = people["owner"]
    api_for(owner).patch(f"/api/v1/tenants/{tenant.pk}/", {"name": "Renamed"}, format="json")
    api_for(owner).patch(
        f"/api/v1/tenants/{tenant.pk}/members/{people['viewer'].pk}/",
        {"role": "editor"},
        format="json",
    )
    asset_id = upload_as(owner)
    api_for(owner).patch(f"/api/v1/assets/{asset_id}/", {"title": "Sunset"}, format="json")

    tenant_entry = LogEntry.objects.get_for_object(tenant).filter(action=1).get()
    assert tenant_entry.changes_dict["name"] == [tenant.name, "Renamed"]
    assert tenant_entry.actor == owner
    membership = tenant.memberships.get(user=people["viewer"])
    role_entry = LogEntry.objects.get_for_object(membership).get(action=1)
    assert role_entry.additional_data["tenant_id"] == tenant.pk
    from gallery.models import Asset

    asset = Asset.objects.get(pk=asset_id)
    asset_entries = LogEntry.objects.get_for_object(asset)
    assert asset_entries.filter(action=0).exists()
    assert asset_entries.get(action=1).changes_dict["title"][1] == "Sunset"


def test_security_events_are_recorded(browser):
    user = UserFactory()
    browser.post(LOGIN, {"login": user.email, "password": "wrong wrong wrong"})
    browser.post(LOGIN, {"login": user.email, "password": PASSWORD})
    device = totp_device(user, confirmed=False)
    device.name = "pending"
    device.save()
    browser.post(reverse("security-2fa-setup"), {"code": code_for(device)})
    services.api_token_create(user=user, tenant=user.memberships.get().tenant, name="t")
    got = events(actor=user)
    for expected in ("auth.signin_failed", "auth.signin", "2fa.enabled", "token.created"):
        assert expected in got


def test_lockout_is_recorded(browser):
    user = UserFactory()
    for _ in range(5):
        browser.post(LOGIN, {"login": user.email, "password": "wrong wrong wrong"})
    assert "auth.lockout" in events(actor=user)


def test_owners_read_and_export_their_workspace_trail_only(browser, team, api_for):
    tenant, people = team()
    other_tenant, _ = team()
    api_for(people["owner"]).patch(
        f"/api/v1/tenants/{tenant.pk}/", {"name": "Ours <b>bold</b>"}, format="json"
    )
    other_owner = other_tenant.memberships.get(role="owner").user
    api_for(other_owner).patch(
        f"/api/v1/tenants/{other_tenant.pk}/", {"name": "Theirs"}, format="json"
    )

    browser.force_login(people["admin"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    assert browser.get(reverse("security-audit")).status_code == 403

    browser.force_login(people["owner"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    page = browser.get(reverse("security-audit")).content.decode()
    assert "Ours &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Theirs" not in page

    exported = browser.get(reverse("security-audit") + "?format=csv")
    assert exported["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert any("Ours" in r["changes"] for r in rows)
    assert not any("Theirs" in r["changes"] for r in rows)
    as_json = json.loads(browser.get(reverse("security-audit") + "?format=json").content)
    assert {"timestamp", "event", "actor", "ip", "changes"} <= set(as_json[0])
    assert "audit.exported" in events(actor=people["owner"])


def test_csv_export_defuses_formulas(team, api_for, browser):
    tenant, people = team()
    api_for(people["owner"]).patch(
        f"/api/v1/tenants/{tenant.pk}/", {"name": "=HYPERLINK(1)"}, format="json"
    )
    browser.force_login(people["owner"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    body = browser.get(reverse("security-audit") + "?format=csv").content.decode()
    for row in csv.DictReader(io.StringIO(body)):
        for value in row.values():
            assert not value.startswith("=")


def test_no_secret_reaches_the_audit_trail_or_the_logs(browser, api, caplog):
    caplog.set_level(logging.DEBUG)
    user = UserFactory()
    new_password = "an entirely new passphrase 77"
    browser.force_login(user)
    browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new_password, "password2": new_password},
    )
    browser.post(LOGIN, {"login": user.email, "password": "typo in my secret 99"})
    page = browser.get(reverse("security-2fa-setup")).content.decode()
    import re

    secret = re.search(r'<code id="otp-secret">([A-Z2-7]+)</code>', page).group(1)
    created = browser.post(
        reverse("security-tokens"), {"name": "ci", "scopes": ["assets:read"]}
    ).content.decode()
    raw = re.search(r'<code id="new-token">(lum_[^<]+)</code>', created).group(1)
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.get("/api/v1/assets/")
    client.credentials(HTTP_AUTHORIZATION="Bearer lum_wrong_secret_value")
    client.get("/api/v1/assets/")

    user.refresh_from_db()
    token = ApiToken.objects.get(user=user)
    secrets_ = [
        PASSWORD,
        new_password,
        "typo in my secret 99",
        user.password,
        user.password.split("$")[-1],
        secret,
        raw,
        raw[12:],
        token.token_hash,
        "lum_wrong_secret_value",
    ]
    trail = json.dumps(
        [
            [e.changes, e.changes_text, e.additional_data, e.object_repr, e.serialized_data]
            for e in LogEntry.objects.all()
        ],
        default=str,
    )
    logs = caplog.text
    from axes.models import AccessAttempt

    attempts = json.dumps(list(AccessAttempt.objects.values("get_data", "post_data")))
    for value in secrets_:
        assert value not in trail, value
        assert value not in logs, value
        assert value not in attempts, value
    assert LogEntry.objects.count() > 3
