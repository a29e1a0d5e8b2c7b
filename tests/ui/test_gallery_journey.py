"""The gallery as a person uses it, in real Chromium: sign in, upload by the file chooser
and a folder, thumbnails turning ready, the lightbox by keyboard, favourites, selecting
a range and deleting it, restoring from the trash, theme and view mode. Screenshots of
the main pages go to docs/screenshots/ for the user guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gallery.api.views import AssetListView
from gallery.models import Asset, Favorite, Status
from tests.factories import PASSWORD, UserFactory
from tests.ui.conftest import axe_violations, screenshot
from tests.ui.photos import photo

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

SIZES = [(1200, 800), (800, 1200), (1000, 1000)]
READY_IMAGES = "#assets .tile[data-status=ready] picture img.loaded"


def _files(folder: Path) -> tuple[list[str], Path]:
    picked = []
    for i, (w, h) in enumerate(SIZES):
        path = folder / f"photo-{i + 1}.jpg"
        path.write_bytes(photo(w, h, seed=i))
        picked.append(str(path))
    trip = folder / "trip"
    (trip / "beach").mkdir(parents=True)
    (trip / "hills.jpg").write_bytes(photo(1600, 700, seed=4))
    (trip / "beach" / "sunset.jpg").write_bytes(photo(900, 1300, seed=5))
    (trip / "beach" / "notes.txt").write_text("not an image")
    (trip / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")
    return picked, trip


def test_gallery_journey(new_page, media, tmp_path, monkeypatch):
    user = UserFactory(email="ana@example.com", username="ana")
    page = new_page(width=1280, height=860)
    # What the server receives with each upload (file name and relative_path).
    posted: list[tuple[str, str]] = []
    original_post = AssetListView.post

    def spy(self, request):  # type: ignore[no-untyped-def]
        upload = request.data.get("file")
        posted.append((getattr(upload, "name", ""), request.data.get("relative_path", "")))
        return original_post(self, request)

    monkeypatch.setattr(AssetListView, "post", spy)

    # --- sign in through the form --------------------------------------------------------
    page.goto("/accounts/login/")
    screenshot(page, "sign-in")
    assert axe_violations(page) == []
    page.fill("input[name=login]", "ana@example.com")
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(re.compile(r"/$"))
    expect(page.locator("#empty")).to_be_visible()

    # --- three images through the file chooser -------------------------------------------
    picked, folder = _files(tmp_path)
    with page.expect_file_chooser() as chooser:
        page.click("label[for=upload-files]")
    chooser.value.set_files(picked)
    expect(page.locator(".upload-item[data-state=done]")).to_have_count(3, timeout=30_000)
    expect(page.locator(READY_IMAGES)).to_have_count(3, timeout=30_000)
    expect(page.locator("#empty")).to_be_hidden()
    # previews were made in the browser before sending
    assert page.locator(".upload-item img.thumb[src^='blob:']").count() == 3

    # --- one folder: structure sent along, a refused file shows the server's message ------
    page.set_input_files("#upload-folder", str(folder))
    expect(page.locator(".upload-item[data-state=done]")).to_have_count(5, timeout=30_000)
    failed = page.locator(".upload-item[data-state=failed]")
    expect(failed).to_have_count(1)
    expect(failed.locator(".msg")).to_contain_text("not a supported image")
    expect(failed.locator("button[data-upload=retry]")).to_be_visible()
    assert sorted(posted[3:]) == [
        ("hills.jpg", "trip/hills.jpg"),
        ("notes.txt", "trip/beach/notes.txt"),
        ("sunset.jpg", "trip/beach/sunset.jpg"),
    ]  # folder paths sent along; the system file (.DS_Store) was skipped
    assert all(path == "" for __, path in posted[:3])
    expect(page.locator(READY_IMAGES)).to_have_count(5, timeout=30_000)
    assert Asset.objects.filter(owner=user, status=Status.READY).count() == 5
    expect(page.locator("#usage-text")).to_contain_text("5 images")
    page.click("button[data-upload=clear]")
    page.click("button[data-upload=hide]")

    # --- a tile still processing turns ready by itself ------------------------------------
    newest = Asset.objects.filter(owner=user).order_by("-created_at", "-id").first()
    assert newest is not None
    Asset.objects.filter(pk=newest.pk).update(status=Status.PROCESSING)
    page.reload()
    tile = page.locator(f"#asset-{newest.pk}")
    expect(tile).to_have_attribute("data-status", "processing")
    expect(tile.locator(".tile-state")).to_be_visible()
    assert tile.locator("picture").count() == 0
    # the placeholder is painted from the ThumbHash meanwhile
    expect(tile.locator("img.ph")).to_have_attribute("src", re.compile(r"^data:image/png"))
    Asset.objects.filter(pk=newest.pk).update(status=Status.READY)
    expect(page.locator(f"#asset-{newest.pk}")).to_have_attribute("data-status", "ready")
    expect(page.locator(f"#asset-{newest.pk} picture img.loaded")).to_have_count(1)
    screenshot(page, "gallery-grid")
    assert axe_violations(page) == []

    # --- lightbox: keyboard, deep link, favourite, info, back button ----------------------
    ids = page.locator("#assets .tile").evaluate_all("tiles => tiles.map(t => t.dataset.id)")
    page.locator("#assets .tile .tile-link").first.click()
    dialog = page.locator("#lightbox")
    expect(dialog).to_be_visible()
    expect(page).to_have_url(re.compile(rf"\?asset={ids[0]}$"))
    expect(page.locator(".lb-img.loaded")).to_have_count(1)
    page.keyboard.press("ArrowRight")
    expect(page).to_have_url(re.compile(rf"\?asset={ids[1]}$"))
    expect(page.locator("#lb-title")).to_have_text(
        page.locator(f"#asset-{ids[1]}").get_attribute("data-title") or ""
    )
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowLeft")
    expect(page).to_have_url(re.compile(rf"\?asset={ids[1]}$"))
    # zoom with the keyboard, the slideshow on Space, the original on D
    page.keyboard.press("+")
    expect(page.locator(".lb-stage")).to_have_class(re.compile(r"\bzoomed\b"))
    page.keyboard.press("0")
    expect(page.locator(".lb-stage")).not_to_have_class(re.compile(r"\bzoomed\b"))
    page.keyboard.press(" ")
    expect(page.locator("[data-lb=play]")).to_have_attribute("aria-pressed", "true")
    page.keyboard.press(" ")
    expect(page.locator("[data-lb=play]")).to_have_attribute("aria-pressed", "false")
    with page.expect_download() as download:
        page.keyboard.press("d")
    assert download.value.suggested_filename.endswith(".jpg")
    page.keyboard.press("f")
    expect(page.locator("[data-lb=favorite]")).to_have_attribute("aria-pressed", "true")
    assert Favorite.objects.filter(user=user, asset_id=int(ids[1])).exists()
    page.keyboard.press("i")
    expect(page.locator("#lb-info")).to_be_visible()
    expect(page.locator("#lb-info")).to_contain_text("File name")
    expect(page.locator(".lb-img.loaded")).to_have_count(1)
    screenshot(page, "lightbox")
    assert axe_violations(page) == []
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator(f"#asset-{ids[1]} .tile-fav")).to_be_visible()
    # deep link opens it; the back button closes it
    page.goto(f"/?asset={ids[2]}")
    expect(dialog).to_be_visible()
    expect(page.locator("#lb-title")).to_have_text(
        page.locator(f"#asset-{ids[2]}").get_attribute("data-title") or ""
    )
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    page.locator(f"#asset-{ids[0]} .tile-link").click()
    expect(dialog).to_be_visible()
    page.go_back()
    expect(dialog).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))

    # --- keyboard: arrows move between tiles, X selects, Esc clears ---------------------
    page.locator(f"#asset-{ids[0]} .tile-link").focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(f"#asset-{ids[1]} .tile-link")).to_be_focused()
    page.keyboard.press("x")
    expect(page.locator(f"#asset-{ids[1]}")).to_have_class(re.compile(r"\bselected\b"))
    page.keyboard.press("Escape")
    expect(page.locator("#assets .tile.selected")).to_have_count(0)
    expect(page.locator("#bulkbar")).to_be_hidden()

    # --- select a range with Shift-click, act on it, then delete it ----------------------
    page.locator(f"#asset-{ids[0]}").hover()
    page.locator(f"#asset-{ids[0]} .tile-check").click()
    page.locator(f"#asset-{ids[2]} .tile-link").click(modifiers=["Shift"])
    expect(page.locator("#assets .tile.selected")).to_have_count(3)
    expect(page.locator("#bulkbar .count")).to_have_text("3 selected")
    chosen = [int(i) for i in ids[:3]]
    page.click("#bulkbar button[data-action=favorite]")
    expect(page.locator(".toast", has_text="3 images added to favourites")).to_be_visible()
    assert Favorite.objects.filter(user=user, asset_id__in=chosen).count() == 3
    page.fill("#bulk-tag", "beach")
    page.press("#bulk-tag", "Enter")
    expect(page.locator(".toast", has_text="Tag added to 3 images")).to_be_visible()
    assert Asset.objects.filter(pk__in=chosen, asset_tags__tag__name="beach").count() == 3
    page.select_option("#bulk-visibility", "private")
    expect(page.locator(".toast", has_text="Visibility changed for 3 images")).to_be_visible()
    assert set(Asset.objects.filter(pk__in=chosen).values_list("visibility", flat=True)) == {
        "private"
    }
    page.click("#bulkbar button[data-action=delete]")
    expect(page.locator("#assets .tile")).to_have_count(2)
    expect(page.locator(".toast", has_text="3 images moved to the trash")).to_be_visible()
    assert Asset.objects.filter(owner=user, deleted_at__isnull=False).count() == 3

    # --- the trash: select all with Ctrl+A, restore ---------------------------------------
    page.click("nav a[href='/trash/']")
    expect(page.locator("#assets .tile")).to_have_count(3)
    screenshot(page, "trash")
    assert axe_violations(page) == []
    page.locator("#assets .tile .tile-link").first.focus()
    page.keyboard.press("Control+a")
    expect(page.locator("#assets .tile.selected")).to_have_count(3)
    page.click("#bulkbar button[data-action=restore]")
    expect(page.locator("#assets .tile")).to_have_count(0)
    expect(page.locator("#empty")).to_be_visible()
    assert Asset.objects.filter(owner=user, deleted_at__isnull=False).count() == 0
    page.click("nav a[href='/']")
    expect(page.locator("#assets .tile")).to_have_count(5)

    # --- theme and view mode, remembered across reloads -----------------------------------
    html = page.locator("html")
    page.click("#theme-toggle")
    expect(html).to_have_attribute("data-theme", "light")
    page.click("#theme-toggle")
    expect(html).to_have_attribute("data-theme", "dark")
    page.click("label[for=view-justified]")
    expect(page.locator("#assets")).to_have_class(re.compile(r"\bview-justified\b"))
    page.eval_on_selector(
        "#tile-size",
        "el => { el.value = 260; el.dispatchEvent(new Event('input', {bubbles: true})); }",
    )
    size_of = "el => getComputedStyle(el).getPropertyValue('--size').trim()"
    assert page.eval_on_selector("#assets", size_of) == "260px"
    page.reload()
    assert page.eval_on_selector("#assets", size_of) == "260px"
    assert page.input_value("#tile-size") == "260"
    expect(html).to_have_attribute("data-theme", "dark")
    expect(page.locator("#assets")).to_have_class(re.compile(r"\bview-justified\b"))
    expect(page.locator(READY_IMAGES)).to_have_count(5)
    # justified tiles keep the images' shapes: a panorama is wider than a portrait
    boxes = {
        int(t.get_attribute("data-id") or 0): t.bounding_box()
        for t in page.locator("#assets .tile").all()
    }
    shapes = {a.pk: a.width / a.height for a in Asset.objects.filter(owner=user)}
    for pk, box in boxes.items():
        assert box is not None
        assert abs(box["width"] / box["height"] - shapes[pk]) < 0.08, (pk, box, shapes[pk])
    screenshot(page, "gallery-justified-dark")
    assert axe_violations(page) == []
    page.click("label[for=view-list]")
    expect(page.locator("#assets")).to_have_class(re.compile(r"\bview-list\b"))
    expect(page.locator("#assets .tile").first.locator(".tile-meta .size")).to_be_visible()
    page.click("#theme-toggle")  # back to the system theme
    expect(html).not_to_have_attribute("data-theme", re.compile(".+"))
    screenshot(page, "gallery-list")

    # --- the asset page --------------------------------------------------------------------
    page.goto(f"/assets/{ids[1]}/")
    expect(page.locator(".detail-preview picture img")).to_be_visible()
    expect(page.locator("a[download]").first).to_have_attribute(
        "href", f"/api/v1/assets/{ids[1]}/original/"
    )
    screenshot(page, "asset-detail", full_page=True)
    assert axe_violations(page) == []
    # from the asset page to the trash, then the trash emptied for good
    page.click("button:has-text('Move to the trash')")
    expect(page).to_have_url(re.compile(r"/$"))
    page.goto("/trash/")
    expect(page.locator("#assets .tile")).to_have_count(1)
    page.click("#empty-trash")
    confirm = page.locator("dialog.confirm")
    expect(confirm).to_be_visible()
    confirm.locator("button.danger").click()
    expect(page.locator("#empty")).to_be_visible()
    expect(page.locator(".toast", has_text="1 image deleted for good")).to_be_visible()
    assert not Asset.objects.filter(pk=int(ids[1])).exists()
    assert Asset.objects.filter(owner=user).count() == 4

    assert page.js_errors == []  # type: ignore[attr-defined]
