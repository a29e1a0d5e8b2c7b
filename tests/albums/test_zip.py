"""ZIP export: folders for sub-albums, unique names, streaming, ZIP64, S3."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from django.http import StreamingHttpResponse

from albums import services, zipstream
from gallery import storage
from gallery.strip import strip_jpeg
from tests import images

from .conftest import login, read_zip, set_fields

pytestmark = pytest.mark.django_db


def original(asset) -> bytes:
    with storage.storage().open(asset.original, "rb") as handle:
        return handle.read()


def add(team, album, assets):
    services.album_items_add(actor=team.actor(), album=album, assets=assets)


@pytest.fixture
def nested(team, photo):
    """Trip (a.jpg, A.JPG, a.jpg, b) / Day 1 (a.jpg) / Day 1 (x.png) / Empty / Odd: name."""
    trip = team.album("Trip")
    day = team.album("Day 1", parent=trip)
    twin = team.album("day 1", parent=trip)
    team.album("Empty", parent=trip)
    odd = team.album('Odd/name: "quoted"?', parent=day)
    a1, a2, a3 = photo(name="a.jpg"), photo(name="A.JPG"), photo(name="a.jpg")
    noext = photo(name="b")
    in_day = photo(name="a.jpg")
    in_twin = photo(data=images.png(64, 48, seed=31), name="x.png")
    deep = photo(name="deep.jpg")
    add(team, trip, [a1, a2, a3, noext])
    add(team, day, [in_day])
    add(team, twin, [in_twin])
    add(team, odd, [deep])
    set_fields(a1, taken_at=datetime(2023, 6, 1, 10, 30, tzinfo=UTC))
    return {"trip": trip, "assets": [a1, a2, a3, noext, in_day, in_twin, deep]}


def test_album_zip_has_folders_for_sub_albums_and_unique_names(editor_api, nested):
    response = editor_api.get(f"/api/v1/albums/{nested['trip'].pk}/zip/")
    assert response.status_code == 200
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Type"] == "application/zip"
    assert 'filename="Trip.zip"' in response["Content-Disposition"]
    archive = read_zip(response)
    assert archive.testzip() is None
    assert archive.namelist() == [
        "Trip/",
        "Trip/a.jpg",
        "Trip/A (2).JPG",
        "Trip/a (3).jpg",
        "Trip/b.jpg",
        "Trip/Day 1/",
        "Trip/Day 1/a.jpg",
        "Trip/Day 1/Odd_name_ _quoted__/",
        "Trip/Day 1/Odd_name_ _quoted__/deep.jpg",
        "Trip/day 1 (2)/",
        "Trip/day 1 (2)/x.png",
        "Trip/Empty/",
    ]
    a1, _a2, a3, _noext, _in_day, in_twin, _deep = nested["assets"]
    assert archive.read("Trip/a.jpg") == original(a1)
    assert archive.read("Trip/a (3).jpg") == original(a3)
    assert archive.read("Trip/day 1 (2)/x.png") == original(in_twin)
    assert archive.getinfo("Trip/a.jpg").date_time == (2023, 6, 1, 10, 30, 0)
    assert archive.getinfo("Trip/a.jpg").compress_type == zipfile.ZIP_STORED


def test_a_sub_album_zips_on_its_own(editor_api, nested):
    day = nested["trip"].children.get(title="Day 1")
    archive = read_zip(editor_api.get(f"/api/v1/albums/{day.pk}/zip/"))
    assert archive.namelist() == [
        "Day 1/",
        "Day 1/a.jpg",
        "Day 1/Odd_name_ _quoted__/",
        "Day 1/Odd_name_ _quoted__/deep.jpg",
    ]


def test_zip_follows_the_albums_order(editor_api, team, photo):
    album = team.album("Ordered")
    first, second = photo(name="first.jpg"), photo(name="second.jpg")
    add(team, album, [first, second])
    services.album_update(actor=team.actor(), album=album, data={"sort_direction": "desc"})
    archive = read_zip(editor_api.get(f"/api/v1/albums/{album.pk}/zip/"))
    assert archive.namelist() == ["Ordered/", "Ordered/second.jpg", "Ordered/first.jpg"]


def test_selection_zip_through_the_api_and_the_web(editor_api, team, photo, browser):
    a, b = photo(name="same.jpg"), photo(name="same.jpg")
    response = editor_api.post("/api/v1/exports/zip/", {"asset_ids": [b.pk, a.pk]}, format="json")
    archive = read_zip(response)
    assert archive.namelist() == ["same.jpg", "same (2).jpg"]
    assert archive.read("same.jpg") == original(b)

    login(browser, team.editor, team.tenant)
    web = browser.post("/albums/zip/", {"asset_ids": [a.pk]})
    assert read_zip(web).namelist() == ["same.jpg"]

    assert (
        editor_api.post("/api/v1/exports/zip/", {"asset_ids": [999999]}, format="json").status_code
        == 404
    )


def test_selection_zip_has_a_size_limit(editor_api, photo, settings):
    settings.LUMINA_ZIP_MAX_SELECTION = 1
    a, b = photo(), photo()
    response = editor_api.post("/api/v1/exports/zip/", {"asset_ids": [a.pk, b.pk]}, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "zip_too_many"


def test_private_images_of_others_stay_out_of_zips(editor_api, team, photo):
    album = team.album("Mixed")
    mine = photo(name="mine.jpg")
    theirs = photo(team.membership("owner"), name="theirs.jpg", visibility="private")
    services.album_items_add(actor=team.actor("owner"), album=album, assets=[mine, theirs])
    archive = read_zip(editor_api.get(f"/api/v1/albums/{album.pk}/zip/"))
    assert archive.namelist() == ["Mixed/", "Mixed/mine.jpg"]


# --- the streaming writer ---------------------------------------------------------------


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def test_the_archive_streams_chunk_by_chunk_without_reading_ahead():
    read: list[str] = []

    def source(name: str, data: bytes):
        def chunks() -> Iterator[bytes]:
            read.append(name)
            yield from chunks_of(data, 1000)

        return chunks

    members = [
        zipstream.Member(name="one.bin", size=5000, chunks=source("one", b"1" * 5000)),
        zipstream.Member(name="two.bin", size=5000, chunks=source("two", b"2" * 5000)),
    ]
    produced = zipstream.stream(members)
    first = next(produced)
    assert first.startswith(b"PK\x03\x04")
    assert read == ["one"]  # the second file is not touched yet
    rest = list(produced)
    assert len(rest) > 8  # many small pieces, not one big buffer
    archive = zipfile.ZipFile(io.BytesIO(first + b"".join(rest)))
    assert archive.read("two.bin") == b"2" * 5000
    info = archive.getinfo("one.bin")
    assert info.flag_bits & 0x08  # sizes in a data descriptor: written in one pass


def test_large_entries_get_zip64_headers():
    member = zipstream.Member(name="huge.bin", size=2**32 + 10, chunks=lambda: [b"tiny"])
    data = b"".join(zipstream.stream([member]))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.read("huge.bin") == b"tiny"
    assert b"\x01\x00\x10\x00" in data  # the ZIP64 extra field in the local header


def test_a_failing_read_leaves_the_archive_unfinished():
    def broken() -> Iterator[bytes]:
        yield b"x" * 10
        raise OSError("storage went away")

    produced = zipstream.stream(
        [
            zipstream.Member(name="ok.bin", size=3, chunks=lambda: [b"abc"]),
            zipstream.Member(name="broken.bin", size=100, chunks=broken),
        ]
    )
    pieces: list[bytes] = []

    def drain() -> None:
        pieces.extend(produced)

    with pytest.raises(OSError, match="storage went away"):
        drain()
    received = b"".join(pieces)
    assert received.startswith(b"PK\x03\x04")
    assert b"PK\x05\x06" not in received  # no end of central directory: clearly broken
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(io.BytesIO(received))


def test_streamed_jpeg_stripping_matches_the_gallery_stripper():
    data = images.jpeg(400, 300, seed=3, make="Canon", gps=(1.0, 2.0, None))
    streamed = b"".join(zipstream.strip_jpeg_stream(chunks_of(data, 7)))
    assert streamed == strip_jpeg(data)
    with pytest.raises(zipstream.StripError):
        next(zipstream.strip_jpeg_stream([b"not a jpeg"]))


def test_unique_names():
    names = zipstream.Names()
    claimed = [names.claim("", n) for n in ("a.jpg", "A.jpg", "a.jpg", "a (2).jpg", "b", "b")]
    assert claimed == ["a.jpg", "A (2).jpg", "a (3).jpg", "a (2) (2).jpg", "b", "b (2)"]
    assert names.claim("folder", "a.jpg") == "folder/a.jpg"
    assert zipstream.folder_name(" ../..\\x: y ", "fallback") == "_.._x_ y"
    assert zipstream.folder_name("...", "fallback") == "fallback"


# --- S3 -------------------------------------------------------------------------------------


def test_originals_stream_from_s3_in_chunks(s3_storage, team, photo, editor_api):
    from storages.backends.s3 import S3File

    asset = photo(data=images.jpeg(800, 600, seed=9), name="cloud.jpg")
    album = team.album("Cloud")
    add(team, album, [asset])

    opened: list[str] = []
    real_init = S3File.__init__

    def spy(self, name, *args, **kwargs):  # type: ignore[no-untyped-def]
        opened.append(name)
        real_init(self, name, *args, **kwargs)

    S3File.__init__ = spy  # type: ignore[method-assign]
    try:
        pieces = list(zipstream.read_chunks(asset.original, 4096))
        archive = read_zip(editor_api.get(f"/api/v1/albums/{album.pk}/zip/"))
    finally:
        S3File.__init__ = real_init  # type: ignore[method-assign]
    assert len(pieces) > 2
    assert all(len(p) <= 4096 for p in pieces)
    assert b"".join(pieces) == original(asset)
    assert archive.read("Cloud/cloud.jpg") == original(asset)
    # never through django-storages' file object, which downloads whole objects first
    assert not any(name.endswith(asset.original) for name in opened)
