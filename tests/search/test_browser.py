"""Search and map in real Chromium: suggestions by keyboard, facet chips, the search in
the URL (back button), clustered markers; no JavaScript or CSP error anywhere."""

from __future__ import annotations

import io
import os
import re
from datetime import datetime

import pytest
from playwright.sync_api import expect

from gallery import services as gallery_services
from tests import images
from tests.factories import UserFactory
from tests.search.conftest import personal
from tests.ui.conftest import new_page  # noqa: F401 - fixtures

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

RESULTS = "ul.search-results li.search-result"
# A folder to save screenshots in, to look at the pages (not kept in the repository).
SHOTS = os.environ.get("LUMINA_SEARCH_SCREENSHOTS", "")


def _upload(membership, seed, title, **exif):
    data = images.jpeg(800, 600, seed=seed, **exif)
    asset, _ = gallery_services.asset_upload(
        membership=membership, fileobj=io.BytesIO(data), filename=f"{title}.jpg", title=title
    )
    return asset


@pytest.fixture
def library(media):
    user = UserFactory()
    ws = personal(user)
    _upload(ws, 1, "Volcano crater", gps=(-6.9175, 107.6191, 700.0), taken=datetime(2019, 5, 1))
    _upload(ws, 2, "Volcano sunrise", gps=(-6.93, 107.63, 650.0), taken=datetime(2021, 8, 2))
    _upload(ws, 3, "Volcano in Iceland", gps=(64.14, -21.94, 20.0), taken=datetime(2021, 9, 3))
    _upload(ws, 4, "Paris cafe", gps=(48.8566, 2.3522, 35.0), taken=datetime(2021, 1, 1))
    return user


def test_suggestions_facets_and_the_back_button(new_page, library):  # noqa: F811
    page = new_page(user=library)
    page.goto("/search/")
    page.fill("#search-q", "volcano band")
    # a place is suggested while typing; pick it with the keyboard
    option = page.locator("#search-suggestions .suggestion[data-kind=place]")
    expect(option).to_contain_text("Bandung")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"place=Bandung"))
    assert "q=volcano" in page.url
    assert "year=" not in page.url  # empty fields stay out of the shared URL
    expect(page.locator(RESULTS)).to_have_count(2)
    expect(page.locator(f"{RESULTS} mark").first).to_have_text("Volcano")
    # facet chips arrive after the results; one narrows the search, in the URL
    chip = page.locator("#search-facets a.chip", has_text="2019")
    expect(chip).to_be_visible()
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/search.png", full_page=True)
    chip.click()
    page.wait_for_url(re.compile(r"year=2019"))
    expect(page.locator(RESULTS)).to_have_count(1)
    expect(page.locator(RESULTS)).to_contain_text("Volcano crater")
    # the back button returns to the previous search
    page.go_back()
    expect(page).not_to_have_url(re.compile(r"year=2019"))
    expect(page).to_have_url(re.compile(r"place=Bandung"))
    expect(page.locator(RESULTS)).to_have_count(2)
    assert page.js_errors == []


def test_map_shows_clusters_that_split_when_zooming(new_page, library, settings):  # noqa: F811
    # tiles from this server: the test needs no internet
    settings.LUMINA_MAP_TILE_URL = "/static/img/icon.svg?{z}/{x}/{y}"
    page = new_page(user=library)
    page.goto("/search/map/?q=volcano")
    markers = page.locator("#map .map-cluster, #map .map-photo")
    expect(markers.first).to_be_visible()
    # the two Bandung photos first share a marker, Iceland has its own
    page.evaluate("() => window.scrollTo(0, 0)")
    expect(page.locator("#map .leaflet-tile").first).to_be_attached()
    counts = sorted((el.inner_text() or "1") for el in page.locator("#map .map-cluster").all())
    assert counts == ["2"], counts
    expect(page.locator("#map .map-photo")).to_have_count(1)
    if SHOTS:
        page.screenshot(path=f"{SHOTS}/search-map.png")
    # clicking the cluster zooms in until its two photos stand apart (Iceland is out of view)
    page.locator("#map .map-cluster").first.click()
    expect(page.locator("#map .map-photo")).to_have_count(2, timeout=15_000)
    expect(page.locator("#map .map-cluster")).to_have_count(0)
    assert page.js_errors == []
