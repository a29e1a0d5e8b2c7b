"""django-axes: five failures per account and IP lock sign-in for the cool-off, across
the password form, the second-factor step and Bearer tokens; operators unlock."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.factories import PASSWORD, ApiTokenFactory, UserFactory
from tests.security.conftest import LOGIN
from tests.security.helpers import force_login_verified, next_code, totp_device

pytestmark = pytest.mark.django_db


def attempt(client, user, password, **extra):
    return client.post(LOGIN, {"login": user.email, "password": password}, **extra)


def test_five_failures_lock_the_account_from_that_ip_and_the_page_says_when(browser):
    user = UserFactory()
    for _ in range(4):
        assert attempt(browser, user, "wrong password 123").status_code == 200
    locked = attempt(browser, user, "wrong password 123")
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Try again in 15 minutes" in page
    assert int(locked["Retry-After"]) > 14 * 60
    # even the right password is refused now, and nothing redirects
    again = attempt(browser, user, PASSWORD)
    assert again.status_code == 429
    assert "_auth_user_id" not in browser.session


def test_forged_forwarded_for_does_not_escape_the_lock(browser):
    user = UserFactory()
    for n in range(5):
        attempt(browser, user, "nope nope nope", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert AccessAttempt.objects.get().ip_address == "127.0.0.1"
    assert attempt(browser, user, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429


def test_another_ip_or_account_is_not_locked(browser, client):
    user = UserFactory()
    other = UserFactory()
    for _ in range(5):
        attempt(browser, user, "wrong wrong wrong")
    assert attempt(browser, other, PASSWORD).status_code == 302
    assert attempt(client, user, PASSWORD, REMOTE_ADDR="192.0.2.50").status_code == 302


def test_an_operator_unlocks_in_the_admin(browser, client):
    user = UserFactory()
    for _ in range(5):
        attempt(client, user, "wrong wrong wrong")
    assert attempt(client, user, PASSWORD).status_code == 429

    operator = UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(browser, operator)
    listing = browser.get("/admin/axes/accessattempt/")
    assert user.email in listing.content.decode()
    row = AccessAttempt.objects.get(username=user.email)
    browser.post(
        "/admin/axes/accessattempt/",
        {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"},
    )
    assert not AccessAttempt.objects.exists()
    assert attempt(client, user, PASSWORD).status_code == 302


def test_wrong_second_factor_codes_count_and_lock(browser):
    user = UserFactory()
    device = totp_device(user)
    attempt(browser, user, PASSWORD)
    for _ in range(4):
        assert browser.post(reverse("security-2fa-verify"), {"code": "000000"}).status_code == 400
    locked = browser.post(reverse("security-2fa-verify"), {"code": "000000"})
    assert locked.status_code == 429
    assert "Try again in" in locked.content.decode()
    # the half-signed-in session is gone, and the password form is locked too
    assert "_auth_user_id" not in browser.session
    assert attempt(browser, user, PASSWORD).status_code == 429
    AccessAttempt.objects.all().delete()
    attempt(browser, user, PASSWORD)
    assert (
        browser.post(reverse("security-2fa-verify"), {"code": next_code(device)}).status_code == 302
    )


def test_a_failing_bearer_token_is_locked_out_after_the_limit(client):
    """Per token prefix and address; the address as a whole: test_access_bearer_lockout."""
    user = UserFactory()
    raw = ApiTokenFactory(user=user, name="t").raw
    for _ in range(4):
        response = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer lum_guess")
        assert response.status_code == 401
    locked = client.get("/api/v1/me/", HTTP_AUTHORIZATION="Bearer lum_guess")
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "locked_out"
    assert int(locked["Retry-After"]) > 0
    assert locked.json()["error"]["details"]["retry_after"] > 0
    # the real token is not refused: a stale token behind a NAT locks only itself
    assert client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_failed_attempt_records_keep_no_password(browser):
    user = UserFactory()
    attempt(browser, user, "my secret passphrase 42")
    row = AccessAttempt.objects.get()
    assert "my secret passphrase 42" not in row.post_data
