"""The sign-in page invites to sign up only where sign-up is open."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from accounts import services
from accounts.models import Membership, Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _signup_links(html: str) -> list[str]:
    return re.findall(r'href="([^"]*/accounts/signup/[^"]*)"', html)


def test_sign_in_page_has_no_sign_up_invitation_when_sign_up_is_closed(browser, settings):
    settings.LUMINA_SIGNUP_OPEN = False

    html = browser.get(reverse("account_login")).content.decode()

    assert 'name="login"' in html  # the page itself renders
    assert _signup_links(html) == []
    assert "sign up" not in html.lower()


def test_sign_in_page_invites_to_sign_up_when_sign_up_is_open(browser, settings):
    settings.LUMINA_SIGNUP_OPEN = True

    html = browser.get(reverse("account_login")).content.decode()

    assert _signup_links(html)


def test_sign_in_page_invites_a_visitor_who_holds_a_pending_invitation(browser, settings):
    # given: closed sign-up, and a visitor who opened the link of a pending invitation
    settings.LUMINA_SIGNUP_OPEN = False
    owner = UserFactory()
    membership = Membership.objects.get(user=owner, tenant__personal=True)
    _, raw = services.invitation_create(
        membership=membership, email="newcomer@example.com", role=Role.VIEWER
    )
    browser.get(f"/invitations/{raw}/")

    # when
    html = browser.get(reverse("account_login")).content.decode()

    # then
    assert _signup_links(html)
