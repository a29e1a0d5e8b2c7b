from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta, timezone

import pytest
from PIL import Image

from gallery.models import Asset, Rendition, StorageUsage
from tests import images
from tests.gallery_api.conftest import files_under

pytestmark = pytest.mark.django_db


def test_upload_answers_201_processing_then_becomes_ready_with_renditions(
    editor, upload, api_for, media
):
    response = upload(
        editor, images.jpeg(1200, 900), name="Holiday.JPG", title="Beach", tags="sea, Sun"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "processing"
    assert body["duplicate"] is False
    assert body["original_filename"] == "Holiday.JPG"
    assert body["format"] == "jpeg"
    assert body["tags"] == ["Sun", "sea"]

    asset = api_for(editor).get(f"/api/v1/assets/{body['id']}/").json()
    assert asset["status"] == "ready"
    made = {(r["spec"], r["format"]): (r["width"], r["height"]) for r in asset["renditions"]}
    assert made == {
        ("thumb-400", "webp"): (400, 300),
        ("thumb-400", "jpeg"): (400, 300),
        ("preview-1600", "webp"): (1200, 900),  # never upscaled
        ("preview-1600", "jpeg"): (1200, 900),
    }
    assert asset["placeholder"]
    # the client's filename is data, never a storage key
    stored = files_under(media)
    assert not any("Holiday" in key for key in stored)
    sha = asset["sha256"]
    assert any(key.endswith(f"{sha}.jpg") for key in stored)


@pytest.mark.parametrize(
    ("fmt", "name", "options"),
    [
        ("PNG", "a.png", {}),
        ("GIF", "a.gif", {}),
        ("WEBP", "a.webp", {}),
        ("TIFF", "a.tif", {}),
        ("BMP", "a.bmp", {}),
    ],
)
def test_each_accepted_format_is_processed(editor, upload, api_for, fmt, name, options):
    data = images.encode(images.draw(300, 200), fmt, **options)
    response = upload(editor, data, name=name)
    assert response.status_code == 201, response.json()
    asset = api_for(editor).get(f"/api/v1/assets/{response.json()['id']}/").json()
    assert asset["status"] == "ready"
    assert (asset["width"], asset["height"]) == (300, 200)


def test_heic_and_avif_are_accepted(editor, upload, api_for):
    import pillow_heif

    pillow_heif.register_heif_opener()
    heic = images.encode(images.draw(320, 240), "HEIF")
    assert upload(editor, heic, name="x.heic").status_code == 201
    avif = images.encode(images.draw(320, 240, seed=3), "AVIF")
    response = upload(editor, avif, name="x.avif")
    assert response.status_code == 201
    assert response.json()["format"] == "avif"


def test_animated_gif_keeps_its_frames(editor, upload, api_for):
    frames = [images.draw(120, 90, seed=i) for i in range(3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    response = upload(editor, out.getvalue(), name="anim.gif")
    assert response.status_code == 201
    assert response.json()["frames"] == 3
    asset = Asset.objects.get(pk=response.json()["id"])
    with open(media_path(asset.original), "rb") as fh:
        assert fh.read() == out.getvalue()  # original bytes unchanged


def media_path(key: str) -> str:
    from django.core.files.storage import default_storage

    return default_storage.path(key)


def _svg() -> bytes:
    return (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
        b"<script>alert(1)</script></svg>"
    )


def _zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("a.txt", "hello")
    return out.getvalue()


def _bomb() -> bytes:
    # A 30000x30000 PNG: small on disk, 900 MP once decoded.
    image = Image.new("1", (30000, 30000))
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "make", "status", "code"),
    [
        ("evil.svg", _svg, 415, "unsupported_media"),
        (
            "page.jpg",
            lambda: b"<!doctype html><html><script>alert(1)</script></html>",
            415,
            "unsupported_media",
        ),
        ("junk.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00junk" * 200, 422, "corrupt_image"),
        ("archive.png", _zip, 415, "unsupported_media"),
        ("bomb.png", _bomb, 413, "image_too_large"),
        ("cut.jpg", lambda: images.jpeg(800, 600)[:4000], 422, "corrupt_image"),
        ("empty.jpg", lambda: b"", 415, "unsupported_media"),
    ],
)
def test_hostile_files_are_refused_with_a_clear_code_and_leave_nothing(
    editor, upload, media, name, make, status, code
):
    response = upload(editor, make(), name=name)
    assert response.status_code == status, response.json()
    error = response.json()["error"]
    assert error["code"] == code
    assert name in error["message"]
    assert Asset.objects.count() == 0
    assert files_under(media) == set()


def test_file_over_the_size_cap_is_refused(editor, upload, media, settings):
    settings.LUMINA_MAX_UPLOAD_BYTES = 10_000
    response = upload(editor, images.jpeg(1600, 1200), name="big.jpg")
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "file_too_large"
    assert Asset.objects.count() == 0
    assert files_under(media) == set()


def test_same_bytes_twice_is_a_duplicate_and_creates_nothing(editor, upload, media):
    data = images.jpeg()
    first = upload(editor, data, name="one.jpg")
    files = files_under(media)
    second = upload(editor, data, name="two.jpg")
    assert second.status_code == 200
    assert second.json()["duplicate"] is True
    assert second.json()["id"] == first.json()["id"]
    assert Asset.objects.count() == 1
    assert files_under(media) == files


def test_quota_is_enforced_before_anything_is_stored(editor, upload, media):
    tenant = editor.memberships.get().tenant
    data = images.jpeg(seed=1)
    tenant.quota_bytes = len(data) - 1
    tenant.save()
    response = upload(editor, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "quota_exceeded"
    assert Asset.objects.count() == 0
    assert files_under(media) == set()


def test_usage_counts_originals_and_renditions_apart(editor, upload, api_for):
    data = images.jpeg(seed=2)
    upload(editor, data)
    usage = api_for(editor).get("/api/v1/usage/").json()
    assert usage["originals_bytes"] == len(data)
    assert usage["renditions_bytes"] == sum(r.bytes for r in Rendition.objects.all()) > 0
    assert usage["assets_count"] == 1
    assert StorageUsage.objects.get().total_bytes == usage["total_bytes"]


def test_viewer_cannot_upload(api_for, make_team, media):
    tenant, people = make_team()
    client = api_for(people["viewer"])
    assert client.post(f"/api/v1/tenants/{tenant.pk}/switch/").status_code == 200
    handle = io.BytesIO(images.jpeg())
    handle.name = "x.jpg"
    response = client.post("/api/v1/assets/", {"file": handle}, format="multipart")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "role_forbidden"
    assert files_under(media) == set()


def test_exif_and_gps_are_read(editor, upload, api_for):
    taken = datetime(2024, 7, 14, 9, 30, 5)
    data = images.jpeg(
        800,
        600,
        make="Fujifilm",
        model="X-T4",
        taken=taken,
        offset="+07:00",
        gps=(-6.9147, 107.6098, 768.0),
    )
    asset_id = upload(editor, data).json()["id"]
    asset = api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()
    assert asset["camera"]["make"] == "Fujifilm"
    assert asset["camera"]["model"] == "X-T4"
    expected = taken.replace(tzinfo=timezone(timedelta(hours=7))).astimezone(UTC)
    assert datetime.fromisoformat(asset["taken_at"].replace("Z", "+00:00")) == expected
    assert asset["gps"]["latitude"] == pytest.approx(-6.9147, abs=1e-3)
    assert asset["gps"]["longitude"] == pytest.approx(107.6098, abs=1e-3)
    assert asset["gps"]["altitude"] == pytest.approx(768.0, abs=0.5)


def test_orientation_is_applied(editor, upload, api_for):
    # stored landscape 640x480, EXIF says "rotate 90° clockwise to display"
    asset_id = upload(editor, images.jpeg(640, 480, orientation=6)).json()["id"]
    asset = api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()
    assert (asset["width"], asset["height"]) == (480, 640)
    thumbs = [r for r in asset["renditions"] if r["spec"] == "thumb-400"]
    assert all((r["width"], r["height"]) == (300, 400) for r in thumbs)
