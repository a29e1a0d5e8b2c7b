"""Security headers, CSRF, rate limits (per user, token and IP; spoofed
X-Forwarded-For not honoured) and IP allow/block lists."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.urls import reverse

from accounts import services
from tests.factories import PASSWORD, UserFactory
from tests.helpers import ROOT
from tests.security.conftest import LOGIN

pytestmark = pytest.mark.django_db


def csp_of(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}


def test_pages_carry_a_nonce_csp_and_the_other_headers(browser, user):
    browser.force_login(user)
    for path in ("/", LOGIN, reverse("security")):
        response = browser.get(path, follow=path == LOGIN)
        csp = csp_of(response)
        assert "'unsafe-inline'" not in response["Content-Security-Policy"], path
        assert csp["script-src"][0] == "'self'", path
        assert "{nonce}" not in response["Content-Security-Policy"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"
        assert "camera=()" in response["Permissions-Policy"]


def test_api_responses_carry_the_headers_too(api):
    response = api.get("/api/v1/me/")
    assert response.status_code == 200
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def test_the_nonce_changes_per_response_and_matches_inline_scripts(client):
    first = csp_of(client.get("/api/v1/docs/"))["script-src"]
    second = client.get("/api/v1/docs/")
    nonce = next(s for s in csp_of(second)["script-src"] if s.startswith("'nonce-"))
    assert nonce not in first
    assert f'nonce="{nonce[7:-1]}"' in second.content.decode()


def test_hsts_when_secure(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get("/healthz", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_production_settings_harden_cookies_and_transport():
    code = (
        "from django.conf import settings as s; import django; django.setup();"
        "print(s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, s.SESSION_COOKIE_SAMESITE,"
        "s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS > 0,"
        "s.SECURE_SSL_REDIRECT, s.X_FRAME_OPTIONS,"
        "s.CONTENT_SECURITY_POLICY['DIRECTIVES'].get('upgrade-insecure-requests'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lumina.settings.production",
        "DJANGO_SECRET_KEY": "x" * 60,
        "DJANGO_ALLOWED_HOSTS": "photos.example.com",
        "DATABASE_URL": "postgres://u@127.0.0.1:1/none",
        "REDIS_URL": "redis://127.0.0.1:1/0",
    }
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["True", "True", "Lax", "True", "True", "True", "True", "DENY", "True"]


def test_session_form_posts_need_csrf(user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    assert client.post(reverse("security-tokens"), {"name": "x"}).status_code == 403
    assert client.post(reverse("workspace-switch"), {"tenant": 1}).status_code == 403


# --- rate limits --------------------------------------------------------------------------


def test_api_limits_answer_429_with_retry_after_and_the_envelope(api, settings):
    settings.LUMINA_RATE_LIMITS = {**settings.LUMINA_RATE_LIMITS, "api_read": "3/m"}
    for _ in range(3):
        assert api.get("/api/v1/me/").status_code == 200
    limited = api.get("/api/v1/me/")
    assert limited.status_code == 429
    assert 0 < int(limited["Retry-After"]) <= 60
    error = limited.json()["error"]
    assert error["code"] == "rate_limited"
    assert 0 < error["details"]["retry_after"] <= 60


def test_limits_are_per_user_and_per_token_and_per_group(api_for, settings):
    settings.LUMINA_RATE_LIMITS = {
        **settings.LUMINA_RATE_LIMITS,
        "api_read": "2/m",
        "api_write": "1/m",
    }
    alice, bob = UserFactory(), UserFactory()
    for _ in range(2):
        api_for(alice).get("/api/v1/me/")
    assert api_for(alice).get("/api/v1/me/").status_code == 429
    assert api_for(bob).get("/api/v1/me/").status_code == 200
    # a token of alice's has its own counter
    _, raw = services.api_token_create(
        user=alice, tenant=alice.memberships.get().tenant, name="t", scopes=["admin"]
    )
    from rest_framework.test import APIClient

    token_client = APIClient()
    token_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert token_client.get("/api/v1/me/").status_code == 200
    # writes are a separate group
    assert api_for(alice).post("/api/v1/tenants/", {"name": "W"}, format="json").status_code == 201
    assert api_for(alice).post("/api/v1/tenants/", {"name": "W2"}, format="json").status_code == 429


def test_spoofed_forwarded_for_from_an_untrusted_client_is_not_honoured(client, settings):
    settings.LUMINA_RATE_LIMITS = {**settings.LUMINA_RATE_LIMITS, "signin": "3/m"}
    user = UserFactory()
    for n in range(3):
        client.post(
            LOGIN, {"login": user.email, "password": "x"}, HTTP_X_FORWARDED_FOR=f"10.9.9.{n}"
        )
    limited = client.post(
        LOGIN, {"login": user.email, "password": "x"}, HTTP_X_FORWARDED_FOR="10.9.9.200"
    )
    assert limited.status_code == 429
    assert "Too many requests" in limited.content.decode()
    assert int(limited["Retry-After"]) > 0


def test_forwarded_for_from_a_trusted_proxy_counts_per_client(client, settings):
    settings.LUMINA_RATE_LIMITS = {**settings.LUMINA_RATE_LIMITS, "signin": "2/m"}
    settings.LUMINA_TRUSTED_PROXIES = ["127.0.0.1/32"]
    user = UserFactory()
    for _ in range(2):
        client.post(LOGIN, {"login": user.email, "password": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.1")
    blocked = client.post(
        LOGIN, {"login": user.email, "password": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.1"
    )
    assert blocked.status_code == 429
    other = client.post(
        LOGIN, {"login": user.email, "password": "x"}, HTTP_X_FORWARDED_FOR="192.0.2.2"
    )
    assert other.status_code == 200


def test_the_limited_page_never_redirects_and_probes_are_never_limited(browser, settings):
    settings.LUMINA_RATE_LIMITS = dict.fromkeys(
        ("signin", "upload", "search", "api_read", "api_write"), "1/m"
    )
    user = UserFactory()
    browser.force_login(user)
    browser.post(reverse("upload"), {})
    limited = browser.post(reverse("upload"), {})
    assert limited.status_code == 429
    assert browser.get("/").status_code == 200  # other pages still work: no loop
    for _ in range(5):
        assert browser.get("/healthz").status_code == 200


# --- IP lists -----------------------------------------------------------------------------


def test_site_block_and_allow_lists(client, settings):
    settings.LUMINA_IP_BLOCKLIST = ["203.0.113.0/24"]
    assert client.get(LOGIN, REMOTE_ADDR="203.0.113.5").status_code == 403
    blocked_api = client.get("/api/v1/me/", REMOTE_ADDR="203.0.113.5")
    assert blocked_api.json()["error"]["code"] == "ip_not_allowed"
    assert client.get(LOGIN, REMOTE_ADDR="198.51.100.5").status_code == 200
    assert client.get("/healthz", REMOTE_ADDR="203.0.113.5").status_code == 200
    settings.LUMINA_IP_BLOCKLIST = []
    settings.LUMINA_IP_ALLOWLIST = ["10.0.0.0/8"]
    assert client.get(LOGIN, REMOTE_ADDR="198.51.100.5").status_code == 403
    assert client.get(LOGIN, REMOTE_ADDR="10.1.2.3").status_code == 200
    # a forged header from outside does not get anyone in
    assert (
        client.get(LOGIN, REMOTE_ADDR="198.51.100.5", HTTP_X_FORWARDED_FOR="10.1.2.3").status_code
        == 403
    )


def test_workspace_ip_lists_apply_to_pages_api_and_tokens(browser, make_team):
    tenant, people = make_team()
    owner_membership = tenant.memberships.get(role="owner")
    services.tenant_security_update(
        membership=owner_membership,
        require_2fa=False,
        ip_allowlist=["192.0.2.0/24"],
        ip_blocklist=[],
        current_ip="192.0.2.10",
    )
    editor = people["editor"]
    browser.force_login(editor)
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk}, REMOTE_ADDR="192.0.2.10")
    assert browser.get("/", REMOTE_ADDR="192.0.2.10").status_code == 200
    outside = browser.get("/", REMOTE_ADDR="198.51.100.1")
    assert outside.status_code == 403
    assert "does not allow access" in outside.content.decode()
    api = browser.get("/api/v1/assets/", REMOTE_ADDR="198.51.100.1")
    assert api.json()["error"]["code"] == "ip_not_allowed"

    _, raw = services.api_token_create(user=editor, tenant=tenant, name="t")
    from rest_framework.test import APIClient

    bearer = APIClient()
    bearer.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert bearer.get("/api/v1/assets/", REMOTE_ADDR="198.51.100.1").status_code == 403
    assert bearer.get("/api/v1/assets/", REMOTE_ADDR="192.0.2.99").status_code == 200
    # the personal workspace has no list
    browser.post(
        reverse("workspace-switch"),
        {"tenant": editor.memberships.get(tenant__personal=True).tenant_id},
        REMOTE_ADDR="198.51.100.1",
    )
    assert browser.get("/", REMOTE_ADDR="198.51.100.1").status_code == 200


def test_owners_cannot_lock_themselves_out_and_only_owners_edit(make_team):
    tenant, _people = make_team()
    from lumina.core.errors import LuminaError

    owner = tenant.memberships.get(role="owner")
    with pytest.raises(LuminaError, match="lock you out"):
        services.tenant_security_update(
            membership=owner,
            require_2fa=False,
            ip_allowlist=["10.0.0.0/8"],
            ip_blocklist=[],
            current_ip="192.0.2.1",
        )
    with pytest.raises(LuminaError):
        services.tenant_security_update(
            membership=owner,
            require_2fa=False,
            ip_allowlist=["not-an-ip"],
            ip_blocklist=[],
        )
    admin = tenant.memberships.get(role="admin")
    with pytest.raises(LuminaError):
        services.tenant_security_update(
            membership=admin, require_2fa=True, ip_allowlist=[], ip_blocklist=[]
        )


def test_sign_in_works_normally(browser):
    user = UserFactory()
    assert browser.post(LOGIN, {"login": user.email, "password": PASSWORD}).status_code == 302
