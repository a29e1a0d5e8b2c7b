from __future__ import annotations

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Invitation, Role
from tests.conftest import role_of
from tests.factories import UserFactory
from tests.security.helpers import force_login_verified

pytestmark = pytest.mark.django_db


def test_admin_is_for_staff_only(browser):
    member = UserFactory()
    browser.force_login(member)
    response = browser.get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response.url

    operator = UserFactory(is_staff=True, is_superuser=True)
    browser.force_login(operator)
    # staff without a verified second factor are sent to set one up (issue 7)
    assert browser.get("/admin/").url.startswith("/security/2fa/setup/")
    force_login_verified(browser, operator)
    assert browser.get("/admin/").status_code == 200
    for page in (
        "accounts/user/",
        "accounts/tenant/",
        "accounts/membership/",
        "accounts/invitation/",
    ):
        response = browser.get(f"/admin/{page}?q=example")
        assert response.status_code == 200, page


def test_home_needs_sign_in_and_shows_the_workspace(browser):
    assert browser.get(reverse("home")).status_code == 302
    user = UserFactory(display_name="Kartika")
    browser.force_login(user)
    page = browser.get(reverse("home")).content.decode()
    assert "Kartika&#x27;s photos" in page


def test_workspace_switcher_only_switches_to_own_workspaces(browser, make_team):
    tenant, people = make_team()
    stranger = UserFactory()
    browser.force_login(people["editor"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    assert tenant.name in browser.get(reverse("home")).content.decode()

    browser.force_login(stranger)
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    assert tenant.name not in browser.get(reverse("home")).content.decode()


def test_members_page_invites_changes_roles_and_escapes_names(browser, make_team):
    tenant, people = make_team()
    people["viewer"].display_name = "<script>alert(1)</script>"
    people["viewer"].save()
    browser.force_login(people["owner"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})

    page = browser.get(reverse("workspace-members")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page

    browser.post(
        reverse("workspace-members"),
        {"action": "invite", "email": "lina@example.com", "role": "editor"},
    )
    assert Invitation.objects.filter(
        tenant=tenant, email="lina@example.com", role=Role.EDITOR
    ).exists()
    assert len(mail.outbox) == 1

    browser.post(
        reverse("workspace-members"),
        {"action": "role", "user": people["viewer"].pk, "role": "editor"},
    )
    assert role_of(tenant, people["viewer"]) == Role.EDITOR

    response = browser.post(
        reverse("workspace-members"),
        {"action": "role", "user": people["owner"].pk, "role": "viewer"},
        follow=True,
    )
    assert "at least one owner" in response.content.decode()
    assert role_of(tenant, people["owner"]) == Role.OWNER


def test_viewer_sees_members_but_cannot_manage(browser, make_team):
    tenant, people = make_team()
    browser.force_login(people["viewer"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    page = browser.get(reverse("workspace-members")).content.decode()
    assert people["owner"].email in page
    assert "Send invitation" not in page
    browser.post(reverse("workspace-members"), {"action": "remove", "user": people["editor"].pk})
    assert role_of(tenant, people["editor"]) == Role.EDITOR


def test_accepting_an_invitation_in_the_browser(browser, make_team):
    tenant, people = make_team()
    browser.force_login(people["owner"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    browser.post(
        reverse("workspace-members"),
        {"action": "invite", "email": "maya@example.com", "role": "viewer"},
    )
    link = next(line for line in mail.outbox[0].body.splitlines() if "/invitations/" in line)
    path = link[link.index("/invitations/") :].strip()

    maya = UserFactory(email="maya@example.com")
    browser.force_login(maya)
    response = browser.post(path)
    assert response.status_code == 302
    assert role_of(tenant, maya) == Role.VIEWER
    assert browser.get(path).status_code == 404  # used up
