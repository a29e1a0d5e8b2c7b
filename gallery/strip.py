"""Lossless metadata removal for originals (``?strip=1`` and stripped share links).

JPEG, PNG and WebP are rewritten container-wise: the pixels are not re-encoded, only
the metadata segments (EXIF with GPS, XMP, IPTC, comments) are dropped. ICC colour
profiles are kept: they are needed to show the colours right and say nothing about
the person. Other formats are re-encoded without metadata by the image engine.
"""

from __future__ import annotations

import struct

# JPEG APPn markers that carry metadata: APP1 (EXIF, XMP), APP12-APP15 and COM.
# APP0 (JFIF), APP2 (ICC), APP14 (Adobe colour transform) are kept.
_JPEG_DROP = {0xE1, 0xEC, 0xED, 0xEF, 0xFE}
_PNG_DROP = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}
_WEBP_DROP = {b"EXIF", b"XMP "}


class StripError(ValueError):
    pass


def strip_jpeg(data: bytes) -> bytes:
    if data[:2] != b"\xff\xd8":
        raise StripError("not a JPEG")
    out = bytearray(b"\xff\xd8")
    pos = 2
    while pos < len(data):
        if data[pos] != 0xFF:
            raise StripError("bad JPEG marker")
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker == 0xDA:  # start of scan: the rest is image data
            out += data[pos:]
            return bytes(out)
        if 0xD0 <= marker <= 0xD9 or marker == 0x01:
            out += data[pos : pos + 2]
            pos += 2
            continue
        (length,) = struct.unpack(">H", data[pos + 2 : pos + 4])
        segment = data[pos : pos + 2 + length]
        if marker not in _JPEG_DROP:
            out += segment
        pos += 2 + length
    raise StripError("JPEG without image data")


def strip_png(data: bytes) -> bytes:
    signature = b"\x89PNG\r\n\x1a\n"
    if not data.startswith(signature):
        raise StripError("not a PNG")
    out = bytearray(signature)
    pos = len(signature)
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        end = pos + 12 + length
        if kind not in _PNG_DROP:
            out += data[pos:end]
        pos = end
        if kind == b"IEND":
            break
    return bytes(out)


def strip_webp(data: bytes) -> bytes:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise StripError("not a WebP")
    chunks = bytearray()
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos : pos + 4]
        (size,) = struct.unpack("<I", data[pos + 4 : pos + 8])
        end = pos + 8 + size + (size & 1)
        chunk = bytearray(data[pos:end])
        if kind == b"VP8X":
            # Clear the EXIF (0x08) and XMP (0x04) flags of the extended header.
            chunk[8] &= ~0x0C & 0xFF
        if kind not in _WEBP_DROP:
            chunks += chunk
        pos = end
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WEBP" + bytes(chunks)


STRIPPERS = {"jpeg": strip_jpeg, "png": strip_png, "webp": strip_webp}
