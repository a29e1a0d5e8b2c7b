"""Read what a photo says about itself: size, camera, exposure, time and place.

EXIF written by cameras, phones and editors is full of oddities (zero denominators,
NUL-padded strings, tuples where a scalar belongs, binary blobs, impossible dates). Every
field here is read on its own and an odd one becomes "unknown" instead of an error, so
`read_metadata` never fails because of EXIF. It only fails when the file is not an image.
"""

from __future__ import annotations

import functools
import io
import math
import os
import re
import warnings
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import IO, Any, TypedDict, TypeVar

from PIL import ExifTags, Image, TiffImagePlugin

from .formats import CorruptImage, ImageFormat
from .renditions.decoders import pillow_open, register_pillow_plugins

__all__ = ["Metadata", "exif_to_json", "read_metadata"]

T = TypeVar("T")

MetadataSource = bytes | bytearray | memoryview | str | os.PathLike[str] | IO[bytes]


class Metadata(TypedDict):
    width: int  # as displayed (orientation applied)
    height: int
    orientation: int  # EXIF orientation tag, 1-8 (1 when absent)
    camera_make: str  # "" when unknown, like the model's text fields
    camera_model: str
    lens_make: str
    lens_model: str
    lens: str  # lens model, or make when that is all there is
    exposure_time: float | None  # seconds
    f_number: float | None
    iso: int | None
    focal_length: float | None  # mm
    focal_length_35mm: float | None
    taken_at: datetime | None
    # True when the file gives no UTC offset: `taken_at` is then naive local camera time.
    taken_at_naive: bool
    latitude: float | None  # degrees, south negative
    longitude: float | None  # degrees, west negative
    altitude: float | None  # metres, below sea level negative
    exif: dict[str, Any]  # the full EXIF, JSON-safe (see `exif_to_json`)


# Tags by number (Pillow exposes them by number).
ORIENTATION = 0x0112
MAKE, MODEL, DATETIME = 0x010F, 0x0110, 0x0132
EXPOSURE_TIME, F_NUMBER = 0x829A, 0x829D
ISO, ISO_SPEED = 0x8827, 0x8833
DATETIME_ORIGINAL, DATETIME_DIGITIZED = 0x9003, 0x9004
OFFSET_TIME, OFFSET_TIME_ORIGINAL, OFFSET_TIME_DIGITIZED = 0x9010, 0x9011, 0x9012
SUBSEC_TIME, SUBSEC_TIME_ORIGINAL, SUBSEC_TIME_DIGITIZED = 0x9290, 0x9291, 0x9292
FOCAL_LENGTH, FOCAL_LENGTH_35MM = 0x920A, 0xA405
LENS_MAKE, LENS_MODEL = 0xA433, 0xA434
USER_COMMENT = 0x9286
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_ALT_REF, GPS_ALT = 1, 2, 3, 4, 5, 6

_TEXT_LIMITS = {"camera_make": 100, "camera_model": 100, "lens_make": 100, "lens_model": 150}
_MAX_TEXT = 1000
_MAX_SEQUENCE = 64
# Pointers, offsets and embedded blobs: they describe the file, not the photo, and some
# are large (MakerNote, XMP, ICC, thumbnails). IFD pointers are replaced by the nested IFDs.
_SKIPPED_TAGS = {
    0x0111,  # StripOffsets
    0x0117,  # StripByteCounts
    0x0144,  # TileOffsets
    0x0145,  # TileByteCounts
    0x0201,  # JPEGInterchangeFormat (thumbnail offset)
    0x0202,  # JPEGInterchangeFormatLength
    0x02BC,  # XMP packet
    0x83BB,  # IPTC
    0x8773,  # ICC profile
    0x8769,  # Exif IFD pointer
    0x8825,  # GPS IFD pointer
    0xA005,  # Interop IFD pointer
    0x927C,  # MakerNote
    0xC4A5,  # PrintIM
}
_WINDOWS_XP_TAGS = {0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F}  # UTF-16LE strings
_SUB_IFDS: tuple[tuple[str, int, Mapping[int, str]], ...] = (
    ("Exif", ExifTags.IFD.Exif, ExifTags.TAGS),
    ("GPS", ExifTags.IFD.GPSInfo, ExifTags.GPSTAGS),
    ("Interop", ExifTags.IFD.Interop, ExifTags.TAGS),
)
_PILLOW_FORMATS = [fmt.pillow_format for fmt in ImageFormat]


