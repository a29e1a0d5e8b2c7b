"""Images drawn in memory for the gallery tests: no fixture files, every byte explained."""

from __future__ import annotations

import functools
import io
import random
import struct
import zlib
from typing import Any

from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from gallery.renditions.decoders import configured_pyvips, register_pillow_plugins

# Strings planted in metadata: if one shows up in a rendition, metadata leaked.
SECRET_MAKE = "LuminaTestCam"
SECRET_MODEL = "SecretModel X1"
SECRET_XMP = b"lumina-xmp-secret"
SECRET_COMMENT = b"lumina-comment-secret"


def photo(width: int = 640, height: int = 480, seed: int = 0) -> Image.Image:
    """A picture with structure (gradient + shapes): something perceptual hashes can see."""
    rnd = random.Random(seed)
    base = Image.linear_gradient("L").resize((width, height))
    if seed % 2:
        base = base.transpose(Image.Transpose.ROTATE_90).resize((width, height))
    tint = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
    image = Image.merge("RGB", (base, Image.new("L", (width, height), tint[1]), base))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = rnd.randrange(width), rnd.randrange(height)
        size = rnd.randrange(width // 10, width // 3)
        colour = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        if rnd.random() < 0.5:
            draw.ellipse((x, y, x + size, y + size), fill=colour)
        else:
            draw.rectangle((x, y, x + size, y + size // 2), fill=colour)
    return image


def encode(image: Image.Image, fmt: str, **options: Any) -> bytes:
    """``image`` saved as ``fmt`` (a Pillow format name; HEIF through pillow-heif)."""
    if fmt == "HEIF":
        register_pillow_plugins()
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def split(width: int, height: int, top: str = "red", bottom: str = "blue") -> Image.Image:
    """Top half one colour, bottom half another: orientation is easy to check."""
    image = Image.new("RGB", (width, height), bottom)
    ImageDraw.Draw(image).rectangle((0, 0, width - 1, height // 2 - 1), fill=top)
    return image


SOUTH_LATITUDE = (IFDRational(33, 1), IFDRational(51, 1), IFDRational(3564, 100))
WEST_LONGITUDE = (IFDRational(151, 1), IFDRational(12, 1), IFDRational(30, 1))
ALTITUDE = IFDRational(125, 10)


def camera_exif(
    *,
    orientation: int = 1,
    latitude: tuple[Any, ...] = SOUTH_LATITUDE,
    latitude_ref: str = "S",
    longitude: tuple[Any, ...] = WEST_LONGITUDE,
    longitude_ref: str = "W",
    altitude: Any = ALTITUDE,
    below_sea_level: bool = True,
    taken: str = "2023:07:14 18:30:05",
    offset: str | None = "-03:00",
) -> Image.Exif:
    """EXIF as a phone writes it, GPS included (Pillow's Exif object, no piexif)."""
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE
    exif[0x0110] = SECRET_MODEL
    exif[0x0112] = orientation
    details = exif.get_ifd(0x8769)
    details[0x829A] = IFDRational(1, 250)  # ExposureTime
    details[0x829D] = IFDRational(28, 10)  # FNumber
    details[0x8827] = 400  # ISO
    details[0x920A] = IFDRational(35, 1)  # FocalLength
    details[0xA434] = "LuminaLens 35mm F1.4"  # LensModel
    details[0x9003] = taken  # DateTimeOriginal
    details[0x9291] = "25"  # SubSecTimeOriginal
    if offset is not None:
        details[0x9011] = offset  # OffsetTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = latitude_ref
    gps[2] = latitude
    gps[3] = longitude_ref
    gps[4] = longitude
    gps[5] = b"\x01" if below_sea_level else b"\x00"
    gps[6] = altitude
    return exif


def p3_profile() -> bytes:
    """The Display P3 ICC profile libvips ships (phones embed one like it)."""
    vips = configured_pyvips()
    pixel = vips.Image.black(1, 1, bands=3).cast("uchar").copy(interpretation="srgb")
    return bytes(pixel.icc_transform("p3", input_profile="srgb").get("icc-profile-data"))


def p3_jpeg(colour: tuple[int, int, int], size: tuple[int, int] = (300, 200)) -> bytes:
    """A JPEG whose pixels are ``colour`` (sRGB) converted to Display P3, profile embedded."""
    vips = configured_pyvips()
    srgb = vips.Image.black(*size, bands=3).new_from_image(list(colour)).cast("uchar")
    p3 = srgb.copy(interpretation="srgb").icc_transform("p3", input_profile="srgb")
    return bytes(p3.jpegsave_buffer(Q=95, keep="icc"))


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


@functools.cache
def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A valid PNG of ``width`` x ``height`` that is small on disk (a decompression bomb).

    1-bit greyscale rows of zeros compress about 1000:1, so 900 megapixels fit in ~100 KB.
    """
    row = b"\x00" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


def png_with_text(image: Image.Image, keyword: bytes, text: bytes) -> bytes:
    """``image`` as PNG with a tEXt chunk inserted after IHDR."""
    data = encode(image, "PNG")
    ihdr_end = 8 + 8 + 13 + 4
    return data[:ihdr_end] + _png_chunk(b"tEXt", keyword + b"\x00" + text) + data[ihdr_end:]


def gif_with_comment(image: Image.Image, comment: bytes) -> bytes:
    return encode(image.convert("P"), "GIF", comment=comment)


def animated(fmt: str, colours: tuple[str, ...] = ("red", "green", "blue")) -> bytes:
    frames = [Image.new("RGB", (60, 40), colour) for colour in colours]
    return encode(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100, loop=0)
