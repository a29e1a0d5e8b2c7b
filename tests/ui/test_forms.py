"""Every form a visitor submits, in real Chromium against the live server: sign-in,
sign-up, password reset (through the mailed link), the second-factor step, invitations
(accepted signed in, or by signing up), the upload page, and what a refused form (CSRF)
looks like. Each checks what the person sees and what the database then holds.

Django's test client sends no Origin or Referer and keeps cookies its own way; a browser
does not, which is why these run in Chromium (tests/ui/test_share_forms.py has the share
link's password form)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from playwright.sync_api import expect

from accounts.models import Membership, Role, User
from gallery.models import Asset
from tests.factories import PASSWORD, TenantFactory, UserFactory, add_member
from tests.security.helpers import code_for, totp_device
from tests.ui.photos import photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NEW_PASSWORD = "a brand new passphrase 7"


def _link_in_last_mail(pattern: str) -> str:
    """The first URL in the newest mail whose path matches ``pattern``; as a path, since
    the live server's host is the browser's base URL."""
    assert mail.outbox, "no mail was sent"
    found = re.search(rf"https?://[^/\s]+({pattern}[^\s]*)", mail.outbox[-1].body)
    assert found, mail.outbox[-1].body
    return found.group(1)


def _sign_in(page: Any, login: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")


def _signed_in_as(page: Any, user: User) -> None:
    """The gallery with the person's own menu: the session is a signed-in one."""
    expect(page.locator("html[data-user]")).to_have_count(1)
    expect(page.locator("form.logout button")).to_be_visible()
    expect(page.locator(".nav-tools")).to_contain_text(user.name)


# --- sign-in ---------------------------------------------------------------------------------


def test_sign_in_refuses_a_wrong_password_then_opens_the_gallery(new_page):
    user = UserFactory(email="bayu@example.com", username="bayu")
    page = new_page()

    _sign_in(page, "bayu@example.com", "not the password")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.locator("main form")).to_contain_text("not correct")
    expect(page.locator("html[data-user]")).to_have_count(0)

    # by user name this time (either is accepted)
    _sign_in(page, "bayu", PASSWORD)
    page.wait_for_url(re.compile(r"/$"))
    _signed_in_as(page, user)
    assert any(c["name"] == "sessionid" for c in page.context.cookies())


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_when_open_then_confirm_the_address_from_the_mail(new_page, settings):
    settings.LUMINA_SIGNUP_OPEN = True
    page = new_page()
    page.goto("/accounts/signup/")
    page.fill("input[name=email]", "Dewi@Example.com")
    page.fill("input[name=password1]", "short1")
    page.fill("input[name=password2]", "short1")
    page.click("form button[type=submit]")
    # refused with the reason; nothing made
    expect(page.locator("main form")).to_contain_text("too short")
    assert not User.objects.filter(email="dewi@example.com").exists()

    page.fill("input[name=password1]", "a long enough secret 42")
    page.fill("input[name=password2]", "a long enough secret 42")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Verify Your Email Address")
    expect(page.locator(".messages")).to_contain_text("Confirmation email sent to dewi@example.com")
    user = User.objects.get(email="dewi@example.com")
    assert not EmailAddress.objects.get(user=user).verified
    assert Membership.objects.filter(user=user, tenant__personal=True, role=Role.OWNER).exists()

    # the link in the mail confirms the address and signs the person in
    page.goto(_link_in_last_mail("/accounts/confirm-email/"))
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    _signed_in_as(page, user)
    assert EmailAddress.objects.get(user=user).verified


# --- password reset --------------------------------------------------------------------------


