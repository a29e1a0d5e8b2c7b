"""Responses that send image bytes: originals (with optional metadata stripping) and
renditions (content-addressed, cached for a year, 304 on a matching ETag)."""

from __future__ import annotations

import re
import unicodedata
from email.utils import format_datetime

from django.conf import settings
from django.http import (
    FileResponse,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseNotModified,
)
from django.utils.http import content_disposition_header

from . import storage
from .models import Asset, Rendition, Visibility
from .renditions.specs import OutputFormat
from .strip import STRIPPERS, StripError

YEAR = 31536000


def upload_limit() -> int:
    return int(settings.LUMINA_MAX_UPLOAD_BYTES)


def safe_filename(name: str, fallback: str) -> str:
    """A download name from the client's original name: no paths, no control chars."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip(" .")
    return name[:200] or fallback


def _strip_bytes(data: bytes, fmt: str) -> bytes:
    stripper = STRIPPERS.get(fmt)
    if stripper is not None:
        try:
            return stripper(data)
        except StripError:
            pass
    if fmt == "bmp":  # BMP has no metadata blocks
        return data
    if fmt == "heif":
        # The bundled libvips has no HEVC decoder: re-encode through pillow-heif.
        return _strip_with_pillow(data)
    import pyvips

    image = pyvips.Image.new_from_buffer(data, "", access="sequential", n=-1)
    suffix = {"tiff": ".tif"}.get(fmt, f".{fmt}")
    return bytes(image.write_to_buffer(suffix, keep=pyvips.enums.ForeignKeep.NONE))


def _strip_with_pillow(data: bytes) -> bytes:
    from io import BytesIO

    from PIL import ImageOps

    from .renditions.decoders import pillow_open

    with pillow_open(BytesIO(data), None) as image:
        clean = ImageOps.exif_transpose(image)
        # Keep only the colour profile; the encoder would copy EXIF and XMP from info.
        icc = clean.info.get("icc_profile")
        clean.info = {"icc_profile": icc} if icc else {}
        out = BytesIO()
        clean.save(out, "HEIF", quality=90, exif=None, xmp=None)
    return out.getvalue()


def original_response(asset: Asset, *, strip: bool) -> HttpResponseBase:
    ext = storage.EXTENSIONS.get(asset.format, "bin")
    filename = safe_filename(asset.original_filename, f"asset-{asset.pk}.{ext}")
    if strip:
        with storage.storage().open(asset.original, "rb") as fh:
            data = _strip_bytes(fh.read(), asset.format)
        response: HttpResponseBase = HttpResponse(
            data, content_type=asset.mime or "application/octet-stream"
        )
        response["Content-Length"] = str(len(data))
    else:
        response = FileResponse(
            storage.storage().open(asset.original, "rb"),
            content_type=asset.mime or "application/octet-stream",
        )
        response["Content-Length"] = str(asset.bytes)
        response["ETag"] = f'"{asset.sha256}"'
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-cache"
    return response


def _etag(asset: Asset, rendition: Rendition) -> str:
    return f'"{asset.sha256[:20]}-{rendition.spec}-{rendition.format}"'


def _matches(header: str, etag: str) -> bool:
    candidates = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return etag in candidates or "*" in candidates


def rendition_response(
    request: HttpRequest, asset: Asset, rendition: Rendition, *, vary_accept: bool
) -> HttpResponseBase:
    etag = _etag(asset, rendition)
    headers = {
        "ETag": etag,
        "Last-Modified": format_datetime(rendition.created_at, usegmt=True),
        # The URL names the content (hash in it): it can be cached for ever. Non-public
        # images must not sit in shared caches.
        "Cache-Control": f"{'public' if asset.visibility == Visibility.PUBLIC else 'private'}, "
        f"max-age={YEAR}, immutable",
    }
    if _matches(request.headers.get("If-None-Match", ""), etag):
        response: HttpResponseBase = HttpResponseNotModified()
    else:
        response = FileResponse(
            storage.storage().open(rendition.file, "rb"),
            content_type=OutputFormat(rendition.format).mime,
        )
        response["Content-Length"] = str(rendition.bytes)
        response["Content-Disposition"] = "inline"
    for key, value in headers.items():
        response[key] = value
    response.exact_vary = "Accept" if vary_accept else ""  # type: ignore[attr-defined]
    return response
