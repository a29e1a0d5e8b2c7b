"""ZIP archives streamed as they are built, in constant memory.

``zipfile`` writes to a sink that cannot seek, so it puts each entry's CRC and sizes in
a data descriptor after the data instead of going back to patch the header; the
generator hands over whatever the sink holds after every chunk. Memory use is one
chunk plus one small ``ZipInfo`` per entry, whatever the size of the archive. Entries
larger than 2 GiB get ZIP64 headers; images are stored (JPEG, PNG, WebP... are
compressed already), other formats deflated.

Originals are read from storage in chunks: through ``Storage.open`` for local files,
and straight from the S3 response body for S3 (django-storages' file object would
download the whole object first).
"""

from __future__ import annotations

import posixpath
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from gallery import storage
from gallery.downloads import _strip_bytes, safe_filename
from gallery.models import Asset
from gallery.strip import _JPEG_DROP, StripError
from lumina.core.text import strip_unsafe

# Formats whose data is compressed already: deflating them again costs CPU for nothing.
STORED_FORMATS = {"jpeg", "png", "gif", "webp", "avif", "heif"}
_ZIP64_THRESHOLD = 2**31
_EPOCH = (1980, 1, 1, 0, 0, 0)


def chunk_size() -> int:
    return int(settings.LUMINA_ZIP_CHUNK_BYTES)


# --- reading originals ------------------------------------------------------------------


def read_chunks(key: str, size: int | None = None) -> Iterator[bytes]:
    """The bytes stored at ``key``, ``size`` at a time."""
    size = size or chunk_size()
    store = storage.storage()
    bucket = getattr(store, "bucket", None)
    normalise = getattr(store, "_normalize_name", None)
    if bucket is not None and normalise is not None:
        from storages.utils import clean_name

        body = bucket.Object(normalise(clean_name(key))).get()["Body"]
        try:
            yield from body.iter_chunks(size)
        finally:
            body.close()
        return
    with store.open(key, "rb") as handle:
        while True:
            chunk = handle.read(size)
            if not chunk:
                return
            yield chunk


# Headers (everything before the image data) larger than this are not streamed.
_MAX_JPEG_HEADER = 16 * 1024**2