def test_password_reset_through_the_mailed_link_then_sign_in_with_the_new_one(new_page):
    user = UserFactory(email="fajar@example.com", username="fajar")
    page = new_page()
    page.goto("/accounts/login/")
    page.click("a[href='/accounts/password/reset/']")
    page.fill("input[name=email]", "FAJAR@example.com")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/done/$"))
    expect(page.locator("main")).to_contain_text("sent you an email")
    assert mail.outbox[-1].to == ["fajar@example.com"]

    page.goto(_link_in_last_mail("/accounts/password/reset/key/"))
    # allauth moves the key into the session and drops it from the address
    expect(page).to_have_url(re.compile(r"/accounts/password/reset/key/[^/]+-set-password/$"))
    page.fill("input[name=password1]", NEW_PASSWORD)
    page.fill("input[name=password2]", NEW_PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("main")).to_contain_text("Your password is now changed")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert not user.check_password(PASSWORD)

    _sign_in(page, "fajar@example.com", NEW_PASSWORD)
    page.wait_for_url(re.compile(r"/$"))
    _signed_in_as(page, user)


# --- the second factor -----------------------------------------------------------------------


def test_second_factor_step_refuses_a_wrong_code_then_takes_the_app_code(new_page):
    user = UserFactory(email="citra@example.com", username="citra")
    device = totp_device(user)
    page = new_page()

    _sign_in(page, "citra@example.com", PASSWORD)
    expect(page).to_have_url(re.compile(r"/security/2fa/verify/"))
    expect(page.locator("h1")).to_have_text("Enter your code")
    # the gallery stays closed until the code is given
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/security/2fa/verify/"))

    wrong = "000000" if code_for(device) != "000000" else "111111"
    page.fill("#code", wrong)
    page.click("main form button[type=submit] >> text=Verify")
    expect(page.locator("p.error[role=alert]")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/security/2fa/verify/"))

    # the code an authenticator app shows now, computed from the device's key
    page.fill("#code", code_for(device))
    page.click("main form button[type=submit] >> text=Verify")
    page.wait_for_url(re.compile(r"/$"))
    _signed_in_as(page, user)
    device.refresh_from_db()
    assert device.last_t > 0  # the step just used cannot be used again


# --- invitations -----------------------------------------------------------------------------


def _invite(new_page: Any, email: str) -> tuple[Any, str]:
    """The owner of a team workspace invites ``email`` through the members page; returns
    the workspace and the invitation's path from the mail."""
    tenant = TenantFactory(name="Kebun Studio")
    owner = UserFactory(email=f"owner-{tenant.slug}@example.com")
    add_member(tenant, owner, Role.OWNER)
    page = new_page(user=owner)
    page.goto("/")
    page.select_option("#ws-switch", str(tenant.pk))
    page.click("form.switcher button[type=submit]")
    expect(page.locator("#ws-switch")).to_have_value(str(tenant.pk))
    page.goto("/workspaces/members/")
    invite = page.locator("form:has(input[name=action][value=invite])")
    invite.locator("input[name=email]").fill(email)
    invite.locator("select[name=role]").select_option("editor")
    invite.locator("button[type=submit]").click()
    expect(page.locator("main")).to_contain_text("Pending invitations")
    expect(page.locator("main")).to_contain_text(email)
    assert mail.outbox[-1].to == [email]
    return tenant, _link_in_last_mail("/invitations/")


def test_invitation_accepted_by_someone_signed_in(new_page):
    tenant, path = _invite(new_page, "maya@example.com")
    maya = UserFactory(email="maya@example.com", username="maya")
    page = new_page(user=maya)
    page.goto(path)
    expect(page.locator("h1")).to_have_text("Join Kebun Studio")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".messages")).to_contain_text("Welcome to Kebun Studio.")
    # now working in the new workspace
    expect(page.locator("#ws-switch")).to_have_value(str(tenant.pk))
    assert Membership.objects.get(tenant=tenant, user=maya).role == Role.EDITOR
    # used up
    page.goto(path)
    expect(page.locator("p.error[role=alert]")).to_be_visible()


