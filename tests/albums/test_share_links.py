"""Share links: tokens, the public pages, expiry, passwords, limits, revocation,
metadata stripping and the access log."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.db.models import F
from django.test import Client
from PIL import Image

from accounts.models import hash_token
from accounts.tenancy import SESSION_KEY
from albums import services
from albums.models import AccessKind, ShareAccess, ShareLink, SharePasswordAttempts
from albums.sharing import services as sharing_services
from gallery.models import Asset
from tests import images
from tests.factories import ShareLinkFactory

from .conftest import read_zip

pytestmark = pytest.mark.django_db

GPS = {"make": "Canon", "model": "EOS R5", "gps": (48.8584, 2.2945, 35.0)}


@pytest.fixture
def shared(team, photo):
    """An album with a sub-album, their images, and images of the same workspace that
    are in neither (in another album, or in none)."""
    album = team.album("Holiday")
    child = team.album("Beach", parent=album)
    elsewhere = team.album("Elsewhere")
    inside = photo(title="inside")
    in_child = photo(title="in child")
    not_shared = photo(title="not shared")
    in_other_album = photo(title="other album")
    services.album_items_add(actor=team.actor(), album=album, assets=[inside])
    services.album_items_add(actor=team.actor(), album=child, assets=[in_child])
    services.album_items_add(actor=team.actor(), album=elsewhere, assets=[in_other_album])
    return {
        "album": album,
        "child": child,
        "elsewhere": elsewhere,
        "inside": inside,
        "in_child": in_child,
        "not_shared": not_shared,
        "in_other_album": in_other_album,
    }


def make_link(team, **options):
    link = ShareLinkFactory(actor=team.actor(), **options)
    return link, link.token


def exif_of(data: bytes) -> dict:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return {"exif": dict(exif), "gps": dict(exif.get_ifd(0x8825))}


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


# --- tokens and the API ---------------------------------------------------------------------


def test_creating_a_link_returns_the_token_once_and_stores_its_hash(editor_api, team, shared):
    response = editor_api.post(
        "/api/v1/share-links/",
        {"album": shared["album"].pk, "name": "For the family", "password": "s3cret"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    made = response.json()
    token = made["token"]
    assert len(token) >= 32
    assert made["url"].endswith(f"/s/{token}/")
    assert made["has_password"] is True
    assert made["strip_metadata"] is True
    link = ShareLink.objects.get(pk=made["id"])
    assert link.token_hash == hash_token(token)
    assert token not in str(ShareLink.objects.filter(pk=link.pk).values().get())
    assert link.password != "s3cret"
    assert link.password.startswith(("md5$", "pbkdf2", "argon2"))
    listed = editor_api.get("/api/v1/share-links/").json()["results"]
    assert [entry["id"] for entry in listed] == [link.pk]
    assert "token" not in listed[0]
    assert "token" not in editor_api.get(f"/api/v1/share-links/{link.pk}/").json()


def test_links_can_be_changed_revoked_and_logged_through_the_api(editor_api, team, shared):
    link, token = make_link(team, album=shared["album"])
    Client().get(f"/s/{token}/")
    changed = editor_api.patch(
        f"/api/v1/share-links/{link.pk}/", {"max_downloads": 3, "name": "x"}, format="json"
    )
    assert changed.json()["max_downloads"] == 3
    log = editor_api.get(f"/api/v1/share-links/{link.pk}/accesses/").json()["results"]
    assert [entry["what"] for entry in log] == ["view"]
    assert log[0]["ip"] == "127.0.0.1"
    revoked = editor_api.post(f"/api/v1/share-links/{link.pk}/revoke/")
    assert revoked.json()["state"] == "revoked"
    assert Client().get(f"/s/{token}/").status_code == 404


def test_links_of_another_workspace_are_not_found(team, other_team, api_for, shared):
    link, __ = make_link(team, album=shared["album"])
    stranger = api_for(other_team.owner)
    stranger.force_login(other_team.owner)
    session = stranger.session
    session[SESSION_KEY] = other_team.tenant.pk
    session.save()
    assert stranger.get(f"/api/v1/share-links/{link.pk}/").status_code == 404
    assert stranger.post(f"/api/v1/share-links/{link.pk}/revoke/").status_code == 404
    assert stranger.get("/api/v1/share-links/").json()["results"] == []


def test_a_link_needs_exactly_one_target_and_a_future_expiry(editor_api, team, shared, clock):
    none = editor_api.post("/api/v1/share-links/", {}, format="json")
    assert none.status_code == 400
    both = editor_api.post(
        "/api/v1/share-links/",
        {"album": shared["album"].pk, "asset": shared["inside"].pk},
        format="json",
    )
    assert both.status_code == 400
    past = editor_api.post(
        "/api/v1/share-links/",
        {"album": shared["album"].pk, "expires_at": (clock.now - timedelta(hours=1)).isoformat()},
        format="json",
    )
    assert past.status_code == 400


# --- what a shared album shows ------------------------------------------------------------------


def test_a_shared_album_shows_its_items_and_sub_albums_and_nothing_else(team, shared):
    _link, token = make_link(team, album=shared["album"])
    visitor = Client()
    page = visitor.get(f"/s/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Holiday" in html
    assert 'alt="inside"' in html
    assert "Beach" in html
    assert f"/s/{token}/a/{shared['child'].pk}/" in html
    for other in ("not shared", "other album", "Elsewhere"):
        assert other not in html
    assert "/r/" in html  # signed renditions, never originals
    assert "/api/v1/assets/" not in html
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert page["Cache-Control"] == "private, no-store"

    child = visitor.get(f"/s/{token}/a/{shared['child'].pk}/")
    assert child.status_code == 200
    assert 'alt="in child"' in child.content.decode()

    # nothing outside the album's subtree, even of the same workspace
    assert visitor.get(f"/s/{token}/a/{shared['elsewhere'].pk}/").status_code == 404
    for asset in (shared["not_shared"], shared["in_other_album"]):
        assert visitor.get(f"/s/{token}/download/{asset.pk}/").status_code == 404
    for asset in (shared["inside"], shared["in_child"]):
        assert visitor.get(f"/s/{token}/download/{asset.pk}/").status_code == 200
    zipped = read_zip(visitor.get(f"/s/{token}/zip/"))
    names = sorted(zipped.namelist())
    assert names == ["Holiday/", "Holiday/Beach/", "Holiday/Beach/photo.jpg", "Holiday/photo.jpg"]


def test_private_and_trashed_images_of_others_are_not_shared(team, shared, photo):
    owners_private = photo(team.membership("owner"), visibility="private", title="owner only")
    services.album_items_add(
        actor=team.actor("owner"), album=shared["album"], assets=[owners_private]
    )
    trashed = shared["in_child"]
    Asset.objects.filter(pk=trashed.pk).update(deleted_at=trashed.created_at)
    _link, token = make_link(team, album=shared["album"])  # made by the editor
    visitor = Client()
    html = visitor.get(f"/s/{token}/").content.decode()
    assert "owner only" not in html
    assert visitor.get(f"/s/{token}/download/{owners_private.pk}/").status_code == 404
    assert visitor.get(f"/s/{token}/download/{trashed.pk}/").status_code == 404


def test_a_single_asset_link_shares_that_asset_only(team, shared):
    _link, token = make_link(team, asset=shared["inside"])
    visitor = Client()
    page = visitor.get(f"/s/{token}/")
    assert page.status_code == 200
    assert 'alt="inside"' in page.content.decode()
    assert visitor.get(f"/s/{token}/download/{shared['inside'].pk}/").status_code == 200
    assert visitor.get(f"/s/{token}/download/{shared['in_child'].pk}/").status_code == 404
    assert visitor.get(f"/s/{token}/a/{shared['album'].pk}/").status_code == 404


def test_unknown_tokens_get_the_friendly_404_page():
    response = Client().get("/s/not-a-real-token/")
    assert response.status_code == 404
    assert "This link is not available" in response.content.decode()


# --- expiry, revocation, limits -----------------------------------------------------------------


def test_expiry_with_time_travel(team, shared, clock):
    link, token = make_link(team, album=shared["album"], expires_at=clock.now + timedelta(hours=1))
    visitor = Client()
    assert visitor.get(f"/s/{token}/").status_code == 200
    clock.advance(minutes=59)
    assert visitor.get(f"/s/{token}/download/{shared['inside'].pk}/").status_code == 200
    clock.advance(minutes=2)
    for url in (
        f"/s/{token}/",
        f"/s/{token}/a/{shared['child'].pk}/",
        f"/s/{token}/download/{shared['inside'].pk}/",
        f"/s/{token}/zip/",
    ):
        response = visitor.get(url)
        assert response.status_code == 404
        assert "This link is not available" in response.content.decode()
    link.refresh_from_db()
    assert link.state == "expired"


def test_revocation_takes_effect_at_once(team, shared):
    link, token = make_link(team, album=shared["album"])
    visitor = Client()
    assert visitor.get(f"/s/{token}/").status_code == 200
    sharing_services.share_link_revoke(actor=team.actor(), link=link)
    assert visitor.get(f"/s/{token}/").status_code == 404
    assert visitor.get(f"/s/{token}/download/{shared['inside'].pk}/").status_code == 404


def test_view_limit_counts_visitors_not_page_loads(team, shared):
    link, token = make_link(team, album=shared["album"], max_views=2)
    first, second, third = Client(), Client(), Client()
    assert first.get(f"/s/{token}/").status_code == 200
    assert first.get(f"/s/{token}/").status_code == 200  # a reload is the same visit
    assert first.get(f"/s/{token}/a/{shared['child'].pk}/").status_code == 200
    assert second.get(f"/s/{token}/").status_code == 200
    assert third.get(f"/s/{token}/").status_code == 404
    link.refresh_from_db()
    assert link.view_count == 2
    assert link.state == "exhausted"


def test_download_limit_and_forbidden_downloads(team, shared):
    link, token = make_link(team, album=shared["album"], max_downloads=2)
    visitor = Client()
    url = f"/s/{token}/download/{shared['inside'].pk}/"
    assert visitor.get(url).status_code == 200
    assert visitor.get(f"/s/{token}/zip/").status_code == 200
    refused = visitor.get(url)
    assert refused.status_code == 410
    assert "no downloads left" in refused.content.decode()
    link.refresh_from_db()
    assert link.download_count == 2
    kinds = list(link.accesses.order_by("at", "id").values_list("what", flat=True))
    assert kinds == [AccessKind.VIEW, AccessKind.DOWNLOAD, AccessKind.ZIP, AccessKind.REFUSED]
    # the page still opens, without a download button
    page = visitor.get(f"/s/{token}/").content.decode()
    assert "Download all" not in page

    _closed, closed_token = make_link(team, album=shared["album"], allow_download=False)
    page = visitor.get(f"/s/{closed_token}/").content.decode()
    assert "Download" not in page
    assert visitor.get(f"/s/{closed_token}/download/{shared['inside'].pk}/").status_code == 403
    assert visitor.get(f"/s/{closed_token}/zip/").status_code == 403


# --- passwords --------------------------------------------------------------------------------


def test_a_password_protects_pages_and_downloads(team, shared):
    link, token = make_link(team, album=shared["album"], password="open sesame")
    visitor = Client()
    locked = visitor.get(f"/s/{token}/")
    assert locked.status_code == 200
    assert 'name="password"' in locked.content.decode()
    assert "inside" not in locked.content.decode()
    download = visitor.get(f"/s/{token}/download/{shared['inside'].pk}/")
    assert download.status_code == 200
    assert download["Content-Type"].startswith("text/html")  # the form, not the file
    wrong = visitor.post(f"/s/{token}/", {"password": "open says me"})
    assert wrong.status_code == 401
    assert "not right" in wrong.content.decode()
    right = visitor.post(f"/s/{token}/", {"password": "open sesame"})
    assert right.status_code == 302
    assert 'alt="inside"' in visitor.get(f"/s/{token}/").content.decode()
    assert (
        visitor.get(f"/s/{token}/download/{shared['inside'].pk}/")["Content-Type"] == "image/jpeg"
    )
    kinds = set(link.accesses.values_list("what", flat=True))
    assert AccessKind.PASSWORD_FAILED in kinds
    assert AccessKind.VIEW in kinds

    # a new password locks out those who knew the old one
    sharing_services.share_link_update(actor=team.actor(), link=link, data={"password": "new one"})
    assert 'name="password"' in visitor.get(f"/s/{token}/").content.decode()


def test_wrong_passwords_are_throttled_per_address(team, shared, settings):
    settings.LUMINA_SHARE_PASSWORD_ATTEMPTS = 3
    settings.LUMINA_SHARE_PASSWORD_WINDOW = 2
    link, token = make_link(team, album=shared["album"], password="right")
    guesser = Client(REMOTE_ADDR="203.0.113.9")
    for _ in range(3):
        assert guesser.post(f"/s/{token}/", {"password": "wrong"}).status_code == 401
    throttled = guesser.post(f"/s/{token}/", {"password": "right"})
    assert throttled.status_code == 429
    assert throttled["Retry-After"] == "2"
    assert "Too many" in throttled.content.decode()
    # someone else, from another address, is not locked out
    friend = Client(REMOTE_ADDR="198.51.100.7")
    assert friend.post(f"/s/{token}/", {"password": "right"}).status_code == 302
    assert ShareAccess.objects.filter(link=link, what=AccessKind.THROTTLED).count() == 1
    # the window passes (the counts' clock is PostgreSQL's: their window ends move back)
    SharePasswordAttempts.objects.filter(link=link).update(
        window_ends=F("window_ends") - timedelta(seconds=settings.LUMINA_SHARE_PASSWORD_WINDOW)
    )
    assert guesser.post(f"/s/{token}/", {"password": "right"}).status_code == 302


def test_many_addresses_guessing_together_are_throttled_per_link(team, shared, settings):
    settings.LUMINA_SHARE_PASSWORD_ATTEMPTS = 1
    _link, token = make_link(team, album=shared["album"], password="right")
    for n in range(10):
        Client(REMOTE_ADDR=f"192.0.2.{n}").post(f"/s/{token}/", {"password": "wrong"})
    late = Client(REMOTE_ADDR="192.0.2.200").post(f"/s/{token}/", {"password": "right"})
    assert late.status_code == 429


# --- metadata ---------------------------------------------------------------------------------


def test_shared_downloads_are_stripped_of_metadata_unless_the_link_keeps_it(team, photo):
    asset = photo(data=images.jpeg(320, 240, seed=5, **GPS), name="eiffel.jpg")
    album = team.album("Paris")
    services.album_items_add(actor=team.actor(), album=album, assets=[asset])
    assert exif_of(open_original(asset))["gps"]  # the original has GPS

    __, stripped = make_link(team, album=album)
    visitor = Client()
    data = body(visitor.get(f"/s/{stripped}/download/{asset.pk}/"))
    found = exif_of(data)
    assert found == {"exif": {}, "gps": {}}
    assert b"Canon" not in data
    assert Image.open(io.BytesIO(data)).size == (320, 240)
    zipped = read_zip(visitor.get(f"/s/{stripped}/zip/"))
    entry = zipped.read("Paris/eiffel.jpg")
    assert exif_of(entry) == {"exif": {}, "gps": {}}
    assert b"Canon" not in entry

    __, kept = make_link(team, album=album, strip_metadata=False)
    data = body(visitor.get(f"/s/{kept}/download/{asset.pk}/"))
    assert exif_of(data)["gps"]
    assert data == open_original(asset)
    entry = read_zip(visitor.get(f"/s/{kept}/zip/")).read("Paris/eiffel.jpg")
    assert entry == open_original(asset)


def test_shared_png_downloads_are_stripped_too(team, photo):
    source = Image.new("RGB", (64, 48), (10, 200, 30))
    exif = Image.Exif()
    exif[0x010F] = "Nikon"
    out = io.BytesIO()
    source.save(out, "PNG", exif=exif.tobytes())
    asset = photo(data=out.getvalue(), name="chart.png")
    __, token = make_link(team, asset=asset)
    data = body(Client().get(f"/s/{token}/download/{asset.pk}/"))
    assert b"Nikon" not in data
    entry = read_zip(Client().get(f"/s/{token}/zip/")).read("chart.png")
    assert b"Nikon" not in entry


def open_original(asset):
    from gallery import storage

    with storage.storage().open(asset.original, "rb") as handle:
        return handle.read()
