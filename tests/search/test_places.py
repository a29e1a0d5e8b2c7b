"""Places from GPS written into uploaded images, found by name; the map."""

from __future__ import annotations

from datetime import datetime

import pytest

from search import places
from search.models import SearchDocument, SearchPlace
from tests import images
from tests.search.conftest import make_asset, titles

pytestmark = pytest.mark.django_db

BANDUNG = (-6.9175, 107.6191, 768.0)
PARIS = (48.8566, 2.3522, 35.0)
SAO_PAULO = (-23.5505, -46.6333, 760.0)


def test_places_from_gps_in_uploaded_photos_are_searchable(ws, upload_as, client_in):
    # given three photos whose EXIF holds a GPS position, and one without
    upload_as(
        ws,
        images.jpeg(seed=1, gps=BANDUNG, make="Canon", model="Canon EOS R6"),
        title="Volcano crater",
    )
    upload_as(ws, images.jpeg(seed=2, gps=PARIS), title="Evening walk")
    upload_as(ws, images.jpeg(seed=3, gps=SAO_PAULO), title="Market")
    upload_as(ws, images.jpeg(seed=4), title="No position")
    client = client_in(ws)

    # then city, region and country names find them
    def search(q):
        return titles(client.get("/api/v1/search/", {"q": q}))

    assert search("Bandung") == ["Volcano crater"]
    assert search("indonesia") == ["Volcano crater"]
    assert search("west java") == ["Volcano crater"]
    assert search("France") == ["Evening walk"]
    assert search("paris") == ["Evening walk"]
    # accents folded both ways: stored "Sao Paulo", typed "São Paulo"
    assert search("São Paulo") == ["Market"]
    assert search("brazil") == ["Market"]
    # with other words of the title
    assert search("volcano indonesia") == ["Volcano crater"]
    # and the place is part of the result
    result = client.get("/api/v1/search/", {"q": "bandung"}).json()["results"][0]
    assert result["place"] == {
        "city": "Bandung",
        "region": "West Java",
        "country": "Indonesia",
        "country_code": "ID",
    }
    assert result["camera"]["model"] == "Canon EOS R6"
    assert search("canon") == ["Volcano crater"]
    # the place filter and the country filter
    assert titles(client.get("/api/v1/search/", {"place": "Bandung"})) == ["Volcano crater"]
    assert titles(client.get("/api/v1/search/", {"country": "FR"})) == ["Evening walk"]
    # the workspace's place list offers them as suggestions
    assert SearchPlace.objects.filter(tenant=ws.tenant).count() == 3


def test_place_lookup_needs_no_network_and_refuses_nonsense():
    found = places.lookup([(48.8566, 2.3522), (0.0, 0.0), (91.0, 0.0), (-48.0, -130.0)])
    assert found[0] is not None
    assert (found[0].city, found[0].country, found[0].country_code) == ("Paris", "France", "FR")
    assert found[1] is None  # "null island": a broken GPS
    assert found[2] is None  # not on Earth
    assert found[3] is None  # the middle of the Pacific is not "in" a town


def test_place_lookups_can_be_turned_off(ws, settings):
    settings.LUMINA_SEARCH_PLACES = False
    make_asset(ws, title="somewhere", latitude=48.8566, longitude=2.3522)
    doc = SearchDocument.objects.get(asset__title="somewhere")
    assert doc.place_city == ""
    assert doc.latitude == 48.8566  # the position is still on the map


def test_a_place_is_not_looked_up_again_while_the_position_stays(ws, monkeypatch):
    from search import services

    asset = make_asset(ws, title="paris", latitude=48.8566, longitude=2.3522)
    calls = []
    real = places.lookup
    monkeypatch.setattr(places, "lookup", lambda points: calls.append(points) or real(points))
    services.documents_refresh(asset_ids=[asset.pk])
    assert calls == []
    services.documents_refresh(asset_ids=[asset.pk], geocode=True)
    assert len(calls) == 1


def test_place_suggestions_while_typing(ws, client_in):
    make_asset(ws, title="a", latitude=-6.9175, longitude=107.6191)
    make_asset(ws, title="b", latitude=48.8566, longitude=2.3522, tags=["Paris trip"])
    client = client_in(ws)
    body = client.get("/api/v1/search/suggest/", {"q": "band"}).json()
    assert body["places"] == [
        {"label": "Bandung, West Java, Indonesia", "value": "Bandung", "country": "ID"}
    ]
    body = client.get("/api/v1/search/suggest/", {"q": "par"}).json()
    assert body["tags"] == ["Paris trip"]
    assert [p["value"] for p in body["places"]] == ["Paris"]
    # any word of the place, accents ignored
    assert (
        client.get("/api/v1/search/suggest/", {"q": "jav"}).json()["places"][0]["value"]
        == "Bandung"
    )
    assert client.get("/api/v1/search/suggest/", {"q": "x"}).json()["places"] == []


def test_tag_suggestions_match_word_starts_accents_and_typos(ws, client_in):
    make_asset(ws, title="a", tags=["Café", "Beach life", "Birthday"])
    client = client_in(ws)
    assert client.get("/api/v1/search/suggest/", {"q": "cafe"}).json()["tags"] == ["Café"]
    assert client.get("/api/v1/search/suggest/", {"q": "life"}).json()["tags"] == ["Beach life"]
    assert client.get("/api/v1/search/suggest/", {"q": "brithday"}).json()["tags"] == ["Birthday"]


def test_map_clusters_split_as_the_map_zooms_in(ws, client_in):
    # three photos in Paris (a few km apart), one in Bandung, one without GPS
    for i, (lat, lon) in enumerate([(48.85, 2.35), (48.86, 2.29), (48.83, 2.40)]):
        make_asset(ws, title=f"paris {i}", latitude=lat, longitude=lon)
    make_asset(ws, title="bandung", latitude=-6.91, longitude=107.61)
    make_asset(ws, title="nowhere")
    client = client_in(ws)
    world = client.get("/api/v1/search/map/", {"bbox": "-180,-85,180,85", "zoom": 2}).json()
    counts = sorted(c["count"] for c in world["clusters"])
    assert counts == [1, 3]
    single = next(c for c in world["clusters"] if c["count"] == 1)
    assert single["asset"]["title"] == "bandung"
    assert single["asset"]["thumbnail"].startswith("/r/")
    # zoomed on Paris: the cluster splits, Bandung is out of view
    city = client.get("/api/v1/search/map/", {"bbox": "2.2,48.8,2.5,48.9", "zoom": 14}).json()
    assert sorted(c["count"] for c in city["clusters"]) == [1, 1, 1]
    # the map takes the search's text and filters
    only = client.get(
        "/api/v1/search/map/", {"bbox": "-180,-85,180,85", "zoom": 2, "q": "bandung"}
    ).json()
    assert [c["count"] for c in only["clusters"]] == [1]
    assert client.get("/api/v1/search/map/", {"zoom": 2}).status_code == 400


def test_taken_date_and_camera_from_exif_are_searchable(ws, upload_as, client_in):
    upload_as(
        ws,
        images.jpeg(seed=5, make="FUJIFILM", model="X-T4", taken=datetime(2018, 7, 14, 10, 0)),
        title="Parade",
    )
    client = client_in(ws)
    assert titles(client.get("/api/v1/search/", {"year": "2018"})) == ["Parade"]
    assert titles(client.get("/api/v1/search/", {"q": "fujifilm"})) == ["Parade"]
    assert titles(client.get("/api/v1/search/", {"camera_model": "x-t4"})) == ["Parade"]
