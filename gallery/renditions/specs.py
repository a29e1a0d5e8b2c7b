"""The closed set of renditions: named sizes (the *specs*) x output formats (*variants*).

Words, used this way everywhere: a **spec** is a named size (``thumb-400``), as URLs
(``/r/<asset>/<spec>.<format>``), the API and ``Rendition.spec`` name it; a **variant**
is a spec in one output format (``thumb-400.webp``), what the engine renders.

A variant key such as ``thumb-400.webp`` is the only way a client can ask for a rendition;
anything outside this set is refused, so no request can make the server render (and
store) arbitrary sizes or formats.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from lumina.core.errors import LuminaError

__all__ = [
    "ALL_VARIANTS",
    "SIZES",
    "OutputFormat",
    "RenditionSize",
    "UnknownRendition",
    "Variant",
    "eager_variants",
    "get_variant",
    "negotiate_format",
    "variant_for",
]


class UnknownRendition(LuminaError):
    code = "unknown_rendition"
    # 404: an unknown variant is a URL that does not exist, not a malformed request.
    status = 404
    default_message = "There is no such rendition."


class OutputFormat(StrEnum):
    WEBP = "webp"
    JPEG = "jpeg"
    AVIF = "avif"

    @property
    def mime(self) -> str:
        return f"image/{self.value}"

    @property
    def extension(self) -> str:
        return "jpg" if self is OutputFormat.JPEG else self.value


@dataclass(frozen=True, slots=True)
class RenditionSize:
    name: str
    long_edge: int
    eager: bool


@dataclass(frozen=True, slots=True)
class Variant:
    """One spec (named size) in one output format."""

    size: RenditionSize
    fmt: OutputFormat

    @property
    def key(self) -> str:
        """``thumb-400.webp``: how URLs and storage keys name it (the Rendition row keeps
        the spec and the format apart)."""
        return f"{self.size.name}.{self.fmt.value}"

    @property
    def name(self) -> str:
        return self.size.name

    @property
    def long_edge(self) -> int:
        return self.size.long_edge

    @property
    def mime(self) -> str:
        return self.fmt.mime

    def __str__(self) -> str:
        return self.key


THUMB_400 = RenditionSize("thumb-400", 400, eager=True)
SMALL_800 = RenditionSize("small-800", 800, eager=False)
PREVIEW_1600 = RenditionSize("preview-1600", 1600, eager=True)
LARGE_2560 = RenditionSize("large-2560", 2560, eager=False)

SIZES: Mapping[str, RenditionSize] = {
    size.name: size for size in (THUMB_400, SMALL_800, PREVIEW_1600, LARGE_2560)
}
ALL_VARIANTS: Mapping[str, Variant] = {
    variant.key: variant
    for variant in (Variant(size, fmt) for size in SIZES.values() for fmt in OutputFormat)
}


def get_variant(key: str) -> Variant:
    """The variant for ``key`` (``"thumb-400.webp"``); `UnknownRendition` for anything else.

    ``jpg`` is accepted as an alias of ``jpeg`` since it is the extension in URLs.
    """
    size_name, _, fmt = key.rpartition(".")
    lookup = f"{size_name}.jpeg" if fmt == "jpg" else key
    try:
        return ALL_VARIANTS[lookup]
    except KeyError:
        raise UnknownRendition(
            f'"{key[:80]}" is not a rendition this server produces.',
            details={"spec": key[:80], "known": sorted(ALL_VARIANTS)},
        ) from None


def variant_for(size_name: str, fmt: OutputFormat | str) -> Variant:
    """The variant for a size name and a format, refused like `get_variant` when unknown."""
    return get_variant(f"{size_name}.{fmt}")


def eager_variants(*, avif: bool = False) -> list[Variant]:
    """What processing renders up front: the eager sizes in WebP and JPEG (+ AVIF if on)."""
    formats = [OutputFormat.WEBP, OutputFormat.JPEG] + ([OutputFormat.AVIF] if avif else [])
    return [Variant(size, fmt) for size in SIZES.values() if size.eager for fmt in formats]


_MEDIA_RANGE = re.compile(r"^\s*([^;\s]+)\s*(.*)$")
_Q_PARAM = re.compile(r"(?:^|;)\s*q\s*=\s*([^;\s]*)", re.I)


def _accepted_types(accept: str) -> dict[str, float]:
    accepted: dict[str, float] = {}
    for item in accept.split(",")[:50]:
        match = _MEDIA_RANGE.match(item)
        if not match:
            continue
        media, params = match.group(1).lower(), match.group(2)
        q = 1.0
        if q_match := _Q_PARAM.search(params):
            try:
                q = float(q_match.group(1))
            except ValueError:
                q = 0.0  # a q we cannot read promises nothing; JPEG is always safe
            if not 0.0 <= q <= 1.0:
                q = 0.0
        accepted[media] = max(q, accepted.get(media, 0.0))
    return accepted


def negotiate_format(accept: str | None, *, avif: bool) -> OutputFormat:
    """The ``auto`` format for an ``Accept`` header: AVIF, then WebP, then JPEG.

    Only explicit mentions count: browsers list ``image/avif`` and ``image/webp`` when they
    decode them, while ``image/*`` and ``*/*`` promise nothing. JPEG is always the fallback.
    Responses chosen this way must carry ``Vary: Accept``.
    """
    accepted = _accepted_types(accept or "")
    if avif and accepted.get("image/avif", 0.0) > 0:
        return OutputFormat.AVIF
    if accepted.get("image/webp", 0.0) > 0:
        return OutputFormat.WEBP
    return OutputFormat.JPEG
