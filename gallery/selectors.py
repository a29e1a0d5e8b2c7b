"""Reads of assets. Workspace scoping lives here: every query starts from the
caller's membership; private assets are visible to their owner only."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Membership
from lumina.core.errors import NotFound, ValidationFailed
from lumina.core.lookup import all_or_404

from .models import (
    Asset,
    AssetQuerySet,
    AssetTag,
    Favorite,
    Rendition,
    Status,
    StorageUsage,
    Tag,
    Visibility,
    visible_q,
)


@dataclass(frozen=True)
class AssetFilters:
    tag: str | None = None
    favorite: bool | None = None
    visibility: str | None = None
    status: str | None = None
    uploaded_after: datetime | None = None
    uploaded_before: datetime | None = None
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    trashed: bool = False


def _base(membership: Membership) -> AssetQuerySet:
    return Asset.objects.for_tenant(membership.tenant_id).visible_to(membership.user)


def _with_related(qs: AssetQuerySet, membership: Membership) -> AssetQuerySet:
    favorite = Favorite.objects.filter(user=membership.user, asset=OuterRef("pk"))
    return (
        qs.select_related("owner")
        .prefetch_related(
            Prefetch("renditions", queryset=Rendition.objects.order_by("spec", "format")),
            Prefetch("asset_tags__tag", queryset=Tag.objects.all()),
        )
        .annotate(is_favorite=Exists(favorite))
    )


def asset_list(*, membership: Membership, filters: AssetFilters | None = None) -> QuerySet[Asset]:
    f = filters or AssetFilters()
    qs = _base(membership)
    qs = qs.trashed() if f.trashed else qs.alive()
    if f.tag:
        qs = qs.filter(asset_tags__tag__name__iexact=f.tag)
    if f.favorite is not None:
        fav = Favorite.objects.filter(user=membership.user, asset=OuterRef("pk"))
        qs = qs.filter(Exists(fav)) if f.favorite else qs.exclude(Exists(fav))
    if f.visibility:
        if f.visibility not in Visibility.values:
            raise ValidationFailed("Unknown visibility.", details={"field": "visibility"})
        qs = qs.filter(visibility=f.visibility)
    if f.status:
        if f.status not in Status.values:
            raise ValidationFailed("Unknown status.", details={"field": "status"})
        qs = qs.filter(status=f.status)
    if f.uploaded_after:
        qs = qs.filter(created_at__gte=f.uploaded_after)
    if f.uploaded_before:
        qs = qs.filter(created_at__lt=f.uploaded_before)
    if f.taken_after:
        qs = qs.filter(taken_at__gte=f.taken_after)
    if f.taken_before:
        qs = qs.filter(taken_at__lt=f.taken_before)
    return _with_related(qs, membership).order_by("-created_at", "-id")


def asset_get(*, membership: Membership, asset_id: Any, include_trashed: bool = True) -> Asset:
    qs = _with_related(_base(membership), membership)
    if not include_trashed:
        qs = qs.alive()
    try:
        return qs.get(pk=int(asset_id))
    except (Asset.DoesNotExist, TypeError, ValueError):
        raise NotFound("Asset not found.") from None


def assets_for_bulk(*, membership: Membership, ids: Sequence[Any]) -> list[Asset]:
    """All of these ids, or NotFound naming the ones the caller cannot see."""
    return all_or_404(_base(membership), ids, field="ids")


def usage_get(*, membership: Membership) -> StorageUsage:
    usage, _ = StorageUsage.objects.get_or_create(tenant_id=membership.tenant_id)
    return usage


def asset_for_rendition(*, asset_id: int) -> Asset | None:
    """For signed rendition URLs: the signature is the permission, so no scoping here.
    Trashed assets are included: the trash page shows their thumbnails."""
    return Asset.objects.filter(pk=asset_id).first()


def tag_list(*, membership: Membership) -> QuerySet[Tag]:
    """Tags on assets the caller may see (a tag alone can tell what a private asset is)."""
    tagged = AssetTag.objects.filter(tag=OuterRef("pk")).filter(
        visible_q(membership.user, "asset__")
    )
    return (
        Tag.objects.filter(tenant_id=membership.tenant_id).filter(Exists(tagged)).order_by("name")
    )


def dedup_candidates(
    *, membership: Membership, sha256: str, reachable: QuerySet[Asset] | None = None
) -> QuerySet[Asset]:
    """Assets with these bytes an upload may give back: alive and visible to the
    uploader, or their own in the trash (to restore), and within ``reachable`` when
    given. Never another user's private or trashed asset: those get a new asset."""
    user = membership.user
    qs = Asset.objects.filter(tenant_id=membership.tenant_id, sha256=sha256).filter(
        visible_q(user) | Q(owner=user, deleted_at__isnull=False)
    )
    if reachable is not None:
        qs = qs.filter(pk__in=reachable.values("pk"))
    # The living one first, then the uploader's own.
    return qs.order_by(F("deleted_at").asc(nulls_first=True), "id")
