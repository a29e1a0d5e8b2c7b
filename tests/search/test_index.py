"""The index follows every write through events, with no rebuild; the rebuild command
and the safety nets."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.events import MemberAdded
from albums.events import AlbumItemsAdded
from gallery.events import AssetDeleted, AssetUpdated
from gallery.models import Asset
from lumina.core import events
from search import handlers, services
from search.models import DuplicatePair, SearchDocument, SearchPlace, SearchTerm
from tests import images
from tests.search.conftest import make_asset, titles

pytestmark = pytest.mark.django_db


def _search(client, **params):
    return titles(client.get("/api/v1/search/", params))


def test_an_upload_is_searchable_by_title_filename_and_tags_at_once(ws, upload_as, client_in):
    upload_as(ws, images.jpeg(seed=11), name="DSC_0042.JPG", title="Old harbour", tags="boats")
    client = client_in(ws)
    assert _search(client, q="harbour") == ["Old harbour"]
    assert _search(client, q="dsc 0042") == ["Old harbour"]
    assert _search(client, q="boats") == ["Old harbour"]


def test_the_vector_follows_a_rename_and_a_retag_without_rebuild(ws, upload_as, client_in):
    asset = upload_as(ws, images.jpeg(seed=12), title="Old name", tags="alpha")
    client = client_in(ws)
    assert _search(client, q="old") == ["Old name"]
    # when renamed and retagged through the API
    response = client.patch(
        f"/api/v1/assets/{asset['id']}/",
        {"title": "Brand new title", "description": "with a gondola", "tags": ["beta"]},
        format="json",
    )
    assert response.status_code == 200
    # then the old words are gone and the new ones found
    assert _search(client, q="old") == []
    assert _search(client, q="alpha") == []
    assert _search(client, q="brand") == ["Brand new title"]
    assert _search(client, q="beta") == ["Brand new title"]
    assert _search(client, q="gondola") == ["Brand new title"]
    assert _search(client, tags="beta") == ["Brand new title"]
    assert _search(client, tags="alpha") == []


def test_bulk_actions_reach_the_index(ws, upload_as, client_in):
    first = upload_as(ws, images.jpeg(seed=13), title="first")
    second = upload_as(ws, images.jpeg(seed=14), title="second")
    client = client_in(ws)
    ids = [first["id"], second["id"]]
    client.post(
        "/api/v1/assets/bulk/", {"action": "tag", "ids": ids, "tags": ["trip"]}, format="json"
    )
    assert sorted(_search(client, q="trip")) == ["first", "second"]
    client.post(
        "/api/v1/assets/bulk/",
        {"action": "rename", "ids": ids, "pattern": "Lombok {n}"},
        format="json",
    )
    assert sorted(_search(client, q="lombok")) == ["Lombok 1", "Lombok 2"]
    client.post(
        "/api/v1/assets/bulk/",
        {"action": "set_visibility", "ids": ids, "visibility": "private"},
        format="json",
    )
    assert sorted(_search(client, visibility="private")) == ["Lombok 1", "Lombok 2"]


def test_trash_and_restore_hide_and_show_results(ws, upload_as, client_in):
    asset = upload_as(ws, images.jpeg(seed=15), title="Temporary")
    client = client_in(ws)
    assert client.delete(f"/api/v1/assets/{asset['id']}/").status_code == 204
    assert _search(client, q="temporary") == []
    assert SearchDocument.objects.get(asset_id=asset["id"]).deleted_at is not None
    client.post("/api/v1/assets/bulk/", {"action": "restore", "ids": [asset["id"]]}, format="json")
    assert _search(client, q="temporary") == ["Temporary"]


def test_a_deleted_asset_leaves_no_document(ws, upload_as, client_in):
    asset = upload_as(ws, images.jpeg(seed=16), title="Gone soon")
    client = client_in(ws)
    client.delete(f"/api/v1/assets/{asset['id']}/")
    client.post("/api/v1/assets/trash/empty/")
    assert not SearchDocument.objects.filter(asset_id=asset["id"]).exists()


def test_rebuild_command_rebuilds_everything_with_a_progress_bar(ws):
    make_asset(ws, title="Lighthouse", latitude=48.8566, longitude=2.3522, tags=["coast"])
    make_asset(ws, title="Harbour")
    SearchDocument.objects.all().delete()
    SearchTerm.objects.all().delete()
    SearchPlace.objects.all().delete()
    out, err = io.StringIO(), io.StringIO()
    call_command("search_rebuild", stdout=out, stderr=err)
    assert "Indexed 2 assets" in out.getvalue()
    assert "documents" in err.getvalue()
    assert "100.0%" in err.getvalue()
    assert SearchDocument.objects.count() == 2
    assert SearchTerm.objects.filter(term="lighthouse").exists()
    assert SearchPlace.objects.filter(city="Paris").exists()


def test_rebuild_of_one_workspace_leaves_the_others(ws, other_ws):
    make_asset(ws, title="mine")
    make_asset(other_ws, title="theirs")
    SearchDocument.objects.all().delete()
    call_command(
        "search_rebuild",
        "--tenant",
        ws.tenant.slug,
        "--no-duplicates",
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    assert list(SearchDocument.objects.values_list("asset__title", flat=True)) == ["mine"]


def test_the_safety_net_indexes_assets_without_a_document(ws):
    asset = make_asset(ws, title="Lost event")
    SearchDocument.objects.filter(asset=asset).delete()
    assert services.documents_index_missing() == 1
    assert SearchDocument.objects.filter(asset=asset).exists()
    assert services.documents_index_missing() == 0


def test_a_failed_refresh_is_queued_as_a_task(ws, monkeypatch):
    asset = make_asset(ws, title="Flaky")
    calls = []
    real = services.documents_refresh

    def flaky(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real(**kwargs)

    monkeypatch.setattr(services, "documents_refresh", flaky)
    Asset.objects.filter(pk=asset.pk).update(title="Recovered")
    handlers.on_asset_event(AssetUpdated(tenant_id=ws.tenant_id, asset_id=asset.pk))
    assert len(calls) == 2  # the eager task ran the retry
    assert SearchDocument.objects.filter(asset=asset, vector__isnull=False).exists()


def test_album_events_with_asset_ids_reindex_them(ws, monkeypatch):
    asset = make_asset(ws, title="Sunset")
    Asset.objects.filter(pk=asset.pk).update(title="Sunrise")
    handlers.on_album_event(
        AlbumItemsAdded(tenant_id=ws.tenant_id, album_id=0, asset_ids=[asset.pk])
    )
    from search import selectors
    from search.filters import SearchRequest

    page = selectors.search(membership=ws, request=SearchRequest(q="sunrise"))
    assert [a.pk for a in page.results] == [asset.pk]
    # the index listens to asset and album events only
    assert handlers.on_album_event in events.listeners(AlbumItemsAdded)
    assert handlers.on_asset_event in events.listeners(AssetUpdated)
    assert handlers.on_asset_event not in events.listeners(AssetDeleted)
    assert not {handlers.on_album_event, handlers.on_asset_event} & set(
        events.listeners(MemberAdded) + events.listeners("*")
    )


def test_rebuild_finds_the_same_pairs_as_indexing_one_by_one(ws, other_ws):
    base = 0x0123_4567_89AB_CDEF
    near = [base, base ^ 0b1, base ^ (1 << 20) ^ (1 << 40), base ^ (1 << 5) ^ (1 << 21) ^ (1 << 37)]
    for i, value in enumerate(near):
        make_asset(ws, title=f"copy {i}", phash=value)
        make_asset(other_ws, title=f"theirs {i}", phash=value)
    make_asset(ws, title="other", phash=0x7654_3210_FEDC_BA98)
    one_by_one = set(DuplicatePair.objects.values_list("asset_low", "asset_high", "distance"))
    assert len(one_by_one) == 12  # 6 pairs in each workspace, none across them
    out = io.StringIO()
    call_command("search_rebuild", stdout=out, stderr=io.StringIO())
    assert "12 near-duplicate pairs" in out.getvalue()
    assert set(DuplicatePair.objects.values_list("asset_low", "asset_high", "distance")) == (
        one_by_one
    )


def test_near_duplicate_pairs_follow_hash_changes(ws):
    a = make_asset(ws, title="a", phash=0x0F0F_0F0F_0F0F_0F0F)
    b = make_asset(ws, title="b", phash=0x0F0F_0F0F_0F0F_0F0E)
    assert DuplicatePair.objects.filter(asset_low=a, asset_high=b).exists()
    Asset.objects.filter(pk=b.pk).update(phash=0x7123_4567_89AB_CDEF)
    services.documents_refresh(asset_ids=[b.pk])
    assert not DuplicatePair.objects.exists()
