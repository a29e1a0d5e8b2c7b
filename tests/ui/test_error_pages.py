"""The web toolkit's error mapping in real Chromium: a form a service refuses comes
back to its page with the reason and stores nothing; a page about something the visitor
may not see is the 404 page, not a server error."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from albums.models import Album
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_a_refused_form_returns_with_its_reason_and_a_hidden_album_is_404(new_page):
    member = UserFactory(email="wulan@example.com")
    stranger = UserFactory(email="other@example.com")
    page = new_page(user=stranger)
    page.goto("/albums/")
    page.fill("#al-new-title", "Someone else's")
    page.click("form[action$='/albums/new/'] button[type=submit]")
    foreign = Album.objects.get(title="Someone else's")
    page.context.close()

    page = new_page(user=member)
    page.goto("/albums/")
    # when a title of spaces passes the browser's `required` but not the service
    page.fill("#al-new-title", "   ")
    page.click("form[action$='/albums/new/'] button[type=submit]")
    # then the albums page shows why, and no album was made
    assert page.url.endswith("/albums/")
    expect(page.locator("body")).to_contain_text("An album needs a title.")
    assert not Album.objects.filter(created_by=member).exists()

    # when the member opens another workspace's album
    response = page.goto(f"/albums/{foreign.pk}/")
    # then it is the 404 page
    assert response is not None
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("Someone else's")
    assert page.js_errors == []  # type: ignore[attr-defined]
