"""Every filter, alone and combined with others and with text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gallery import selectors as gallery_selectors
from gallery.models import Favorite, Status, Visibility
from search import documents, filters, selectors
from search.filters import SEARCH_FILTERS, SearchRequest
from tests.search.conftest import make_asset

pytestmark = pytest.mark.django_db


def found(ws, q="", **params):
    request = SearchRequest(q=q, filters=SEARCH_FILTERS.parse(params))
    return {a.title for a in selectors.search(membership=ws, request=request).results}


def when(year, month=6, day=1):
    return datetime(year, month, day, 12, tzinfo=UTC)


@pytest.fixture
def library(ws):
    """A small library with a bit of everything."""
    make_asset(
        ws,
        title="beach",
        taken_at=when(2019),
        created_at=when(2023, 1),
        bytes=2_000_000,
        width=4000,
        height=3000,
        format="jpeg",
        tags=["Sea", "Family"],
        camera_make="Canon",
        camera_model="Canon EOS R5",
        latitude=-8.65,
        longitude=115.22,
        visibility=Visibility.TENANT,
    )
    make_asset(
        ws,
        title="portrait",
        taken_at=when(2021),
        created_at=when(2023, 2),
        bytes=500_000,
        width=1000,
        height=1500,
        format="png",
        tags=["Family"],
        camera_make="Apple",
        camera_model="iPhone 13",
        visibility=Visibility.PRIVATE,
    )
    make_asset(
        ws,
        title="square",
        taken_at=None,
        created_at=when(2024, 3),
        bytes=50_000,
        width=800,
        height=800,
        format="webp",
        tags=["Sea"],
        latitude=48.8566,
        longitude=2.3522,
        visibility=Visibility.PUBLIC,
        status=Status.PROCESSING,
    )
    return ws


def test_date_ranges(library):
    ws = library
    assert found(ws, taken_after="2020-01-01") == {"portrait"}
    assert found(ws, taken_before="2020-01-01") == {"beach"}
    assert found(ws, taken_after="2019-06-01T12:00:00Z", taken_before="2021-06-01") == {"beach"}
    assert found(ws, uploaded_after="2024-01-01") == {"square"}
    assert found(ws, uploaded_before="2023-02-01") == {"beach"}
    # the year is the year taken, else the year uploaded
    assert found(ws, year="2019") == {"beach"}
    assert found(ws, year="2024") == {"square"}


def test_size_dimensions_orientation_and_format(library):
    ws = library
    assert found(ws, min_bytes="1000000") == {"beach"}
    assert found(ws, max_bytes="100000") == {"square"}
    assert found(ws, min_width="1000", max_width="1000") == {"portrait"}
    assert found(ws, min_height="1500") == {"beach", "portrait"}
    assert found(ws, max_height="900") == {"square"}
    assert found(ws, orientation="landscape") == {"beach"}
    assert found(ws, orientation="portrait") == {"portrait"}
    assert found(ws, orientation="square") == {"square"}
    assert found(ws, format="png,webp") == {"portrait", "square"}
    assert found(ws, format="jpg") == {"beach"}


def test_tags_all_of_and_any_of(library):
    ws = library
    assert found(ws, tags="sea,family") == {"beach"}
    assert found(ws, tag="FAMILY") == {"beach", "portrait"}
    assert found(ws, tags_any="sea,nothing") == {"beach", "square"}
    assert found(ws, tags="sea,nothing") == set()
    assert found(ws, tags_any="nothing") == set()


def test_camera_make_model_and_combined(library):
    ws = library
    assert found(ws, camera_make="canon") == {"beach"}
    assert found(ws, camera_model="iphone 13") == {"portrait"}
    # "Canon" + "Canon EOS R5" reads "Canon EOS R5"; "Apple" + "iPhone 13" keeps both
    assert found(ws, camera="Canon EOS R5") == {"beach"}
    assert found(ws, camera="apple iphone 13") == {"portrait"}


def test_favorites_visibility_status_and_gps(library):
    ws = library
    beach = gallery_selectors.asset_list(membership=ws).get(title="beach")
    Favorite.objects.create(user=ws.user, asset=beach)
    assert found(ws, favorite="true") == {"beach"}
    assert found(ws, favorite="false") == {"portrait", "square"}
    assert found(ws, visibility="private") == {"portrait"}
    assert found(ws, status="processing") == {"square"}
    assert found(ws, has_gps="true") == {"beach", "square"}
    assert found(ws, has_gps="false") == {"portrait"}


def test_bounding_box_and_radius(library):
    ws = library
    assert found(ws, bbox="100,-10,120,0") == {"beach"}
    assert found(ws, bbox="-10,40,10,50") == {"square"}
    # a box across the antimeridian
    make_asset(ws, title="fiji", latitude=-17.7, longitude=178.1)
    make_asset(ws, title="samoa", latitude=-13.8, longitude=-172.1)
    assert found(ws, bbox="170,-20,-170,-10") == {"fiji", "samoa"}
    # within 10 km of the Eiffel tower: Paris centre (~4 km) yes, Bali no
    assert found(ws, near="48.8584,2.2945", radius_km="10") == {"square"}
    assert found(ws, near="48.8584,2.2945", radius_km="2") == set()
    # radius across the antimeridian
    assert found(ws, near="-17.7,-179.9", radius_km="250") == {"fiji"}


def test_filters_combine_with_each_other_and_with_text(library):
    ws = library
    assert found(ws, "beach", tags="family", orientation="landscape") == {"beach"}
    assert found(ws, "beach", orientation="portrait") == set()
    assert found(ws, tags="family", has_gps="true", min_bytes="1000") == {"beach"}
    assert found(ws, "", tags_any="sea", format="webp", has_gps="true", year="2024") == {"square"}


def test_album_filter_includes_sub_albums_and_album_names_are_searched(ws, monkeypatch):
    # Albums feed the index through one function; stand in for it here.
    trip = make_asset(ws, title="day one")
    other = make_asset(ws, title="day two")
    monkeypatch.setattr(
        documents,
        "album_terms",
        lambda ids: {
            trip.pk: documents.AlbumTerms(album_ids=[7, 3], names=["Lombok trip", "Holidays"])
        },
    )
    from search import services

    services.documents_refresh(asset_ids=[trip.pk, other.pk])
    assert found(ws, album="7") == {"day one"}
    assert found(ws, album="3") == {"day one"}  # 3 is 7's parent
    assert found(ws, "lombok") == {"day one"}


def test_place_and_country_filters_use_the_stored_place(ws):
    from search.models import SearchDocument

    make_asset(ws, title="somewhere", latitude=-6.9175, longitude=107.6191)
    doc = SearchDocument.objects.get(asset__title="somewhere")
    assert doc.place_city == "Bandung"
    assert found(ws, place="bandung") == {"somewhere"}
    assert found(ws, place="Indonesia") == {"somewhere"}
    assert found(ws, place="West Java") == {"somewhere"}
    assert found(ws, place="France") == set()
    assert found(ws, country="id") == {"somewhere"}
    assert found(ws, country="FR") == set()


def test_filter_parsing_reads_lists_and_repeats():
    parsed = SEARCH_FILTERS.parse({"tags": "a, b,,c", "format": "JPG,png", "radius_km": ""})
    assert parsed.tags_all == ("a", "b", "c")
    assert parsed.formats == ("jpeg", "png")
    assert SEARCH_FILTERS.parse({"near": "1,2"}).radius_km == 10.0
    assert SEARCH_FILTERS.parse({}).is_empty()


def test_the_gallery_asset_list_takes_the_same_filters(ws):
    make_asset(ws, title="tall", width=100, height=300, tags=["x"])
    make_asset(ws, title="wide", width=300, height=100, tags=["x"])
    make_asset(ws, title="wide lighthouse", width=300, height=100)
    qs = gallery_selectors.asset_list(membership=ws)

    def listed(params):
        return [a.title for a in filters.asset_list_filter(qs, membership=ws, params=params)]

    assert listed({"orientation": "landscape"}) == ["wide lighthouse", "wide"]
    assert listed({"orientation": "landscape", "tags": "x"}) == ["wide"]
    assert listed({"q": "lighthouse"}) == ["wide lighthouse"]
    # conditions written on the document still hold inside gallery's subquery
    make_asset(ws, title="in paris", latitude=48.8566, longitude=2.3522)
    assert listed({"place": "paris"}) == ["in paris"]
    assert listed({"near": "48.85,2.35", "radius_km": "5"}) == ["in paris"]
    assert listed({"q": "the"}) == []
    # gallery's own parameters are left to gallery
    assert listed({"tag": "nothing-like-this"}) == ["in paris", "wide lighthouse", "wide", "tall"]
    assert listed({}) == ["in paris", "wide lighthouse", "wide", "tall"]


def test_the_assets_api_applies_the_registered_search_filters(ws, client_in):
    from lumina.core.plugins import asset_list_filters

    assert asset_list_filters.get("search") is filters.ASSET_LIST_SEARCH
    make_asset(ws, title="tall", width=100, height=300)
    make_asset(ws, title="wide", width=300, height=100)
    body = client_in(ws).get("/api/v1/assets/", {"orientation": "portrait"}).json()
    assert [a["title"] for a in body["results"]] == ["tall"]