def strip_jpeg_stream(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """``gallery.strip.strip_jpeg`` on a stream: the segments before the image data are
    filtered (the same ones dropped), the image data passes through untouched. Raises
    ``StripError`` before yielding anything when the header cannot be parsed."""
    source = iter(chunks)
    buffer = bytearray()

    def need(n: int) -> None:
        while len(buffer) < n:
            chunk = next(source, None)
            if chunk is None:
                raise StripError("JPEG ends early")
            buffer.extend(chunk)
            if len(buffer) > _MAX_JPEG_HEADER:
                raise StripError("JPEG header too large to stream")

    need(2)
    if bytes(buffer[:2]) != b"\xff\xd8":
        raise StripError("not a JPEG")
    kept = bytearray(b"\xff\xd8")
    del buffer[:2]
    while True:
        need(2)
        if buffer[0] != 0xFF:
            raise StripError("bad JPEG marker")
        marker = buffer[1]
        if marker == 0xFF:  # fill byte
            del buffer[0]
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            break
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            kept += buffer[:2]
            del buffer[:2]
            continue
        need(4)
        length = int.from_bytes(buffer[2:4], "big")
        need(2 + length)
        if marker not in _JPEG_DROP:
            kept += buffer[: 2 + length]
        del buffer[: 2 + length]
    yield bytes(kept)
    yield bytes(buffer)
    yield from source


def asset_chunks(asset: Asset, *, strip: bool) -> Iterator[bytes]:
    """The original of ``asset`` in chunks, without its metadata when ``strip``. JPEGs
    are stripped as they stream; other formats are stripped whole (one file in memory
    at a time, never the archive)."""
    if not strip:
        yield from read_chunks(asset.original)
        return
    if asset.format == "jpeg":
        stream = strip_jpeg_stream(read_chunks(asset.original))
        try:
            first = next(stream)
        except StripError:
            pass
        else:
            yield first
            yield from stream
            return
    data = _strip_bytes(b"".join(read_chunks(asset.original)), asset.format)
    size = chunk_size()
    for start in range(0, len(data), size):
        yield data[start : start + size]


# --- names -------------------------------------------------------------------------------

_UNSAFE = re.compile(r'[\x00-\x1f\x7f<>:"|?*/\\]')
# Device names Windows refuses as a file or folder, whatever the extension ("CON.jpg",
# "nul.tar.gz", "COM1 .png"): Explorer cannot extract such an entry.
_RESERVED = re.compile(r"^(?:CON|PRN|AUX|NUL|CONIN\$|CONOUT\$|COM[0-9¹²³]|LPT[0-9¹²³])$", re.I)


def safe_component(name: str, fallback: str) -> str:
    """One path component of an entry: NFC, no separators, no control or direction
    characters, not ending in a dot or space, never a Windows device name."""
    name = strip_unsafe(unicodedata.normalize("NFC", name or ""), "_")
    name = _UNSAFE.sub("_", name).strip(" .")
    if _RESERVED.match(name.split(".", 1)[0].strip()):
        name = f"_{name}"
    return name[:120] or fallback


def folder_name(title: str, fallback: str) -> str:
    """A folder name from an album title: no separators, nothing Windows refuses."""
    return safe_component(title, fallback)


def file_name(asset: Asset) -> str:
    ext = storage.EXTENSIONS.get(asset.format, "bin")
    name = safe_component(
        safe_filename(asset.original_filename, f"asset-{asset.pk}.{ext}"), f"asset-{asset.pk}"
    )
    if "." not in name.strip("."):
        name = f"{name}.{ext}"
    return name


class Names:
    """Unique names within each folder, without regard to case (as on Windows and
    macOS): "a.jpg", "a (2).jpg", "a (3).jpg"."""

    def __init__(self) -> None:
        self._used: dict[str, set[str]] = {}

    def claim(self, folder: str, name: str) -> str:
        used = self._used.setdefault(folder, set())
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem:
            stem, ext = name, ""
        candidate, n = name, 1
        while candidate.lower() in used:
            n += 1
            candidate = f"{stem} ({n}).{ext}" if ext else f"{stem} ({n})"
        used.add(candidate.lower())
        return posixpath.join(folder, candidate) if folder else candidate


# --- the archive -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    """One entry: a folder (``chunks`` None; name ends with "/") or a file."""

    name: str
    when: datetime | None = None
    size: int = 0
    chunks: Callable[[], Iterable[bytes]] | None = None
    compress: bool = False


class _Sink:
    """A write-only, unseekable file: zipfile then streams (data descriptors)."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _date_time(when: datetime | None) -> tuple[int, int, int, int, int, int]:
    if when is None:
        return _EPOCH
    if when.tzinfo is not None:
        when = when.astimezone(UTC)
    if when.year < 1980:
        return _EPOCH
    if when.year > 2107:
        return (2107, 12, 31, 23, 59, 58)
    return (when.year, when.month, when.day, when.hour, when.minute, when.second)


def stream(members: Iterable[Member]) -> Iterator[bytes]:
    """The bytes of a ZIP of ``members``, produced as they are read.

    If reading an entry fails, the archive is left unfinished (no central directory):
    the client sees a broken download rather than a ZIP with a silently cut file."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", allowZip64=True)  # type: ignore[call-overload]
    try:
        for member in members:
            info = zipfile.ZipInfo(member.name, date_time=_date_time(member.when))
            if member.chunks is None:
                info.external_attr = (0o40755 << 16) | 0x10
                info.file_size = info.compress_size = info.CRC = 0
                archive.mkdir(info)
                yield sink.drain()
                continue
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED if member.compress else zipfile.ZIP_STORED
            info.file_size = member.size
            with archive.open(info, "w", force_zip64=member.size >= _ZIP64_THRESHOLD) as out:
                for chunk in member.chunks():
                    out.write(chunk)
                    data = sink.drain()
                    if data:
                        yield data
            yield sink.drain()
    except BaseException:
        # GeneratorExit (the client went away) or a read error: stop here, unfinished.
        archive._didModify = False  # nothing more is written when it is collected
        archive.fp = None
        raise
    archive.close()
    yield sink.drain()


def asset_member(asset: Asset, name: str, *, strip: bool) -> Member:
    return Member(
        name=name,
        when=asset.taken_at or asset.created_at,
        size=asset.bytes,
        chunks=lambda: asset_chunks(asset, strip=strip),
        compress=asset.format not in STORED_FORMATS,
    )
