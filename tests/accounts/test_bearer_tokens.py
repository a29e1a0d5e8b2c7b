from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from accounts import services
from accounts.models import ApiToken, hash_token
from tests.factories import TenantFactory, UserFactory, add_member, bearer

pytestmark = pytest.mark.django_db


def test_token_authenticates_in_its_own_workspace_without_session_or_csrf():
    user = UserFactory()
    team = TenantFactory()
    add_member(team, user, "editor")
    token, raw = services.api_token_create(user=user, tenant=team, name="script")
    assert raw.startswith("lum_")
    assert ApiToken.objects.get(pk=token.pk).token_hash == hash_token(raw)

    client = bearer(raw)
    me = client.get("/api/v1/me/", REMOTE_ADDR="192.0.2.10")
    assert me.status_code == 200
    assert me.json()["tenant"]["id"] == team.pk  # not the personal workspace
    assert me.json()["role"] == "editor"
    assert "sessionid" not in me.cookies
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.10"
    assert token.last_used_at is not None

    # a write without any CSRF token works with Bearer
    created = client.post("/api/v1/albums/", {"title": "From a script"}, format="json")
    assert created.status_code == 201


def test_session_writes_still_need_csrf(user):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post("/api/v1/tenants/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]


@pytest.mark.parametrize("state", ["revoked", "expired", "unknown", "inactive-user"])
def test_unusable_tokens_get_401_in_the_envelope(state):
    user = UserFactory()
    token, raw = services.api_token_create(
        user=user, tenant=user.memberships.get().tenant, name="t"
    )
    if state == "revoked":
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
    elif state == "expired":
        ApiToken.objects.filter(pk=token.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )
    elif state == "unknown":
        raw = raw + "x"
    else:
        user.is_active = False
        user.save()
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "authentication_failed"


def test_token_cannot_switch_workspace(user):
    other = services.tenant_create(name="Other", owner=user)
    _, raw = services.api_token_create(
        user=user, tenant=user.memberships.get(tenant__personal=True).tenant, name="t"
    )
    response = bearer(raw).post(f"/api/v1/tenants/{other.pk}/switch/")
    assert response.status_code == 404  # a token reaches no other workspace
    own = user.memberships.get(tenant__personal=True).tenant
    response = bearer(raw).post(f"/api/v1/tenants/{own.pk}/switch/")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "session_required"


def test_token_for_a_workspace_you_left_stops_working():
    user = UserFactory()
    team = TenantFactory()
    membership = add_member(team, user, "viewer")
    _, raw = services.api_token_create(user=user, tenant=team, name="t")
    membership.delete()
    response = bearer(raw).get("/api/v1/me/")
    assert response.status_code == 200
    assert response.json()["tenant"] is None  # no workspace access through it any more


def test_malformed_authorization_header():
    response = APIClient().get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer a b")
    assert response.status_code == 401