def test_invitation_opens_closed_sign_up_for_the_person_invited(new_page, settings):
    settings.LUMINA_SIGNUP_OPEN = False
    tenant, path = _invite(new_page, "indah@example.com")
    page = new_page()
    page.goto("/accounts/signup/")
    expect(page.locator("main")).to_contain_text("closed")

    page.goto(path)
    expect(page.locator("h1")).to_have_text("Join Kebun Studio")
    page.click("a[href='/accounts/signup/']")
    page.fill("input[name=email]", "indah@example.com")
    page.fill("input[name=password1]", "a long enough secret 42")
    page.fill("input[name=password2]", "a long enough secret 42")
    page.click("main form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    indah = User.objects.get(email="indah@example.com")
    _signed_in_as(page, indah)
    # the invitation's mail proved the address; the session works in the new workspace
    assert EmailAddress.objects.get(user=indah).verified
    assert Membership.objects.get(tenant=tenant, user=indah).role == Role.EDITOR
    expect(page.locator("#ws-switch")).to_have_value(str(tenant.pk))


# --- the upload page -------------------------------------------------------------------------


def _pictures(folder: Path, count: int) -> list[str]:
    paths = []
    for i in range(count):
        path = folder / f"upload-{i + 1}.jpg"
        path.write_bytes(photo(320, 240, seed=40 + i))
        paths.append(str(path))
    return paths


def test_upload_page_sends_chosen_images_with_tags_and_visibility(new_page, media, tmp_path):
    user = UserFactory(email="eka@example.com")
    page = new_page(user=user)
    page.goto("/upload/")
    page.fill("#tags", "harbour, boats")
    page.select_option("#visibility", "private")
    page.set_input_files("#files", _pictures(tmp_path, 2))
    expect(page.locator(".upload-item[data-state=done]")).to_have_count(2, timeout=30_000)
    expect(page.locator("#upload-panel .summary")).to_contain_text("2 of 2 done")
    expect(page.locator("#assets .tile")).to_have_count(2)
    assets = Asset.objects.filter(owner=user)
    assert assets.count() == 2
    assert set(assets.values_list("visibility", flat=True)) == {"private"}
    assert set(assets.values_list("asset_tags__tag__name", flat=True)) == {"harbour", "boats"}
    assert page.js_errors == []


def test_upload_page_form_works_without_scripts(new_page, media, tmp_path):
    user = UserFactory(email="gilang@example.com")
    page = new_page(user=user, java_script_enabled=False)
    page.goto("/upload/")
    page.fill("#tags", "market")
    page.set_input_files("#files", _pictures(tmp_path, 2))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator(".messages")).to_contain_text("upload-1.jpg uploaded.")
    expect(page.locator(".messages")).to_contain_text("upload-2.jpg uploaded.")
    assert Asset.objects.filter(owner=user, asset_tags__tag__name="market").count() == 2


# --- a refused form --------------------------------------------------------------------------


def test_a_refused_form_explains_and_offers_it_again(new_page):
    user = UserFactory(email="joko@example.com", username="joko")
    # No service worker: it would fetch a page, and so a fresh cookie, behind our back.
    page = new_page(service_workers="block")

    # the cookie gone (cleared, or expired, while the page was open)
    page.goto("/accounts/login/")
    page.context.clear_cookies(name="csrftoken")
    page.fill("input[name=login]", "joko@example.com")
    page.fill("input[name=password]", PASSWORD)
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("form button[type=submit]")
    assert refused.value.status == 403
    expect(page.locator("h1")).to_have_text("This form has expired")
    expect(page.locator("main")).to_contain_text("Allow cookies for this site")
    expect(page.locator("body")).not_to_contain_text("CSRF verification failed")
    expect(page.locator("html[data-user]")).to_have_count(0)

    # the page offers the form again, and then it works
    page.click("#csrf-reload")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.fill("input[name=login]", "joko@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    _signed_in_as(page, user)

    # a page left open across a sign-out and sign-in elsewhere holds a stale token
    page.goto("/upload/")
    page.context.add_cookies(
        [{"name": "csrftoken", "value": "x" * 32, "url": page.evaluate("location.origin")}]
    )
    page.select_option("#ws-switch", index=0)
    with page.expect_response(lambda r: r.request.method == "POST") as refused:
        page.click("form.switcher button[type=submit]")
    assert refused.value.status == 403
    expect(page.locator("h1")).to_have_text("This form has expired")
    expect(page.locator("main")).to_contain_text("signing in or out in another tab")
    # the layout of the site, the visitor still signed in
    _signed_in_as(page, user)
    page.click("#csrf-reload")
    expect(page).to_have_url(re.compile(r"/upload/$"))
    assert page.js_errors == []
