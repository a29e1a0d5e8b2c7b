"""Upload validation: decide what an uploaded file really is from its bytes.

The client's filename and MIME type are never trusted; the filename only appears in
messages. The checks run cheapest first and each refuses with a stable error code:

1. byte cap, enforced while streaming the upload (SHA-256 is computed on the way);
2. magic bytes -> one of the accepted formats (`sniff_format`), else ``unsupported_media``;
3. a walk of the format's own container structure to its logical end. A file that stops
   early is ``corrupt_image``; HTML, script, PDF or archive signatures in the places a
   polyglot hides them (metadata segments, comments, data after the image's end) and a
   ZIP central directory that an unzip tool would find are ``unsupported_media``;
4. the engine reads the header only -> dimensions and frame count -> pixel cap
   (``image_too_large``) before a single pixel is decoded, so decompression bombs cost
   nothing;
5. a real decode of every pixel, done cheaply (libvips: sequential access, JPEG DCT
   shrink, ``fail_on="error"``; Pillow only for HEIC and BMP, which this libvips build
   cannot read) -> ``corrupt_image`` on truncation or damage.

The whole upload is held in memory while it is checked; ``max_bytes`` bounds that.
"""

from __future__ import annotations

import hashlib
import re
import struct
import warnings
import zlib
from dataclasses import dataclass, field

from PIL import Image

from lumina.core.errors import UnsupportedMedia

from .formats import (
    CHUNK_SIZE,
    HEAD_SIZE,
    MIMES,
    PNG_SIGNATURE,
    CorruptImage,
    FileTooLarge,
    ImageFormat,
    ImageInfo,
    ImageTooLarge,
    MetadataTooLarge,
    ReadableFile,
    TooManyFrames,
    describe_unknown,
    display_name,
    heif_mime,
    sniff_format,
)
from .renditions.decoders import (
    align_decoder_limits,
    decode,
    decoder_errors,
    read_header,
)

__all__ = ["inspect_data", "inspect_upload", "read_upload"]


# --------------------------------------------------------------------- structure walk


class _Malformed(Exception):
    """The container structure is broken; `inspect_upload` turns it into CorruptImage."""


@dataclass
class _Layout:
    # Offset just past the image's logical end; None where the format has no such notion
    # (TIFF: its data may sit anywhere, found through offsets).
    end: int | None
    # Byte ranges that hold container/metadata rather than coded pixels: where a polyglot's
    # second personality hides. Only these are scanned for the short signatures.
    regions: list[tuple[int, int]] = field(default_factory=list)
    frames: int | None = None
    # Known from the structure itself (GIF transparency flags), else None: ask the decoder.
    has_alpha: bool | None = None


def _u16be(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 2], "big")


def _u32be(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "big")


def _u32le(data: bytes, pos: int) -> int:
    return int.from_bytes(data[pos : pos + 4], "little")


# Inside entropy-coded JPEG data a 0xFF is followed by 0x00 (stuffing) or a restart marker
# (D0-D7); anything else (a marker, or 0xFF fill before one) ends the scan. Written without
# a repeat so that the regex engine's fast literal search does the work (20x faster).
_JPEG_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7]")
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _walk_jpeg(data: bytes, start: int = 0) -> _Layout:
    n = len(data)
    pos = start + 2
    regions: list[tuple[int, int]] = []
    seen_frame = seen_scan = False
    while True:
        if pos >= n:
            raise _Malformed("it is truncated (no end-of-image marker)")
        if data[pos] != 0xFF:
            # Stray bytes between segments: libjpeg skips them with a warning, so do we,
            # but they remain scannable.
            nxt = data.find(b"\xff", pos)
            if nxt < 0:
                raise _Malformed("it is truncated (no end-of-image marker)")
            regions.append((pos, nxt))
            pos = nxt
            continue
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            raise _Malformed("it is truncated (no end-of-image marker)")
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            if not seen_scan:
                raise _Malformed("it holds no image data")
            return _Layout(end=pos, regions=regions, frames=1)
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            continue  # standalone markers carry no length
        if marker in (0x00, 0xD8):
            raise _Malformed("its marker structure is invalid")
        if pos + 2 > n:
            raise _Malformed("it is truncated")
        length = _u16be(data, pos)
        if length < 2:
            raise _Malformed("its marker structure is invalid")
        segment_end = pos + length
        if segment_end > n:
            raise _Malformed("it is truncated")
        regions.append((pos + 2, segment_end))
        pos = segment_end
        if marker in _JPEG_SOF:
            seen_frame = True
        elif marker == 0xDA:
            if not seen_frame:
                raise _Malformed("its marker structure is invalid")
            seen_scan = True
            match = _JPEG_NEXT_MARKER.search(data, pos)
            if match is None:
                raise _Malformed("it is truncated (no end-of-image marker)")
            pos = match.start()


