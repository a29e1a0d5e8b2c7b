"""The gallery's web pages through Django's test client: what the server renders (the
first page, sources, placeholders, the cursor handed to the scripts), the trash, the
asset page and its forms, the PWA files, and the rules the pages keep (no inline
scripts or styles, a constant number of queries)."""

from __future__ import annotations

import json
import re
from datetime import datetime

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from gallery.models import Asset, Favorite, Status
from tests import images
from tests.factories import UserFactory, add_member
from tests.gallery_web.conftest import membership_of

pytestmark = pytest.mark.django_db


def _tiles(page: str) -> list[str]:
    return re.findall(r'<li class="tile".*?</li>', page, flags=re.S)


def _upload_some(upload, user, count: int, **kwargs) -> list[int]:  # type: ignore[no-untyped-def]
    ids = []
    for seed in range(count):
        response = upload(user, images.jpeg(seed=seed + 1), name=f"photo-{seed}.jpg", **kwargs)
        assert response.status_code == 201, response.content
        ids.append(response.json()["id"])
    return ids


def test_gallery_page_renders_pictures_with_sources_sizes_and_placeholders(browser, editor, upload):
    _upload_some(upload, editor, 2)
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    tiles = _tiles(page)
    assert len(tiles) == 2
    tile = tiles[0]
    # <picture>: WebP source first, JPEG in the <img>, each with its real widths
    assert re.search(
        r'<source type="image/webp" srcset="/r/\d+/thumb-400\.webp\?[^"]+ 400w, ', tile
    )
    assert "/preview-1600.webp?" in tile
    assert re.search(r'<img src="/r/\d+/thumb-400\.jpeg\?v=\w+&amp;e=\d+&amp;s=\w+"', tile)
    assert 'sizes="auto, ' in tile
    # explicit size of the 400 px thumbnail (640x480 -> 400x300): no layout shift
    assert 'width="400" height="300"' in tile
    assert 'alt="photo-1.jpg"' in tile  # newest first; alt text from the file name
    # the placeholder (ThumbHash) and the lightbox preview go along
    assert re.search(r'data-thumbhash="[A-Za-z0-9+/=]{20,}"', tile)
    assert "/r/" in re.search(r'data-preview="([^"]+)"', tile).group(1)  # type: ignore[union-attr]
    assert 'href="/assets/' in tile


def test_first_tiles_load_eagerly_and_the_rest_lazily(browser, editor, upload):
    _upload_some(upload, editor, 10)
    browser.force_login(editor)
    tiles = _tiles(browser.get(reverse("home")).content.decode())
    assert len(tiles) == 10
    assert all('fetchpriority="high"' in t and 'loading="lazy"' not in t for t in tiles[:8])
    assert all('loading="lazy"' in t for t in tiles[8:])


