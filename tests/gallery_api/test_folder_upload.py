from __future__ import annotations

import pytest

from albums.models import Album, AlbumItem
from gallery.services import folder_of
from tests import images

pytestmark = pytest.mark.django_db


def test_uploading_a_folder_files_images_into_nested_albums(editor, upload):
    first = upload(
        editor, images.jpeg(seed=1), name="a.jpg", relative_path="Trip/Day 1/a.jpg"
    ).json()
    second = upload(
        editor, images.jpeg(seed=2), name="b.jpg", relative_path="trip/Day 1/b.jpg"
    ).json()
    loose = upload(editor, images.jpeg(seed=3), name="c.jpg", relative_path="c.jpg").json()
    trip = Album.objects.get(title="Trip", parent=None)
    day = Album.objects.get(title="Day 1", parent=trip)
    assert set(AlbumItem.objects.filter(album=day).values_list("asset_id", flat=True)) == {
        first["id"],
        second["id"],
    }
    assert not AlbumItem.objects.filter(asset_id=loose["id"]).exists()
    assert Album.objects.count() == 2


@pytest.mark.parametrize(
    ("path", "folder"),
    [
        ("a.jpg", ""),
        ("x/y/a.jpg", "x/y"),
        ("../../etc/a.jpg", ""),
        ("x\\y\\a.jpg", "x/y"),
        ("/x//a.jpg", "x"),
    ],
)
def test_folder_of_cleans_client_paths(path, folder):
    assert folder_of(path) == folder
