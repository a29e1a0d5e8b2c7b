from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Membership, Role
from gallery import services
from gallery.models import Asset, AssetTag, Status, StorageUsage
from tests import images
from tests.factories import UserFactory
from tests.gallery_api.conftest import files_under, membership_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(editor, upload):  # type: ignore[no-untyped-def]
    return [upload(editor, images.jpeg(seed=i), name=f"img{i}.jpg").json()["id"] for i in range(3)]


def test_list_is_newest_first_with_filters(editor, upload, api_for, three):
    client = api_for(editor)
    ids = [a["id"] for a in client.get("/api/v1/assets/").json()["results"]]
    assert ids == list(reversed(three))
    client.post(
        "/api/v1/assets/bulk/",
        {"action": "tag", "ids": three[:2], "tags": ["Beach"]},
        format="json",
    )
    client.post("/api/v1/assets/bulk/", {"action": "favorite", "ids": [three[0]]}, format="json")
    assert [a["id"] for a in client.get("/api/v1/assets/?tag=beach").json()["results"]] == [
        three[1],
        three[0],
    ]
    assert [a["id"] for a in client.get("/api/v1/assets/?favorite=true").json()["results"]] == [
        three[0]
    ]
    assert len(client.get("/api/v1/assets/?status=ready").json()["results"]) == 3
    assert client.get("/api/v1/assets/?status=bogus").status_code == 400
    future = (timezone.now() + timedelta(days=1)).date().isoformat()
    assert client.get(f"/api/v1/assets/?uploaded_after={future}").json()["results"] == []
    assert (
        client.get("/api/v1/assets/?uploaded_after=yesterday").json()["error"]["code"] == "invalid"
    )


def test_list_query_count_does_not_grow_with_page_size(
    editor, api_for, django_assert_max_num_queries
):
    membership = membership_of(editor)
    for i in range(12):
        asset = Asset.objects.create(
            tenant=membership.tenant,
            owner=editor,
            original=f"k{i}",
            sha256=f"{i:064d}",
            format="jpeg",
            mime="image/jpeg",
            bytes=1,
            width=1,
            height=1,
            status=Status.READY,
        )
        tags = services.tags_ensure(tenant_id=membership.tenant_id, names=["a", "b"])
        AssetTag.objects.bulk_create([AssetTag(asset=asset, tag=tag) for tag in tags])
    client = api_for(editor)
    with django_assert_max_num_queries(8):
        small = client.get("/api/v1/assets/?page_size=2")
    with django_assert_max_num_queries(8):
        big = client.get("/api/v1/assets/?page_size=12")
    assert len(small.json()["results"]) == 2
    assert len(big.json()["results"]) == 12


def test_patch_edits_and_retags(editor, api_for, three):
    client = api_for(editor)
    response = client.patch(
        f"/api/v1/assets/{three[0]}/",
        {
            "title": "Sunset",
            "description": "at the pier",
            "tags": ["Sea", "sea", "Pier"],
            "visibility": "public",
        },
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["title"], body["description"], body["visibility"]) == (
        "Sunset",
        "at the pier",
        "public",
    )
    assert body["tags"] == ["Pier", "Sea"]
    assert (
        client.patch(
            f"/api/v1/assets/{three[0]}/", {"visibility": "world"}, format="json"
        ).status_code
        == 400
    )


def test_trash_restore_and_purge(editor, api_for, three, media):
    client = api_for(editor)
    before = files_under(media)
    assert client.delete(f"/api/v1/assets/{three[0]}/").status_code == 204
    assert three[0] not in [a["id"] for a in client.get("/api/v1/assets/").json()["results"]]
    assert [a["id"] for a in client.get("/api/v1/assets/?trashed=true").json()["results"]] == [
        three[0]
    ]
    assert (
        client.post(
            "/api/v1/assets/bulk/", {"action": "restore", "ids": [three[0]]}, format="json"
        ).status_code
        == 200
    )
    assert three[0] in [a["id"] for a in client.get("/api/v1/assets/").json()["results"]]

    # purge: only what has been in the trash long enough
    client.post("/api/v1/assets/bulk/", {"action": "delete", "ids": three[:2]}, format="json")
    Asset.objects.filter(pk=three[0]).update(deleted_at=timezone.now() - timedelta(days=31))
    usage_before = StorageUsage.objects.get().total_bytes
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.trash_purge(older_than_days=30) == 1
    assert not Asset.objects.filter(pk=three[0]).exists()
    assert Asset.objects.filter(pk=three[1]).exists()
    remaining = files_under(media)
    assert len(remaining) == len(before) - 5  # the original and its four renditions
    assert StorageUsage.objects.get().total_bytes < usage_before
    assert StorageUsage.objects.get().assets_count == 2


