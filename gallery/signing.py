"""HMAC-signed rendition URLs.

A URL names the asset, a content-hash version, the spec and the format, plus an expiry
(0 for public assets) and an HMAC over all of them and the asset's ``url_version``.
Holding a valid URL is the permission to fetch that one image; URLs are only handed to
people who may see the asset. The services raise ``url_version`` whenever access
shrinks (visibility changes, trash), so every URL made before dies with that access,
the never-expiring ones of public assets included. Expiries are rounded up to a window
so that URLs stay stable (and cacheable) for a while.

Only the canonical spelling is accepted (``parse_expiry``, ``canonical``): one ``v``,
``e`` and ``s`` each, ``e`` in plain ASCII digits without sign or leading zeros, ``s``
in lower-case hex; so one image has one URL, in caches too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from .models import Asset, Visibility

_SALT = b"lumina.rendition.v1"


def _key() -> bytes:
    return hashlib.sha256(_SALT + settings.SECRET_KEY.encode()).digest()


_EXPIRY = re.compile(r"0|[1-9][0-9]{0,15}")
_VERSION = re.compile(r"[0-9a-f]{12}")
_SIGNATURE = re.compile(r"[0-9a-f]{32}")


def _message(
    asset_id: int, version: str, spec: str, fmt: str, expires: int, url_version: int
) -> bytes:
    return f"{asset_id}:{version}:{url_version}:{spec}:{fmt}:{expires}".encode()


def sign(
    asset_id: int, version: str, spec: str, fmt: str, expires: int, url_version: int = 0
) -> str:
    message = _message(asset_id, version, spec, fmt, expires, url_version)
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()[:32]


def verify(
    asset_id: int,
    version: str,
    spec: str,
    fmt: str,
    expires: int,
    signature: str,
    url_version: int = 0,
) -> bool:
    if expires and expires < time.time():
        return False
    expected = sign(asset_id, version, spec, fmt, expires, url_version)
    return hmac.compare_digest(expected, signature or "")


def canonical(query: dict[str, list[str]]) -> tuple[str, int, str] | None:
    """``(version, expires, signature)`` from a query's lists of values when each is
    there once and spelled canonically; else None."""
    values = []
    for name, pattern in (("v", _VERSION), ("e", _EXPIRY), ("s", _SIGNATURE)):
        found = query.get(name) or []
        if len(found) != 1 or not pattern.fullmatch(found[0]):
            return None
        values.append(found[0])
    return values[0], int(values[1]), values[2]


def expiry_for(asset: Asset, now: float | None = None) -> int:
    # Only a living public asset gets URLs that never expire.
    if asset.visibility == Visibility.PUBLIC and asset.deleted_at is None:
        return 0
    window = int(settings.LUMINA_SIGNED_URL_WINDOW)
    now = time.time() if now is None else now
    # Valid for at least LUMINA_SIGNED_URL_TTL; stable within a window.
    ttl = int(settings.LUMINA_SIGNED_URL_TTL)
    return int((now + ttl) // window + 1) * window


def rendition_url(asset: Asset, spec: str, fmt: str, now: float | None = None) -> str:
    version = asset.sha256[:12]
    expires = expiry_for(asset, now)
    signature = sign(asset.pk, version, spec, fmt, expires, asset.url_version)
    query = urlencode({"v": version, "e": expires, "s": signature})
    path = reverse("rendition", kwargs={"asset_id": asset.pk, "spec": spec, "fmt": fmt})
    return f"{path}?{query}"
