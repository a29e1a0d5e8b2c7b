"""The search, map and duplicates pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.contrib.staticfiles import finders

from accounts.models import Role
from accounts.tenancy import SESSION_KEY
from gallery.models import Asset
from tests import images
from tests.search.conftest import make_asset

pytestmark = pytest.mark.django_db


def _login(browser, membership):
    browser.force_login(membership.user)
    session = browser.session
    session[SESSION_KEY] = membership.tenant_id
    session.save()
    return browser


def test_search_page_shows_highlighted_results_with_the_search_in_the_url(ws, browser):
    make_asset(
        ws,
        title="Sunset <b>over</b> Bali",
        description="The sunset from the beach",
        latitude=-8.65,
        longitude=115.22,
        tags=["sea"],
    )
    make_asset(ws, title="Morning")
    page = _login(browser, ws).get("/search/", {"q": "sunset", "tags": "sea"}).content.decode()
    assert "<mark>Sunset</mark> &lt;b&gt;over&lt;/b&gt; Bali" in page
    assert "<mark>sunset</mark> from the beach" in page
    assert "Morning" not in page
    # the form keeps the search, chips remove one filter each
    assert 'value="sunset"' in page
    assert 'value="sea"' in page
    assert 'href="/search/?q=sunset"' in page  # the chip removing the tag filter
    # the place, the count, the facets and suggestions hook, the map with the same search
    assert "Bali" in page
    assert "1 result" in page
    assert 'data-facets-url="/api/v1/search/facets/"' in page
    assert 'data-suggest-url="/api/v1/search/suggest/"' in page
    assert "/search/map/?q=sunset&amp;tags=sea" in page
    assert "js/search.js" in page


def test_search_page_pages_with_a_cursor_link(ws, browser):
    for i in range(50):
        make_asset(ws, title=f"leaf {i}")
    browser = _login(browser, ws)
    first = browser.get("/search/", {"q": "leaf"}).content.decode()
    assert first.count('class="search-result"') == 48
    more = re.search(r'href="(\?[^"]*cursor=[^"]+)" rel="next"', first)
    assert more
    second = browser.get("/search/" + more.group(1).replace("&amp;", "&")).content.decode()
    assert second.count('class="search-result"') == 2


def test_search_page_reports_a_bad_filter_and_still_renders(ws, browser):
    response = _login(browser, ws).get("/search/", {"orientation": "round"})
    assert response.status_code == 200
    assert "orientation: one of landscape, portrait, square." in response.content.decode()


def test_search_page_tells_when_it_corrected_the_query(ws, browser):
    make_asset(ws, title="Waterfall")
    page = _login(browser, ws).get("/search/", {"q": "watrefall"}).content.decode()
    assert "Showing results for <strong>waterfall</strong>" in page


def test_pages_need_sign_in(client):
    for url in ("/search/", "/search/map/", "/search/duplicates/"):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


def test_map_page_serves_leaflet_locally_and_configures_the_tiles(ws, browser, settings):
    settings.LUMINA_MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = _login(browser, ws).get("/search/map/", {"q": "beach"}).content.decode()
    assert "/static/vendor/leaflet/leaflet.js" in page
    assert "/static/js/map.js" in page
    config = json.loads(re.search(r'id="map-config"[^>]*>(.*?)</script>', page).group(1))
    assert config["tiles"] == "https://tiles.example.org/{z}/{x}/{y}.png"
    assert config["clusters"] == "/api/v1/search/map/"
    assert config["query"] == "q=beach"
    # no third-party script: only our static files
    assert not re.search(r'<script[^>]+src="https?://', page)
    for path in (
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "js/map.js",
        "js/search.js",
        "css/search.css",
    ):
        assert finders.find(path), path


def test_vendored_leaflet_is_complete():
    root = Path(django_settings.BASE_DIR) / "static" / "vendor" / "leaflet"
    assert (root / "VERSION").read_text().strip() == "1.9.4"
    assert "Leaflet 1.9.4" in (root / "leaflet.js").read_text()[:200]
    assert (root / "LICENSE").exists()
    assert (root / "images" / "marker-icon.png").exists()


def test_duplicates_page_keeps_one_and_trashes_the_others(ws, browser, upload_as):
    original = images.draw(1000, 750, seed=4)
    keep = upload_as(ws, images.encode(original, "JPEG", quality=90), title="keep me")["id"]
    copy = upload_as(ws, images.encode(original.resize((500, 375)), "JPEG"), title="copy")["id"]
    browser = _login(browser, ws)
    page = browser.get("/search/duplicates/").content.decode()
    assert "keep me" in page
    assert "copy" in page
    assert f'name="keep" value="{keep}" checked' in page
    response = browser.post(
        "/search/duplicates/", {"keep": keep, "trash": [keep, copy]}, follow=True
    )
    assert "moved to the trash" in response.content.decode()
    assert Asset.objects.get(pk=copy).deleted_at is not None
    assert Asset.objects.get(pk=keep).deleted_at is None
    assert "No near duplicates found." in browser.get("/search/duplicates/").content.decode()


def test_duplicates_page_for_a_viewer_has_no_trash_button(ws, join, browser, upload_as):
    original = images.draw(1000, 750, seed=4)
    upload_as(ws, images.encode(original, "JPEG"), title="a")
    upload_as(ws, images.encode(original, "JPEG", quality=40), title="b")
    viewer = join(ws, Role.VIEWER)
    page = _login(browser, viewer).get("/search/duplicates/").content.decode()
    assert "2 copies" in page
    assert 'name="keep"' not in page


def test_map_tile_host_is_allowed_by_the_csp():
    from django.conf import settings

    assert (
        "https://tile.openstreetmap.org"
        in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    )
