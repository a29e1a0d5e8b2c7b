from __future__ import annotations

import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from accounts.models import Membership, Role, Tenant, User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_every_new_user_gets_a_personal_workspace_they_own():
    # when: users are made by the service and straight through the ORM (admin, createsuperuser)
    via_service = UserFactory()
    via_orm = User.objects.create_user(email="orm@example.com", password=PASSWORD)

    # then
    for user in (via_service, via_orm):
        membership = Membership.objects.get(user=user)
        assert membership.role == Role.OWNER
        assert membership.tenant.personal is True


def test_email_is_unique_without_regard_to_case_and_stored_lowercase():
    UserFactory(email="Ana@Example.com")
    assert User.objects.filter(email="ana@example.com").exists()
    with pytest.raises(IntegrityError):
        User.objects.create(email="ANA@example.COM ")


def test_sign_in_with_email_in_any_case():
    UserFactory(email="ana@example.com", username="ana")
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "ANA@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 200


def test_sign_in_with_username():
    UserFactory(email="budi@example.com", username="budi")
    client = Client()
    response = client.post(reverse("account_login"), {"login": "budi", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_wrong_password_is_refused_and_nobody_is_signed_in():
    UserFactory(email="citra@example.com")
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": "citra@example.com", "password": "nope nope nope"}
    )
    assert response.status_code == 200
    assert "not correct" in response.content.decode()
    assert client.get(reverse("home")).status_code == 302


def test_sign_up_is_closed_by_default(settings):
    settings.LUMINA_SIGNUP_OPEN = False
    client = Client()
    response = client.get(reverse("account_signup"))
    assert "closed" in response.content.decode().lower()
    client.post(
        reverse("account_signup"),
        {
            "email": "new@example.com",
            "password1": "a long enough secret 42",
            "password2": "a long enough secret 42",
        },
    )
    assert not User.objects.filter(email="new@example.com").exists()


def test_sign_up_when_open_verifies_email_and_makes_a_workspace(settings):
    settings.LUMINA_SIGNUP_OPEN = True
    client = Client()
    response = client.post(
        reverse("account_signup"),
        {
            "email": "Dewi@Example.com",
            "username": "dewi",
            "password1": "a long enough secret 42",
            "password2": "a long enough secret 42",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(email="dewi@example.com")
    assert Tenant.objects.filter(memberships__user=user, personal=True).count() == 1
    # e-mail verification is mandatory: a mail with a confirmation link was sent
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/confirm-email/[^\s]+)", mail.outbox[0].body
    ).group(1)
    client.post(link)
    assert EmailAddress.objects.get(user=user).verified is True


def test_sign_up_refuses_short_password(settings):
    settings.LUMINA_SIGNUP_OPEN = True
    Client().post(
        reverse("account_signup"),
        {"email": "eka@example.com", "password1": "short1", "password2": "short1"},
    )
    assert not User.objects.filter(email="eka@example.com").exists()


def test_password_reset_round_trip():
    UserFactory(email="fajar@example.com")
    client = Client()
    client.post(reverse("account_reset_password"), {"email": "FAJAR@example.com"})
    assert len(mail.outbox) == 1
    link = re.search(
        r"http://testserver(/accounts/password/reset/key/[^\s]+)", mail.outbox[0].body
    ).group(1)
    response = client.get(link)
    assert response.status_code == 302  # allauth moves the key into the session
    new = "a brand new passphrase 7"
    response = client.post(response.url, {"password1": new, "password2": new})
    assert response.status_code == 302
    assert Client().login(email="fajar@example.com", password=new)
    assert not Client().login(email="fajar@example.com", password=PASSWORD)


def test_password_change_needs_the_old_password():
    user = UserFactory()
    client = Client()
    client.force_login(user)
    new = "another long passphrase 9"
    client.post(
        reverse("account_change_password"),
        {"oldpassword": "wrong", "password1": new, "password2": new},
    )
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    client.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": new, "password2": new},
    )
    user.refresh_from_db()
    assert user.check_password(new)


def test_operator_bootstrap_creates_one_admin_once(capsys, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("LUMINA_ADMIN_EMAIL", "ops@example.com")
    monkeypatch.delenv("LUMINA_ADMIN_PASSWORD", raising=False)
    call_command("lumina_bootstrap")
    out = capsys.readouterr().out
    password = re.search(r"Password: (\S+)", out).group(1)
    assert Client().login(email="ops@example.com", password=password)
    call_command("lumina_bootstrap")
    assert "existing" in capsys.readouterr().out
    assert User.objects.filter(is_superuser=True).count() == 1
