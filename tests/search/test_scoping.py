"""Another workspace's matching asset never appears, not even in counts, facets,
suggestions, the map, corrections or duplicates; private assets only for their owner."""

from __future__ import annotations

import pytest

from accounts.models import Role
from search.models import SearchDocument
from tests.search.conftest import make_asset, titles

pytestmark = pytest.mark.django_db

EVERYTHING = {
    "title": "Secret lighthouse",
    "tags": ["Secret tag"],
    "camera_make": "Leica",
    "camera_model": "M11",
    "latitude": -6.9175,
    "longitude": 107.6191,
    "phash": 0x1234_5678_9ABC_DEF0,
}


def test_another_workspace_never_leaks(ws, other_ws, client_in):
    # given the same picture and words in two workspaces, mine holding one more
    make_asset(other_ws, **EVERYTHING)
    make_asset(other_ws, **{**EVERYTHING, "phash": 0x1234_5678_9ABC_DEF1})
    make_asset(ws, title="My lighthouse", phash=0x1234_5678_9ABC_DEF0)
    client = client_in(ws)

    # search results and counts
    body = client.get("/api/v1/search/", {"q": "lighthouse"}).json()
    assert titles(body) == ["My lighthouse"]
    assert body["count"] == 1
    assert client.get("/api/v1/search/", {"q": "secret"}).json()["count"] == 0
    assert client.get("/api/v1/search/", {"q": "bandung"}).json()["count"] == 0
    assert client.get("/api/v1/search/", {"camera_make": "leica"}).json()["count"] == 0
    # a misspelling is never corrected to the other workspace's word
    body = client.get("/api/v1/search/", {"q": "secrte"}).json()
    assert body["results"] == []
    assert body["query"]["mode"] != "corrected"
    # facets
    facets = client.get("/api/v1/search/facets/").json()
    assert [f["count"] for f in facets["year"]] == [1]
    assert facets["tag"] == []
    assert facets["camera"] == []
    assert facets["country"] == []
    # suggestions
    assert client.get("/api/v1/search/suggest/", {"q": "secr"}).json()["tags"] == []
    assert client.get("/api/v1/search/suggest/", {"q": "band"}).json()["places"] == []
    # the map
    world = client.get("/api/v1/search/map/", {"bbox": "-180,-85,180,85", "zoom": 1}).json()
    assert world["clusters"] == []
    # near duplicates: theirs are a pair, and a copy of mine, but never shown to me
    assert client.get("/api/v1/search/duplicates/").json()["total_groups"] == 0
    mine = SearchDocument.objects.get(tenant=ws.tenant).asset_id
    assert client.get(f"/api/v1/search/similar/{mine}/").json() == []
    theirs = SearchDocument.objects.filter(tenant=other_ws.tenant).first().asset_id
    response = client.get(f"/api/v1/search/similar/{theirs}/")
    assert response.status_code == 404
    # and trashing theirs through the duplicates action is refused as not found
    response = client.post(
        "/api/v1/search/duplicates/resolve/", {"keep": mine, "trash": [theirs]}, format="json"
    )
    assert response.status_code == 404


def test_private_assets_show_to_their_owner_only(ws, join, client_in):
    colleague = join(ws, Role.EDITOR)
    make_asset(
        colleague,
        title="Private sunset",
        visibility="private",
        tags=["hidden"],
        latitude=48.8566,
        longitude=2.3522,
    )
    make_asset(ws, title="Shared sunset")
    mine = client_in(ws)
    theirs = client_in(colleague)
    body = mine.get("/api/v1/search/", {"q": "sunset"}).json()
    assert titles(body) == ["Shared sunset"]
    assert body["count"] == 1
    assert mine.get("/api/v1/search/facets/", {"q": "sunset"}).json()["tag"] == []
    assert mine.get("/api/v1/search/suggest/", {"q": "par"}).json()["places"] == []
    world = mine.get("/api/v1/search/map/", {"bbox": "-180,-85,180,85", "zoom": 1}).json()
    assert world["clusters"] == []
    body = theirs.get("/api/v1/search/", {"q": "sunset"}).json()
    assert sorted(titles(body)) == ["Private sunset", "Shared sunset"]
    assert theirs.get("/api/v1/search/facets/", {"q": "sunset"}).json()["tag"] == [
        {"value": "hidden", "label": "hidden", "count": 1}
    ]
    assert (
        theirs.get("/api/v1/search/suggest/", {"q": "par"}).json()["places"][0]["value"] == "Paris"
    )


def test_a_stale_document_cannot_show_what_gallery_hides(ws, join, client_in):
    # even if the index were behind (a lost event), the page goes through gallery's scope
    colleague = join(ws, Role.EDITOR)
    asset = make_asset(colleague, title="Now private")
    from gallery.models import Asset

    Asset.objects.filter(pk=asset.pk).update(visibility="private")  # no event
    assert titles(client_in(ws).get("/api/v1/search/", {"q": "private"})) == []


def test_search_needs_a_signed_in_user(client):
    assert client.get("/api/v1/search/", {"q": "x"}).status_code in (401, 403)
