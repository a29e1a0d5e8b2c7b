from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.test import TestCase

from search import services
from tests.search.conftest import make_asset

pytestmark = pytest.mark.django_db


def when(year):
    return datetime(year, 5, 1, tzinfo=UTC)


def test_facets_count_years_tags_cameras_and_countries_of_the_current_query(ws, client_in):
    make_asset(
        ws,
        title="Beach one",
        taken_at=when(2020),
        tags=["sea", "kids"],
        camera_make="Canon",
        camera_model="EOS R5",
        latitude=48.85,
        longitude=2.35,
    )
    make_asset(
        ws,
        title="Beach two",
        taken_at=when(2020),
        tags=["sea"],
        camera_make="Canon",
        camera_model="EOS R5",
        latitude=-6.91,
        longitude=107.61,
    )
    make_asset(
        ws,
        title="Beach three",
        taken_at=when(2022),
        tags=["sea"],
        camera_make="Apple",
        camera_model="iPhone 15",
        latitude=48.86,
        longitude=2.34,
    )
    make_asset(ws, title="Mountain", taken_at=when(2021), tags=["hike"], camera_make="Sony")
    client = client_in(ws)

    facets = client.get("/api/v1/search/facets/", {"q": "beach"}).json()
    assert facets["year"] == [
        {"value": 2022, "label": "2022", "count": 1},
        {"value": 2020, "label": "2020", "count": 2},
    ]
    assert facets["tag"] == [
        {"value": "sea", "label": "sea", "count": 3},
        {"value": "kids", "label": "kids", "count": 1},
    ]
    assert facets["camera"] == [
        {"value": "Canon EOS R5", "label": "Canon EOS R5", "count": 2},
        {"value": "Apple iPhone 15", "label": "Apple iPhone 15", "count": 1},
    ]
    assert facets["country"] == [
        {"value": "FR", "label": "France", "count": 2},
        {"value": "ID", "label": "Indonesia", "count": 1},
    ]
    # filters narrow the facets too
    facets = client.get("/api/v1/search/facets/", {"q": "beach", "country": "ID"}).json()
    assert facets["year"] == [{"value": 2020, "label": "2020", "count": 1}]
    assert facets["approximate"] is False
    # and no query counts everything
    facets = client.get("/api/v1/search/facets/").json()
    assert sum(f["count"] for f in facets["year"]) == 4
    assert {f["value"] for f in facets["camera"]} == {"Canon EOS R5", "Apple iPhone 15", "Sony"}


def test_facets_are_cached_until_the_index_changes(ws, client_in, django_assert_num_queries):
    make_asset(ws, title="Tree", tags=["green"])
    client = client_in(ws)
    assert client.get("/api/v1/search/facets/").json()["tag"][0]["count"] == 1
    # an index write that has not committed yet: the cached counts still answer
    asset = make_asset(ws, title="Another tree", tags=["green"])
    assert client.get("/api/v1/search/facets/").json()["tag"][0]["count"] == 1
    # once a write commits, the workspace's facets are counted again
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.documents_refresh(asset_ids=[asset.pk])
    assert client.get("/api/v1/search/facets/").json()["tag"][0]["count"] == 2


def test_facets_of_an_impossible_filter_are_empty(ws, client_in):
    make_asset(ws, title="x", tags=["a"])
    facets = client_in(ws).get("/api/v1/search/facets/", {"tags": "no-such-tag"}).json()
    assert facets == {"year": [], "tag": [], "camera": [], "country": [], "approximate": False}


def test_large_results_are_counted_on_a_sample_and_marked_approximate(ws, monkeypatch, settings):
    from search.filters import SearchRequest
    from search.selectors import facet_counts

    settings.LUMINA_SEARCH_FACET_CACHE_SECONDS = 0  # each call counts afresh

    for i in range(6):
        make_asset(ws, title=f"pine {i}", taken_at=when(2019), tags=["forest"])
    exact = facet_counts.facets(membership=ws, request=SearchRequest(q="pine"))
    # force the sampled path; a sample of everything gives the same counts
    monkeypatch.setattr(facet_counts, "FACET_EXACT_ROWS", 0)
    monkeypatch.setattr(facet_counts, "FACET_SAMPLE_ROWS", 10**9)
    sampled = facet_counts.facets(membership=ws, request=SearchRequest(q="pine"))
    assert sampled["approximate"] is True
    assert sampled["year"] == exact["year"] == [{"value": 2019, "label": "2019", "count": 6}]
    assert sampled["tag"] == exact["tag"]
