"""Operators revoke share links in the admin through the albums service: the link's
event goes out and the audit trail names the operator."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry

from albums.sharing import services
from lumina.core import events
from tests.factories import UserFactory
from tests.security.helpers import force_login_verified


@pytest.fixture
def emitted():  # type: ignore[no-untyped-def]
    seen: list[tuple[str, dict[str, Any]]] = []

    def record(name: str, payload: dict[str, Any]) -> None:
        seen.append((name, payload))

    events.subscribe("share_link.revoked", record)
    yield seen
    events.unsubscribe("share_link.revoked", record)


@pytest.fixture
def operator(db):  # type: ignore[no-untyped-def]
    return UserFactory(is_staff=True, is_superuser=True, email="ops@example.com")


def test_the_admin_revoke_action_emits_the_event_and_is_audited(team, browser, operator, emitted):
    live, _ = services.share_link_create(actor=team.actor(), album=team.album(), name="Live")
    gone, _ = services.share_link_create(actor=team.actor(), album=team.album(), name="Gone")
    services.share_link_revoke(actor=team.actor(), link=gone)
    emitted.clear()
    force_login_verified(browser, operator)

    response = browser.post(
        "/admin/albums/sharelink/",
        {"action": "revoke", "_selected_action": [live.pk, gone.pk]},
    )

    assert response.status_code == 302
    live.refresh_from_db()
    assert live.revoked_at is not None
    # only the link that was live is revoked again: one event, one audit entry
    assert emitted == [("share_link.revoked", {"tenant_id": team.tenant.pk, "link_id": live.pk})]
    entries = LogEntry.objects.filter(additional_data__event="share_link.revoked")
    by_admin = entries.filter(additional_data__via="admin").get()
    assert by_admin.actor == operator
    assert by_admin.additional_data["tenant_id"] == team.tenant.pk


def test_the_change_form_cannot_revoke_or_restore_a_link_behind_the_service(
    team, browser, operator
):
    link, _ = services.share_link_create(actor=team.actor(), album=team.album(), name="Live")
    force_login_verified(browser, operator)

    page = browser.get(f"/admin/albums/sharelink/{link.pk}/change/")

    assert page.status_code == 200
    assert 'name="revoked_at' not in page.content.decode()