class _Bomb(Exception):
    """Metadata that unpacks to more than a decoder keeps (``MetadataTooLarge``)."""


def _png_text_limits() -> tuple[int, int]:
    """Pillow's own limits (one chunk, all text): what the worker's Pillow refuses, the
    upload refuses first."""
    from PIL import PngImagePlugin

    return int(PngImagePlugin.MAX_TEXT_CHUNK), int(PngImagePlugin.MAX_TEXT_MEMORY)


def _png_unpacked_size(kind: bytes, body: bytes, limit: int) -> int:
    """Bytes a zTXt/iCCP/iTXt (or tEXt) chunk unpacks to, reading at most ``limit + 1``."""
    _keyword, _, rest = body.partition(b"\0")
    if kind == b"tEXt":
        return len(rest)
    if kind == b"iTXt":
        if len(rest) < 2:
            return 0
        compressed, rest = rest[0], rest[2:]
        # language tag and translated keyword, then the text
        parts = rest.split(b"\0", 2)
        text = parts[2] if len(parts) == 3 else b""
        if not compressed:
            return len(text)
        packed = text
    else:  # zTXt and iCCP: a compression method byte, then zlib data
        packed = rest[1:]
    unpacker = zlib.decompressobj()
    try:
        out = unpacker.decompress(packed, limit + 1)
    except zlib.error:
        return 0  # damaged: decoders skip it, as the structure is otherwise fine
    return len(out) + (1 if unpacker.unconsumed_tail else 0)


_PNG_TEXT_KINDS = (b"tEXt", b"zTXt", b"iTXt", b"iCCP")


def _walk_png(data: bytes) -> _Layout:
    n = len(data)
    pos = len(PNG_SIGNATURE)
    regions: list[tuple[int, int]] = []
    frames: int | None = None
    seen_data = False
    first = True
    chunk_limit, total_limit = _png_text_limits()
    text_total = 0
    while True:
        if pos + 12 > n:
            raise _Malformed("it is truncated (no IEND chunk)")
        length = _u32be(data, pos)
        kind = data[pos + 4 : pos + 8]
        if not kind.isalpha() or length > 0x7FFFFFFF:
            raise _Malformed("its chunk structure is invalid")
        if first and kind != b"IHDR":
            raise _Malformed("it does not start with an IHDR chunk")
        first = False
        chunk_end = pos + 12 + length
        if chunk_end > n:
            raise _Malformed("it is truncated")
        if kind in _PNG_TEXT_KINDS:
            unpacked = _png_unpacked_size(kind, data[pos + 8 : pos + 8 + length], chunk_limit)
            text_total += unpacked
            if (unpacked > chunk_limit and kind != b"tEXt") or text_total > total_limit:
                raise _Bomb(kind.decode())
        if kind in (b"IDAT", b"fdAT"):
            seen_data = True
        else:
            regions.append((pos + 8, pos + 8 + length))
            if kind == b"acTL" and length >= 8:
                frames = _u32be(data, pos + 8)
        pos = chunk_end
        if kind == b"IEND":
            if not seen_data:
                raise _Malformed("it holds no image data")
            return _Layout(end=pos, regions=regions, frames=frames)


