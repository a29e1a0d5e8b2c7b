"""Template helpers of the gallery pages: signed image sources, tiles, icons and the
strings the scripts show (translated here, so every string goes through gettext)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import template
from django.templatetags.static import static
from django.utils.html import format_html, json_script
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from gallery.models import Asset
from gallery.renditions.specs import OutputFormat
from gallery.signing import rendition_url as _rendition_url

register = template.Library()

# Most preferred first; the last one is the <img> fallback every browser decodes.
FORMAT_ORDER = ("avif", "webp", "jpeg")
# Sizes offered to tiles (the on-demand large-2560 is for the lightbox's zoom only).
TILE_SPECS = ("thumb-400", "small-800", "preview-1600")
THUMB_EDGE = 400
TILE_SIZES = "auto, (max-width: 560px) 45vw, 260px"


@register.simple_tag
def rendition_url(asset: Asset, spec: str, fmt: str = "auto") -> str:
    """A signed URL for one rendition of ``asset``."""
    return _rendition_url(asset, spec, fmt)


@register.simple_tag
def icon(name: str, label: str = "") -> SafeString:
    """An icon from the sprite; decorative unless it is given a label."""
    href = f"{static('img/icons.svg')}#{name}"
    if label:
        return format_html(
            '<svg class="icon icon-{}" role="img" aria-label="{}"><use href="{}"></use></svg>',
            name,
            label,
            href,
        )
    return format_html(
        '<svg class="icon icon-{}" aria-hidden="true" focusable="false">'
        '<use href="{}"></use></svg>',
        name,
        href,
    )


def scaled(width: int, height: int, edge: int = THUMB_EDGE) -> tuple[int, int]:
    """The size of a rendition whose long edge is ``edge`` (never enlarged)."""
    width, height = max(1, width or 1), max(1, height or 1)
    scale = min(1.0, edge / max(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def picture(asset: Asset, specs: tuple[str, ...] = TILE_SPECS) -> dict[str, Any]:
    """<picture> sources from the renditions that exist (prefetched by the selectors),
    grouped by format with their real widths, the same way the scripts build them from
    the API's ``renditions``."""
    by_format: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for rendition in asset.renditions.all():
        if rendition.spec in specs and rendition.format in FORMAT_ORDER:
            by_format[rendition.format].append((rendition.width, rendition.spec, rendition.format))
    formats = [f for f in FORMAT_ORDER if by_format.get(f)]
    if not formats:
        return {}

    def srcset(fmt: str) -> str:
        candidates = sorted(by_format[fmt])
        seen: set[int] = set()
        parts = []
        for width, spec, f in candidates:
            if width in seen:  # a small original: every size is the same image
                continue
            seen.add(width)
            parts.append(f"{_rendition_url(asset, spec, f)} {width}w")
        return ", ".join(parts)

    fallback = formats[-1]
    smallest = sorted(by_format[fallback])[0]
    return {
        "sources": [{"type": OutputFormat(f).mime, "srcset": srcset(f)} for f in formats[:-1]],
        "src": _rendition_url(asset, smallest[1], smallest[2]),
        "srcset": srcset(fallback),
    }


def tile_context(asset: Asset, *, trash: bool = False, eager: bool = False) -> dict[str, Any]:
    width, height = scaled(asset.width, asset.height)
    ready = asset.status == "ready"
    return {
        "asset": asset,
        "title": asset.display_title,
        "width": width,
        "height": height,
        "trash": trash,
        # Renditions of trashed assets are not served: the placeholder stands in.
        "picture": picture(asset) if ready and not trash else {},
        "preview": _rendition_url(asset, "preview-1600", "auto") if ready and not trash else "",
        "sizes": TILE_SIZES,
        "eager": eager,
        "favorite": bool(getattr(asset, "is_favorite", False)),
    }


@register.inclusion_tag("gallery/_tile.html")
def asset_tile(asset: Asset, trash: bool = False, index: int = 99) -> dict[str, Any]:
    # The first row or two are above the fold: no lazy loading for them (LCP).
    return tile_context(asset, trash=trash, eager=index < 8)


@register.simple_tag
def detail_picture(asset: Asset) -> dict[str, Any]:
    return picture(asset, specs=("preview-1600",))


def _plural(message: Any) -> dict[str, str]:
    """Both forms of an ``ngettext_lazy`` message; the scripts pick one with Intl rules."""
    return {"one": str(message % 1), "other": str(message % 2)}


