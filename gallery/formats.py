"""What an uploaded file is, decided from its first bytes: the accepted formats, their
MIME types, the upload errors, and magic-byte sniffing.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from lumina.core.errors import LuminaError

CHUNK_SIZE = 1024 * 1024
# Enough for the ISOBMFF `ftyp` box with its brand list and for recognising text formats.
HEAD_SIZE = 4096


class FileTooLarge(LuminaError):
    code = "file_too_large"
    status = 413
    default_message = "The file is larger than allowed."


class ImageTooLarge(LuminaError):
    code = "image_too_large"
    status = 413
    default_message = "The image has more pixels than allowed."


class MetadataTooLarge(ImageTooLarge):
    code = "metadata_too_large"
    default_message = "The image's metadata unpacks to more than allowed."


class TooManyFrames(ImageTooLarge):
    code = "too_many_frames"
    default_message = "The animation has more frames than allowed."


class CorruptImage(LuminaError):
    code = "corrupt_image"
    # 422: the request itself is well formed; the image inside it cannot be processed.
    status = 422
    default_message = "The image is damaged or incomplete."


class ImageFormat(StrEnum):
    JPEG = "jpeg"
    PNG = "png"
    GIF = "gif"
    WEBP = "webp"
    AVIF = "avif"
    HEIF = "heif"
    TIFF = "tiff"
    BMP = "bmp"

    @property
    def pillow_format(self) -> str:
        """The plugin name Pillow uses, to restrict `Image.open` to exactly this one."""
        return _PILLOW_FORMATS[self]


_PILLOW_FORMATS = {
    ImageFormat.JPEG: "JPEG",
    ImageFormat.PNG: "PNG",
    ImageFormat.GIF: "GIF",
    ImageFormat.WEBP: "WEBP",
    ImageFormat.AVIF: "AVIF",
    ImageFormat.HEIF: "HEIF",
    ImageFormat.TIFF: "TIFF",
    ImageFormat.BMP: "BMP",
}

MIMES = {
    ImageFormat.JPEG: "image/jpeg",
    ImageFormat.PNG: "image/png",
    ImageFormat.GIF: "image/gif",
    ImageFormat.WEBP: "image/webp",
    ImageFormat.AVIF: "image/avif",
    ImageFormat.HEIF: "image/heif",
    ImageFormat.TIFF: "image/tiff",
    ImageFormat.BMP: "image/bmp",
}


@dataclass(frozen=True, slots=True)
class ImageInfo:
    """What an accepted upload is.

    ``width``/``height`` are as displayed (EXIF orientation applied), which is what pages
    and renditions use; ``raw_width``/``raw_height`` are the stored pixel grid.
    ``orientation`` is the EXIF orientation a renderer still has to apply (1 when none; always
    1 for HEIF/AVIF, whose decoders apply the container's rotation themselves).
    """

    format: ImageFormat
    mime: str
    width: int
    height: int
    raw_width: int
    raw_height: int
    orientation: int
    frames: int
    bytes: int
    sha256: str
    has_alpha: bool


class ReadableFile(Protocol):
    def read(self, size: int = ..., /) -> Any: ...


# --------------------------------------------------------------------------- sniffing

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_AVIF_BRANDS = {b"avif", b"avis"}
_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
# Generic HEIF structure brands: the codec is only known once libheif reads the file.
_GENERIC_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_BMP_DIB_HEADER_SIZES = {12, 16, 40, 52, 56, 64, 108, 124}


def sniff_format(head: bytes) -> ImageFormat | None:
    """The accepted image format that ``head`` (the first bytes of a file) starts with."""
    if head.startswith(b"\xff\xd8\xff"):
        return ImageFormat.JPEG
    if head.startswith(PNG_SIGNATURE):
        return ImageFormat.PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return ImageFormat.GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return ImageFormat.WEBP
    if head[4:8] == b"ftyp":
        return _sniff_ftyp(head)
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return ImageFormat.TIFF
    # "BM" alone is too weak (plenty of text starts with it): require a known DIB header size.
    bmp = head[:2] == b"BM" and len(head) >= 18
    if bmp and struct.unpack_from("<I", head, 14)[0] in _BMP_DIB_HEADER_SIZES:
        return ImageFormat.BMP
    return None


def _sniff_ftyp(head: bytes) -> ImageFormat | None:
    size = struct.unpack_from(">I", head, 0)[0]
    end = min(len(head), size if size >= 16 else 16)
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _AVIF_BRANDS:
        return ImageFormat.AVIF
    if brands & (_HEIF_BRANDS | _GENERIC_HEIF_BRANDS):
        return ImageFormat.HEIF
    return None


def heif_mime(head: bytes) -> str:
    size = struct.unpack_from(">I", head, 0)[0]
    end = min(len(head), max(size, 16))
    brands = {head[8:12]} | {head[i : i + 4] for i in range(16, end - 3, 4)}
    return "image/heic" if brands & {b"heic", b"heix", b"heim", b"heis"} else "image/heif"


_TEXT_KINDS = (
    (
        re.compile(
            rb"^\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:svg|!doctype\s+svg)", re.I | re.S
        ),
        "SVG",
    ),
    (re.compile(rb"^\s*<(?:!doctype\s+html|html|head|body|script|iframe|!--)", re.I), "HTML"),
    (re.compile(rb"^\s*<\?xml", re.I), "XML"),
)


def describe_unknown(head: bytes) -> str:
    """A short human name for content we refuse, used in the message only."""
    stripped = head.removeprefix(b"\xef\xbb\xbf")
    for pattern, kind in _TEXT_KINDS:
        if pattern.search(stripped):
            return kind
    if head.startswith(b"%PDF-"):
        return "PDF"
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "ZIP archive"
    if head[4:8] == b"ftyp":
        return "video or other ISO media"
    if not head:
        return "empty file"
    return "unknown"


def display_name(filename: str) -> str:
    """The client's filename made safe for a message: no control characters, bounded."""
    cleaned = "".join(ch for ch in filename if ch.isprintable()).strip() or "upload"
    return cleaned if len(cleaned) <= 120 else cleaned[:117] + "..."
