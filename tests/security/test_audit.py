"""The audit trail: model changes and security events, owners' page and exports, and
no secret in any audit entry or log line."""

# The sentences quote names with typographic quotes (‘Summer’), as the page shows them.
# ruff: noqa: RUF001, RUF003

from __future__ import annotations

import csv
import html
import io
import json
import logging
import re

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from accounts import audit, services
from accounts.models import ApiToken
from tests.factories import PASSWORD, AssetFactory, UserFactory, membership_of
from tests.security.conftest import LOGIN
from tests.security.helpers import code_for, force_login_verified, totp_device

pytestmark = pytest.mark.django_db


def events(**filters) -> list[str]:
    return [
        e.additional_data.get("event")
        for e in LogEntry.objects.filter(**filters).order_by("id")
        if e.additional_data
    ]


def test_model_changes_are_recorded_with_their_workspace(api_for, make_team, upload_as):
    tenant, people = make_team()
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


def test_owners_read_and_export_their_workspace_trail_only(browser, make_team, api_for):
    tenant, people = make_team()
    other_tenant, _ = make_team()
    api_for(people["owner"]).patch(
        f"/api/v1/tenants/{tenant.pk}/", {"name": "Ours <b>bold</b>"}, format="json"
    )
    other_owner = other_tenant.memberships.get(role="owner").user
    api_for(other_owner).patch(
        f"/api/v1/tenants/{other_tenant.pk}/", {"name": "Theirs"}, format="json"
    )

    for refused in ("editor", "viewer"):
        browser.force_login(people[refused])
        browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
        assert browser.get(reverse("security-audit")).status_code == 403
        assert browser.get(reverse("security-audit") + "?format=csv").status_code == 403

    browser.force_login(people["admin"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    assert "Ours &lt;b&gt;bold&lt;/b&gt;" in browser.get(reverse("security-audit")).content.decode()

    browser.force_login(people["owner"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    page = browser.get(reverse("security-audit")).content.decode()
    assert "Ours &lt;b&gt;bold&lt;/b&gt;" in page
    assert "Theirs" not in page

    exported = browser.get(reverse("security-audit") + "?format=csv")
    assert exported["Content-Disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert any("Ours" in r["changes"] for r in rows)
    assert not any("Theirs" in value for r in rows for value in r.values())
    as_json = json.loads(browser.get(reverse("security-audit") + "?format=json").content)
    assert {"timestamp", "event", "sentence", "actor", "ip", "targets", "changes"} <= set(
        as_json[0]
    )
    assert not any("Theirs" in json.dumps(row) for row in as_json)
    assert "audit.exported" in events(actor=people["owner"])


def test_csv_export_defuses_formulas(make_team, api_for, browser):
    tenant, people = make_team()
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


# --- sentences, origins, bulk entries, privacy, pages --------------------------------


@pytest.fixture
def studio(make_team, media):  # type: ignore[no-untyped-def]
    """A workspace whose people have names: alice (owner), bob (admin), carol (viewer),
    dave (editor)."""
    tenant, people = make_team()
    for role, name in (
        ("owner", "alice"),
        ("admin", "bob"),
        ("viewer", "carol"),
        ("editor", "dave"),
    ):
        people[role].display_name = name
        people[role].save(update_fields=["display_name"])
    return tenant, people


def api_in(user, tenant, ip="127.0.0.1"):  # type: ignore[no-untyped-def]
    """An API client acting in ``tenant``: a Bearer token bound to it, as scripts use."""
    from rest_framework.test import APIClient

    from accounts import services as account_services

    _, raw = account_services.api_token_create(user=user, tenant=tenant, name="script")
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def upload(tenant, user, seed, **fields):  # type: ignore[no-untyped-def]
    return AssetFactory(
        membership=membership_of(user, tenant),
        seed=seed,
        width=640,
        height=480,
        filename=f"photo-{seed}.jpg",
        process=False,
        **fields,
    )


def audit_page(browser, user, tenant, query=""):  # type: ignore[no-untyped-def]
    browser.force_login(user)
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    response = browser.get(reverse("security-audit") + query)
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def sentences(page: str) -> list[str]:
    return [
        " ".join(m.split())
        for m in re.findall(r'<span class="audit-sentence">(.*?)</span>', page, re.S)
    ]


def test_a_bulk_trash_is_one_entry_with_every_id_and_reads_as_a_sentence(studio, api_for, browser):
    tenant, people = studio
    alice = people["owner"]
    ids = [upload(tenant, alice, seed).pk for seed in range(12)]

    # when: alice trashes the twelve at once, then restores two
    api_in(alice, tenant).post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": ids}, format="json"
    )
    api_in(alice, tenant).post(
        "/api/v1/assets/bulk/", {"action": "restore", "ids": ids[:2]}, format="json"
    )

    # then: one entry each, naming the count and listing every id
    trashed = LogEntry.objects.get(additional_data__event="asset.trashed")
    assert trashed.additional_data["count"] == 12
    assert sorted(t["id"] for t in trashed.additional_data["targets"]) == sorted(ids)
    assert trashed.additional_data["tenant_id"] == tenant.pk
    assert trashed.actor == alice
    said = sentences(audit_page(browser, alice, tenant))
    assert "alice moved 12 images to the trash" in said
    assert "alice restored 2 images from the trash" in said


def test_role_changes_and_bulk_edits_read_as_sentences(studio, api_for, browser):
    tenant, people = studio
    alice, bob, carol = people["owner"], people["admin"], people["viewer"]
    a, b = upload(tenant, alice, 1, title="Beach"), upload(tenant, alice, 2, title="Dunes")

    api_for(bob).patch(
        f"/api/v1/tenants/{tenant.pk}/members/{carol.pk}/", {"role": "editor"}, format="json"
    )
    bulk = "/api/v1/assets/bulk/"
    api_in(alice, tenant).post(
        bulk,
        {"action": "set_visibility", "ids": [a.pk, b.pk], "visibility": "public"},
        format="json",
    )
    api_in(alice, tenant).post(
        bulk, {"action": "tag", "ids": [a.pk, b.pk], "tags": ["sea"]}, format="json"
    )
    api_in(alice, tenant).post(
        bulk, {"action": "rename", "ids": [a.pk, b.pk], "pattern": "Trip {n:02}"}, format="json"
    )
    api_in(alice, tenant).patch(f"/api/v1/assets/{a.pk}/", {"title": "Sunset"}, format="json")
    api_in(carol, tenant).post(bulk, {"action": "favorite", "ids": [a.pk]}, format="json")

    page = audit_page(browser, alice, tenant)
    said = sentences(page)
    assert "bob changed the role of carol from viewer to editor" in said
    assert "alice made 2 images public" in said
    assert "alice tagged 2 images with sea" in said
    assert "alice renamed 2 images with the pattern Trip {n:02}" in said
    assert "alice edited image ‘Sunset’" in said
    assert "title: Trip 01 → Sunset" in page
    assert "carol marked image ‘Sunset’ as a favourite" in said
    renamed = LogEntry.objects.get(additional_data__event="asset.renamed")
    assert renamed.additional_data["titles_before"] == {str(a.pk): "Beach", str(b.pk): "Dunes"}


def test_album_and_share_link_changes_read_as_sentences(studio, browser):
    from albums import services as album_services
    from albums.selectors import Actor
    from albums.sharing import services as sharing_services

    tenant, people = studio
    dave = people["editor"]
    actor = Actor(user=dave, membership=dave.memberships.get(tenant=tenant))
    trip = album_services.album_create(actor=actor, title="Trip")
    year = album_services.album_create(actor=actor, title="2026")
    photos = [upload(tenant, dave, seed) for seed in (1, 2, 3)]
    album_services.album_items_add(actor=actor, album=trip, assets=photos)
    album_services.album_items_remove(actor=actor, album=trip, asset_ids=[photos[0].pk])
    album_services.album_update(actor=actor, album=trip, data={"parent": year})
    link, _ = sharing_services.share_link_create(actor=actor, album=trip, name="Summer")
    sharing_services.share_link_update(actor=actor, link=link, data={"password": "a secret 123"})

    said = sentences(audit_page(browser, people["owner"], tenant))
    assert "dave created album ‘Trip’" in said
    assert "dave added 3 images to album ‘Trip’" in said
    assert "dave removed image ‘photo-1.jpg’ from album ‘Trip’" in said
    assert "dave moved album ‘Trip’ from the top level to ‘2026’" in said
    assert "dave created share link ‘Summer’" in said
    assert "dave changed share link ‘Summer’" in said
    entry = LogEntry.objects.get(additional_data__event="share_link.updated")
    assert "a secret 123" not in json.dumps([entry.changes, entry.additional_data])


def test_operator_actions_in_the_admin_name_the_operator(studio, browser):
    from albums import services as album_services
    from albums.models import ShareLink
    from albums.selectors import Actor
    from albums.sharing import services as sharing_services

    tenant, people = studio
    dave = people["editor"]
    actor = Actor(user=dave, membership=dave.memberships.get(tenant=tenant))
    link, _ = sharing_services.share_link_create(
        actor=actor, album=album_services.album_create(actor=actor, title="Trip"), name="Summer"
    )
    operator = UserFactory(is_staff=True, is_superuser=True, email="admin@example.com")
    carol_membership = people["viewer"].memberships.get(tenant=tenant)
    force_login_verified(browser, operator)
    browser.post(
        "/admin/albums/sharelink/",
        {"action": "revoke", "_selected_action": [link.pk]},
        REMOTE_ADDR="192.0.2.50",
    )
    browser.post(
        f"/admin/accounts/tenant/{tenant.pk}/change/",
        {
            "name": "Studio",
            "slug": tenant.slug,
            "quota_bytes": 5,
            "settings": "{}",
            "memberships-TOTAL_FORMS": 1,
            "memberships-INITIAL_FORMS": 1,
            "memberships-0-id": carol_membership.pk,
            "memberships-0-tenant": tenant.pk,
        },
    )
    # Roles change through the membership action (the service: lock, event, entry).
    browser.post(
        "/admin/accounts/membership/",
        {"action": "promote", "_selected_action": [carol_membership.pk]},
    )
    assert ShareLink.objects.get(pk=link.pk).revoked_at is not None

    said = sentences(audit_page(browser, people["owner"], tenant))
    assert "operator admin@example.com revoked share link ‘Summer’" in said
    revoked = LogEntry.objects.get(additional_data__event="share_link.revoked")
    assert revoked.additional_data["via"] == "admin"
    assert revoked.remote_addr == "192.0.2.50"
    changed = LogEntry.objects.get(
        additional_data__event="admin.changed", additional_data__model="workspace"
    )
    assert changed.changes["quota_bytes"][1] == 5
    assert any(s.startswith("operator admin@example.com changed workspace") for s in said)
    # The role change is the service's own entry, old -> new, naming the operator.
    assert people["viewer"].memberships.get(tenant=tenant).role == "editor"
    role = LogEntry.objects.get(additional_data__event="member.role_changed")
    assert role.changes["role"] == ["viewer", "editor"]
    assert role.additional_data["via"] == "admin"
    assert role.actor == operator
    # The operator console lists the same sentences.
    force_login_verified(browser, operator)
    console = html.unescape(browser.get("/admin/auditlog/logentry/").content.decode())
    assert "operator admin@example.com revoked share link ‘Summer’" in console


def test_a_change_through_a_token_names_the_token_and_the_address(studio, browser):
    from rest_framework.test import APIClient

    from accounts import services as account_services

    tenant, people = studio
    alice = people["owner"]
    asset = upload(tenant, alice, 1)
    _, raw = account_services.api_token_create(
        user=alice, tenant=tenant, name="laptop", scopes=["assets:write", "assets:read"]
    )
    client = APIClient(REMOTE_ADDR="198.51.100.23")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.delete(f"/api/v1/assets/{asset.pk}/")
    assert response.status_code == 204

    entry = LogEntry.objects.get(additional_data__event="asset.trashed")
    assert entry.additional_data["via"] == "token"
    assert entry.additional_data["token"] == {"prefix": raw[:10], "name": "laptop"}
    assert entry.remote_addr == "198.51.100.23"
    page = audit_page(browser, alice, tenant)
    assert "alice moved image ‘photo-1.jpg’ to the trash" in sentences(page)
    assert f"API token {raw[:10]}… (laptop) · 198.51.100.23" in page
    # The use from a new address is a security event on the page too.
    assert f"API token ‘laptop ({raw[:10]}…)’ of alice was used from a new address" in sentences(
        page
    )


def test_members_security_events_show_in_their_workspaces_only(studio, make_team, browser):
    tenant, people = studio
    other, _ = make_team()
    carol = people["viewer"]
    browser.post(LOGIN, {"login": carol.email, "password": "wrong wrong wrong"})
    browser.post(LOGIN, {"login": carol.email, "password": PASSWORD})

    said = sentences(audit_page(browser, people["owner"], tenant))
    assert "failed sign-in to the account of carol" in said
    assert "carol signed in" in said
    other_owner = other.memberships.get(role="owner").user
    assert not any("carol" in s for s in sentences(audit_page(browser, other_owner, other)))


def test_another_members_private_titles_are_withheld_from_the_page_and_exports(
    studio, api_for, browser
):
    tenant, people = studio
    alice, dave = people["owner"], people["editor"]
    secret = upload(tenant, dave, 1, title="Diagnosis letter", visibility="private")
    shared = upload(tenant, dave, 2, title="Team photo")
    api_in(dave, tenant).patch(
        f"/api/v1/assets/{secret.pk}/", {"title": "Diagnosis 2"}, format="json"
    )
    api_in(dave, tenant).post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": [secret.pk, shared.pk]}, format="json"
    )

    # alice, the owner, learns what happened to #id, not the private title
    page = audit_page(browser, alice, tenant)
    assert f"dave edited image #{secret.pk} (private, title withheld)" in sentences(page)
    assert "dave uploaded image ‘Team photo’" in sentences(page)
    for export in ("?format=csv", "?format=json"):
        body = browser.get(reverse("security-audit") + export).content.decode()
        assert "Diagnosis" not in body
        assert "Diagnosis" not in page
        assert "Team photo" in body
        assert str(secret.pk) in body
    rows = json.loads(browser.get(reverse("security-audit") + "?format=json").content)
    trashed = next(r for r in rows if r["event"] == "asset.trashed")
    assert {t["id"] for t in trashed["targets"]} == {secret.pk, shared.pk}
    assert next(t for t in trashed["targets"] if t["id"] == secret.pk)["withheld"] is True
    # dave, whose image it is, reads his own titles (were he an admin of the workspace)
    dave.memberships.filter(tenant=tenant).update(role="admin")
    assert "dave edited image ‘Diagnosis 2’" in sentences(audit_page(browser, dave, tenant))


def test_the_page_paginates_with_a_bounded_number_of_queries(
    studio, browser, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from accounts import services as account_services

    tenant, people = studio
    alice = people["owner"]
    membership = alice.memberships.get(tenant=tenant)
    audit_page(browser, alice, tenant)  # signed in, in the workspace

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert browser.get(reverse("security-audit")).status_code == 200
        return len(captured.captured_queries)

    account_services.tenant_update(membership=membership, name="One")
    few = page_queries()
    for n in range(80):
        account_services.tenant_update(membership=membership, name=f"Name {n}")
    assert page_queries() == few
    with django_assert_max_num_queries(10):
        browser.get(reverse("security-audit") + "?page=2")

    first = html.unescape(browser.get(reverse("security-audit")).content.decode())
    assert len(sentences(first)) == 50
    assert "Page 1 of 2" in first
    second = html.unescape(browser.get(reverse("security-audit") + "?page=2").content.decode())
    assert len(sentences(second)) > 30
    assert "alice renamed the workspace from ‘Name 78’ to ‘Name 79’" in sentences(first)


def test_a_deleted_users_name_leaves_the_entries_that_named_them(studio):
    from accounts import gdpr
    from accounts import services as account_services

    tenant, people = studio
    alice, carol = people["owner"], people["viewer"]
    membership = carol.memberships.get(tenant=tenant)
    account_services.membership_change_role(
        membership=alice.memberships.get(tenant=tenant), target=membership, role="editor"
    )
    upload(tenant, carol, 1)
    personal = carol.memberships.get(tenant__personal=True).tenant
    carol_id = carol.pk

    gdpr.account_delete(user=carol, plan={str(personal.pk): gdpr.DELETE})

    trail = json.dumps([e.additional_data for e in LogEntry.objects.all()])
    assert '"carol"' not in trail
    assert carol.email not in trail
    said = [audit.as_row(e)["sentence"] for e in audit.workspace_entries(tenant_id=tenant.pk)]
    assert f"alice changed the role of deleted user {carol_id} from viewer to editor" in said
    assert f"deleted user {carol_id} uploaded image ‘photo-1.jpg’" in said
