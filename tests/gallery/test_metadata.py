"""EXIF reading: camera, exposure, time with its offset, GPS with its signs, odd data."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from gallery.formats import CorruptImage
from gallery.metadata import read_metadata
from tests.gallery import drawing


def jpeg_with(exif: Image.Exif, size: tuple[int, int] = (300, 200)) -> bytes:
    return drawing.encode(drawing.photo(*size), "JPEG", exif=exif)


def test_a_phone_photo_is_read_completely() -> None:
    # given a photo taken south of the equator and west of Greenwich
    data = jpeg_with(drawing.camera_exif())

    # when
    meta = read_metadata(data)

    # then
    assert (meta["width"], meta["height"], meta["orientation"]) == (300, 200, 1)
    assert meta["camera_make"] == drawing.SECRET_MAKE
    assert meta["camera_model"] == drawing.SECRET_MODEL
    assert meta["lens"] == meta["lens_model"] == "LuminaLens 35mm F1.4"
    assert meta["exposure_time"] == pytest.approx(1 / 250)
    assert meta["f_number"] == pytest.approx(2.8)
    assert meta["iso"] == 400
    assert meta["focal_length"] == pytest.approx(35.0)
    assert meta["taken_at"] == datetime(
        2023, 7, 14, 18, 30, 5, 250000, tzinfo=timezone(timedelta(hours=-3))
    )
    assert meta["taken_at"].utcoffset() == timedelta(hours=-3)
    assert meta["taken_at_naive"] is False
    assert meta["latitude"] == pytest.approx(-(33 + 51 / 60 + 35.64 / 3600), abs=1e-6)
    assert meta["longitude"] == pytest.approx(-(151 + 12 / 60 + 30 / 3600), abs=1e-6)
    assert meta["altitude"] == pytest.approx(-12.5)


def test_north_and_east_are_positive() -> None:
    exif = drawing.camera_exif(
        latitude_ref="N",
        longitude_ref="E",
        latitude=(IFDRational(48, 1), IFDRational(51, 1), IFDRational(24, 1)),
        longitude=(IFDRational(2, 1), IFDRational(21, 1), IFDRational(3, 1)),
        below_sea_level=False,
        offset="+02:00",
    )
    meta = read_metadata(jpeg_with(exif))
    assert meta["latitude"] == pytest.approx(48.856667, abs=1e-5)
    assert meta["longitude"] == pytest.approx(2.350833, abs=1e-5)
    assert meta["altitude"] == pytest.approx(12.5)
    assert meta["taken_at"] is not None
    assert meta["taken_at"].utcoffset() == timedelta(hours=2)


def test_without_an_offset_the_time_is_naive_and_flagged() -> None:
    meta = read_metadata(jpeg_with(drawing.camera_exif(offset=None)))
    assert meta["taken_at"] == datetime(2023, 7, 14, 18, 30, 5, 250000)
    assert meta["taken_at"].tzinfo is None
    assert meta["taken_at_naive"] is True


def test_the_full_exif_is_kept_as_json() -> None:
    meta = read_metadata(jpeg_with(drawing.camera_exif()))
    exif = meta["exif"]

    assert exif["Make"] == drawing.SECRET_MAKE
    assert exif["Exif"]["ExposureTime"] == pytest.approx(0.004)
    assert exif["Exif"]["OffsetTimeOriginal"] == "-03:00"
    assert exif["GPS"]["GPSLatitudeRef"] == "S"
    assert exif["GPS"]["GPSLatitude"] == pytest.approx([33.0, 51.0, 35.64])
    # Strict JSON: no NaN, no bytes; and no NUL, which PostgreSQL jsonb refuses.
    text = json.dumps(exif, allow_nan=False)
    assert "\\u0000" not in text


def test_rotated_photos_report_the_displayed_size() -> None:
    meta = read_metadata(jpeg_with(drawing.camera_exif(orientation=6), size=(300, 200)))
    assert (meta["width"], meta["height"], meta["orientation"]) == (200, 300, 6)


def test_odd_exif_never_crashes() -> None:
    # given the kind of EXIF that editors and cheap cameras write
    exif = Image.Exif()
    exif[0x010F] = "Cheap\x00\x00\x00"  # NUL padded
    exif[0x0110] = "  Model  "
    exif[0x0132] = "2020:01:01 00:00:00"
    exif[0x9C9B] = "Title from Windows".encode("utf-16-le")  # XPTitle
    details = exif.get_ifd(0x8769)
    details[0x829A] = IFDRational(1, 0)  # ExposureTime with a zero denominator
    details[0x829D] = IFDRational(0, 0)  # FNumber 0/0
    details[0x8827] = (100, 200)  # ISO as a sequence
    details[0x9003] = "0000:00:00 00:00:00"  # placeholder date
    details[0x9011] = "+99:99"  # impossible offset
    details[0x927C] = bytes(range(256)) * 4  # MakerNote blob
    details[0x9286] = b"ASCII\x00\x00\x00a comment"  # UserComment with its charset header
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (IFDRational(1, 0), IFDRational(0, 0), IFDRational(0, 0))
    gps[6] = IFDRational(5, 0)

    # when
    meta = read_metadata(jpeg_with(exif))

    # then the odd fields are unknown, the good ones read, the JSON clean
    assert meta["camera_make"] == "Cheap"
    assert meta["camera_model"] == "Model"
    assert meta["exposure_time"] is None
    assert meta["f_number"] is None
    assert meta["iso"] == 100
    assert meta["latitude"] is None
    assert meta["altitude"] is None
    # DateTimeOriginal is a placeholder: fall back to the file's DateTime, zone unknown
    assert meta["taken_at"] == datetime(2020, 1, 1)
    assert meta["taken_at_naive"] is True
    assert meta["exif"]["XPTitle"] == "Title from Windows"
    assert meta["exif"]["Exif"]["UserComment"] == "a comment"
    assert "MakerNote" not in meta["exif"]["Exif"]
    assert "ExposureTime" not in meta["exif"]["Exif"]
    json.dumps(meta["exif"], allow_nan=False)


def test_garbage_exif_is_ignored() -> None:
    # given a JPEG whose APP1 EXIF segment is noise
    data = drawing.encode(drawing.photo(120, 80), "JPEG")
    noise = b"Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xff" + bytes(range(256)) * 2
    segment = b"\xff\xe1" + (len(noise) + 2).to_bytes(2, "big") + noise
    data = data[:2] + segment + data[2:]

    meta = read_metadata(data)

    assert (meta["width"], meta["height"]) == (120, 80)
    assert meta["taken_at"] is None
    json.dumps(meta["exif"], allow_nan=False)


def test_no_exif_gives_empty_fields() -> None:
    meta = read_metadata(drawing.encode(drawing.photo(64, 32), "PNG"))
    assert meta["exif"] == {}
    assert meta["camera_make"] == meta["lens"] == ""
    assert meta["latitude"] is meta["longitude"] is meta["altitude"] is meta["taken_at"] is None
    assert meta["orientation"] == 1


@pytest.mark.parametrize("pillow_format", ["HEIF", "WEBP", "PNG", "AVIF"])
def test_exif_is_read_from_other_formats(pillow_format: str, tmp_path: Path) -> None:
    path = tmp_path / "photo"
    path.write_bytes(
        drawing.encode(drawing.photo(160, 120), pillow_format, exif=drawing.camera_exif())
    )

    meta = read_metadata(path)

    assert (meta["width"], meta["height"]) == (160, 120)
    assert meta["camera_make"] == drawing.SECRET_MAKE
    assert meta["latitude"] == pytest.approx(-33.859900, abs=1e-5)


def test_what_is_not_an_image_raises_corrupt_image() -> None:
    with pytest.raises(CorruptImage):
        read_metadata(b"<html>not an image</html>")
