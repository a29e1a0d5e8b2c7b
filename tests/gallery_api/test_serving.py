from __future__ import annotations

import io
import time

import pytest
from django.test import Client
from PIL import Image

from gallery import signing
from gallery.models import Asset, Rendition
from tests import images
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

GPS_JPEG = {"make": "Canon", "model": "EOS R5", "gps": (48.8584, 2.2945, 35.0)}


@pytest.fixture
def ready_asset(editor, upload, api_for):  # type: ignore[no-untyped-def]
    asset_id = upload(editor, images.jpeg(1000, 800, **GPS_JPEG), name="eiffel.jpg").json()["id"]
    return api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()


def _exif_of(data: bytes) -> dict:
    image = Image.open(io.BytesIO(data))
    exif = image.getexif()
    return {
        "exif": dict(exif),
        "gps": dict(exif.get_ifd(0x8825)),
        "info": {k: v for k, v in image.info.items() if k in ("exif", "xmp", "XML:com.adobe.xmp")},
    }


def test_no_rendition_carries_exif_or_gps(ready_asset):
    client = Client()
    for rendition in ready_asset["renditions"]:
        response = client.get(rendition["url"])
        assert response.status_code == 200
        data = b"".join(response.streaming_content)
        found = _exif_of(data)
        assert found == {"exif": {}, "gps": {}, "info": {}}, rendition
        assert b"Exif\x00\x00" not in data
        assert b"Canon" not in data


def test_rendition_headers_and_304(ready_asset):
    url = next(
        r["url"]
        for r in ready_asset["renditions"]
        if r["spec"] == "thumb-400" and r["format"] == "webp"
    )
    client = Client()
    response = client.get(url)
    assert response["Content-Type"] == "image/webp"
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response["ETag"].startswith('"')
    assert not response["ETag"].startswith("W/")
    assert response["Last-Modified"].endswith("GMT")
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304
    assert again["ETag"] == response["ETag"]
    assert again.content == b""


def test_public_asset_renditions_are_public_and_never_expire(editor, ready_asset, api_for):
    api_for(editor).patch(
        f"/api/v1/assets/{ready_asset['id']}/", {"visibility": "public"}, format="json"
    )
    asset = api_for(editor).get(f"/api/v1/assets/{ready_asset['id']}/").json()
    url = asset["urls"]["thumbnail"]
    assert "e=0" in url
    response = Client().get(url, HTTP_ACCEPT="image/webp,*/*")
    assert response["Cache-Control"].startswith("public")


