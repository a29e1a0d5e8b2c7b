"""Password rules, password expiry and the new-device sign-in alert."""

from __future__ import annotations

from datetime import timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.auth.password_validation import validate_password
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import LOGIN

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "password",
    ["short pass1", "123456789012345", "password12345"],
)
def test_weak_passwords_are_refused(password):
    with pytest.raises(ValidationError):
        validate_password(password, User(email="kirana@example.com"))


def test_password_like_the_email_or_name_is_refused():
    user = User(email="kirana.wulandari@example.com", username="kirana", display_name="Kirana W")
    for password in ("kirana.wulandari@example.com", "kirana.wulandari"):
        with pytest.raises(ValidationError):
            validate_password(password, user)
    validate_password("correct horse battery staple", user)


def test_sign_up_refuses_a_password_equal_to_the_email(client, settings):
    settings.LUMINA_SIGNUP_OPEN = True
    response = client.post(
        reverse("account_signup"),
        {
            "email": "dewi.lestari@example.com",
            "password1": "dewi.lestari@example.com",
            "password2": "dewi.lestari@example.com",
        },
    )
    assert response.status_code == 200
    assert not User.objects.filter(email="dewi.lestari@example.com").exists()


def test_an_expired_password_must_be_changed_at_sign_in(browser, settings):
    settings.LUMINA_PASSWORD_MAX_AGE_DAYS = 90
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=91))
    browser.post(LOGIN, {"login": user.email, "password": PASSWORD})
    held = browser.get("/")
    assert held.status_code == 302
    assert held.url.startswith(reverse("account_change_password"))
    assert browser.get(reverse("workspace-members")).url.startswith(
        reverse("account_change_password")
    )
    new = "a fresh long passphrase 2031"
    browser.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    assert browser.get("/").status_code == 200
    user.refresh_from_db()
    assert user.password_changed_at > timezone.now() - timedelta(minutes=1)


def test_fresh_passwords_and_no_setting_mean_no_expiry(browser, settings):
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now() - timedelta(days=900))
    settings.LUMINA_PASSWORD_MAX_AGE_DAYS = 0
    browser.post(LOGIN, {"login": user.email, "password": PASSWORD})
    assert browser.get("/").status_code == 200


def test_new_browser_and_ip_get_an_email_and_an_audit_entry(browser):
    user = UserFactory()
    firefox = "Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0"
    browser.post(LOGIN, {"login": user.email, "password": PASSWORD}, HTTP_USER_AGENT=firefox)
    assert mail.outbox == []  # the first device is the baseline
    browser.post(reverse("account_logout"))
    browser.post(LOGIN, {"login": user.email, "password": PASSWORD}, HTTP_USER_AGENT=firefox)
    assert mail.outbox == []  # seen before

    browser.post(reverse("account_logout"))
    browser.post(
        LOGIN,
        {"login": user.email, "password": PASSWORD},
        HTTP_USER_AGENT="Mozilla/5.0 (Android) Chrome/140",
        REMOTE_ADDR="203.0.113.77",
    )
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    assert "203.0.113.77" in mail.outbox[0].body
    entry = LogEntry.objects.filter(additional_data__event="auth.new_device").get()
    assert entry.remote_addr == "203.0.113.77"
    assert entry.actor == user
