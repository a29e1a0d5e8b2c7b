"""De-duplication only against what the uploader can see (pen-test finding M5).

The same bytes uploaded again give back the existing asset only when the uploader may
see it (alive and not someone else's private asset, or their own, restored from the
trash); otherwise a new asset is made over the same stored bytes, answered exactly like
a fresh upload (no existence oracle), and deleting one of them never deletes bytes the
other still uses. Outsiders uploading through a shared album are held to what the share
shows them."""

from __future__ import annotations

import io

import pytest
from django.test import TestCase
from django.utils import timezone
from rest_framework.test import APIClient

from albums import services as album_services
from gallery import services as gallery_services
from gallery import storage
from gallery.models import Asset, StorageUsage
from tests import images
from tests.factories import upload

pytestmark = pytest.mark.django_db


def client_in(user, tenant) -> APIClient:  # type: ignore[no-untyped-def]
    client = APIClient()
    client.force_authenticate(user)
    assert client.post(f"/api/v1/tenants/{tenant.pk}/switch/").status_code == 200
    return client


def post_file(client: APIClient, url: str, data: bytes, **fields):  # type: ignore[no-untyped-def]
    handle = io.BytesIO(data)
    handle.name = "again.jpg"
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, {"file": handle, **fields}, format="multipart")


def shape(response) -> tuple[int, set[str]]:  # type: ignore[no-untyped-def]
    return response.status_code, set(response.json())


def test_a_colleagues_trashed_private_asset_is_neither_restored_nor_shown(team):
    data = images.jpeg(96, 64, seed=40)
    secret = upload(
        team.membership("owner"), data=data, title="resignation letter", visibility="private"
    )
    gallery_services.asset_delete(membership=team.membership("owner"), assets=[secret])
    client = client_in(team.editor, team.tenant)

    fresh = post_file(client, "/api/v1/assets/", images.jpeg(96, 64, seed=41))
    again = post_file(client, "/api/v1/assets/", data)

    assert shape(again) == shape(fresh) == (201, shape(fresh)[1])
    body = again.json()
    assert body["id"] != secret.pk
    assert body["duplicate"] is False
    assert "resignation" not in again.content.decode()
    secret.refresh_from_db()
    assert secret.deleted_at is not None  # still in its owner's trash
    mine = Asset.objects.get(pk=body["id"])
    assert mine.owner == team.editor
    assert mine.original == secret.original  # the same stored bytes


def test_a_colleagues_private_asset_is_not_given_back(team):
    data = images.jpeg(96, 64, seed=42)
    secret = upload(team.membership("owner"), data=data, title="payslip", visibility="private")
    response = post_file(client_in(team.editor, team.tenant), "/api/v1/assets/", data)
    assert response.status_code == 201
    assert response.json()["id"] != secret.pk
    assert response.json()["title"] == ""


def test_what_the_uploader_sees_is_given_back_and_their_own_trash_restored(team):
    data = images.jpeg(96, 64, seed=43)
    shared = upload(team.membership("owner"), data=data, title="team photo")
    client = client_in(team.editor, team.tenant)
    seen = post_file(client, "/api/v1/assets/", data)
    assert (seen.status_code, seen.json()["id"], seen.json()["duplicate"]) == (200, shared.pk, True)

    own = upload(team.membership("editor"), seed=44, visibility="private")
    gallery_services.asset_delete(membership=team.membership("editor"), assets=[own])
    restored = post_file(client, "/api/v1/assets/", images.jpeg(96, 64, seed=44))
    assert (restored.status_code, restored.json()["id"]) == (200, own.pk)
    own.refresh_from_db()
    assert own.deleted_at is None


def test_shared_bytes_survive_until_the_last_asset_using_them_is_purged(team):
    data = images.jpeg(96, 64, seed=45)
    secret = upload(team.membership("owner"), data=data, visibility="private")
    mine = upload(team.membership("editor"), data=data)
    assert mine.pk != secret.pk
    assert mine.original == secret.original
    shared_keys = {mine.original, *mine.renditions.values_list("file", flat=True)}
    usage = StorageUsage.objects.get(tenant=team.tenant)
    assert usage.assets_count == 2
    assert usage.originals_bytes == 2 * len(data)  # each asset counts, like a fresh upload

    gallery_services.asset_delete(membership=team.membership("editor"), assets=[mine])
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert gallery_services.trash_purge(older_than_days=0) == 1
    for key in shared_keys:
        assert storage.storage().exists(key), key
    usage.refresh_from_db()
    assert (usage.assets_count, usage.originals_bytes) == (1, len(data))

    Asset.objects.filter(pk=secret.pk).update(deleted_at=timezone.now())
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert gallery_services.trash_purge(older_than_days=0) == 1
    assert not storage.storage().exists(secret.original)


def test_an_outsider_uploading_into_a_shared_album_learns_nothing_of_the_workspace(team):
    editor = team.membership("editor")
    shown_data, hidden_data = images.jpeg(96, 64, seed=46), images.jpeg(96, 64, seed=47)
    shown = upload(editor, data=shown_data, title="on the share")
    hidden = upload(editor, data=hidden_data, title="board minutes")
    trashed_private = upload(
        team.membership("owner"), seed=48, title="private trash", visibility="private"
    )
    gallery_services.asset_delete(membership=team.membership("owner"), assets=[trashed_private])
    album = team.album("Guests")
    album_services.album_items_add(actor=team.actor("editor"), album=album, assets=[shown])
    album_services.album_share_create(
        actor=team.actor("editor"), album=album, user=team.outsider, role="contributor"
    )
    client = APIClient()
    client.force_authenticate(team.outsider)
    url = f"/api/v1/albums/{album.pk}/upload/"

    fresh = post_file(client, url, images.jpeg(96, 64, seed=49))
    for data, asset in ((hidden_data, hidden), (images.jpeg(96, 64, seed=48), trashed_private)):
        response = post_file(client, url, data)
        assert shape(response) == shape(fresh)
        assert response.json()["id"] != asset.pk
        assert response.json()["owner"] == team.outsider.email
        assert asset.title not in response.content.decode()
    trashed_private.refresh_from_db()
    assert trashed_private.deleted_at is not None
    # what the share shows may be given back, without its owner's address
    seen = post_file(client, url, shown_data)
    assert (seen.status_code, seen.json()["id"]) == (200, shown.pk)
    assert seen.json()["owner"] is None