def read_metadata(source: MetadataSource) -> Metadata:
    """Dimensions, orientation, camera, exposure, time and GPS of an image, plus its EXIF.

    ``source`` is the image's bytes, a path, or a binary file object.
    Raises `CorruptImage` only when the file cannot be opened as an image at all.
    """
    register_pillow_plugins()
    fp: Any = (
        io.BytesIO(bytes(source)) if isinstance(source, bytes | bytearray | memoryview) else source
    )
    with warnings.catch_warnings():
        # Pillow warns about each malformed EXIF entry (already while opening a JPEG); odd
        # EXIF is expected and handled field by field below.
        warnings.simplefilter("ignore", UserWarning)
        try:
            image = pillow_open(fp, _PILLOW_FORMATS)
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
            raise CorruptImage(f"The image could not be read: {exc}") from exc
        with image:
            return _read(image)


def _read(image: Image.Image) -> Metadata:
    exif = _safe(image.getexif, Image.Exif())
    ifd0 = _tags(lambda: exif)
    exif_ifd = _tags(lambda: exif.get_ifd(ExifTags.IFD.Exif))
    gps = _tags(lambda: exif.get_ifd(ExifTags.IFD.GPSInfo))
    is_heif = image.format == "HEIF"
    if is_heif:
        # pillow-heif applies the HEIF rotation and resets the EXIF tag to 1; the size it
        # reports is already upright. Report what the file said.
        orientation = _orientation(image.info.get("original_orientation"))
    else:
        orientation = _orientation(ifd0.get(ORIENTATION))
    width, height = image.size
    if not is_heif and orientation in (5, 6, 7, 8):
        width, height = height, width

    unknown: tuple[datetime | None, bool] = (None, False)
    taken_at, naive = _safe(lambda: _taken_at(ifd0, exif_ifd), unknown)
    lens_make = _text_field(exif_ifd.get(LENS_MAKE), "lens_make")
    lens_model = _text_field(exif_ifd.get(LENS_MODEL), "lens_model")
    return Metadata(
        width=width,
        height=height,
        orientation=orientation,
        camera_make=_text_field(ifd0.get(MAKE), "camera_make"),
        camera_model=_text_field(ifd0.get(MODEL), "camera_model"),
        lens_make=lens_make,
        lens_model=lens_model,
        lens=lens_model or lens_make,
        exposure_time=_positive(exif_ifd.get(EXPOSURE_TIME)),
        f_number=_positive(exif_ifd.get(F_NUMBER)),
        iso=_iso(exif_ifd),
        focal_length=_positive(exif_ifd.get(FOCAL_LENGTH)),
        focal_length_35mm=_positive(exif_ifd.get(FOCAL_LENGTH_35MM)),
        taken_at=taken_at,
        taken_at_naive=naive,
        latitude=_safe(lambda: _coordinate(gps.get(GPS_LAT), gps.get(GPS_LAT_REF), "S", 90), None),
        longitude=_safe(
            lambda: _coordinate(gps.get(GPS_LON), gps.get(GPS_LON_REF), "W", 180), None
        ),
        altitude=_safe(lambda: _altitude(gps.get(GPS_ALT), gps.get(GPS_ALT_REF)), None),
        exif=_safe(lambda: exif_to_json(exif), {}),
    )


def _tags(read: Callable[[], Mapping[int, Any]]) -> dict[int, Any]:
    """One IFD as a plain dict, empty when it cannot be parsed."""
    empty: dict[int, Any] = {}
    return _safe(lambda: dict(read()), empty)


