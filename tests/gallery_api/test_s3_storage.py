"""The same asset life cycle on a real S3 endpoint (moto_server on 127.0.0.1)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from django.test import Client, TestCase

from gallery import services
from gallery.models import Asset
from tests import images
from tests.helpers import free_port, wait_for

pytestmark = pytest.mark.django_db
BUCKET = "lumina-test"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    port = free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    endpoint = f"http://127.0.0.1:{port}"
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )

    def up() -> bool:
        try:
            client.list_buckets()
            return True
        except Exception:
            return False

    assert wait_for(up, timeout=30)
    client.create_bucket(Bucket=BUCKET)
    yield endpoint
    server.terminate()
    server.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_endpoint):  # type: ignore[no-untyped-def]
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_endpoint,
                "access_key": "test",
                "secret_key": "test",
                "region_name": "us-east-1",
                "file_overwrite": True,
                "default_acl": None,
            },
        },
    }
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )

    def keys() -> set[str]:
        listing = client.list_objects_v2(Bucket=BUCKET)
        return {item["Key"] for item in listing.get("Contents", [])}

    for key in keys():
        client.delete_object(Bucket=BUCKET, Key=key)
    return keys


def test_upload_process_serve_and_purge_on_s3(s3, editor, upload, api_for):
    data = images.jpeg(900, 600, gps=(1.0, 2.0, None))
    asset_id = upload(editor, data, name="s3.jpg").json()["id"]
    asset = api_for(editor).get(f"/api/v1/assets/{asset_id}/").json()
    assert asset["status"] == "ready"
    stored = s3()
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
    assert s3() == set()
