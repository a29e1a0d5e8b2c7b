"""HMAC-signed rendition URLs.

A URL names the asset, a content-hash version, the spec and the format, plus an expiry
(0 for public assets) and an HMAC over all of them. Holding a valid URL is the
permission to fetch that one image; URLs are only handed to people who may see the
asset. Expiries are rounded up to a window so that URLs stay stable (and cacheable)
for a while.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from .models import Asset, Visibility

_SALT = b"lumina.rendition.v1"


def _key() -> bytes:
    return hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()


def _message(asset_id: int, version: str, spec: str, fmt: str, expires: int) -> bytes:
    return f"{asset_id}:{version}:{spec}:{fmt}:{expires}".encode()


def sign(asset_id: int, version: str, spec: str, fmt: str, expires: int) -> str:
    digest = hmac.new(_key(), _message(asset_id, version, spec, fmt, expires), hashlib.sha256)
    return digest.hexdigest()[:32]


def verify(asset_id: int, version: str, spec: str, fmt: str, expires: int, signature: str) -> bool:
    if expires and expires < time.time():
        return False
    expected = sign(asset_id, version, spec, fmt, expires)
    return hmac.compare_digest(expected, signature or "")


def expiry_for(asset: Asset, now: float | None = None) -> int:
    if asset.visibility == Visibility.PUBLIC:
        return 0
    window = settings.LUMINA_SIGNED_URL_WINDOW
    now = time.time() if now is None else now
    # Valid for at least LUMINA_SIGNED_URL_TTL; stable within a window.
    return int((now + settings.LUMINA_SIGNED_URL_TTL) // window + 1) * window


def rendition_url(asset: Asset, spec: str, fmt: str, now: float | None = None) -> str:
    version = asset.sha256[:12]
    expires = expiry_for(asset, now)
    query = urlencode(
        {"v": version, "e": expires, "s": sign(asset.pk, version, spec, fmt, expires)}
    )
    path = reverse("rendition", kwargs={"asset_id": asset.pk, "spec": spec, "fmt": fmt})
    return f"{path}?{query}"