def _skip_gif_sub_blocks(data: bytes, pos: int) -> int:
    n = len(data)
    while True:
        if pos >= n:
            raise _Malformed("it is truncated")
        size = data[pos]
        pos += 1
        if size == 0:
            return pos
        pos += size


def _walk_gif(data: bytes) -> _Layout:
    n = len(data)
    if n < 13:
        raise _Malformed("it is truncated")
    flags = data[10]
    pos = 13
    if flags & 0x80:
        pos += 3 * (2 << (flags & 7))
    regions: list[tuple[int, int]] = [(0, min(pos, n))]
    frames = 0
    # libvips always decodes GIF to RGBA; whether any frame is transparent is only told by
    # the Graphic Control Extensions' transparency flag.
    transparent = False
    while True:
        if pos >= n:
            # Many encoders forget the trailer byte; decoders accept the file as long as the
            # last image is complete, which the sub-block walk has just proven.
            if frames:
                return _Layout(end=n, regions=regions, frames=frames, has_alpha=transparent)
            raise _Malformed("it is truncated")
        block = data[pos]
        if block == 0x3B:
            if not frames:
                raise _Malformed("it holds no image data")
            return _Layout(end=pos + 1, regions=regions, frames=frames, has_alpha=transparent)
        if block == 0x21:
            if pos + 5 < n and data[pos + 1] == 0xF9 and data[pos + 2] >= 4:
                transparent = transparent or bool(data[pos + 3] & 1)
            start = pos + 2
            pos = _skip_gif_sub_blocks(data, start)
            regions.append((start, pos))
        elif block == 0x2C:
            if pos + 10 > n:
                raise _Malformed("it is truncated")
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 7))
            pos = _skip_gif_sub_blocks(data, pos + 1)  # +1: LZW minimum code size
            frames += 1
        else:
            raise _Malformed("its block structure is invalid")


def _walk_webp(data: bytes) -> _Layout:
    n = len(data)
    if n < 20:
        raise _Malformed("it is truncated")
    end = 8 + _u32le(data, 4)
    if end > n:
        raise _Malformed("it is truncated")
    pos = 12
    regions: list[tuple[int, int]] = [(0, 12)]
    frames = 0
    has_image = False
    while pos + 8 <= end:
        fourcc = data[pos : pos + 4]
        size = _u32le(data, pos + 4)
        chunk_end = pos + 8 + size
        if chunk_end > end:
            raise _Malformed("it is truncated")
        if fourcc in (b"VP8 ", b"VP8L"):
            has_image = True
        elif fourcc == b"ANMF":
            has_image = True
            frames += 1
        elif fourcc != b"ALPH":
            regions.append((pos + 8, chunk_end))
        pos = chunk_end + (size & 1)
    if not has_image:
        raise _Malformed("it holds no image data")
    return _Layout(end=end, regions=regions, frames=max(frames, 1))


def _is_box_type(kind: bytes) -> bool:
    return len(kind) == 4 and all(0x20 <= c <= 0x7E for c in kind)


def _walk_isobmff(data: bytes, start: int = 0) -> _Layout:
    """Top-level boxes of AVIF/HEIF (and of a motion photo's MP4 trailer).

    The logical end is the end of the last well-formed box: whatever follows (not a box, or
    a box that runs past the end of the file) is treated as trailing data. A truncated file
    therefore passes here and is caught by the decoder, which is the only one that knows
    which items the image needs.
    """
    n = len(data)
    pos = start
    regions: list[tuple[int, int]] = []
    while pos + 8 <= n:
        size = _u32be(data, pos)
        kind = data[pos + 4 : pos + 8]
        if not _is_box_type(kind):
            break
        header = 8
        if size == 1:
            if pos + 16 > n:
                break
            size = int.from_bytes(data[pos + 8 : pos + 16], "big")
            header = 16
        elif size == 0:
            size = n - pos
        box_end = pos + size
        if size < header or box_end > n:
            break
        if kind != b"mdat":
            regions.append((pos + header, box_end))
        pos = box_end
    if pos == start:
        raise _Malformed("its box structure is invalid")
    return _Layout(end=pos, regions=regions)


