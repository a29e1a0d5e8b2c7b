"""Near duplicates by perceptual hash through the band indexes."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Role
from gallery.hashing import hamming
from gallery.models import Asset
from search import duplicates
from search.models import DuplicatePair
from tests import images
from tests.search.conftest import make_asset

pytestmark = pytest.mark.django_db


def _jpeg(image, quality=90):
    return images.encode(image, "JPEG", quality=quality)


@pytest.fixture
def copies(ws, upload_as):
    """An original, a resized and a recompressed copy of it, and an unrelated photo."""
    original = images.draw(1200, 900, seed=3)
    return {
        "original": upload_as(ws, _jpeg(original), title="original")["id"],
        "resized": upload_as(ws, _jpeg(original.resize((480, 360))), title="resized")["id"],
        "recompressed": upload_as(ws, _jpeg(original, quality=30), title="recompressed")["id"],
        "unrelated": upload_as(ws, _jpeg(images.draw(1200, 900, seed=5)), title="unrelated")["id"],
    }


def test_resized_and_recompressed_copies_are_grouped_an_unrelated_photo_is_not(
    ws, copies, client_in
):
    body = client_in(ws).get("/api/v1/search/duplicates/").json()
    assert body["total_groups"] == 1
    (group,) = body["groups"]
    assert {a["title"] for a in group["assets"]} == {"original", "resized", "recompressed"}
    # the largest copy comes first: the one to keep by default
    assert group["assets"][0]["title"] in ("original", "recompressed")
    assert group["assets"][0]["width"] == 1200


def test_similar_lists_the_copies_of_one_asset_closest_first(ws, copies, client_in):
    found = client_in(ws).get(f"/api/v1/search/similar/{copies['original']}/").json()
    assert {a["title"] for a in found} == {"resized", "recompressed"}
    assert all(a["distance"] <= 6 for a in found)
    assert found == sorted(found, key=lambda a: a["distance"])


def test_keep_one_and_trash_the_others_in_one_action(ws, copies, client_in):
    client = client_in(ws)
    response = client.post(
        "/api/v1/search/duplicates/resolve/",
        {"keep": copies["original"], "trash": [copies["resized"], copies["recompressed"]]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json() == {"kept": copies["original"], "trashed": 2}
    assert Asset.objects.get(pk=copies["resized"]).deleted_at is not None
    assert Asset.objects.get(pk=copies["recompressed"]).deleted_at is not None
    assert Asset.objects.get(pk=copies["original"]).deleted_at is None
    # the group is resolved, and the trash is searchable no more
    assert client.get("/api/v1/search/duplicates/").json()["total_groups"] == 0
    assert client.get("/api/v1/search/", {"q": "resized"}).json()["results"] == []


def test_only_copies_of_the_kept_asset_can_be_trashed_this_way(ws, copies, client_in):
    response = client_in(ws).post(
        "/api/v1/search/duplicates/resolve/",
        {"keep": copies["original"], "trash": [copies["unrelated"]]},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "not_duplicates"
    assert Asset.objects.get(pk=copies["unrelated"]).deleted_at is None
    response = client_in(ws).post(
        "/api/v1/search/duplicates/resolve/",
        {"keep": copies["original"], "trash": [copies["original"]]},
        format="json",
    )
    assert response.status_code == 400


def test_viewers_see_duplicates_but_cannot_trash(ws, copies, join, client_in):
    viewer = join(ws, Role.VIEWER)
    client = client_in(viewer)
    assert client.get("/api/v1/search/duplicates/").json()["total_groups"] == 1
    response = client.post(
        "/api/v1/search/duplicates/resolve/",
        {"keep": copies["original"], "trash": [copies["resized"]]},
        format="json",
    )
    assert response.status_code == 403
    assert Asset.objects.get(pk=copies["resized"]).deleted_at is None


def test_band_probes_find_every_pair_within_the_distance(ws, settings):
    # Exactness of the pigeonhole probes: flip up to d bits anywhere, spread over bands.
    settings.LUMINA_DUPLICATE_DISTANCE = 6
    base = 0x5A5A_3C3C_0FF0_A5A5
    flips = [0, 1, 17, 33, 49, 63]  # one bit in each band and two more
    near = base ^ sum(1 << bit for bit in flips)  # 6 bits apart, every band touched
    far = base ^ sum(1 << bit for bit in [2, 3, 18, 19, 34, 35, 50])  # 7 bits apart
    a = make_asset(ws, title="a", phash=_signed(base))
    b = make_asset(ws, title="b", phash=_signed(near))
    c = make_asset(ws, title="c", phash=_signed(far))
    assert hamming(base, near) == 6
    assert hamming(base, far) == 7
    assert DuplicatePair.objects.get(asset_low=a, asset_high=b).distance == 6
    assert not DuplicatePair.objects.filter(asset_low=a, asset_high=c).exists()


def _signed(value):
    return value - (1 << 64) if value >= 1 << 63 else value


def test_the_lookup_uses_the_band_indexes_not_a_scan(ws):
    # 5,000 assets with spread-out hashes, written in bulk and indexed in one batch
    from gallery.models import Asset
    from search import documents

    template = make_asset(ws, title="template", phash=1)
    fields = {
        f.attname: getattr(template, f.attname)
        for f in Asset._meta.concrete_fields
        if f.attname != "id"
    }
    Asset.objects.bulk_create(
        Asset(**{**fields, "sha256": f"{i:064x}", "phash": (i * 0x9E37_79B9_7F4A_7C15) % (1 << 63)})
        for i in range(5000)
    )
    documents.upsert(
        list(Asset.objects.filter(tenant_id=ws.tenant_id).values_list("pk", flat=True))
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE search_searchdocument")
        # Whether the probes can be answered from the band indexes; on a table this
        # small a server with stock costs may still prefer reading it all.
        cursor.execute("SET LOCAL enable_seqscan = off")
        probe = duplicates.candidates_sql("b", "%(phash)s", [f"%(b{k})s" for k in range(4)])
        query = "EXPLAIN SELECT b.asset_id FROM search_searchdocument b WHERE "
        cursor.execute(
            query + "b.tenant_id = %(tenant)s AND " + probe,
            {
                "phash": 12345,
                "tenant": ws.tenant_id,
                "distance": 6,
                "radius": 1,
                **{f"b{k}": duplicates.band(12345, k) for k in range(4)},
            },
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())
    for k in range(4):
        assert f"search_doc_phash_b{k}" in plan
    assert "phash_b0 = ANY" in plan
    assert "Seq Scan" not in plan
