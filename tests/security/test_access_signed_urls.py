"""Signed rendition URLs die with the access they stood for (pen-test finding M2), and
only the one canonical spelling of a URL is accepted. Fetched from a real server with an
outside HTTP client, as a browser or a CDN would."""

from __future__ import annotations

import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from gallery import services as gallery_services
from gallery import signing
from gallery.models import Asset, Visibility
from tests.factories import Team, upload

pytestmark = pytest.mark.django_db(transaction=True)


def fetch(base: str, url: str) -> int:
    try:
        with urllib.request.urlopen(base + url, timeout=30) as response:
            response.read()
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def public_asset(team: Team, seed: int) -> Asset:
    return upload(team.membership("editor"), seed=seed, visibility=Visibility.PUBLIC)


def test_public_urls_stop_working_when_the_asset_becomes_private(team, live_server):
    asset = public_asset(team, 60)
    url = signing.rendition_url(asset, "thumb-400", "webp")
    assert "e=0&" in url
    assert fetch(live_server.url, url) == 200
    gallery_services.asset_update(
        membership=team.membership("editor"), asset=asset, data={"visibility": "private"}
    )
    assert fetch(live_server.url, url) == 404
    # nor does making it public again bring the old URL back
    asset.refresh_from_db()
    gallery_services.asset_update(
        membership=team.membership("editor"), asset=asset, data={"visibility": "public"}
    )
    assert fetch(live_server.url, url) == 404
    asset.refresh_from_db()
    assert fetch(live_server.url, signing.rendition_url(asset, "thumb-400", "webp")) == 200


def test_bulk_visibility_changes_revoke_too(team, live_server):
    asset = public_asset(team, 61)
    url = signing.rendition_url(asset, "thumb-400", "webp")
    gallery_services.asset_bulk(
        membership=team.membership("editor"),
        assets=[asset],
        action="set_visibility",
        params={"visibility": "tenant"},
    )
    assert fetch(live_server.url, url) == 404


def test_trashing_revokes_the_urls(team, live_server):
    asset = public_asset(team, 62)
    url = signing.rendition_url(asset, "preview-1600", "webp")
    assert fetch(live_server.url, url) == 200
    gallery_services.asset_delete(membership=team.membership("editor"), assets=[asset])
    assert fetch(live_server.url, url) == 404
    # the trash page's own URLs of it expire like a private asset's
    asset.refresh_from_db()
    assert signing.expiry_for(asset) != 0


def spelled(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query.update(changes)
    return f"{parts.path}?{urlencode(query)}"


def test_only_the_canonical_spelling_of_a_signed_url_is_accepted(team, live_server):
    public = public_asset(team, 63)
    url = signing.rendition_url(public, "thumb-400", "webp")
    assert fetch(live_server.url, url) == 200
    for variant in ("+0", "00", "-0", "0_0", " 0", "\u0660", "0x0"):
        assert fetch(live_server.url, spelled(url, e=variant)) == 404, variant
    assert fetch(live_server.url, url + "&e=0") == 404  # the same parameter twice
    path = urlsplit(url).path
    assert (
        fetch(live_server.url, url.replace(path, path.replace(f"/{public.pk}/", f"/0{public.pk}/")))
        == 404
    )

    private = upload(team.membership("editor"), seed=64, visibility=Visibility.TENANT)
    signed = signing.rendition_url(private, "thumb-400", "webp")
    expires = parse_qs(urlsplit(signed).query)["e"][0]
    assert fetch(live_server.url, signed) == 200
    for variant in (f"0{expires}", f"+{expires}", f"{expires}.0"):
        assert fetch(live_server.url, spelled(signed, e=variant)) == 404, variant
    assert (
        fetch(live_server.url, spelled(signed, s=parse_qs(urlsplit(signed).query)["s"][0].upper()))
        == 404
    )
