"""Upload validation: every accepted format, and each refusal with a hostile file of its kind."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gallery import validators
from gallery.formats import (
    CorruptImage,
    FileTooLarge,
    ImageFormat,
    ImageInfo,
    ImageTooLarge,
    sniff_format,
)
from gallery.validators import inspect_upload
from lumina.core.errors import LuminaError, UnsupportedMedia
from tests.gallery import drawing

MB = 1_000_000
LIMITS = {"max_bytes": 20 * MB, "max_pixels": 50 * MB}


def inspect(data: bytes, filename: str = "holiday.jpg", **limits: Any) -> ImageInfo:
    return inspect_upload(io.BytesIO(data), filename=filename, **{**LIMITS, **limits})


def refused(data: bytes, filename: str, **limits: Any) -> LuminaError:
    with pytest.raises(LuminaError) as caught:
        inspect(data, filename, **limits)
    error = caught.value
    # Every refusal names the file the person chose.
    assert filename in error.message
    assert error.details["filename"] == filename
    return error


# ------------------------------------------------------------------------- accepted


@pytest.mark.parametrize(
    ("fmt", "pillow_format", "mime", "options"),
    [
        (ImageFormat.JPEG, "JPEG", "image/jpeg", {"quality": 85}),
        (ImageFormat.PNG, "PNG", "image/png", {}),
        (ImageFormat.GIF, "GIF", "image/gif", {}),
        (ImageFormat.WEBP, "WEBP", "image/webp", {"quality": 80}),
        (ImageFormat.AVIF, "AVIF", "image/avif", {"quality": 60}),
        (ImageFormat.HEIF, "HEIF", "image/heic", {"quality": 60}),
        (ImageFormat.TIFF, "TIFF", "image/tiff", {}),
        (ImageFormat.BMP, "BMP", "image/bmp", {}),
    ],
)
def test_every_accepted_format_is_recognised_from_its_content(
    fmt: ImageFormat, pillow_format: str, mime: str, options: dict[str, Any]
) -> None:
    # given an image whose name says nothing true about it
    data = drawing.encode(drawing.photo(320, 240), pillow_format, **options)

    # when
    info = inspect(data, filename="not-really.txt")

    # then
    assert info.format is fmt
    assert info.mime == mime
    assert (info.width, info.height) == (320, 240)
    assert (info.raw_width, info.raw_height) == (320, 240)
    assert info.frames == 1
    assert info.bytes == len(data)
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert info.has_alpha is False
    assert info.orientation == 1


@pytest.mark.parametrize("pillow_format", ["GIF", "WEBP"])
def test_animations_are_kept_and_their_frames_counted(pillow_format: str) -> None:
    info = inspect(drawing.animated(pillow_format, ("red", "green", "blue", "white")), "loop.gif")
    assert info.frames == 4
    assert (info.width, info.height) == (60, 40)


def test_animated_png_frames_are_counted() -> None:
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    data = drawing.encode(frames[0], "PNG", save_all=True, append_images=frames[1:])
    info = inspect(data, "spinner.png")
    assert (info.format, info.frames) == (ImageFormat.PNG, 3)


def test_a_gif_without_its_trailer_byte_is_accepted() -> None:
    # Common in the wild and shown by every browser: every frame is complete.
    data = drawing.animated("GIF")
    assert data.endswith(b"\x3b")
    assert inspect(data[:-1], "old.gif").frames == 3


def test_alpha_is_reported() -> None:
    image = Image.new("RGBA", (50, 30), (10, 200, 30, 128))
    assert inspect(drawing.encode(image, "PNG"), "glass.png").has_alpha is True
    assert inspect(drawing.encode(image, "WEBP"), "glass.webp").has_alpha is True
    transparent_gif = drawing.encode(image.convert("P"), "GIF", transparency=0)
    assert inspect(transparent_gif, "glass.gif").has_alpha is True


def test_exif_orientation_gives_the_displayed_size_and_the_raw_one() -> None:
    data = drawing.encode(drawing.photo(300, 200), "JPEG", exif=drawing.camera_exif(orientation=6))

    info = inspect(data, "phone.jpg")

    assert (info.width, info.height) == (200, 300)
    assert (info.raw_width, info.raw_height) == (300, 200)
    assert info.orientation == 6


def test_the_hash_is_streamed_over_many_chunks_and_the_file_rewound(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(validators, "CHUNK_SIZE", 100)
    data = drawing.encode(drawing.photo(400, 300), "PNG")
    stream = io.BytesIO(data)
    stream.seek(123)  # wherever the caller left it

    info = inspect_upload(stream, filename="big.png", **LIMITS)

    assert len(data) > 10 * 100
    assert info.sha256 == hashlib.sha256(data).hexdigest()
    assert stream.tell() == 0  # ready to be stored


def test_a_django_upload_is_accepted() -> None:
    data = drawing.encode(drawing.photo(64, 48), "WEBP")
    upload = SimpleUploadedFile("cat.webp", data, content_type="text/html")  # lies are ignored

    info = inspect_upload(upload, filename=upload.name or "", **LIMITS)

    assert info.format is ImageFormat.WEBP


def test_a_motion_photo_style_trailer_of_images_is_accepted() -> None:
    # Phones append gain maps / depth maps (JPEGs) after the main JPEG, padded with zeros.
    main = drawing.encode(drawing.photo(200, 100), "JPEG")
    extra = drawing.encode(drawing.photo(50, 25, seed=3), "JPEG", comment=b"GainMap")
    info = inspect(main + b"\x00" * 16 + extra, "pixel.jpg")
    assert info.format is ImageFormat.JPEG


def test_a_motion_photo_video_trailer_is_accepted() -> None:
    # Google's motion photos append an MP4 after the JPEG's end-of-image marker.
    video = (
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"
        + b"\x00\x00\x00\x10moov\x00\x00\x00\x08free"
        + b"\x00\x00\x00\x18mdat"
        + bytes(range(16))
    )
    info = inspect(_jpeg() + video, "PXL_0001.MP.jpg")
    assert info.format is ImageFormat.JPEG


# -------------------------------------------------------------------- unsupported_media

SVG_WITH_SCRIPT = b"""<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100">
  <script>fetch('/api/v1/tokens/').then(r => r.text()).then(alert)</script>
  <rect width="100" height="100" fill="red"/>
