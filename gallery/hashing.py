"""Image fingerprints: a ThumbHash placeholder and a 64-bit perceptual hash.

* The placeholder is ThumbHash (https://evanw.github.io/thumbhash/, MIT): ~25 bytes that
  decode to a blurred preview with the right colours, aspect ratio and alpha, shown while
  the real thumbnail loads. Encoded here in pure Python (a port of the reference encoder,
  byte for byte) from an image of at most 100 px, returned as base64 text.
* The perceptual hash is pHash (DCT of a 32x32 greyscale copy, the 8x8 lowest frequencies
  without the DC row and column, each bit = above the median): resizing, recompressing
  and mild colour edits move it by a few bits, another picture by ~32. It is returned as
  a signed 64-bit int so it fits a PostgreSQL ``bigint``; compare with `hamming`.

Both are computed from the image as displayed (EXIF orientation applied), from one small
decode. Any copy of the picture works as the source: the original, or the thumbnail
rendition just made (cheaper to decode).
"""

from __future__ import annotations

import base64
import io
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps

from .formats import HEAD_SIZE, CorruptImage, ImageFormat, sniff_format
from .renditions.decoders import pillow_open, register_pillow_plugins

__all__ = [
    "ImageHashes",
    "compute_hashes",
    "hamming",
    "perceptual_hash",
    "placeholder",
    "thumbhash_aspect_ratio",
    "thumbhash_average_rgba",
    "thumbhash_decode",
    "thumbhash_encode",
]

HashSource = bytes | bytearray | memoryview | str | os.PathLike[str] | Image.Image

PLACEHOLDER_MAX_SIDE = 100
_BIT64 = 1 << 64
_PHASH_SIZE = 32
_PHASH_LOW = 8


@dataclass(frozen=True, slots=True)
class ImageHashes:
    placeholder: str  # ThumbHash, base64
    phash: int  # signed 64-bit pHash


def compute_hashes(source: HashSource) -> ImageHashes:
    """Placeholder and perceptual hash from one small decode of ``source``."""
    small = _load_small(source)
    return ImageHashes(placeholder=placeholder(small), phash=perceptual_hash(small))


def placeholder(source: HashSource) -> str:
    """The ThumbHash of ``source`` as base64 text."""
    small = _load_small(source)
    return base64.b64encode(thumbhash_encode(small.width, small.height, small.tobytes())).decode()


def perceptual_hash(source: HashSource) -> int:
    """The 64-bit pHash of ``source`` as a signed int (PostgreSQL ``bigint``)."""
    small = _load_small(source)
    grey = small.convert("L")
    if small.mode == "RGBA":
        # Transparent areas hash as white, whatever colour they hide.
        backdrop = Image.new("L", small.size, 255)
        backdrop.paste(grey, mask=small.getchannel("A"))
        grey = backdrop
    pixels = grey.resize((_PHASH_SIZE, _PHASH_SIZE), Image.Resampling.LANCZOS).tobytes()
    coefficients = _dct_low(pixels)
    ordered = sorted(coefficients)
    median = (ordered[31] + ordered[32]) / 2
    value = 0
    for coefficient in coefficients:
        value = (value << 1) | (coefficient > median)
    return _signed64(value)


def hamming(a: int, b: int) -> int:
    """How many of the 64 bits differ between two perceptual hashes (signed or not)."""
    return ((a ^ b) % _BIT64).bit_count()


def _signed64(value: int) -> int:
    value %= _BIT64
    return value - _BIT64 if value >= 1 << 63 else value


# Basis of the 1-D DCT-II for the low frequencies that pHash keeps: _COS[u][x].
_COS = [
    [math.cos(math.pi * (2 * x + 1) * u / (2 * _PHASH_SIZE)) for x in range(_PHASH_SIZE)]
    for u in range(_PHASH_LOW + 1)
]


