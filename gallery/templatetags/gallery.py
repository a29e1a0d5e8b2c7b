from __future__ import annotations

from django import template

from gallery.models import Asset
from gallery.signing import rendition_url as _rendition_url

register = template.Library()


@register.simple_tag
def rendition_url(asset: Asset, spec: str, fmt: str = "auto") -> str:
    """A signed URL for one rendition of ``asset``."""
    return _rendition_url(asset, spec, fmt)