def test_auto_format_follows_accept_and_varies(ready_asset):
    url = ready_asset["urls"]["thumbnail"]
    webp = Client().get(url, HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert webp["Content-Type"] == "image/webp"
    assert webp["Vary"] == "Accept"
    jpeg = Client().get(url, HTTP_ACCEPT="*/*")
    assert jpeg["Content-Type"] == "image/jpeg"


@pytest.mark.parametrize("tamper", ["signature", "spec", "asset", "version", "expired"])
def test_bad_or_expired_signatures_are_404(ready_asset, tamper):
    asset = Asset.objects.get(pk=ready_asset["id"])
    url = signing.rendition_url(asset, "thumb-400", "webp")
    if tamper == "signature":
        url = url[:-1] + ("0" if url[-1] != "0" else "1")
    elif tamper == "spec":
        url = url.replace("thumb-400", "preview-1600")
    elif tamper == "asset":
        url = url.replace(f"/r/{asset.pk}/", f"/r/{asset.pk + 1000}/")
    elif tamper == "version":
        url = url.replace(f"v={asset.sha256[:12]}", "v=000000000000")
    else:
        url = signing.rendition_url(asset, "thumb-400", "webp", now=time.time() - 10 * 24 * 3600)
    assert Client().get(url).status_code == 404


def test_on_demand_spec_is_made_once_then_stored(ready_asset):
    asset = Asset.objects.get(pk=ready_asset["id"])
    assert not Rendition.objects.filter(asset=asset, spec="small-800").exists()
    url = signing.rendition_url(asset, "small-800", "webp")
    first = Client().get(url)
    assert first.status_code == 200
    data = b"".join(first.streaming_content)
    assert Image.open(io.BytesIO(data)).size == (800, 640)
    stored = Rendition.objects.get(asset=asset, spec="small-800", format="webp")
    second = Client().get(url)
    assert b"".join(second.streaming_content) == data
    assert Rendition.objects.filter(asset=asset, spec="small-800").count() == 1
    assert stored.bytes == len(data)


def test_specs_outside_the_closed_list_are_404_even_when_signed(ready_asset):
    asset = Asset.objects.get(pk=ready_asset["id"])
    for spec, fmt in (("huge-9999", "webp"), ("thumb-400", "png"), ("thumb-400", "tiff")):
        assert Client().get(signing.rendition_url(asset, spec, fmt)).status_code == 404


def test_original_download_needs_permission_and_strip_removes_metadata(
    editor, ready_asset, api_for
):
    url = f"/api/v1/assets/{ready_asset['id']}/original/"
    response = api_for(editor).get(url)
    assert response.status_code == 200
    original = b"".join(response.streaming_content)
    assert _exif_of(original)["gps"]  # the original is untouched
    assert 'filename="eiffel.jpg"' in response["Content-Disposition"]

    stripped = api_for(editor).get(url + "?strip=1").content
    assert _exif_of(stripped) == {"exif": {}, "gps": {}, "info": {}}
    assert Image.open(io.BytesIO(stripped)).size == (1000, 800)

    outsider = UserFactory()
    assert api_for(outsider).get(url).status_code == 404


def test_private_assets_are_only_for_their_owner(editor, upload, api_for):
    from accounts.models import Membership, Role

    colleague = UserFactory()
    Membership.objects.create(
        user=colleague, tenant=editor.memberships.get().tenant, role=Role.EDITOR
    )
    client = api_for(colleague)
    client.post(f"/api/v1/tenants/{editor.memberships.first().tenant_id}/switch/")
    private = upload(editor, images.jpeg(seed=5), visibility="private").json()
    shared = upload(editor, images.jpeg(seed=6), visibility="tenant").json()
    ids = [a["id"] for a in client.get("/api/v1/assets/").json()["results"]]
    assert ids == [shared["id"]]
    assert client.get(f"/api/v1/assets/{private['id']}/").status_code == 404
    assert client.get(f"/api/v1/assets/{private['id']}/original/").status_code == 404


@pytest.mark.parametrize(
    ("fmt", "name"), [("PNG", "x.png"), ("WEBP", "x.webp"), ("HEIF", "x.heic"), ("TIFF", "x.tif")]
)
def test_strip_removes_gps_from_every_kind_of_original(editor, upload, api_for, fmt, name):
    import pillow_heif

    pillow_heif.register_heif_opener()
    exif = images.exif_for(make="Canon", gps=(10.0, 20.0, None))
    data = images.encode(images.draw(300, 200, seed=11), fmt, exif=exif)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)  # the upload has GPS
    asset_id = upload(editor, data, name=name).json()["id"]
    stripped = api_for(editor).get(f"/api/v1/assets/{asset_id}/original/?strip=1").content
    image = Image.open(io.BytesIO(stripped))
    assert image.size == (300, 200)
    assert not image.getexif().get_ifd(0x8825)
    assert b"Canon" not in stripped


def test_avif_renditions_when_enabled(editor, upload, api_for, settings):
    settings.LUMINA_AVIF = True
    asset_id = upload(editor, images.jpeg(800, 600, seed=21)).json()["id"]
    asset = api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()
    formats = {(r["spec"], r["format"]) for r in asset["renditions"]}
    assert {("thumb-400", "avif"), ("preview-1600", "avif")} <= formats
    response = Client().get(asset["urls"]["thumbnail"], HTTP_ACCEPT="image/avif,image/webp,*/*")
    assert response["Content-Type"] == "image/avif"
    data = b"".join(response.streaming_content)
    assert b"ftypavif" in data[:32]
    assert b"Exif" not in data