def _dct_low(pixels: bytes) -> list[float]:
    """Frequencies 1..8 x 1..8 of the 2-D DCT of a 32x32 greyscale image, row-major.

    Separable: 32 row transforms keeping 9 frequencies, then 9x9 column sums; ~11k
    multiplications instead of a full 32x32 transform.
    """
    n = _PHASH_SIZE
    rows = [
        [sum(pixels[y * n + x] * basis[x] for x in range(n)) for basis in _COS] for y in range(n)
    ]
    return [
        sum(_COS[v][y] * rows[y][u] for y in range(n))
        for v in range(1, _PHASH_LOW + 1)
        for u in range(1, _PHASH_LOW + 1)
    ]


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    width, height = size
    scale = min(1.0, long_edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def _load_small(source: HashSource) -> Image.Image:
    """The picture upright, RGBA, at most 100 px on its long edge."""
    if isinstance(source, Image.Image):
        image = source
        if max(image.size) <= PLACEHOLDER_MAX_SIDE and image.mode == "RGBA":
            return image
    else:
        fp: Any
        if isinstance(source, bytes | bytearray | memoryview):
            data = bytes(source)
            head, fp = data[:HEAD_SIZE], io.BytesIO(data)
        else:
            fp = os.fspath(source)
            with open(fp, "rb") as fh:
                head = fh.read(HEAD_SIZE)
        fmt = sniff_format(head)
        if fmt is None:
            raise CorruptImage("The source is not a supported image.")
        if fmt is ImageFormat.HEIF:
            register_pillow_plugins()
        try:
            image = pillow_open(fp, [fmt.pillow_format])
            if fmt is ImageFormat.JPEG:
                # Decode at 1/8 scale when that still covers 100 px: the hash needs no more.
                image.draft("RGB", _fit(image.size, PLACEHOLDER_MAX_SIDE))
            image = ImageOps.exif_transpose(image)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise CorruptImage(f"The image could not be read: {exc}") from exc
    small = image.convert("RGBA")
    small.thumbnail((PLACEHOLDER_MAX_SIDE, PLACEHOLDER_MAX_SIDE), Image.Resampling.LANCZOS)
    return small


# ------------------------------------------------------------------------- ThumbHash


def _round(value: float) -> int:
    """JavaScript's Math.round (half up), so hashes match the reference byte for byte."""
    return math.floor(value + 0.5)


def _encode_channel(
    channel: Sequence[float], w: int, h: int, nx: int, ny: int
) -> tuple[float, list[float], float]:
    dc = 0.0
    ac: list[float] = []
    scale = 0.0
    # Separable DCT: project each row on the x basis once per cx, then sum over y.
    projections: dict[int, list[float]] = {}
    fy_cache: dict[int, list[float]] = {}
    for cy in range(ny):
        fy = fy_cache.setdefault(cy, [math.cos(math.pi / h * cy * (y + 0.5)) for y in range(h)])
        cx = 0
        while cx * ny < nx * (ny - cy):
            projection = projections.get(cx)
            if projection is None:
                fx = [math.cos(math.pi / w * cx * (x + 0.5)) for x in range(w)]
                projection = [
                    sum(channel[row + x] * fx[x] for x in range(w)) for row in range(0, w * h, w)
                ]
                projections[cx] = projection
            f = sum(projection[y] * fy[y] for y in range(h)) / (w * h)
            if cx or cy:
                ac.append(f)
                scale = max(scale, abs(f))
            else:
                dc = f
            cx += 1
    if scale:
        ac = [0.5 + 0.5 / scale * f for f in ac]
    return dc, ac, scale


def thumbhash_encode(width: int, height: int, rgba: bytes) -> bytes:
    """ThumbHash of an RGBA image of at most 100x100 (the reference ``rgbaToThumbHash``)."""
    if not (0 < width <= 100 and 0 < height <= 100):
        raise ValueError(f"{width}x{height} does not fit in 100x100")
    count = width * height
    if len(rgba) != count * 4:
        raise ValueError("rgba must hold width * height * 4 bytes")

    avg_r = avg_g = avg_b = avg_a = 0.0
    for j in range(0, count * 4, 4):
        alpha = rgba[j + 3] / 255
        avg_r += alpha / 255 * rgba[j]
        avg_g += alpha / 255 * rgba[j + 1]
        avg_b += alpha / 255 * rgba[j + 2]
        avg_a += alpha
    if avg_a:
        avg_r /= avg_a
        avg_g /= avg_a
        avg_b /= avg_a

    has_alpha = avg_a < count
    l_limit = 5 if has_alpha else 7  # fewer luminance bits when alpha needs room
    longest = max(width, height)
    lx = max(1, _round(l_limit * width / longest))
    ly = max(1, _round(l_limit * height / longest))

    # RGBA -> LPQA, composited over the average colour.
    lum: list[float] = []
    yb: list[float] = []
    rg: list[float] = []
    alphas: list[float] = []
    for j in range(0, count * 4, 4):
        alpha = rgba[j + 3] / 255
        r = avg_r * (1 - alpha) + alpha / 255 * rgba[j]
        g = avg_g * (1 - alpha) + alpha / 255 * rgba[j + 1]
        b = avg_b * (1 - alpha) + alpha / 255 * rgba[j + 2]
        lum.append((r + g + b) / 3)
        yb.append((r + g) / 2 - b)
        rg.append(r - g)
        alphas.append(alpha)

    l_dc, l_ac, l_scale = _encode_channel(lum, width, height, max(3, lx), max(3, ly))
    p_dc, p_ac, p_scale = _encode_channel(yb, width, height, 3, 3)
    q_dc, q_ac, q_scale = _encode_channel(rg, width, height, 3, 3)
    channels = [l_ac, p_ac, q_ac]
    a_dc = a_scale = 0.0
    if has_alpha:
        a_dc, a_ac, a_scale = _encode_channel(alphas, width, height, 5, 5)
        channels.append(a_ac)

    is_landscape = width > height
    header24 = (
        _round(63 * l_dc)
        | (_round(31.5 + 31.5 * p_dc) << 6)
        | (_round(31.5 + 31.5 * q_dc) << 12)
        | (_round(31 * l_scale) << 18)
        | (int(has_alpha) << 23)
    )
    header16 = (
        (ly if is_landscape else lx)
        | (_round(63 * p_scale) << 3)
        | (_round(63 * q_scale) << 9)
        | (int(is_landscape) << 15)
    )
    out = [header24 & 255, (header24 >> 8) & 255, header24 >> 16, header16 & 255, header16 >> 8]
    if has_alpha:
        out.append(_round(15 * a_dc) | (_round(15 * a_scale) << 4))
    ac_start = len(out)
    factors = [f for channel in channels for f in channel]
    out.extend([0] * ((len(factors) + 1) // 2))
    for index, f in enumerate(factors):
        out[ac_start + (index >> 1)] |= _round(15 * f) << ((index & 1) << 2)
    return bytes(out)


def thumbhash_aspect_ratio(hash_: bytes) -> float:
    """Approximate width / height encoded in a ThumbHash."""
    header = hash_[3]
    has_alpha = hash_[2] & 0x80
    is_landscape = hash_[4] & 0x80
    lx = (5 if has_alpha else 7) if is_landscape else header & 7
    ly = header & 7 if is_landscape else (5 if has_alpha else 7)
    return lx / ly


def thumbhash_average_rgba(hash_: bytes) -> tuple[float, float, float, float]:
    """The average colour a ThumbHash encodes, each channel in 0..1."""
    header = hash_[0] | (hash_[1] << 8) | (hash_[2] << 16)
    lum = (header & 63) / 63
    p = ((header >> 6) & 63) / 31.5 - 1
    q = ((header >> 12) & 63) / 31.5 - 1
    alpha = (hash_[5] & 15) / 15 if header >> 23 else 1.0
    b = lum - 2 / 3 * p
    r = (3 * lum - b + q) / 2
    g = r - q
    return (_clamp01(r), _clamp01(g), _clamp01(b), alpha)


def _clamp01(value: float) -> float:
    return max(0.0, min(1.0, value))


def thumbhash_decode(hash_: bytes) -> tuple[int, int, bytes]:
    """Render a ThumbHash to RGBA (``thumbHashToRGBA``): ``(width, height, rgba)``, at most
    32 px; for server-side previews (e-mails, no-JS pages) and for testing the encoder."""
    header24 = hash_[0] | (hash_[1] << 8) | (hash_[2] << 16)
    header16 = hash_[3] | (hash_[4] << 8)
    l_dc = (header24 & 63) / 63
    p_dc = ((header24 >> 6) & 63) / 31.5 - 1
    q_dc = ((header24 >> 12) & 63) / 31.5 - 1
    l_scale = ((header24 >> 18) & 31) / 31
    has_alpha = bool(header24 >> 23)
    p_scale = ((header16 >> 3) & 63) / 63
    q_scale = ((header16 >> 9) & 63) / 63
    is_landscape = bool(header16 >> 15)
    lx = max(3, (5 if has_alpha else 7) if is_landscape else header16 & 7)
    ly = max(3, header16 & 7 if is_landscape else (5 if has_alpha else 7))
    a_dc = (hash_[5] & 15) / 15 if has_alpha else 1.0
    a_scale = (hash_[5] >> 4) / 15

    ac_start = 6 if has_alpha else 5
    ac_index = 0

    def decode_channel(nx: int, ny: int, scale: float) -> list[float]:
        nonlocal ac_index
        ac = []
        for cy in range(ny):
            cx = 0 if cy else 1
            while cx * ny < nx * (ny - cy):
                nibble = (hash_[ac_start + (ac_index >> 1)] >> ((ac_index & 1) << 2)) & 15
                ac.append((nibble / 7.5 - 1) * scale)
                ac_index += 1
                cx += 1
        return ac

    # Saturation is boosted by 1.25 to make up for the quantisation, as the reference does.
    l_ac = decode_channel(lx, ly, l_scale)
    p_ac = decode_channel(3, 3, p_scale * 1.25)
    q_ac = decode_channel(3, 3, q_scale * 1.25)
    a_ac = decode_channel(5, 5, a_scale) if has_alpha else []

    ratio = thumbhash_aspect_ratio(hash_)
    w = _round(32 if ratio > 1 else 32 * ratio)
    h = _round(32 / ratio if ratio > 1 else 32)
    out = bytearray(w * h * 4)
    nfx = max(lx, 5 if has_alpha else 3)
    nfy = max(ly, 5 if has_alpha else 3)
    i = 0
    for y in range(h):
        fy = [math.cos(math.pi / h * (y + 0.5) * cy) for cy in range(nfy)]
        for x in range(w):
            fx = [math.cos(math.pi / w * (x + 0.5) * cx) for cx in range(nfx)]
            lum, p, q, a = l_dc, p_dc, q_dc, a_dc
            j = 0
            for cy in range(ly):
                cx = 0 if cy else 1
                fy2 = fy[cy] * 2
                while cx * ly < lx * (ly - cy):
                    lum += l_ac[j] * fx[cx] * fy2
                    cx += 1
                    j += 1
            j = 0
            for cy in range(3):
                cx = 0 if cy else 1
                fy2 = fy[cy] * 2
                while cx < 3 - cy:
                    f = fx[cx] * fy2
                    p += p_ac[j] * f
                    q += q_ac[j] * f
                    cx += 1
                    j += 1
            if has_alpha:
                j = 0
                for cy in range(5):
                    cx = 0 if cy else 1
                    fy2 = fy[cy] * 2
                    while cx < 5 - cy:
                        a += a_ac[j] * fx[cx] * fy2
                        cx += 1
                        j += 1
            b = lum - 2 / 3 * p
            r = (3 * lum - b + q) / 2
            g = r - q
            # Uint8Array stores by truncation; so do we.
            out[i] = int(max(0.0, 255 * min(1.0, r)))
            out[i + 1] = int(max(0.0, 255 * min(1.0, g)))
            out[i + 2] = int(max(0.0, 255 * min(1.0, b)))
            out[i + 3] = int(max(0.0, 255 * min(1.0, a)))
            i += 4
    return w, h, bytes(out)