def js_strings() -> dict[str, Any]:
    """Every string the scripts show; {name} placeholders are filled in by the scripts."""
    return {
        "loading": _("Loading more…"),
        "end": _("That is everything."),
        "loadFailed": _("Could not load more images."),
        "retry": _("Retry"),
        "offline": _("You are offline."),
        "processing": _("Processing…"),
        "untitled": _("Untitled"),
        "failed": _("Failed"),
        "ready": _("Ready"),
        "select": _("Select {name}"),
        "favorite": _("Favourite"),
        "selected": _plural(ngettext_lazy("{n} selected", "{n} selected")),
        "movedToTrash": _plural(
            ngettext_lazy("{n} image moved to the trash.", "{n} images moved to the trash.")
        ),
        "restored": _plural(ngettext_lazy("{n} image restored.", "{n} images restored.")),
        "tagged": _plural(ngettext_lazy("Tag added to {n} image.", "Tag added to {n} images.")),
        "favorited": _plural(
            ngettext_lazy("{n} image added to favourites.", "{n} images added to favourites.")
        ),
        "unfavorited": _plural(
            ngettext_lazy(
                "{n} image removed from favourites.", "{n} images removed from favourites."
            )
        ),
        "visibilitySet": _plural(
            ngettext_lazy("Visibility changed for {n} image.", "Visibility changed for {n} images.")
        ),
        "trashEmptied": _plural(
            ngettext_lazy("{n} image deleted for good.", "{n} images deleted for good.")
        ),
        "usage": _plural(ngettext_lazy("{n} image, {size} used", "{n} images, {size} used")),
        "undo": _("Undo"),
        "emptyConfirm": _("Delete everything in the trash for good? This cannot be undone."),
        "deleteForGood": _("Delete for good"),
        "cancel": _("Cancel"),
        "close": _("Close"),
        "tagPrompt": _("Name a tag first."),
        "actionFailed": _("That did not work: {message}"),
        # Uploads
        "uploading": _plural(ngettext_lazy("Uploading {n} file", "Uploading {n} files")),
        "uploadsDone": _("Uploads finished"),
        "uploadsSummary": _("{done} of {total} done"),
        "queued": _("Waiting…"),
        "sending": _("Sending… {percent}%"),
        "checking": _("Checking the image…"),
        "uploaded": _("Uploaded"),
        "duplicate": _("Already in this workspace"),
        "canceled": _("Canceled"),
        "networkError": _("The connection was lost."),
        "waitingLimit": _("Waiting: too many uploads at once. Resuming in {s} s."),
        "waitingRetry": _("Connection problem. Trying again in {s} s."),
        "uploadsPaused": _("Paused for {s} s: the server asked to slow down"),
        "serverError": _("The server could not take this file."),
        "cancelUpload": _("Cancel upload of {name}"),
        "retryUpload": _("Retry upload of {name}"),
        "clearFinished": _("Clear finished"),
        "hidePanel": _("Hide uploads"),
        "uploadsTitle": _("Uploads"),
        # Lightbox info panel
        "info": {
            "title": _("Title"),
            "filename": _("File name"),
            "dimensions": _("Dimensions"),
            "size": _("File size"),
            "type": _("Type"),
            "taken": _("Taken"),
            "uploaded": _("Uploaded"),
            "camera": _("Camera"),
            "lens": _("Lens"),
            "exposure": _("Exposure"),
            "aperture": _("Aperture"),
            "iso": _("ISO"),
            "focal": _("Focal length"),
            "place": _("Place"),
            "map": _("Open in a map"),
            "tags": _("Tags"),
            "visibility": _("Visible to"),
            "details": _("Open the details page"),
            "none": _("No details are known."),
        },
        "visibility": {
            "private": _("Only me"),
            "tenant": _("Workspace members"),
            "public": _("Anyone with the link"),
        },
        "slideshowOn": _("Slideshow playing"),
        "slideshowOff": _("Slideshow stopped"),
        "position": _("{index} of {count}"),
        "favoriteOn": _("Added to favourites"),
        "favoriteOff": _("Removed from favourites"),
    }


@register.simple_tag
def gallery_strings() -> SafeString:
    return json_script(js_strings(), "lumina-strings")


@register.simple_tag
def json_data(value: Any, element_id: str) -> SafeString:
    return json_script(value, element_id)