def _walk_bmp(data: bytes) -> _Layout:
    n = len(data)
    if n < 26:
        raise _Malformed("it is truncated")
    declared = _u32le(data, 2)
    pixels_at = _u32le(data, 10)
    if pixels_at > n:
        raise _Malformed("it is truncated")
    # bfSize is often wrong by a few bytes in the wild; only trust it when it is plausible.
    # A short file is left to the decoder, which knows how many pixel bytes it needs.
    end = declared if pixels_at <= declared <= n else None
    return _Layout(end=end, regions=[(0, pixels_at)])


def _walk(fmt: ImageFormat, data: bytes) -> _Layout:
    if fmt is ImageFormat.JPEG:
        return _walk_jpeg(data)
    if fmt is ImageFormat.PNG:
        return _walk_png(data)
    if fmt is ImageFormat.GIF:
        return _walk_gif(data)
    if fmt is ImageFormat.WEBP:
        return _walk_webp(data)
    if fmt in (ImageFormat.AVIF, ImageFormat.HEIF):
        return _walk_isobmff(data)
    if fmt is ImageFormat.BMP:
        return _walk_bmp(data)
    # TIFF: strips and IFDs may sit anywhere; only the whole-file checks apply.
    return _Layout(end=None)


# ------------------------------------------------------------------- polyglot checks

# Long enough (7+ bytes, case-insensitive) to be scanned across the whole file: a random
# match in 20 MB of compressed pixels has a probability around 1e-8.
_MARKUP_ANYWHERE = re.compile(rb"<(?:script|iframe|!doctype\s+html)", re.I)
# Shorter signatures, scanned only where a second file format hides (metadata, comments,
# data after the end), so that compressed pixels cannot trigger them by chance.
_FOREIGN_IN_METADATA = re.compile(
    rb"<(?:html|body|object|embed|\?php)"
    rb"|%PDF-"
    rb"|PK\x03\x04[\x0a-\x3f]\x00"  # ZIP local file header with a plausible version
    rb"|Rar!\x1a\x07"
    rb"|7z\xbc\xaf\x27\x1c"
    rb"|\x7fELF[\x01\x02][\x01\x02]\x01",
    re.I,
)
_MAX_TRAILING_IMAGES = 16


def _has_zip_directory(data: bytes) -> bool:
    """True when an unzip tool would open this file as an archive.

    Unzip locates the end-of-central-directory record in the last 64 KiB and follows it
    back to the central directory, so prepended image data does not stop it (the classic
    GIFAR/JPEG+ZIP polyglot). Checking that the directory really is where the record says
    keeps stray "PK" bytes in compressed pixels from matching.
    """
    n = len(data)
    floor = max(0, n - (22 + 0xFFFF))
    i = data.rfind(b"PK\x05\x06", floor)
    while i >= 0:
        if i >= 20 and data[i - 20 : i - 16] == b"PK\x06\x07":
            return True  # ZIP64 locator right before the record
        if i + 22 <= n:
            entries, cd_size = struct.unpack_from("<HI", data, i + 10)
            cd_start = i - cd_size
            plausible = entries and cd_size >= 46 and cd_start >= 0
            if plausible and data[cd_start : cd_start + 4] == b"PK\x01\x02":
                return True
        i = data.rfind(b"PK\x05\x06", floor, i)
    return False


def _trailing_regions(fmt: ImageFormat, data: bytes, end: int) -> list[tuple[int, int]]:
    """Scannable ranges of whatever follows the image's logical end.

    Phones append real media after a JPEG (MPF/Ultra HDR gain maps and depth maps are
    JPEGs, motion photos an MP4): those are walked like any image so that only their
    metadata is scanned. Anything else after the end is scanned whole.
    """
    n = len(data)
    regions: list[tuple[int, int]] = []
    pos = end
    for _ in range(_MAX_TRAILING_IMAGES):
        while pos < n and data[pos] == 0:
            pos += 1
        if pos >= n:
            return regions
        try:
            if fmt is ImageFormat.JPEG and data.startswith(b"\xff\xd8\xff", pos):
                layout = _walk_jpeg(data, pos)
            elif data[pos + 4 : pos + 8] == b"ftyp":
                layout = _walk_isobmff(data, pos)
            else:
                break
        except _Malformed:
            break
        regions.extend(layout.regions)
        assert layout.end is not None  # both walkers always report an end
        pos = layout.end
    regions.append((pos, n))
    return regions


