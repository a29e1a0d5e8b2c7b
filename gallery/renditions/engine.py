"""The image engine behind renditions: one small interface, two implementations.

`VipsEngine` (libvips through pyvips) is the default, chosen by measurement on this
machine (``python -m bench renditions``, one core): the eager set of a 12 MP JPEG (400 and
1600 px, WebP + progressive JPEG) takes ~190 ms against ~515 ms for naive Pillow (2.7x)
and ~220 ms for our tuned `PillowEngine`; peak RSS is 121 MB for a 100 MP JPEG read from a
file (170 MB from bytes), and 94 MB for a 24 MP PNG where Pillow needs 228 MB, because the
JPEG decoder shrinks while it decodes (shrink-on-load) and pixels stream through libvips
instead of being held whole. `PillowEngine` is the fallback behind the same interface.

What every rendition gets, whatever the engine:

* decoded once, at the largest size asked for; smaller sizes are made from that image
  (the thumbnail from the preview), never upscaled;
* EXIF orientation applied; first frame only for animations (GIF, WebP) and multi-page
  TIFF — an animated rendition is not something the gallery shows;
* colour converted to sRGB when the source has an ICC profile (or is CMYK), 8-bit;
* no metadata at all: EXIF (GPS!), XMP, IPTC and ICC are all stripped, so nothing about
  the person or the place leaks through a rendition;
* JPEG is progressive; alpha is flattened onto white for JPEG only.
"""

from __future__ import annotations

import functools
import io
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from PIL import Image, ImageCms, ImageOps

from lumina.core.errors import LuminaError

from ..formats import HEAD_SIZE, ImageFormat, sniff_format
from .decoders import VIPS_FORMATS, configured_pyvips, pillow_open, register_pillow_plugins
from .specs import OutputFormat, Spec

__all__ = [
    "ImageEngine",
    "PillowEngine",
    "RenderError",
    "RenderedImage",
    "Source",
    "VipsEngine",
    "get_engine",
]

logger = logging.getLogger(__name__)

Source = bytes | bytearray | memoryview | str | os.PathLike[str]

# Encoder settings. The WebP effort comes from the size/time sweep that
# `python -m bench renditions` prints (1600 px preview of the 12 MP bench photo): effort 2
# takes ~45% of the time of effort 4 (the default) for the same size; effort 1 is 8%
# larger, effort 5 10% smaller but 2.6x slower. Thumbnails are cheap to encode and the
# most served, so they keep effort 4 for the 4% it saves there.
JPEG_QUALITY = 82
WEBP_QUALITY = 80
WEBP_EFFORT_LARGE = 2
WEBP_EFFORT_SMALL = 4
SMALL_LONG_EDGE = 800
# AVIF costs ~5x WebP to encode (0.4-0.5 s for thumbnail + preview at effort 2): it is only
# made when asked (LUMINA_AVIF). Q 50 is libvips' default for AV1.
AVIF_QUALITY_VIPS = 50
AVIF_EFFORT_VIPS = 2
AVIF_QUALITY_PILLOW = 55
AVIF_SPEED_PILLOW = 7


class RenderError(LuminaError):
    """The source cannot be rendered: a content problem, retrying will not help."""

    code = "render_failed"
    status = 422
    default_message = "The image could not be processed."


@dataclass(frozen=True, slots=True)
class RenderedImage:
    spec: Spec
    fmt: OutputFormat
    data: bytes
    width: int
    height: int

    @property
    def mime(self) -> str:
        return self.fmt.mime

    @property
    def nbytes(self) -> int:
        return len(self.data)


@runtime_checkable
class ImageEngine(Protocol):
    """Render specs from one source image (bytes, or a path to a local file)."""

    name: str

    def render(self, source: Source, specs: Sequence[Spec]) -> list[RenderedImage]:
        """One `RenderedImage` per distinct spec, in the order given."""
        ...


