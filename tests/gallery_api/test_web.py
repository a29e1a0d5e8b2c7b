from __future__ import annotations

import io

import pytest
from django.urls import reverse

from gallery.models import Asset, Status
from tests import images
from tests.factories import UserFactory
from tests.security.helpers import force_login_verified

pytestmark = pytest.mark.django_db


def _file(data: bytes, name: str) -> io.BytesIO:
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_web_upload_of_several_files_reports_each(browser, editor, media):
    browser.force_login(editor)
    response = browser.post(
        reverse("upload"),
        {
            "files": [
                _file(images.jpeg(seed=1), "good.jpg"),
                _file(b"<html>nope</html>", "bad.jpg"),
                _file(images.png(seed=2), "also-good.png"),
            ],
            "tags": "trip",
        },
        follow=True,
    )
    page = response.content.decode()
    assert "good.jpg uploaded." in page
    assert "also-good.png uploaded." in page
    assert "bad.jpg" in page
    assert "not a supported image" in page
    assert Asset.objects.count() == 2
    assert set(Asset.objects.values_list("status", flat=True)) == {Status.READY}
    # the grid shows signed thumbnails with alt text
    assert 'alt="good.jpg"' in page
    assert "/r/" in page
    assert "s=" in page


def test_gallery_escapes_titles(browser, editor, upload):
    asset_id = upload(editor, images.jpeg(), title='<img src=x onerror="alert(1)">').json()["id"]
    assert Asset.objects.get(pk=asset_id).title.startswith("<img")
    browser.force_login(editor)
    page = browser.get(reverse("home")).content.decode()
    assert '<img src=x onerror="alert(1)">' not in page
    assert "&lt;img src=x" in page


def test_admin_lists_assets_with_thumbnails_and_reprocesses(browser, editor, upload):
    asset_id = upload(editor, images.jpeg()).json()["id"]
    operator = UserFactory(is_staff=True, is_superuser=True)
    force_login_verified(browser, operator)  # the admin requires a second factor
    page = browser.get("/admin/gallery/asset/").content.decode()
    assert "/r/" in page  # thumbnail
    response = browser.post(
        "/admin/gallery/asset/",
        {"action": "reprocess", "_selected_action": [asset_id]},
        follow=True,
    )
    assert "queued for processing" in response.content.decode()
    assert Asset.objects.get(pk=asset_id).status == Status.READY  # eager: processed again
    assert browser.get(f"/admin/gallery/asset/{asset_id}/change/").status_code == 200
