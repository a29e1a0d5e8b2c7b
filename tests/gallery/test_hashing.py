"""Placeholder (ThumbHash) and perceptual hash (pHash)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import pytest
from PIL import Image

from gallery.formats import CorruptImage
from gallery.hashing import (
    compute_hashes,
    hamming,
    perceptual_hash,
    placeholder,
    thumbhash_aspect_ratio,
    thumbhash_average_rgba,
    thumbhash_decode,
    thumbhash_encode,
)
from tests.gallery import drawing


def _noisy(width: int, height: int, *, alpha: bool) -> bytes:
    """Deterministic pixels without symmetries: a symmetric image puts DCT factors exactly
    on rounding ties, where float noise in the last bit decides between two nibbles."""
    state = 12345
    out = bytearray()
    for y in range(height):
        for x in range(width):
            state = (state * 1103515245 + 12345) % 2**31
            opacity = (state >> 8) % 256 if alpha else 255
            red = (x * 9 + (state >> 16) % 40) % 256
            green = (y * 5 + (state >> 20) % 60) % 256
            out += bytes((red, green, (x * y) % 256, opacity))
    return bytes(out)


@pytest.mark.parametrize(
    ("width", "height", "alpha", "expected"),
    [
        (40, 30, False, "1a180a1d9205957470888876886888874fa77ee078"),
        (24, 60, True, "5c08860a0c086075288878f0ce0098e8e97d40e553357a"),
        (100, 7, False, "d59706298433351870984899ae8f9cf167"),
    ],
)
def test_thumbhash_matches_an_independent_implementation(
    width: int, height: int, alpha: bool, expected: str
) -> None:
    # Vectors computed with thumbhash-python 1.0.1, another port of the reference encoder.
    assert thumbhash_encode(width, height, _noisy(width, height, alpha=alpha)).hex() == expected


def test_thumbhash_refuses_images_over_100px() -> None:
    with pytest.raises(ValueError, match="fit"):
        thumbhash_encode(101, 10, bytes(101 * 10 * 4))
    with pytest.raises(ValueError, match="bytes"):
        thumbhash_encode(10, 10, b"\x00" * 3)


def test_a_placeholder_decodes_to_the_picture_it_came_from() -> None:
    # given a landscape picture, red at the top and blue at the bottom
    source = drawing.encode(drawing.split(400, 200, top="red", bottom="blue"), "PNG")

    # when
    text = placeholder(source)

    # then it is short base64 that carries the aspect ratio and the colours
    raw = base64.b64decode(text)
    assert len(text) <= 100
    assert thumbhash_aspect_ratio(raw) == pytest.approx(2.0, rel=0.2)
    red, green, blue, alpha = thumbhash_average_rgba(raw)
    assert red > 0.3 and blue > 0.3 and green < 0.2  # noqa: PT018 - one colour, read together
    assert alpha == 1.0
    width, height, rgba = thumbhash_decode(raw)
    assert width == 32
    assert height == round(32 / thumbhash_aspect_ratio(raw))
    top = rgba[(2 * width + 16) * 4 : (2 * width + 16) * 4 + 3]
    bottom = rgba[((height - 3) * width + 16) * 4 : ((height - 3) * width + 16) * 4 + 3]
    assert top[0] > top[2]  # red above
    assert bottom[2] > bottom[0]  # blue below


def test_a_placeholder_keeps_transparency() -> None:
    image = Image.new("RGBA", (60, 60), (0, 200, 0, 0))
    image.paste((0, 200, 0, 255), (0, 0, 30, 60))
    raw = base64.b64decode(placeholder(drawing.encode(image, "PNG")))
    assert thumbhash_average_rgba(raw)[3] < 0.8
    _, _, rgba = thumbhash_decode(raw)
    assert rgba[3] > 200  # left edge opaque
    assert rgba[31 * 4 + 3] < 60  # right edge clear


def test_the_placeholder_follows_exif_orientation() -> None:
    source = drawing.encode(
        drawing.split(400, 200), "JPEG", exif=drawing.camera_exif(orientation=6)
    )
    assert thumbhash_aspect_ratio(base64.b64decode(placeholder(source))) < 1


def test_phash_survives_resizing_and_recompression() -> None:
    # given a picture, a half-size copy of it recompressed hard, and an unrelated picture
    original = drawing.photo(800, 600, seed=1)
    copy = original.resize((400, 300), Image.Resampling.BILINEAR)
    recompressed = drawing.encode(copy, "JPEG", quality=35)
    other = drawing.encode(drawing.photo(800, 600, seed=2), "JPEG", quality=90)

    # when
    a = perceptual_hash(drawing.encode(original, "PNG"))
    b = perceptual_hash(recompressed)
    c = perceptual_hash(other)

    # then
    assert hamming(a, b) <= 6
    assert hamming(a, c) >= 16
    assert hamming(a, a) == 0
    assert hamming(a, c) == hamming(c, a)


def test_phash_fits_a_postgresql_bigint() -> None:
    values = [
        perceptual_hash(drawing.encode(drawing.photo(200, 150, seed=s), "PNG")) for s in range(8)
    ]
    assert all(-(2**63) <= value < 2**63 for value in values)
    assert any(value < 0 for value in values)  # the top bit is used, hence signed
    assert len(set(values)) == len(values)


def test_hamming_treats_signed_and_unsigned_alike() -> None:
    assert hamming(-1, 0) == 64
    assert hamming(-1, 2**64 - 1) == 0
    assert hamming(0b1011, 0b0001) == 2


def test_compute_hashes_from_bytes_a_path_and_heic(tmp_path: Path) -> None:
    picture = drawing.photo(500, 400, seed=4)
    jpeg = drawing.encode(picture, "JPEG", quality=92)
    path = tmp_path / "original"
    path.write_bytes(jpeg)

    from_bytes = compute_hashes(jpeg)
    from_path = compute_hashes(path)
    from_heic = compute_hashes(drawing.encode(picture, "HEIF", quality=80))
    from_image = compute_hashes(Image.open(io.BytesIO(jpeg)))

    assert from_bytes == from_path
    assert from_bytes.placeholder == from_image.placeholder
    assert hamming(from_bytes.phash, from_heic.phash) <= 6


def test_hashing_what_is_not_an_image_raises() -> None:
    with pytest.raises(CorruptImage):
        compute_hashes(b"GIF89a-not-really")
    with pytest.raises(CorruptImage):
        compute_hashes(b"plain text")