def _find_polyglot(fmt: ImageFormat, data: bytes, layout: _Layout) -> str | None:
    """Why this file is also something other than an image, or None."""
    if _has_zip_directory(data):
        return "it is also a ZIP archive"
    if _MARKUP_ANYWHERE.search(data):
        return "it contains HTML or script markup"
    regions = [(0, min(len(data), 1024)), *layout.regions]
    if layout.end is not None and layout.end < len(data):
        regions.extend(_trailing_regions(fmt, data, layout.end))
    for start, stop in regions:
        if _FOREIGN_IN_METADATA.search(data, start, stop):
            return "it embeds another kind of file (markup, PDF, archive or executable)"
    return None


# ------------------------------------------------------------------------ entry point


def _read_capped(fileobj: ReadableFile, max_bytes: int, name: str) -> tuple[bytes, str]:
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > max_bytes:
        raise _too_large_file(name, max_bytes)
    seek = getattr(fileobj, "seek", None)
    if callable(seek):
        seek(0)
    digest = hashlib.sha256()
    chunks: list[bytes] = []
    total = 0
    while chunk := fileobj.read(CHUNK_SIZE):
        total += len(chunk)
        if total > max_bytes:
            raise _too_large_file(name, max_bytes)
        digest.update(chunk)
        chunks.append(chunk)
    if callable(seek):
        seek(0)  # the caller stores the original next
    return b"".join(chunks), digest.hexdigest()


def _human_bytes(count: int) -> str:
    for unit, size in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if count >= size:
            return f"{count / size:.3g} {unit}"
    return f"{count} bytes"


def _too_large_file(name: str, max_bytes: int) -> FileTooLarge:
    return FileTooLarge(
        f'"{name}" is larger than the {_human_bytes(max_bytes)} limit.',
        details={"filename": name, "max_bytes": max_bytes},
    )


def read_upload(fileobj: ReadableFile, *, filename: str, max_bytes: int) -> tuple[bytes, str]:
    """The upload's bytes and SHA-256, read in chunks up to ``max_bytes`` (else
    ``file_too_large``); ``fileobj`` is rewound. Cheap: callers check for a duplicate
    with the hash before anything decodes."""
    return _read_capped(fileobj, max_bytes, display_name(filename))


def inspect_upload(
    fileobj: ReadableFile,
    *,
    filename: str,
    max_bytes: int,
    max_pixels: int,
    max_animation_pixels: int | None = None,
    max_frames: int | None = None,
) -> ImageInfo:
    """`read_upload` then `inspect_data`."""
    data, sha256 = read_upload(fileobj, filename=filename, max_bytes=max_bytes)
    return inspect_data(
        data,
        sha256=sha256,
        filename=filename,
        max_pixels=max_pixels,
        max_animation_pixels=max_animation_pixels,
        max_frames=max_frames,
    )