</svg>"""
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def _zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", HTML_PAGE)
        archive.writestr("readme.txt", "hello")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "filename", "detected"),
    [
        (SVG_WITH_SCRIPT, "logo.svg", "SVG"),
        (b"\xef\xbb\xbf  " + SVG_WITH_SCRIPT, "logo.png", "SVG"),
        (HTML_PAGE, "photo.jpg", "HTML"),
        (_zip_bytes(), "holiday.png", "ZIP archive"),
        (b"%PDF-1.7\n1 0 obj << >> endobj\n%%EOF", "scan.jpg", "PDF"),
        (b"", "empty.jpg", "empty file"),
        (b"BM this is just text that starts with BM", "notes.bmp", "unknown"),
        (
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2",
            "clip.heic",
            "video or other ISO media",
        ),
        (b"#!/bin/sh\nrm -rf /\n", "run.gif", "unknown"),
    ],
)
def test_what_is_not_an_image_is_unsupported_media(
    data: bytes, filename: str, detected: str
) -> None:
    error = refused(data, filename)
    assert isinstance(error, UnsupportedMedia)
    assert (error.code, error.status) == ("unsupported_media", 415)
    assert error.details["detected"] == detected


def _jpeg() -> bytes:
    return drawing.encode(drawing.photo(200, 150), "JPEG")


@pytest.mark.parametrize(
    ("build", "filename"),
    [
        # GIFAR-style: a valid JPEG that unzip also opens.
        (lambda: _jpeg() + _zip_bytes(), "both.jpg"),
        (lambda: drawing.encode(drawing.photo(80, 60), "GIF") + _zip_bytes(), "both.gif"),
        # HTML hidden in places that decoders skip.
        (lambda: drawing.encode(drawing.photo(200, 150), "JPEG", comment=HTML_PAGE), "c.jpg"),
        (lambda: drawing.gif_with_comment(drawing.photo(80, 60), b"<html><body>hi"), "c.gif"),
        (lambda: drawing.png_with_text(drawing.photo(80, 60), b"Comment", b"<html>"), "t.png"),
        (lambda: _jpeg() + b"<?php system($_GET['c']); ?>", "shell.jpg"),
        (lambda: drawing.encode(drawing.photo(80, 60), "PNG") + b"<body onload=alert(1)>", "p.png"),
        (lambda: drawing.encode(drawing.photo(80, 60), "WEBP") + HTML_PAGE, "w.webp"),
        (lambda: _jpeg() + b"%PDF-1.4\n...", "doc.jpg"),
    ],
)
def test_polyglots_are_unsupported_media(build: Any, filename: str) -> None:
    # given a file that decodes as an image and is also something else
    data = build()

    # when / then
    error = refused(data, filename)
    assert isinstance(error, UnsupportedMedia)
    assert error.details["detected"] == "polyglot"


def test_an_image_that_is_also_a_zip_is_really_a_zip() -> None:
    # The fixture above is meaningful only if unzip tools really open it.
    data = _jpeg() + _zip_bytes()
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["payload.html", "readme.txt"]
    assert Image.open(io.BytesIO(data)).format == "JPEG"


# ------------------------------------------------------------------------ size caps


def test_a_file_over_the_byte_cap_is_too_large() -> None:
    data = drawing.encode(drawing.photo(200, 150), "PNG")
    error = refused(data, "huge.png", max_bytes=len(data) - 1)
    assert isinstance(error, FileTooLarge)
    assert (error.code, error.status) == ("file_too_large", 413)


def test_a_declared_size_over_the_cap_is_refused_without_reading() -> None:
    class Declared:
        size = 10 * MB

        def read(self, size: int = -1, /) -> bytes:
            raise AssertionError("should not be read")

    with pytest.raises(FileTooLarge):
        inspect_upload(Declared(), filename="big.jpg", max_bytes=MB, max_pixels=MB)


def test_a_decompression_bomb_is_refused_from_its_header(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given a valid 30000x30000 PNG that is ~100 KB on disk: decoding its 900 million
    # pixels (2.7 GB inflated) takes seconds, reading its header under 1 ms
    bomb = drawing.png_bomb()
    assert len(bomb) < 200_000

    def must_not_decode(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the pixels of a bomb must never be decoded")

    # the decoders' public entry point, as the upload check calls it
    monkeypatch.setattr(validators, "decode", must_not_decode)

    # when
    error = refused(bomb, "bomb.png")

    # then
    assert isinstance(error, ImageTooLarge)
    assert (error.code, error.status) == ("image_too_large", 413)
    assert (error.details["width"], error.details["height"]) == (30000, 30000)


def test_a_jpeg_that_claims_huge_dimensions_is_refused_from_its_header() -> None:
    # given a small JPEG whose frame header is edited to claim 60000x60000
    data = bytearray(drawing.encode(drawing.photo(64, 48), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = (60000).to_bytes(2, "big") * 2

    # then
    error = refused(bytes(data), "claims.jpg")
    assert isinstance(error, ImageTooLarge)
    assert (error.details["width"], error.details["height"]) == (60000, 60000)


def test_the_pixel_cap_applies_to_every_format() -> None:
    data = drawing.encode(drawing.photo(200, 100), "JPEG")
    error = refused(data, "wide.jpg", max_pixels=200 * 100 - 1)
    assert isinstance(error, ImageTooLarge)
    assert inspect(data, max_pixels=200 * 100).width == 200


def test_long_animations_are_capped_by_their_total_pixels() -> None:
    data = drawing.animated("GIF", tuple(["red", "blue"] * 5))  # 10 frames of 60x40
    error = refused(data, "long.gif", max_pixels=60 * 40, max_animation_pixels=60 * 40 * 9)
    assert isinstance(error, ImageTooLarge)
    assert inspect(data, max_pixels=60 * 40, max_animation_pixels=60 * 40 * 10).frames == 10


# -------------------------------------------------------------------------- corrupt


def _truncated(pillow_format: str, keep: float = 0.6, **options: Any) -> bytes:
    data = drawing.encode(drawing.photo(320, 240), pillow_format, **options)
    return data[: int(len(data) * keep)]


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (_truncated("JPEG"), "cut.jpg"),
        (_truncated("JPEG", keep=0.98), "almost.jpg"),
        (_truncated("JPEG", progressive=True), "cut-progressive.jpg"),
        (_truncated("PNG"), "cut.png"),
        (b"\x89PNG\r\n\x1a\n" + b"this is junk, not chunks" * 20, "junk.png"),
        (_truncated("GIF"), "cut.gif"),
        (_truncated("WEBP"), "cut.webp"),
        (_truncated("HEIF", keep=0.7), "cut.heic"),
        (_truncated("AVIF", keep=0.7), "cut.avif"),
        (_truncated("TIFF", keep=0.5), "cut.tif"),
        (_truncated("BMP", keep=0.5), "cut.bmp"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 100, "header-only.jpg"),
    ],
)
def test_damaged_images_are_corrupt(data: bytes, filename: str) -> None:
    error = refused(data, filename)
    assert isinstance(error, CorruptImage)
    assert error.code == "corrupt_image"
    assert error.status in (400, 422)


def test_damaged_pixel_data_is_found_by_the_decoder() -> None:
    # given a PNG whose structure is intact but whose compressed pixels are garbage
    data = bytearray(drawing.encode(drawing.photo(320, 240), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 10 : start + 400] = bytes(range(256)) + bytes(range(134))

    # then only a real decode can tell
    assert isinstance(refused(bytes(data), "garbled.png"), CorruptImage)


# -------------------------------------------------------------------------- sniffing


def test_sniffing_looks_at_bytes_only() -> None:
    assert sniff_format(b"\xff\xd8\xff\xdb") is ImageFormat.JPEG
    assert sniff_format(b"GIF89a") is ImageFormat.GIF
    assert sniff_format(b"MM\x00*") is ImageFormat.TIFF
    assert sniff_format(b"\x00\x00\x00\x1cftypmif1\x00\x00\x00\x00mif1avif") is ImageFormat.AVIF
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") is ImageFormat.HEIF
    assert sniff_format(b"<svg") is None
    assert sniff_format(b"RIFF\x00\x00\x00\x00WAVEfmt ") is None


def test_messages_never_echo_control_characters() -> None:
    error = refused_raw(b"<html>", "evil\r\nname\x00.jpg")
    assert "\r" not in error.message
    assert "\x00" not in error.message
    assert "evilname.jpg" in error.message


def refused_raw(data: bytes, filename: str) -> LuminaError:
    with pytest.raises(LuminaError) as caught:
        inspect(data, filename)
    return caught.value
