"""The audit page in real Chromium: an owner moves an image to the trash and restores it
through the pages, then reads what they did as sentences on the workspace's audit log."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.factories import AssetFactory, UserFactory, personal_membership

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_owner_reads_their_trash_and_restore_on_the_audit_page(new_page, media):
    alice = UserFactory(display_name="alice")
    asset = AssetFactory(
        membership=personal_membership(alice),
        seed=3,
        width=640,
        height=480,
        filename="beach.jpg",
        title="Sunset",
    )
    page = new_page(user=alice)

    # when: alice trashes the image from its page, then restores it
    page.goto(f"/assets/{asset.pk}/")
    page.get_by_role("button", name="Move to the trash").click()
    expect(page.locator("body")).to_contain_text("Moved to the trash.")
    page.goto(f"/assets/{asset.pk}/")
    page.get_by_role("button", name="Restore").click()
    expect(page.locator("body")).to_contain_text("Restored from the trash.")

    # then: the audit page tells it in sentences, newest first, with where from
    page.goto("/security/audit/")
    entries = page.locator("#audit-entries .audit-sentence")
    expect(entries.nth(0)).to_have_text("alice restored image \u2018Sunset\u2019 from the trash")
    expect(entries.nth(1)).to_have_text("alice moved image \u2018Sunset\u2019 to the trash")
    first_row = page.locator("#audit-entries tr.audit-entry").nth(0)
    expect(first_row).to_contain_text("web session")
    expect(first_row).to_contain_text("127.0.0.1")
    assert page.js_errors == []
