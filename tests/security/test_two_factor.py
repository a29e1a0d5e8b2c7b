"""TOTP enrolment and the sign-in step, recovery codes, the admin gate and the
workspace requirement. Codes are computed in the test like an authenticator app."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts import services
from tests.factories import PASSWORD, UserFactory
from tests.security.conftest import LOGIN
from tests.security.helpers import code_for, force_login_verified, next_code, totp_device

pytestmark = pytest.mark.django_db


def sign_in(client, user, password=PASSWORD):
    return client.post(LOGIN, {"login": user.email, "password": password})


def enrol(client):
    """Go through the set-up page; returns (device, recovery codes)."""
    page = client.get(reverse("security-2fa-setup"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html  # the QR code is drawn server-side, inline
    secret = re.search(r'<code id="otp-secret">([A-Z2-7]+)</code>', html).group(1)
    device = TOTPDevice.objects.get(name="pending")
    # the secret shown for manual entry is the device's key
    import base64

    assert base64.b32decode(secret + "=" * (-len(secret) % 8)) == device.bin_key
    done = client.post(reverse("security-2fa-setup"), {"code": code_for(device)})
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", done.content.decode())
    return TOTPDevice.objects.get(pk=device.pk), codes


def test_enrolment_with_qr_and_code_then_sign_in_asks_for_the_second_factor(browser):
    user = UserFactory()
    browser.force_login(user)
    wrong = browser.post(reverse("security-2fa-setup"), {"code": "000000"})
    assert "not valid" in wrong.content.decode()
    device, codes = enrol(browser)
    assert device.confirmed
    assert len(codes) == 10
    assert len(set(codes)) == 10
    browser.post(reverse("account_logout"))

    # password first: signed in, but every page leads to the code step
    response = sign_in(browser, user)
    assert response.status_code == 302
    for path in ("/", reverse("workspace-members"), reverse("security-tokens")):
        held = browser.get(path)
        assert held.status_code == 302
        assert held.url.startswith(reverse("security-2fa-verify")), path
    assert browser.get("/api/v1/me/").json()["error"]["code"] == "two_factor_pending"

    # a wrong code is refused, the right one opens the site
    assert browser.post(reverse("security-2fa-verify"), {"code": "123456"}).status_code == 400
    ok = browser.post(
        reverse("security-2fa-verify") + "?next=/workspaces/members/",
        {"code": next_code(device), "next": "/workspaces/members/"},
    )
    assert ok.status_code == 302
    assert ok.url == "/workspaces/members/"
    assert browser.get("/").status_code == 200


def test_verify_step_refuses_offsite_next(browser):
    user = UserFactory()
    device = totp_device(user)
    sign_in(browser, user)
    ok = browser.post(
        reverse("security-2fa-verify"), {"code": code_for(device), "next": "https://evil.example/"}
    )
    assert ok.status_code == 302
    assert ok.url == "/"


def test_recovery_codes_are_single_use_and_regenerable(browser):
    user = UserFactory()
    browser.force_login(user)
    _device, codes = enrol(browser)
    browser.post(reverse("account_logout"))

    sign_in(browser, user)
    assert browser.post(reverse("security-2fa-verify"), {"code": codes[0]}).status_code == 302
    assert browser.get("/").status_code == 200
    assert StaticToken.objects.filter(device__user=user).count() == 9
    browser.post(reverse("account_logout"))

    sign_in(browser, user)
    assert browser.post(reverse("security-2fa-verify"), {"code": codes[0]}).status_code == 400
    assert browser.post(reverse("security-2fa-verify"), {"code": codes[1]}).status_code == 302

    # regenerating needs a current code, and the old codes stop working
    new = browser.post(reverse("security-2fa-recovery-codes"), {"code": codes[2]})
    fresh = re.findall(r"<li><code>([a-z0-9]+)</code></li>", new.content.decode())
    assert len(fresh) == 10
    assert not set(fresh) & set(codes)
    assert "no-store" in new["Cache-Control"]
    browser.post(reverse("account_logout"))
    sign_in(browser, user)
    assert browser.post(reverse("security-2fa-verify"), {"code": codes[3]}).status_code == 400
    assert browser.post(reverse("security-2fa-verify"), {"code": fresh[0]}).status_code == 302


def test_disable_needs_a_fresh_code(browser):
    user = UserFactory()
    device = force_login_verified(browser, user)
    browser.post(reverse("security-2fa-disable"), {"code": "000000"})
    assert TOTPDevice.objects.filter(user=user).exists()
    browser.post(reverse("security-2fa-disable"), {"code": next_code(device)})
    assert not TOTPDevice.objects.filter(user=user).exists()
    browser.post(reverse("account_logout"))
    sign_in(browser, user)
    assert browser.get("/").status_code == 200  # no second step any more


def test_a_code_cannot_be_replayed(browser):
    user = UserFactory()
    device = totp_device(user)
    code = code_for(device)
    sign_in(browser, user)
    assert browser.post(reverse("security-2fa-verify"), {"code": code}).status_code == 302
    browser.post(reverse("account_logout"))
    sign_in(browser, user)
    assert browser.post(reverse("security-2fa-verify"), {"code": code}).status_code == 400


def test_staff_without_a_verified_second_factor_stay_out_of_the_admin(browser):
    operator = UserFactory(is_staff=True, is_superuser=True)
    browser.force_login(operator)
    response = browser.get("/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url.startswith(reverse("security-2fa-setup"))

    # with 2FA but not yet verified in this session: the code step first
    device = totp_device(operator)
    browser.post(reverse("account_logout"))
    sign_in(browser, operator)
    assert browser.get("/admin/").url.startswith(reverse("security-2fa-verify"))
    browser.post(reverse("security-2fa-verify"), {"code": code_for(device)})
    assert browser.get("/admin/accounts/user/").status_code == 200


def test_workspace_requiring_2fa_leads_members_to_enrolment_at_next_sign_in(browser, make_team):
    tenant, people = make_team()
    member = people["viewer"]
    browser.force_login(member)
    assert browser.get("/").status_code == 200
    owner = tenant.memberships.get(role="owner")
    services.tenant_security_update(
        membership=owner, require_2fa=True, ip_allowlist=[], ip_blocklist=[]
    )
    assert browser.get("/").status_code == 200  # this session goes on
    browser.post(reverse("account_logout"))

    sign_in(browser, member)
    held = browser.get("/")
    assert held.url.startswith(reverse("security-2fa-setup"))
    assert "requires two-factor" in browser.get(held.url).content.decode()
    enrol(browser)
    assert browser.get("/").status_code == 200
    # and it cannot be switched off while required
    device = TOTPDevice.objects.get(user=member)
    browser.post(reverse("security-2fa-disable"), {"code": next_code(device)})
    assert TOTPDevice.objects.filter(user=member).exists()
