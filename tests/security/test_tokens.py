"""API tokens: created on the page and through the API, shown once, hashed, scoped,
revocable; Bearer writes without CSRF or session; out-of-scope gets 403."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, Tenant, hash_token
from tests import images
from tests.factories import UserFactory, bearer

pytestmark = pytest.mark.django_db


def personal(user) -> Tenant:
    return user.memberships.get(tenant__personal=True).tenant


def test_create_list_and_revoke_through_the_api(api, user):
    created = api.post(
        "/api/v1/tokens/",
        {"name": "backup script", "scopes": ["assets:read"], "expires_at": None},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    raw = body["token"]
    assert raw.startswith("lum_")
    assert body["scopes"] == ["assets:read"]
    assert "no-store" in created["Cache-Control"]
    token = ApiToken.objects.get(pk=body["id"])
    assert token.token_hash == hash_token(raw)
    assert raw not in str(token.__dict__)

    listed = api.get("/api/v1/tokens/").json()["results"]
    assert [t["id"] for t in listed] == [token.pk]
    assert "token" not in listed[0]  # never shown again

    assert bearer(raw).get("/api/v1/assets/").status_code == 200
    assert api.delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    gone = bearer(raw).get("/api/v1/assets/")
    assert gone.status_code == 401
    assert gone.json()["error"]["code"] == "authentication_failed"


def test_unknown_scopes_and_past_expiry_are_refused(api):
    bad = api.post("/api/v1/tokens/", {"name": "x", "scopes": ["root"]}, format="json")
    assert bad.status_code == 400
    past = timezone.now() - timedelta(days=1)
    old = api.post(
        "/api/v1/tokens/",
        {"name": "x", "scopes": ["assets:read"], "expires_at": past.isoformat()},
        format="json",
    )
    assert old.status_code == 400


def test_expired_token_gets_401(user):
    token, raw = services.api_token_create(
        user=user, tenant=personal(user), name="t", scopes=["assets:read"]
    )
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = bearer(raw).get("/api/v1/assets/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "authentication_failed"


def test_scopes_are_enforced_for_bearer_requests(user, media):
    _, read_only = services.api_token_create(
        user=user, tenant=personal(user), name="r", scopes=["assets:read"]
    )
    _, writer = services.api_token_create(
        user=user, tenant=personal(user), name="w", scopes=["assets:write"]
    )
    _, albums = services.api_token_create(
        user=user, tenant=personal(user), name="a", scopes=["albums:read"]
    )

    def upload(raw):
        handle = io.BytesIO(images.jpeg())
        handle.name = "x.jpg"
        return bearer(raw).post("/api/v1/assets/", {"file": handle}, format="multipart")

    denied = upload(read_only)
    assert denied.status_code == 403
    assert denied.json()["error"]["code"] == "insufficient_scope"
    assert denied.json()["error"]["details"]["required"] == ["assets:write"]

    done = upload(writer)  # a Bearer write: no CSRF token, no session
    assert done.status_code == 201, done.content
    assert "sessionid" not in done.cookies
    assert "csrftoken" not in done.cookies
    asset_id = done.json()["id"]
    assert bearer(writer).get(f"/api/v1/assets/{asset_id}/").status_code == 200  # write ⊃ read
    assert bearer(albums).get("/api/v1/assets/").status_code == 403
    assert bearer(read_only).get("/api/v1/tenants/").status_code == 403  # needs admin
    assert bearer(read_only).get("/api/v1/me/").status_code == 200  # no scope needed
    patch = bearer(read_only).patch(f"/api/v1/assets/{asset_id}/", {"title": "x"}, format="json")
    assert patch.status_code == 403


def test_session_users_are_not_scope_limited_but_need_csrf(user, media):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.get("/api/v1/tenants/").status_code == 200
    refused = client.post("/api/v1/tokens/", {"name": "x", "scopes": ["admin"]}, format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["error"]["message"]


def test_a_token_cannot_mint_a_stronger_token(user):
    _, admin_raw = services.api_token_create(
        user=user, tenant=personal(user), name="adm", scopes=["admin"]
    )
    stronger = bearer(admin_raw).post(
        "/api/v1/tokens/", {"name": "more", "scopes": ["admin", "assets:write"]}, format="json"
    )
    assert stronger.status_code == 403
    same = bearer(admin_raw).post(
        "/api/v1/tokens/", {"name": "same", "scopes": ["admin"]}, format="json"
    )
    assert same.status_code == 201


def test_tokens_page_shows_the_value_once_and_revokes(browser, user):
    browser.force_login(user)
    page = browser.post(
        reverse("security-tokens"),
        {"name": "laptop sync", "scopes": ["assets:read", "albums:read"], "expires_at": ""},
    )
    html = page.content.decode()
    raw = re.search(r'<code id="new-token">(lum_[^<]+)</code>', html).group(1)
    token = ApiToken.objects.get(token_hash=hash_token(raw))
    assert token.scopes == ["albums:read", "assets:read"]
    assert raw not in browser.get(reverse("security-tokens")).content.decode()
    browser.post(reverse("security-tokens"), {"action": "revoke", "token": token.pk})
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_use_from_a_new_ip_is_audited(user):
    token, raw = services.api_token_create(
        user=user, tenant=personal(user), name="t", scopes=["assets:read"]
    )
    bearer(raw).get("/api/v1/me/", REMOTE_ADDR="192.0.2.1")
    bearer(raw).get("/api/v1/me/", REMOTE_ADDR="192.0.2.1")
    bearer(raw).get("/api/v1/me/", REMOTE_ADDR="192.0.2.2")
    entries = LogEntry.objects.filter(additional_data__event="token.new_ip").order_by("id")
    assert [e.remote_addr for e in entries] == ["192.0.2.1", "192.0.2.2"]
    assert entries.last().additional_data["tenant_id"] == token.tenant_id


def test_another_users_token_is_404(api_for):
    alice, bob = UserFactory(), UserFactory()
    token, _ = services.api_token_create(user=bob, tenant=personal(bob), name="b")
    assert api_for(alice).get(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert api_for(alice).delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
