from __future__ import annotations

from django import template

from gallery.models import Asset
from gallery.signing import rendition_url

from ..selectors import place_of

register = template.Library()


@register.simple_tag
def search_thumb(asset: Asset, spec: str = "thumb-400") -> str:
    """A signed URL of a rendition of ``asset``."""
    return rendition_url(asset, spec, "auto")


@register.filter
def place_label(asset: Asset) -> str:
    place = place_of(asset)
    if not place:
        return ""
    return ", ".join(p for p in (place["city"], place["region"], place["country"]) if p)
