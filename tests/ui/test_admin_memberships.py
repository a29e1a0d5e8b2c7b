"""The operator console's membership actions in real Chromium: an operator (second
factor given) picks members, chooses an action and presses Go; the role changes through
the service, and the workspace's last owner stays an owner with the reason on screen."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import expect

from accounts.models import Membership, Role
from tests.factories import UserFactory
from tests.security.helpers import force_login_verified

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def _console(chromium: Any, live_server: Any) -> Any:
    operator = UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")
    client = Client()
    force_login_verified(client, operator)
    context = chromium.new_context(base_url=live_server.url, locale="en-GB")
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def _act(page: Any, membership: Membership, action: str) -> None:
    page.goto("/admin/accounts/membership/")
    page.check(f"input[name=_selected_action][value='{membership.pk}']")
    page.select_option("select[name=action]", action)
    page.click("button[name=index]")


def test_an_operator_promotes_a_member_and_cannot_demote_the_last_owner(
    chromium, live_server, make_team
):
    tenant, people = make_team()
    viewer = Membership.objects.get(tenant=tenant, user=people["viewer"])
    owner = Membership.objects.get(tenant=tenant, user=people["owner"])
    page = _console(chromium, live_server)

    # when the operator promotes the viewer
    _act(page, viewer, "promote")
    # then the console says so and the role is one step up
    expect(page.locator(".messagelist")).to_contain_text("1 role(s) changed.")
    viewer.refresh_from_db()
    assert viewer.role == Role.EDITOR

    # when the operator demotes the only owner
    _act(page, owner, "demote")
    # then the reason is shown and nothing changed
    expect(page.locator(".messagelist")).to_contain_text("at least one owner")
    owner.refresh_from_db()
    assert owner.role == Role.OWNER

    # and the membership's own form offers no role to edit
    page.goto(f"/admin/accounts/membership/{viewer.pk}/change/")
    expect(page.locator("select[name=role]")).to_have_count(0)
    page.context.close()