def test_empty_trash(editor, api_for, three, media):
    client = api_for(editor)
    client.post("/api/v1/assets/bulk/", {"action": "delete", "ids": three}, format="json")
    response = client.post("/api/v1/assets/trash/empty/")
    assert response.json()["count"] == 3
    assert Asset.objects.count() == 0
    assert files_under(media) == set()
    assert StorageUsage.objects.get().total_bytes == 0


def test_bulk_actions(editor, api_for, three):
    client = api_for(editor)

    def bulk(**body):  # type: ignore[no-untyped-def]
        return client.post("/api/v1/assets/bulk/", body, format="json")

    assert bulk(action="tag", ids=three, tags=["x", "Y"]).json() == {"action": "tag", "count": 3}
    assert bulk(action="untag", ids=three[:1], tags=["y"]).status_code == 200
    assert client.get(f"/api/v1/assets/{three[0]}/").json()["tags"] == ["x"]
    assert bulk(action="set_visibility", ids=three, visibility="private").status_code == 200
    assert set(Asset.objects.values_list("visibility", flat=True)) == {"private"}
    assert bulk(action="rename", ids=three, pattern="Trip {n:03}").status_code == 200
    assert [client.get(f"/api/v1/assets/{i}/").json()["title"] for i in three] == [
        "Trip 001",
        "Trip 002",
        "Trip 003",
    ]
    assert bulk(action="favorite", ids=three).status_code == 200
    assert bulk(action="unfavorite", ids=three[1:]).status_code == 200
    assert [a["id"] for a in client.get("/api/v1/assets/?favorite=1").json()["results"]] == [
        three[0]
    ]
    assert bulk(action="explode", ids=three).status_code == 400
    assert bulk(action="rename", ids=three).json()["error"]["code"] == "invalid"


def test_bulk_is_all_or_nothing_and_scoped(editor, api_for, three, upload):
    stranger = UserFactory()
    foreign = upload(stranger, images.jpeg(seed=99)).json()["id"]
    response = api_for(editor).post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": [*three, foreign]}, format="json"
    )
    assert response.status_code == 404
    assert response.json()["error"]["details"]["missing"] == [foreign]
    assert Asset.objects.filter(deleted_at__isnull=False).count() == 0
    too_many = api_for(editor).post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": list(range(1, 1002))}, format="json"
    )
    assert too_many.status_code == 400


def test_viewer_may_favorite_but_not_delete(editor, api_for, three):
    viewer = UserFactory()
    tenant = membership_of(editor).tenant
    Membership.objects.create(user=viewer, tenant=tenant, role=Role.VIEWER)
    client = api_for(viewer)
    client.post(f"/api/v1/tenants/{tenant.pk}/switch/")
    assert (
        client.post(
            "/api/v1/assets/bulk/", {"action": "favorite", "ids": three}, format="json"
        ).status_code
        == 200
    )
    response = client.post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": three}, format="json"
    )
    assert response.status_code == 403
    assert client.delete(f"/api/v1/assets/{three[0]}/").status_code == 403
    assert Asset.objects.filter(deleted_at__isnull=False).count() == 0


def test_another_workspaces_asset_is_404_everywhere(editor, api_for, three):
    outsider = api_for(UserFactory())
    for method, url in (
        ("get", f"/api/v1/assets/{three[0]}/"),
        ("patch", f"/api/v1/assets/{three[0]}/"),
        ("delete", f"/api/v1/assets/{three[0]}/"),
        ("get", f"/api/v1/assets/{three[0]}/original/"),
    ):
        response = getattr(outsider, method)(url, {}, format="json")
        assert response.status_code == 404, (method, url)
    assert Asset.objects.filter(deleted_at__isnull=True).count() == 3


