"""The same asset life cycle on a real S3 endpoint (moto_server on 127.0.0.1)."""

from __future__ import annotations

import pytest
from django.test import Client, TestCase

from gallery import services
from gallery.models import Asset
from tests import images

pytestmark = pytest.mark.django_db


def test_upload_process_serve_and_purge_on_s3(s3_storage, editor, upload, api_for):
    data = images.jpeg(900, 600, gps=(1.0, 2.0, None))
    asset_id = upload(editor, data, name="s3.jpg").json()["id"]
    asset = api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()
    assert asset["status"] == "ready"
    stored = s3_storage.keys()
    assert any(
        key.startswith("t/") and key.endswith(".jpg") and "/originals/" in key for key in stored
    )
    assert len([k for k in stored if "/renditions/" in k]) == 4

    # served through the app, from the bucket
    response = Client().get(asset["urls"]["thumbnail"], HTTP_ACCEPT="image/webp")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"RIFF"
    original = api_for(editor).get(f"/api/v1/assets/{asset_id}/original/")
    assert b"".join(original.streaming_content) == data

    # deleting for good removes the objects after the commit
    api_for(editor).post(
        "/api/v1/assets/bulk/", {"action": "delete", "ids": [asset_id]}, format="json"
    )
    membership = editor.memberships.select_related("tenant", "user").get()
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.trash_empty(membership=membership)
    assert not Asset.objects.exists()
    assert s3_storage.keys() == set()