def inspect_data(
    data: bytes,
    *,
    sha256: str,
    filename: str,
    max_pixels: int,
    max_animation_pixels: int | None = None,
    max_frames: int | None = None,
) -> ImageInfo:
    """Validate an upload's bytes and describe them, or raise a `LuminaError` with a
    stable code.

    ``max_pixels`` caps one frame; ``max_animation_pixels`` (default ten times
    ``max_pixels``) caps all frames together and ``max_frames`` their number (None: no
    cap). Only the first frame is decoded here; `decode_all_frames` is the worker's.
    Codes: ``file_too_large`` 413, ``unsupported_media`` 415, ``image_too_large``,
    ``too_many_frames`` and ``metadata_too_large`` 413, ``corrupt_image`` 422.
    """
    name = display_name(filename)
    align_decoder_limits(max_pixels)
    head = data[:HEAD_SIZE]
    fmt = sniff_format(head)
    if fmt is None:
        kind = describe_unknown(head)
        hint = "" if kind == "unknown" else f" (it looks like {kind})"
        raise UnsupportedMedia(
            f'"{name}" is not a supported image{hint}. '
            "Accepted: JPEG, PNG, GIF, WebP, AVIF, HEIC/HEIF, TIFF and BMP.",
            details={"filename": name, "detected": kind},
        )

    try:
        layout = _walk(fmt, data)
    except _Malformed as exc:
        raise CorruptImage(
            f'"{name}" is not a valid {fmt.name} image: {exc}.',
            details={"filename": name, "format": str(fmt)},
        ) from None
    except _Bomb as exc:
        raise MetadataTooLarge(
            f'"{name}" was refused: its {exc} metadata unpacks to more than allowed.',
            details={"filename": name, "format": str(fmt), "chunk": str(exc)},
        ) from None
    # Counted from the structure (GIF, APNG, animated WebP): refused before any decoder.
    _check_frames(name, layout.frames or 1, max_frames)

    reason = _find_polyglot(fmt, data, layout)
    if reason:
        raise UnsupportedMedia(
            f'"{name}" was refused: {reason}.',
            details={"filename": name, "format": str(fmt), "detected": "polyglot"},
        )

    errors = decoder_errors()
    with warnings.catch_warnings():
        # Pillow warns above its own pixel limit; ours is enforced just below.
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        try:
            header = read_header(fmt, data)
        except Image.DecompressionBombError:
            raise _too_many_pixels(name, max_pixels) from None
        except errors:
            raise CorruptImage(
                f'"{name}" could not be read as a {fmt.name} image.',
                details={"filename": name, "format": str(fmt)},
            ) from None

        # The structure walk counts GIF frames exactly and is the only one to see APNG's.
        frames = header.frames
        if fmt in (ImageFormat.GIF, ImageFormat.PNG) and layout.frames:
            frames = layout.frames
        pixels = header.width * header.height
        animation_cap = (
            max_animation_pixels if max_animation_pixels is not None else max_pixels * 10
        )
        if header.width < 1 or header.height < 1:
            raise CorruptImage(f'"{name}" has no pixels.', details={"filename": name})
        _check_frames(name, frames, max_frames)
        if pixels > max_pixels or pixels * frames > animation_cap:
            raise _too_many_pixels(name, max_pixels, header.width, header.height, frames)

        try:
            decode(fmt, data)
        except errors:
            raise CorruptImage(
                f'"{name}" is damaged or incomplete and cannot be decoded.',
                details={"filename": name, "format": str(fmt)},
            ) from None

    rotated = header.orientation in (5, 6, 7, 8)
    return ImageInfo(
        format=fmt,
        mime=heif_mime(head) if fmt is ImageFormat.HEIF else MIMES[fmt],
        width=header.height if rotated else header.width,
        height=header.width if rotated else header.height,
        raw_width=header.width,
        raw_height=header.height,
        orientation=header.orientation,
        frames=frames,
        bytes=len(data),
        sha256=sha256,
        has_alpha=header.has_alpha if layout.has_alpha is None else layout.has_alpha,
    )


def _check_frames(name: str, frames: int, max_frames: int | None) -> None:
    if max_frames is not None and frames > max_frames:
        raise TooManyFrames(
            f'"{name}" has {frames} frames: the limit is {max_frames}.',
            details={"filename": name, "frames": frames, "max_frames": max_frames},
        )


def _too_many_pixels(
    name: str, max_pixels: int, width: int = 0, height: int = 0, frames: int = 1
) -> ImageTooLarge:
    size = f" ({width}x{height}{f' x {frames} frames' if frames > 1 else ''})" if width else ""
    return ImageTooLarge(
        f'"{name}" is too large{size}: the limit is {max_pixels / 1_000_000:g} megapixels.',
        details={
            "filename": name,
            "width": width,
            "height": height,
            "frames": frames,
            "max_pixels": max_pixels,
        },
    )
