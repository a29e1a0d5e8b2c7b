"""Operators change memberships in the admin only through actions that call the
membership services: the last-owner rule holds, the member.* events go out, the audit
trail names the operator; the forms cannot change a role or remove a member."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.events import MemberRemoved, MemberRoleChanged
from accounts.models import Membership, Role
from lumina.core import events
from tests.factories import UserFactory
from tests.security.helpers import force_login_verified

URL = "/admin/accounts/membership/"


@pytest.fixture
def emitted():  # type: ignore[no-untyped-def]
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(event: Any) -> None:
        seen.append((event.name, event.payload()))

    for kind in (MemberRoleChanged, MemberRemoved):
        events.subscribe(kind, record)
    yield seen
    for kind in (MemberRoleChanged, MemberRemoved):
        events.unsubscribe(kind, record)


@pytest.fixture
def console(browser, db):  # type: ignore[no-untyped-def]
    operator = UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")
    force_login_verified(browser, operator)
    return browser


def _membership(team: Any, role: str) -> Membership:
    return team.membership(role)


def test_promote_and_demote_move_one_role_and_send_the_event(team, console, emitted):
    viewer = _membership(team, "viewer")

    console.post(URL, {"action": "promote", "_selected_action": [viewer.pk]})
    viewer.refresh_from_db()
    assert viewer.role == Role.EDITOR
    console.post(URL, {"action": "demote", "_selected_action": [viewer.pk]})
    viewer.refresh_from_db()
    assert viewer.role == Role.VIEWER

    changes = [(p["old_role"], p["new_role"]) for name, p in emitted if name.endswith("changed")]
    assert changes == [("viewer", "editor"), ("editor", "viewer")]


def test_the_last_owner_cannot_be_demoted_or_removed(team, console, emitted):
    owner = _membership(team, "owner")

    for action in ("demote", "remove"):
        response = console.post(
            URL, {"action": action, "_selected_action": [owner.pk]}, follow=True
        )
        assert "at least one owner" in response.content.decode()

    owner.refresh_from_db()
    assert owner.role == Role.OWNER
    assert emitted == []


def test_remove_takes_the_member_out_and_sends_the_event(team, console, emitted):
    editor = _membership(team, "editor")

    console.post(URL, {"action": "remove", "_selected_action": [editor.pk]})

    assert not Membership.objects.filter(pk=editor.pk).exists()
    assert emitted == [("member.removed", {"tenant_id": team.tenant.pk, "user_id": editor.user_id})]


def test_no_form_changes_a_role_or_removes_a_member(team, console):
    viewer = _membership(team, "viewer")

    membership_form = console.get(f"{URL}{viewer.pk}/change/").content.decode()
    workspace_form = console.get(
        f"/admin/accounts/tenant/{team.tenant.pk}/change/"
    ).content.decode()

    assert 'name="role"' not in membership_form
    assert 'name="memberships-0-role"' not in workspace_form
    assert 'name="memberships-0-DELETE"' not in workspace_form
    assert console.get(f"{URL}add/").status_code == 403


def test_the_delete_page_removes_through_the_service(team, console, emitted):
    editor, owner = _membership(team, "editor"), _membership(team, "owner")

    console.post(f"{URL}{editor.pk}/delete/", {"post": "yes"})
    refused = console.post(f"{URL}{owner.pk}/delete/", {"post": "yes"}, follow=True)

    assert not Membership.objects.filter(pk=editor.pk).exists()
    assert Membership.objects.filter(pk=owner.pk, role=Role.OWNER).exists()
    assert "at least one owner" in refused.content.decode()
    assert emitted == [("member.removed", {"tenant_id": team.tenant.pk, "user_id": editor.user_id})]