def _webp_effort(long_edge: int) -> int:
    return WEBP_EFFORT_SMALL if long_edge <= SMALL_LONG_EDGE else WEBP_EFFORT_LARGE


def _unique(specs: Sequence[Spec]) -> list[Spec]:
    return list(dict.fromkeys(specs))


@dataclass(frozen=True)
class _Input:
    fmt: ImageFormat
    data: bytes | None
    path: str | None

    def read(self) -> bytes:
        if self.data is not None:
            return self.data
        assert self.path is not None
        with open(self.path, "rb") as fh:
            return fh.read()


def _open_input(source: Source) -> _Input:
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        head, path = data[:HEAD_SIZE], None
    else:
        data, path = None, os.fspath(source)
        with open(path, "rb") as fh:
            head = fh.read(HEAD_SIZE)
    fmt = sniff_format(head)
    # Sources were validated at upload; refusing again here keeps the engine safe to call
    # on anything (the decoders below pick their parser from the content).
    if fmt is None:
        raise RenderError("The source is not a supported image.")
    return _Input(fmt, data, path)


def _fit(size: tuple[int, int], long_edge: int) -> tuple[int, int]:
    """``size`` scaled down so that its long edge is at most ``long_edge`` (never up)."""
    width, height = size
    scale = long_edge / max(width, height)
    if scale >= 1:
        return width, height
    return max(1, round(width * scale)), max(1, round(height * scale))


# ---------------------------------------------------------------------------- libvips


class VipsEngine:
    """libvips: shrink-on-load decode, streaming, all encoders in C."""

    name = "vips"

    def __init__(self) -> None:
        self._vips = configured_pyvips()

    def render(self, source: Source, specs: Sequence[Spec]) -> list[RenderedImage]:
        wanted = _unique(specs)
        if not wanted:
            return []
        item = _open_input(source)
        largest = max(spec.long_edge for spec in wanted)
        try:
            base = self._decode(item, largest)
            by_edge = {largest: base}
            rendered = []
            for spec in wanted:
                image = by_edge.get(spec.long_edge)
                if image is None:
                    # From the decoded (largest) image: one resample, no second decode.
                    image = base.thumbnail_image(spec.long_edge, size="down").copy_memory()
                    by_edge[spec.long_edge] = image
                data = self._encode(image, spec)
                rendered.append(RenderedImage(spec, spec.fmt, data, image.width, image.height))
        except self._vips.Error as exc:
            raise RenderError(f"The image could not be processed: {_first_line(exc)}") from exc
        return rendered

    def _decode(self, item: _Input, long_edge: int) -> Any:
        vips = self._vips
        if item.fmt not in VIPS_FORMATS:
            return self._decode_with_pillow(item, long_edge)
        if item.path is not None:
            header = vips.Image.new_from_source(vips.Source.new_from_file(item.path), "")
        else:
            header = vips.Image.new_from_buffer(item.data, "")
        width, height = header.width, header.height
        # Colour-manage only when there is something to convert: an sRGB->sRGB transform
        # of an untagged image costs more than the whole decode.
        manage = bool(header.get_typeof("icc-profile-data")) or header.interpretation == "cmyk"
        # Released before decoding: a second open loader on the same bytes slows the decode
        # down by ~15% (measured).
        del header
        options: dict[str, Any] = {"size": "down"}
        if manage:
            options["output_profile"] = "srgb"
        if item.fmt is ImageFormat.JPEG:
            # Shrink-on-load as far as the target allows: libjpeg's DCT scaling decodes at
            # 1/2, 1/4 or 1/8 size directly. `thumbnail` alone keeps a factor of two for
            # its final resize and so decodes a 12 MP photo at full size for a 1600 px
            # preview; this is sharp's "fastShrinkOnLoad", ~25% faster for the set, with
            # differences of about 1/255 on average after the Lanczos step.
            shrink = _jpeg_shrink(width, height, long_edge)
            loader_options = {"shrink": shrink, "access": "sequential"}
            if item.path is not None:
                source = vips.Source.new_from_file(item.path)
                loaded = vips.Image.jpegload_source(source, **loader_options)
            else:
                loaded = vips.Image.jpegload_buffer(item.data, **loader_options)
            image = loaded.thumbnail_image(long_edge, **options)
        elif item.path is not None:
            source = vips.Source.new_from_file(item.path)
            image = vips.Image.thumbnail_source(source, long_edge, **options)
        else:
            # thumbnail: shrink-on-load where the format has it (WebP, HEIF), then a
            # Lanczos reduce; rotates by EXIF orientation and drops the tag.
            image = vips.Image.thumbnail_buffer(item.data, long_edge, **options)
        # Materialised once: every encoder and smaller size reads these pixels instead of
        # re-running the decode pipeline.
        return _srgb8(image).copy_memory()

    def _decode_with_pillow(self, item: _Input, long_edge: int) -> Any:
        """HEIC (no HEVC decoder in this libvips) and BMP (no loader) come via Pillow."""
        vips = self._vips
        try:
            # Upright and already in sRGB (Pillow applied the ICC profile, if any).
            image = _pillow_decode(item, long_edge=None)
        except _PILLOW_ERRORS as exc:
            raise RenderError(f"The image could not be decoded: {exc}") from exc
        pixels = vips.Image.new_from_memory(
            image.tobytes(), image.width, image.height, len(image.getbands()), "uchar"
        ).copy(interpretation="srgb")
        return _srgb8(pixels.thumbnail_image(long_edge, size="down")).copy_memory()

    def _encode(self, image: Any, spec: Spec) -> bytes:
        # keep="none": no EXIF, XMP, IPTC or ICC in any output (pixels are sRGB already).
        if spec.fmt is OutputFormat.JPEG:
            if image.hasalpha():
                image = image.flatten(background=[255, 255, 255]).cast("uchar")
            data = image.jpegsave_buffer(
                Q=JPEG_QUALITY, interlace=True, optimize_coding=True, keep="none"
            )
        elif spec.fmt is OutputFormat.WEBP:
            data = image.webpsave_buffer(
                Q=WEBP_QUALITY, effort=_webp_effort(spec.long_edge), keep="none"
            )
        else:
            data = image.heifsave_buffer(
                compression="av1",
                Q=AVIF_QUALITY_VIPS,
                effort=AVIF_EFFORT_VIPS,
                bitdepth=8,
                keep="none",
            )
        return bytes(data)