def _safe(fn: Callable[[], T], default: T) -> T:
    """``fn()``, or ``default`` when odd EXIF makes it raise. The one broad catch here:
    Pillow's EXIF parser can raise nearly anything on malformed data, and no EXIF field is
    worth failing an upload for."""
    try:
        return fn()
    except Exception:
        return default


# ------------------------------------------------------------------------ conversions


def _number(value: Any) -> float | None:
    if isinstance(value, tuple | list) and value:
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, TiffImagePlugin.IFDRational):
        if not value.denominator:
            return None
        result = float(value)
    elif isinstance(value, int | float):
        result = float(value)
    else:
        return None
    return result if math.isfinite(result) else None


def _positive(value: Any) -> float | None:
    number = _number(value)
    return round(number, 6) if number is not None and number > 0 else None


def _iso(exif_ifd: Mapping[int, Any]) -> int | None:
    for tag in (ISO, ISO_SPEED):
        number = _number(exif_ifd.get(tag))
        if number is not None and 0 < number < 10_000_000:
            return int(number)
    return None


def _orientation(value: Any) -> int:
    number = _number(value)
    return int(number) if number is not None and number in range(1, 9) else 1


def _text(value: Any) -> str:
    """Plain text from an EXIF value: str, or bytes that decode to printable text."""
    if isinstance(value, bytes):
        value = _decode_text(value) or ""
    if not isinstance(value, str):
        return ""
    cleaned = "".join(ch for ch in value.replace("\x00", "") if ch.isprintable() or ch in "\n\t")
    return cleaned.strip()


def _text_field(value: Any, name: str) -> str:
    return _text(value)[: _TEXT_LIMITS[name]]


def _decode_text(raw: bytes) -> str | None:
    """Bytes as text when they are text (ASCII/UTF-8, or a UserComment with its charset
    header); None for binary data, which is dropped rather than stored as noise."""
    if raw[:8] in (b"ASCII\x00\x00\x00", b"UNICODE\x00", b"\x00" * 8):
        body = raw[8:]
        if raw.startswith(b"UNICODE"):
            # Byte order follows the file's; the side with the NULs tells it for Latin text.
            encoding = "utf-16-be" if body[:1] == b"\x00" else "utf-16-le"
            return body.decode(encoding, errors="replace").replace("\x00", "").strip()
        raw = body
    stripped = raw.rstrip(b"\x00 ")
    try:
        text = stripped.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if all(ch.isprintable() or ch in "\n\r\t" for ch in text):
        return text
    return None


