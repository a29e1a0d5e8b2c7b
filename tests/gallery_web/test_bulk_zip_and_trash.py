from __future__ import annotations

import io
import zipfile

import pytest
from django.test import Client
from django.urls import reverse

from tests import images

pytestmark = pytest.mark.django_db


def test_bulk_bar_downloads_the_selection_as_a_zip(browser, editor, upload):
    ids = [upload(editor, images.jpeg(seed=i), name=f"p{i}.jpg").json()["id"] for i in range(2)]
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    action = reverse("albums-selection-zip")
    assert f'id="bulk-zip-form" class="bulk-zip" method="post" action="{action}"' in page
    # what the form posts once the script has added the selected ids
    response = browser.post(action, {"asset_ids": ids})
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert sorted(archive.namelist()) == ["p0.jpg", "p1.jpg"]


def test_trashed_assets_keep_their_thumbnails_in_the_trash(editor, upload, api_for):
    asset = upload(editor, images.jpeg(seed=9)).json()
    api_for(editor).delete(f"/api/v1/assets/{asset['id']}/")
    trashed = api_for(editor).get("/api/v1/assets/?trashed=1").json()["results"][0]
    response = Client().get(trashed["urls"]["thumbnail"], HTTP_ACCEPT="image/webp")
    assert response.status_code == 200