def _jpeg_shrink(width: int, height: int, long_edge: int) -> int:
    """The largest JPEG DCT scale-down that still leaves at least ``long_edge`` pixels."""
    for factor in (8, 4, 2):
        if max(width, height) // factor >= long_edge:
            return factor
    return 1


def _srgb8(image: Any) -> Any:
    """8-bit sRGB (plus alpha if any), whatever the source's space and depth."""
    if image.interpretation != "srgb" or image.format != "uchar":
        image = image.colourspace("srgb")
    if image.format != "uchar":
        image = image.cast("uchar")
    return image


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


# ----------------------------------------------------------------------------- Pillow

_PILLOW_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)
_SRGB_PROFILE = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _has_alpha(image: Image.Image) -> bool:
    return image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info


def _pillow_decode(item: _Input, long_edge: int | None) -> Image.Image:
    """Decode (reduced on load when possible): upright, 8-bit sRGB, RGB or RGBA."""
    if item.fmt is ImageFormat.HEIF:
        register_pillow_plugins()
    fp: Any = io.BytesIO(item.data) if item.data is not None else item.path
    image = pillow_open(fp, [item.fmt.pillow_format])
    if long_edge is not None and item.fmt is ImageFormat.JPEG:
        # DCT scaling: the decoder produces 1/2, 1/4 or 1/8 size directly (never below
        # the requested size), the Pillow counterpart of libvips' shrink-on-load.
        image.draft(image.mode, _fit(image.size, long_edge))
    icc = image.info.get("icc_profile") or None
    # pillow-heif has applied the HEIF rotation already and reset the EXIF tag, so this is
    # a no-op there; for the others it applies EXIF orientation.
    upright = ImageOps.exif_transpose(image)
    return _to_rgb(upright, icc)