def _json_value(tag: int, value: Any) -> Any:
    """A JSON-safe version of one EXIF value, or None to drop it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, TiffImagePlugin.IFDRational | float):
        return _number(value)
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        return _text(value)[:_MAX_TEXT] or None
    if isinstance(value, bytes):
        if tag in _WINDOWS_XP_TAGS:
            return _text(value.decode("utf-16-le", errors="replace"))[:_MAX_TEXT] or None
        text = _decode_text(value)
        return (_text(text)[:_MAX_TEXT] or None) if text is not None else None
    if isinstance(value, tuple | list):
        if tag in _WINDOWS_XP_TAGS and all(isinstance(v, int) and 0 <= v < 256 for v in value):
            return _json_value(tag, bytes(value))
        if len(value) > _MAX_SEQUENCE:
            return None
        items = [_json_value(tag, item) for item in value]
        return items if all(item is not None for item in items) else None
    return None


def _ifd_to_json(ifd: Mapping[int, Any], names: Mapping[int, str]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for tag, value in ifd.items():
        if not isinstance(tag, int) or tag in _SKIPPED_TAGS:
            continue
        # One odd value drops that value only.
        converted = _safe(functools.partial(_json_value, tag, value), None)
        if converted is not None:
            result[names.get(tag, f"0x{tag:04x}")] = converted
    return result


def exif_to_json(exif: Image.Exif) -> dict[str, Any]:
    """All of an image's EXIF as JSON-safe data (PostgreSQL ``jsonb`` accepts it).

    Keys are tag names (hex for unknown tags); the Exif, GPS and Interop IFDs are nested
    under their names. Rationals become floats (zero denominators: dropped), text loses its
    NUL padding, binary blobs (MakerNote, thumbnails, ...) are dropped.
    """
    result = _ifd_to_json(_tags(lambda: exif), ExifTags.TAGS)
    for name, pointer, names in _SUB_IFDS:
        converted = _ifd_to_json(_tags(functools.partial(exif.get_ifd, pointer)), names)
        if converted:
            result[name] = converted
    return result


# ---------------------------------------------------------------------------- time

_DATETIME = re.compile(r"^\s*(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")
_OFFSET = re.compile(r"^\s*(?:([+-])(\d{2}):?(\d{2})|Z)\s*$")


def _parse_offset(value: Any) -> timezone | None:
    match = _OFFSET.match(_text(value))
    if not match:
        return None
    if match.group(1) is None:
        return UTC
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    if minutes > 14 * 60:  # the widest real offset is +14:00
        return None
    return timezone(timedelta(minutes=-minutes if match.group(1) == "-" else minutes))


def _parse_datetime(value: Any, subsec: Any) -> datetime | None:
    match = _DATETIME.match(_text(value))
    if not match:
        return None
    year, month, day, hour, minute = (int(match.group(i)) for i in range(1, 6))
    second = int(match.group(6) or 0)
    digits = "".join(ch for ch in _text(subsec) if ch.isdigit())[:6]
    micro = int(digits.ljust(6, "0")) if digits else 0
    try:
        # Naive on purpose: the offset, when the file has one, is attached by the caller.
        return datetime(year, month, day, hour, minute, min(second, 59), micro)
    except ValueError:  # 0000:00:00 and other placeholders
        return None


def _taken_at(ifd0: Mapping[int, Any], exif_ifd: Mapping[int, Any]) -> tuple[datetime | None, bool]:
    """When the photo was taken: DateTimeOriginal, else Digitized, else the file's DateTime,
    each with its own OffsetTime* tag. Without an offset the time is naive (camera clock
    time, zone unknown) and flagged as such."""
    candidates = (
        (exif_ifd.get(DATETIME_ORIGINAL), exif_ifd.get(SUBSEC_TIME_ORIGINAL), OFFSET_TIME_ORIGINAL),
        (
            exif_ifd.get(DATETIME_DIGITIZED),
            exif_ifd.get(SUBSEC_TIME_DIGITIZED),
            OFFSET_TIME_DIGITIZED,
        ),
        (ifd0.get(DATETIME), exif_ifd.get(SUBSEC_TIME), OFFSET_TIME),
    )
    for value, subsec, offset_tag in candidates:
        moment = _parse_datetime(value, subsec)
        if moment is None:
            continue
        offset = _parse_offset(exif_ifd.get(offset_tag))
        if offset is not None:
            return moment.replace(tzinfo=offset), False
        return moment, True
    return None, False


# ----------------------------------------------------------------------------- place


def _ref(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", errors="ignore")
    return value.strip("\x00 ").upper()[:1] if isinstance(value, str) else ""


def _coordinate(value: Any, ref: Any, negative_ref: str, limit: float) -> float | None:
    parts = list(value) if isinstance(value, tuple | list) else [value]
    if not parts or len(parts) > 3:
        return None
    numbers = [_number(part) for part in parts]
    if any(number is None for number in numbers):
        return None
    degrees = sum(n / 60**i for i, n in enumerate(numbers) if n is not None)
    if _ref(ref) == negative_ref:
        degrees = -abs(degrees)
    if not math.isfinite(degrees) or abs(degrees) > limit:
        return None
    return float(round(degrees, 7))


def _altitude(value: Any, ref: Any) -> float | None:
    metres = _number(value)
    if metres is None:
        return None
    below = ref[:1] == b"\x01" if isinstance(ref, bytes) else _number(ref) == 1
    return round(-abs(metres) if below else metres, 3)