def test_stuck_assets_are_requeued_and_finish(editor, three):
    Asset.objects.filter(pk=three[0]).update(
        status=Status.PROCESSING, updated_at=timezone.now() - timedelta(hours=1)
    )
    Asset.objects.filter(pk=three[1]).update(status=Status.PROCESSING)  # recent: left alone
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        assert services.assets_requeue_stuck(older_than=timedelta(minutes=15)) == 1
    assert Asset.objects.get(pk=three[0]).status == Status.READY
    assert Asset.objects.get(pk=three[1]).status == Status.PROCESSING


def test_stuck_for_too_long_is_marked_failed(editor, three):
    Asset.objects.filter(pk=three[0]).update(
        status=Status.PROCESSING,
        processing_attempts=5,
        updated_at=timezone.now() - timedelta(hours=1),
    )
    services.assets_requeue_stuck(older_than=timedelta(minutes=15))
    asset = Asset.objects.get(pk=three[0])
    assert asset.status == Status.FAILED
    assert "several attempts" in asset.failure_reason


def test_unprocessable_content_marks_the_asset_failed_with_a_reason(editor, three, media):
    from django.core.files.storage import default_storage
    from django.test import TestCase

    asset = Asset.objects.get(pk=three[0])
    with default_storage.open(asset.original, "wb") as fh:
        fh.write(b"\xff\xd8\xff garbage that is no longer a jpeg")
    asset.renditions.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.asset_reprocess(asset_ids=[asset.pk])
    asset.refresh_from_db()
    assert asset.status == Status.FAILED
    assert asset.failure_reason


def test_transient_errors_retry_then_fail_with_a_reason(editor, three):
    from django.core.files.storage import default_storage

    from gallery.tasks import asset_process_task
    from lumina.celery import app

    asset = Asset.objects.get(pk=three[0])
    Asset.objects.filter(pk=asset.pk).update(status=Status.PROCESSING)
    default_storage.delete(asset.original)  # the storage cannot give the original back
    # Let eager mode run the retries as a worker would, instead of raising at the first.
    app.conf.task_eager_propagates = False
    try:
        result = asset_process_task.apply(args=[asset.pk])
    finally:
        app.conf.task_eager_propagates = True
    assert result.get() == "failed"
    asset.refresh_from_db()
    assert asset.status == Status.FAILED
    assert "repeatedly" in asset.failure_reason


def test_processing_twice_changes_nothing(editor, three):
    from gallery.models import Rendition

    before = list(Rendition.objects.filter(asset_id=three[0]).values_list("pk", "file", "bytes"))
    services.asset_process(asset_id=three[0])  # ready: left alone
    Asset.objects.filter(pk=three[0]).update(status=Status.PROCESSING)
    services.asset_process(asset_id=three[0])  # renditions exist: kept, not made again
    after = list(Rendition.objects.filter(asset_id=three[0]).values_list("pk", "file", "bytes"))
    assert after == before
    assert Asset.objects.get(pk=three[0]).status == Status.READY
    assert StorageUsage.objects.get().renditions_bytes == sum(b for _, _, b in after) + sum(
        Rendition.objects.exclude(asset_id=three[0]).values_list("bytes", flat=True)
    )


def test_deleting_a_workspace_removes_its_files_after_commit(editor, upload, media):
    from django.test import TestCase

    from accounts.events import TenantDeleted
    from lumina.core import events

    other = UserFactory()
    upload(other, images.jpeg(seed=77))  # another workspace's files stay
    tenant_id = membership_of(editor).tenant_id
    upload(editor, images.jpeg(seed=78))
    assert any(key.startswith(f"t/{tenant_id}/") for key in files_under(media))
    with TestCase.captureOnCommitCallbacks(execute=True):
        events.emit(TenantDeleted(tenant_id=tenant_id))
    remaining = files_under(media)
    assert not any(key.startswith(f"t/{tenant_id}/") for key in remaining)
    assert any(key.startswith("t/") for key in remaining)
