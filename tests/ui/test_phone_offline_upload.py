"""More of the gallery in real Chromium: a 360 px phone, the service worker keeping the
gallery usable offline, the interface in Indonesian and French, and the upload panel
(drop, a few at a time, cancel, tried again by itself after a lost connection)."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import expect

from gallery.models import Asset
from tests.factories import AssetFactory, UserFactory, personal_membership
from tests.ui.conftest import axe_violations, screenshot
from tests.ui.photos import photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

READY_IMAGES = "#assets .tile[data-status=ready] picture img.loaded"
SHAPES = [(1200, 800), (800, 1200), (1000, 1000), (1600, 700), (900, 1300), (1200, 900)]


def _add_photos(user, count: int) -> list[int]:  # type: ignore[no-untyped-def]
    membership = personal_membership(user)
    ids = []
    for i in range(count):
        w, h = SHAPES[i % len(SHAPES)]
        data = photo(w, h, seed=i + 10)
        ids.append(
            AssetFactory(membership=membership, data=data, filename=f"holiday-{i + 1}.jpg").pk
        )
    return ids


def test_phone_layout_offline_gallery_and_languages(new_page, media):
    user = UserFactory()
    ids = _add_photos(user, 6)
    page = new_page(width=360, height=740, user=user, is_mobile=True, has_touch=True)
    # --- infinite scroll: two per page from the server, the rest through the API cursor ---
    api_pages: list[str] = []
    page.on("request", lambda r: api_pages.append(r.url) if "/api/v1/assets/?" in r.url else None)
    held: list = []  # the first API page waits, so the loading state can be seen
    page.route(
        re.compile(r"/api/v1/assets/\?cursor="),
        lambda route: route.continue_() if held else held.append(route),
    )
    page.goto("/?page_size=2")
    expect(page.locator("#feed-end")).to_have_class(re.compile(r"\bloading\b"))
    expect(page.locator("#feed-end .feed-text")).to_have_text("Loading more…")
    expect(page.locator("#assets")).to_have_attribute("aria-busy", "true")
    held[0].continue_()
    page.mouse.wheel(0, 4000)
    expect(page.locator("#assets .tile")).to_have_count(6)
    expect(page.locator("#feed-end .feed-text")).to_have_text("That is everything.")
    assert len([u for u in api_pages if "cursor=" in u]) == 2
    assert [
        int(i)
        for i in page.locator("#assets .tile").evaluate_all("tiles => tiles.map(t => t.dataset.id)")
    ] == sorted(ids, reverse=True)
    page.goto("/")
    expect(page.locator(READY_IMAGES)).to_have_count(6)

    # --- 360 px: nothing wider than the screen; the menu folds ---------------------------
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    nav = page.locator("#nav")
    expect(nav).to_be_hidden()
    page.click(".menu-toggle")
    expect(nav).to_be_visible()
    expect(page.locator(".menu-toggle")).to_have_attribute("aria-expanded", "true")
    assert axe_violations(page) == []
    page.click(".menu-toggle")
    expect(nav).to_be_hidden()
    screenshot(page, "gallery-phone", full_page=True)
    # the lightbox moves on a swipe
    page.locator(f"#asset-{ids[-1]} .tile-link").click()
    expect(page.locator(".lb-img.loaded")).to_have_count(1)
    box = page.locator(".lb-stage").bounding_box()
    assert box is not None
    y = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + 300, y)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, y, steps=5)
    page.mouse.up()
    expect(page).to_have_url(re.compile(rf"\?asset={ids[-2]}$"))
    page.keyboard.press("Escape")

    # --- the service worker: the gallery opens offline with what was seen -----------------
    assert page.evaluate("navigator.serviceWorker.ready.then(r => !!r.active)")
    page.reload()
    expect(page.locator(READY_IMAGES)).to_have_count(6)
    assert page.evaluate("!!navigator.serviceWorker.controller")
    page.context.set_offline(True)
    try:
        page.reload()
        expect(page.locator(READY_IMAGES)).to_have_count(6)
        # a page never opened before: the offline page instead of the browser's error
        page.goto(f"/assets/{ids[0]}/")
        expect(page.locator("h1")).to_have_text("You are offline")
    finally:
        page.context.set_offline(False)

    # --- Indonesian, then French: server strings and script strings ----------------------
    page.set_viewport_size({"width": 1100, "height": 800})
    page.goto("/")
    page.select_option("#lang", "id")
    page.click("footer button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.locator("#view-mode legend")).to_have_text("Tampilan")
    page.locator(f"#asset-{ids[0]} .tile-check").click()
    expect(page.locator("#bulkbar .count")).to_have_text("1 dipilih")
    screenshot(page, "gallery-indonesian")
    page.keyboard.press("Escape")
    page.select_option("#lang", "fr")
    page.click("footer button[type=submit]")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    page.locator(f"#asset-{ids[0]} .tile-check").click()
    page.locator(f"#asset-{ids[1]} .tile-check").click()
    expect(page.locator("#bulkbar .count")).to_have_text("2 sélectionnées")
    page.keyboard.press("Escape")
    page.locator(f"#asset-{ids[0]} .tile-link").click()
    expect(page.locator("[data-lb=close]")).to_have_attribute("aria-label", "Fermer (Échap)")
    assert page.js_errors == []  # type: ignore[attr-defined]


def test_upload_panel_drop_parallel_cancel_and_retry(new_page, media):
    user = UserFactory()
    page = new_page(user=user)
    page.goto("/upload/")
    assert axe_violations(page) == []

    # Hold every upload at the network: they wait in "uploading", three at a time.
    held = []
    page.route("**/api/v1/assets/", lambda route: held.append(route))
    files = [
        {"name": f"drop-{i}.jpg", "data": base64.b64encode(photo(600, 400, seed=30 + i)).decode()}
        for i in range(5)
    ]
    transfer = page.evaluate_handle(
        """files => {
            const dt = new DataTransfer();
            for (const f of files) {
                const bytes = Uint8Array.from(atob(f.data), c => c.charCodeAt(0));
                dt.items.add(new File([bytes], f.name, {type: 'image/jpeg'}));
            }
            return dt;
        }""",
        files,
    )
    page.dispatch_event("#dropzone", "dragenter", {"dataTransfer": transfer})
    expect(page.locator("#drop-overlay")).to_be_visible()
    page.dispatch_event("#dropzone", "drop", {"dataTransfer": transfer})
    expect(page.locator("#drop-overlay")).to_be_hidden()
    items = page.locator(".upload-item")
    expect(items).to_have_count(5)
    expect(page.locator(".upload-item[data-state=uploading]")).to_have_count(3)
    expect(page.locator(".upload-item[data-state=queued]")).to_have_count(2)
    assert page.locator(".upload-item img.thumb[src^='blob:']").count() == 5

    # cancel one that is sending: the next waiting one starts
    items.nth(0).locator("button[data-upload=cancel]").click()
    expect(items.nth(0)).to_have_attribute("data-state", "canceled")
    expect(page.locator(".upload-item[data-state=uploading]")).to_have_count(3)
    expect(page.locator(".upload-item[data-state=queued]")).to_have_count(1)

    # the connection drops for the ones in flight: each says so and tries again by itself
    for route in held[1:]:  # the first was cancelled by the page
        route.abort("internetdisconnected")
    page.unroute("**/api/v1/assets/")
    waiting = page.locator(".upload-item[data-state=waiting] .msg")
    expect(waiting.first).to_contain_text("Connection problem. Trying again in")
    # the queue moves on, and the dropped ones go through on their next try
    expect(page.locator(".upload-item[data-state=done]")).to_have_count(4, timeout=30_000)
    expect(page.locator(".upload-item[data-state=failed]")).to_have_count(0)
    screenshot(page, "upload")
    # the cancelled one is offered again
    items.nth(0).locator("button[data-upload=retry]").click()
    expect(page.locator(".upload-item[data-state=done]")).to_have_count(5, timeout=30_000)
    expect(page.locator(READY_IMAGES)).to_have_count(5, timeout=30_000)
    assert Asset.objects.filter(owner=user).count() == 5
    assert page.js_errors == []  # type: ignore[attr-defined]
