"""Turning a stored original into a ready asset: metadata, hashes, renditions.

Called from `services.asset_process` (the Celery task) and, for on-demand specs, from
the rendition view. Content problems raise `LuminaError` (the asset is marked failed);
storage and database errors propagate so the task retries them.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

from django.conf import settings
from django.db import transaction

from . import services
from .models import Asset, Rendition
from .renditions.engine import get_engine
from .renditions.specs import Spec, eager_specs

# Asset fields filled from what `metadata.read_metadata` returns.
META_FIELDS = (
    "taken_at",
    "camera_make",
    "camera_model",
    "lens",
    "exposure_time",
    "f_number",
    "iso",
    "focal_length",
    "orientation",
    "latitude",
    "longitude",
    "altitude",
)


def _metadata_fields(data: bytes) -> dict[str, Any]:
    from .metadata import read_metadata

    meta = read_metadata(data)
    fields: dict[str, Any] = {}
    for name in META_FIELDS:
        value = meta.get(name)
        if value is None:
            continue
        if isinstance(value, str):
            value = value[: getattr(Asset._meta.get_field(name), "max_length", None) or 255]
        fields[name] = value
    taken = fields.get("taken_at")
    if taken is not None and taken.tzinfo is None:
        # No offset in the file: camera-local time, kept as if it were UTC so that the
        # wall-clock time shown is the one the camera recorded.
        fields["taken_at"] = taken.replace(tzinfo=UTC)
    fields["exif"] = meta.get("exif") or {}
    return fields


def generate_eager(*, asset: Asset, data: bytes) -> dict[str, Any]:
    """Make what every asset needs up front; returns the asset fields to save."""
    from .hashing import compute_hashes
    from .renditions.decoders import decode_all_frames

    # The upload decoded the first frame only (the request stays cheap); every frame is
    # checked here, and a damaged one fails the asset with its reason.
    decode_all_frames(asset.format, data, filename=asset.original_filename)
    fields = _metadata_fields(data)
    specs = eager_specs(avif=settings.LUMINA_AVIF)
    rendered = get_engine().render(data, specs)
    # The placeholder and the perceptual hash come from the smallest rendition: it is
    # already decoded, oriented and small, so they cost next to nothing.
    smallest = min(rendered, key=lambda r: r.width * r.height)
    hashes = compute_hashes(smallest.data)
    fields["placeholder"] = hashes.placeholder
    fields["phash"] = hashes.phash
    for image in rendered:
        services.rendition_record(
            asset=asset,
            spec=image.spec.name,
            fmt=image.fmt.value,
            data=image.data,
            width=image.width,
            height=image.height,
        )
    return fields


def rendition_ensure(*, asset: Asset, spec: Spec) -> Rendition:
    """The stored rendition for ``spec``, made now if it does not exist yet. Two
    requests racing for the same one both get it; only one row is kept."""
    found = Rendition.objects.filter(asset=asset, spec=spec.name, format=spec.fmt.value).first()
    if found is not None:
        return found
    from . import storage

    with transaction.atomic():
        # One maker per asset at a time; the loser finds the winner's row.
        Asset.objects.select_for_update().filter(pk=asset.pk).first()
        found = Rendition.objects.filter(asset=asset, spec=spec.name, format=spec.fmt.value).first()
        if found is not None:
            return found
        with storage.storage().open(asset.original, "rb") as fh:
            data = fh.read()
        (image,) = get_engine().render(data, [spec])
        return services.rendition_record(
            asset=asset,
            spec=spec.name,
            fmt=spec.fmt.value,
            data=image.data,
            width=image.width,
            height=image.height,
        )