def _to_rgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    mode = "RGBA" if _has_alpha(image) else "RGB"
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16-bit greyscale: scale to 8 bits instead of letting convert() clip to white.
        image = image.convert("I").point(lambda value: value / 256).convert("L")
    if icc and image.mode in ("RGB", "RGBA", "CMYK", "L"):
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            out_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(
                image, source_profile, _SRGB_PROFILE, outputMode=out_mode
            )
            if converted is not None:
                image = converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            # A broken or mismatched profile: show the pixels as they are rather than fail.
            logger.info("ignoring an unusable ICC profile")
    return image if image.mode == mode else image.convert(mode)


class PillowEngine:
    """Pillow: JPEG draft decode, Lanczos with a box pre-reduce, thumbnail from preview."""

    name = "pillow"

    def render(self, source: Source, specs: Sequence[Spec]) -> list[RenderedImage]:
        wanted = _unique(specs)
        if not wanted:
            return []
        item = _open_input(source)
        largest = max(spec.long_edge for spec in wanted)
        try:
            image = _pillow_decode(item, largest)
            base = self._resize(image, largest)
            by_edge = {largest: base}
            rendered = []
            for spec in wanted:
                sized = by_edge.get(spec.long_edge)
                if sized is None:
                    sized = by_edge[spec.long_edge] = self._resize(base, spec.long_edge)
                data = self._encode(sized, spec)
                rendered.append(RenderedImage(spec, spec.fmt, data, sized.width, sized.height))
        except _PILLOW_ERRORS as exc:
            raise RenderError(f"The image could not be processed: {exc}") from exc
        return rendered

    @staticmethod
    def _resize(image: Image.Image, long_edge: int) -> Image.Image:
        target = _fit(image.size, long_edge)
        if target != image.size:
            # reducing_gap: a fast integer box reduce first, Lanczos for the last factor 3.
            image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
        image.info = {}  # nothing of the source's metadata may reach an encoder
        return image

    @staticmethod
    def _encode(image: Image.Image, spec: Spec) -> bytes:
        out = io.BytesIO()
        if spec.fmt is OutputFormat.JPEG:
            if image.mode == "RGBA":
                flat = Image.new("RGB", image.size, (255, 255, 255))
                flat.paste(image, mask=image.getchannel("A"))
                image = flat
            image.save(out, "JPEG", quality=JPEG_QUALITY, progressive=True, optimize=True)
        elif spec.fmt is OutputFormat.WEBP:
            image.save(out, "WEBP", quality=WEBP_QUALITY, method=_webp_effort(spec.long_edge))
        else:
            image.save(out, "AVIF", quality=AVIF_QUALITY_PILLOW, speed=AVIF_SPEED_PILLOW)
        return out.getvalue()


# ---------------------------------------------------------------------------- choice

ENGINES = {"vips": VipsEngine, "pillow": PillowEngine}
DEFAULT_ENGINE = "vips"


@functools.cache
def get_engine(name: str | None = None) -> ImageEngine:
    """The engine called ``name`` (default: libvips, falling back to Pillow if libvips
    cannot be loaded). One shared instance per name; engines hold no per-call state."""
    chosen = name or DEFAULT_ENGINE
    if chosen not in ENGINES:
        raise ValueError(f"Unknown image engine {chosen!r}; choose one of {sorted(ENGINES)}.")
    if chosen == "vips":
        try:
            return VipsEngine()
        except (ImportError, OSError) as exc:
            logger.warning("libvips unavailable (%s); rendering with Pillow", exc)
            return PillowEngine()
    return PillowEngine()
