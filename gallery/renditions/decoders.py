"""The decoders behind validation and renditions: libvips (pyvips) configured once, Pillow
(with pillow-heif) for the formats this libvips build cannot read, and their shared
pixel limits. Reading a header costs nothing; a decode reads every pixel.
"""

from __future__ import annotations

import functools
import io
import struct
from dataclasses import dataclass
from typing import Any

from PIL import Image

from gallery.formats import CorruptImage, ImageFormat, display_name

# libvips loader classes for the formats we accept. HEIC (HEVC) is missing from the bundled
# libvips, so it and BMP are decoded by Pillow/pillow-heif.
_VIPS_LOADER_CLASSES = (
    "VipsForeignLoadJpeg",
    "VipsForeignLoadPng",
    "VipsForeignLoadNsgif",
    "VipsForeignLoadWebp",
    "VipsForeignLoadHeif",
    "VipsForeignLoadTiff",
)
_VIPS_LOADERS = {
    ImageFormat.JPEG: "jpegload_buffer",
    ImageFormat.PNG: "pngload_buffer",
    ImageFormat.GIF: "gifload_buffer",
    ImageFormat.WEBP: "webpload_buffer",
    ImageFormat.AVIF: "heifload_buffer",
    ImageFormat.TIFF: "tiffload_buffer",
}
VIPS_FORMATS = frozenset(_VIPS_LOADERS)


@functools.cache
def configured_pyvips() -> Any:
    """pyvips, locked down for untrusted input. Process-wide, done once."""
    # Imported here: libvips is loaded only by the code paths that use it.
    import pyvips

    # libvips picks loaders by sniffing the bytes itself (`thumbnail_buffer`,
    # `new_from_buffer`): block every loader, then allow back only the formats we accept, so
    # SVG, PDF, CSV/matrix text, raw or .vips files can never be parsed whatever a file says.
    pyvips.operation_block_set("VipsForeignLoad", True)
    for name in _VIPS_LOADER_CLASSES:
        pyvips.operation_block_set(name, False)
    pyvips.block_untrusted_set(True)
    # The operation cache keeps decoded pixels of past calls; uploads never repeat, so it
    # would only hold memory in a long-lived worker (and flatter benchmarks).
    pyvips.cache_set_max(0)
    return pyvips


@functools.cache
def register_pillow_plugins() -> None:
    """Teach Pillow to open HEIC/HEIF (pillow-heif). Idempotent."""
    import pillow_heif

    pillow_heif.register_heif_opener()


@dataclass(frozen=True)
class _Header:
    width: int
    height: int
    frames: int
    has_alpha: bool
    orientation: int


_ORIENTATIONS = range(1, 9)


def _vips_header(fmt: ImageFormat, data: bytes) -> _Header:
    pyvips = configured_pyvips()
    loader = getattr(pyvips.Image, _VIPS_LOADERS[fmt])
    image = loader(data, access="sequential")
    frames = image.get("n-pages") if image.get_typeof("n-pages") else 1
    orientation = 1
    # libheif applies the container's rotation itself, so HEIF-family sizes are final.
    if fmt is not ImageFormat.AVIF and image.get_typeof("orientation"):
        orientation = int(image.get("orientation"))
    return _Header(
        width=image.width,
        height=image.height,
        frames=max(int(frames), 1),
        has_alpha=bool(image.hasalpha()),
        orientation=orientation if orientation in _ORIENTATIONS else 1,
    )


def _vips_decode(fmt: ImageFormat, data: bytes, *, all_frames: bool = False) -> None:
    pyvips = configured_pyvips()
    loader = getattr(pyvips.Image, _VIPS_LOADERS[fmt])
    options: dict[str, Any] = {"access": "sequential", "fail_on": "error"}
    if fmt is ImageFormat.JPEG:
        # DCT scaling still runs the entropy decoder over every byte (so truncation and
        # damage are found) but skips most of the IDCT and all of the full-size pixels.
        options["shrink"] = 8
    if all_frames and fmt in (ImageFormat.GIF, ImageFormat.WEBP, ImageFormat.TIFF):
        options["n"] = -1  # every frame of an animation (the worker's job)
    # Sequential access streams the pixels through a small window: memory stays flat
    # whatever the image size (already bounded by the pixel cap).
    loader(data, **options).avg()


def align_decoder_limits(max_pixels: int | None = None) -> None:
    """One pixel limit for every decoder: Pillow's (which pillow-heif goes through too)
    follows ``max_pixels``, by default LUMINA_MAX_PIXELS read now so that a changed
    setting applies. Pillow refuses at twice its limit and only warns above it, so what
    our own header check accepts, Pillow never refuses. libvips has no such limit; the
    header check runs before it decodes anything."""
    if max_pixels is None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        try:
            max_pixels = int(settings.LUMINA_MAX_PIXELS)
        except ImproperlyConfigured:  # used outside Django (benchmarks): Pillow's own
            return
    Image.MAX_IMAGE_PIXELS = int(max_pixels)


def pillow_open(fp: Any, formats: list[str] | None) -> Any:
    """``Image.open`` under the site's pixel limit (every Pillow caller goes here)."""
    align_decoder_limits()
    if formats is None or "HEIF" in formats:
        register_pillow_plugins()
    return Image.open(fp, formats=formats)


def _pillow_open(fmt: ImageFormat, data: bytes) -> Any:
    return pillow_open(io.BytesIO(data), [fmt.pillow_format])


def _pillow_header(fmt: ImageFormat, data: bytes) -> _Header:
    image = _pillow_open(fmt, data)
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
    width, height = image.size
    return _Header(
        width=width,
        height=height,
        frames=max(int(getattr(image, "n_frames", 1)), 1),
        has_alpha=has_alpha,
        # pillow-heif applies HEIF rotation and resets EXIF orientation; BMP has no EXIF.
        orientation=1,
    )


def _pillow_decode(fmt: ImageFormat, data: bytes) -> None:
    _pillow_open(fmt, data).load()


def read_header(fmt: ImageFormat, data: bytes) -> _Header:
    if fmt in VIPS_FORMATS:
        return _vips_header(fmt, data)
    return _pillow_header(fmt, data)


def decode(fmt: ImageFormat, data: bytes, *, all_frames: bool = False) -> None:
    if fmt in VIPS_FORMATS:
        _vips_decode(fmt, data, all_frames=all_frames)
    else:
        _pillow_decode(fmt, data)


def decode_all_frames(fmt: ImageFormat | str, data: bytes, *, filename: str = "") -> None:
    """Decode every frame: the worker's check of what the upload only sampled (its
    first frame). ``CorruptImage`` when any frame is damaged."""
    fmt = ImageFormat(fmt)
    try:
        decode(fmt, data, all_frames=True)
    except decoder_errors():
        name = display_name(filename or "image")
        raise CorruptImage(
            f'"{name}" is damaged or incomplete and cannot be decoded.',
            details={"filename": name, "format": str(fmt)},
        ) from None


def decoder_errors() -> tuple[type[BaseException], ...]:
    """Exceptions a decoder raises for bad input (not for our own bugs)."""
    return (OSError, SyntaxError, ValueError, EOFError, struct.error, configured_pyvips().Error)