def test_first_page_hands_the_api_cursor_to_the_scripts(browser, editor, upload, api_for):
    ids = _upload_some(upload, editor, 3)
    browser.force_login(editor)
    page = browser.get(reverse("home") + "?page_size=2").content.decode()
    assert len(_tiles(page)) == 2
    next_api = re.search(r'id="feed-end"[^>]*data-next="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    next_api = next_api.replace("&amp;", "&")
    assert next_api.startswith("/api/v1/assets/?cursor=")
    config = json.loads(re.search(r'id="gallery-config"[^>]*>(.*?)</script>', page).group(1))  # type: ignore[union-attr]
    assert config["next"] == next_api
    # the API continues exactly where the page stopped
    rest = api_for(editor).get(next_api).json()
    assert [a["id"] for a in rest["results"]] == [ids[0]]
    assert rest["next"] is None
    # without scripts, a link loads the next page on the server
    assert re.search(r'<a class="button ghost" href="\?page_size=2&amp;cursor=', page)


def test_a_broken_cursor_leads_back_to_the_newest(browser, editor, upload):
    _upload_some(upload, editor, 1)
    browser.force_login(editor)
    response = browser.get(reverse("home") + "?cursor=not-a-cursor", follow=True)
    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "here are the newest images" in response.content.decode()
    assert len(_tiles(response.content.decode())) == 1


def test_end_marker_when_everything_fits(browser, editor, upload):
    _upload_some(upload, editor, 1)
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    assert 'data-next=""' in page
    assert "That is everything." in page


def test_first_page_queries_do_not_grow_with_page_size(browser, editor, upload):
    _upload_some(upload, editor, 6)
    browser.force_login(editor)
    browser.get(reverse("home"))  # warm the session and the workspace list
    counts = []
    for size in (2, 6):
        with CaptureQueriesContext(connection) as queries:
            response = browser.get(reverse("home") + f"?page_size={size}")
        assert len(_tiles(response.content.decode())) == size
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[1] <= 14


def test_processing_and_failed_tiles_show_their_state(browser, editor, upload):
    processing, failed = _upload_some(upload, editor, 2)
    Asset.objects.filter(pk=processing).update(status=Status.PROCESSING)
    Asset.objects.filter(pk=failed).update(status=Status.FAILED, failure_reason="Broken file.")
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    by_id = {int(re.search(r'data-id="(\d+)"', t).group(1)): t for t in _tiles(page)}  # type: ignore[union-attr]
    assert 'data-status="processing"' in by_id[processing]
    assert "Processing…" in by_id[processing]
    assert "<picture>" not in by_id[processing]
    assert "data-preview" not in by_id[processing]
    assert "Broken file." in by_id[failed]
    assert "<picture>" not in by_id[failed]


def test_trash_lists_trashed_assets_only_with_placeholders(browser, editor, upload, api_for):
    kept, trashed = _upload_some(upload, editor, 2)
    api_for(editor).delete(f"/api/v1/assets/{trashed}/")
    browser.force_login(editor)
    home = browser.get(reverse("home")).content.decode()
    trash = browser.get(reverse("gallery-trash")).content.decode()
    assert f'id="asset-{kept}"' in home
    assert f'id="asset-{trashed}"' not in home
    assert f'id="asset-{trashed}"' in trash
    assert f'id="asset-{kept}"' not in trash
    # renditions of trashed assets are not served: no image URLs, the placeholder stays
    (tile,) = _tiles(trash)
    assert "/r/" not in tile
    assert "data-thumbhash=" in tile
    assert 'id="empty-trash"' in trash
    config = json.loads(re.search(r'id="gallery-config"[^>]*>(.*?)</script>', trash).group(1))  # type: ignore[union-attr]
    assert config["kind"] == "trash"
    assert "lightbox.js" not in trash


def test_favourite_and_tag_filters(browser, editor, upload):
    first, _second = _upload_some(upload, editor, 2, tags="beach")
    Favorite.objects.create(user=editor, asset_id=first)
    browser.force_login(editor)
    favourites = browser.get(reverse("home") + "?favorite=1").content.decode()
    assert [f'id="asset-{first}"' in t for t in _tiles(favourites)] == [True]
    assert "tile-fav" in favourites
    assert "<title>Favourites" in favourites
    tagged = browser.get(reverse("home") + "?tag=BEACH").content.decode()
    assert len(_tiles(tagged)) == 2
    assert len(_tiles(browser.get(reverse("home") + "?tag=other").content.decode())) == 0


def test_the_page_reads_its_filters_as_the_api_does(browser, editor, upload, api_for):
    # given two images, one a favourite, both tagged "beach"
    first, _second = _upload_some(upload, editor, 2, tags="beach")
    Favorite.objects.create(user=editor, asset_id=first)
    browser.force_login(editor)
    api = api_for(editor)
    for query in ("favorite=false", "tag=%20beach%20", "favorite=true&tag=beach"):
        # when the page and the API get the same query
        page = browser.get(reverse("home") + "?" + query).content.decode()
        listed = api.get("/api/v1/assets/?" + query).json()["results"]
        # then they show the same images
        shown = {int(i) for t in _tiles(page) for i in re.findall(r'id="asset-(\d+)"', t)}
        assert shown == {a["id"] for a in listed}, query
    others = browser.get(reverse("home") + "?favorite=false").content.decode()
    assert "<title>Favourites" not in others


def test_viewers_get_no_upload_or_bulk_edit_controls(browser, make_team, media, api_for, upload):
    tenant, people = make_team()
    editor = people["editor"]
    client = api_for(editor)
    client.post("/workspaces/switch/", {"tenant": tenant.pk})
    browser.force_login(people["viewer"])
    browser.post(reverse("workspace-switch"), {"tenant": tenant.pk})
    page = browser.get(reverse("home")).content.decode()
    assert "upload.js" not in page
    assert 'id="upload-files"' not in page
    assert 'data-action="delete"' not in page
    assert 'data-action="favorite"' in page  # favourites are personal


def test_asset_page_shows_exif_and_a_map_link_when_there_is_gps(browser, editor, upload):
    data = images.jpeg(
        make="Canon",
        model="EOS R6",
        taken=datetime(2024, 7, 14, 18, 30),
        gps=(48.8584, 2.2945, 35.0),
    )
    asset_id = upload(editor, data, name="paris.jpg").json()["id"]
    plain_id = upload(editor, images.jpeg(seed=9), name="plain.jpg").json()["id"]
    browser.force_login(editor)
    page = browser.get(reverse("asset-detail", args=[asset_id])).content.decode()
    assert "Canon EOS R6" in page
    assert "openstreetmap.org/?mlat=48.858" in page
    assert f'href="/api/v1/assets/{asset_id}/original/" download' in page
    assert "<picture>" in page
    assert "preview-1600" in page
    assert 'name="title"' in page  # editors can edit
    plain = browser.get(reverse("asset-detail", args=[plain_id])).content.decode()
    assert "openstreetmap" not in plain


def test_asset_page_edits_title_description_tags_and_visibility(browser, editor, upload):
    asset_id = upload(editor, images.jpeg()).json()["id"]
    browser.force_login(editor)
    response = browser.post(
        reverse("asset-detail", args=[asset_id]),
        {
            "action": "save",
            "title": "Harbour at dusk",
            "description": "Taken from the pier.",
            "tags": "sea, evening,  sea ",
            "visibility": "private",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "Changes saved." in page
    asset = Asset.objects.get(pk=asset_id)
    assert (asset.title, asset.description, asset.visibility) == (
        "Harbour at dusk",
        "Taken from the pier.",
        "private",
    )
    assert sorted(at.tag.name for at in asset.asset_tags.all()) == ["evening", "sea"]
    assert "<h1>Harbour at dusk</h1>" in page
    assert 'href="/?tag=evening"' in page


def test_asset_page_favourite_trash_and_restore(browser, editor, upload):
    asset_id = upload(editor, images.jpeg()).json()["id"]
    url = reverse("asset-detail", args=[asset_id])
    browser.force_login(editor)
    browser.post(url, {"action": "favorite"})
    assert Favorite.objects.filter(user=editor, asset_id=asset_id).exists()
    assert 'aria-pressed="true"' in browser.get(url).content.decode()
    browser.post(url, {"action": "unfavorite"})
    assert not Favorite.objects.filter(user=editor, asset_id=asset_id).exists()
    response = browser.post(url, {"action": "trash"})
    assert response.url == reverse("home")
    assert Asset.objects.get(pk=asset_id).deleted_at is not None
    assert "This image is in the trash." in browser.get(url).content.decode()
    browser.post(url, {"action": "restore"})
    assert Asset.objects.get(pk=asset_id).deleted_at is None


def test_viewers_cannot_edit_and_outsiders_get_404(browser, make_team, media, upload):
    _tenant, people = make_team()
    owner = people["owner"]
    membership = membership_of(owner)  # personal workspace of the owner
    asset_id = upload(owner, images.jpeg()).json()["id"]
    viewer = UserFactory()
    add_member(membership.tenant, viewer, "viewer")
    browser.force_login(viewer)
    browser.post(reverse("workspace-switch"), {"tenant": membership.tenant.pk})
    url = reverse("asset-detail", args=[asset_id])
    page = browser.get(url).content.decode()
    assert 'name="title"' not in page
    response = browser.post(url, {"action": "save", "title": "Mine now", "visibility": "public"})
    assert response.status_code == 302
    assert Asset.objects.get(pk=asset_id).title == ""
    outsider = UserFactory()
    browser.force_login(outsider)
    assert browser.get(url).status_code == 404


def test_upload_page_offers_drop_zone_pickers_and_the_plain_form(browser, editor):
    browser.force_login(editor)
    page = browser.get(reverse("upload")).content.decode()
    assert 'id="dropzone"' in page
    assert re.search(r'<input id="files" type="file" name="files" multiple', page)
    assert "webkitdirectory" in page
    assert 'enctype="multipart/form-data"' in page  # works without scripts
    assert "upload.js" in page


def test_the_api_accepts_the_folder_path_of_an_upload(editor, upload):
    response = upload(editor, images.jpeg(), name="a.jpg", relative_path="trip/day 1/a.jpg")
    assert response.status_code == 201


def test_manifest_and_service_worker_are_served_from_the_root(client):
    manifest = client.get("/manifest.webmanifest")
    assert manifest["Content-Type"].startswith("application/manifest+json")
    data = manifest.json()
    assert data["start_url"] == "/"
    assert data["display"] == "standalone"
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in data["icons"]}
    assert any(icon.get("purpose") == "maskable" for icon in data["icons"])
    for icon in data["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/")), icon
    worker = client.get("/sw.js")
    assert worker["Content-Type"].startswith("application/javascript")
    assert worker["Service-Worker-Allowed"] == "/"
    assert "no-cache" in worker["Cache-Control"]
    body = worker.content.decode()
    prelude = json.loads(body.split(";\n", 1)[0].removeprefix("self.LUMINA = "))
    assert "/static/css/lumina.css" in prelude["shell"]
    assert prelude["offline"] == "/offline/"
    assert "caches.open" in body
    assert client.get("/offline/").status_code == 200


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")
HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
STYLE_ATTR = re.compile(r"<[^>]+\sstyle\s*=", re.I)


def test_pages_have_no_inline_scripts_handlers_or_style_attributes(browser, editor, upload):
    asset_id = _upload_some(upload, editor, 2)[0]
    pages = ["/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
    for url in pages:
        body = browser.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not HANDLER.search(body), url
        assert not STYLE_ATTR.search(body), url
        assert 'class="entrance"' in body, url  # the sign-in pages share one layout
    browser.force_login(editor)
    for url in ["/", "/?favorite=1", "/trash/", f"/assets/{asset_id}/", "/upload/", "/offline/"]:
        body = browser.get(url).content.decode()
        assert not INLINE_SCRIPT.search(body), url
        assert not HANDLER.search(body), url
        assert not STYLE_ATTR.search(body), url


def test_base_layout_keeps_switcher_links_and_skip_link(browser, editor):
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    assert 'class="skip" href="#main"' in page
    assert '<main id="main"' in page
    assert 'action="/workspaces/switch/"' in page
    assert 'id="ws-switch"' in page
    assert 'href="/workspaces/members/"' in page
    assert 'id="theme-toggle"' in page
    assert 'rel="manifest" href="/manifest.webmanifest"' in page
    assert 'name="language"' in page
