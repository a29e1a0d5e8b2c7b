"""Reads of assets. Workspace scoping lives here: every query starts from the
caller's membership; private assets are visible to their owner only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from accounts.models import Membership
from lumina.core.errors import NotFound
from lumina.core.lookup import all_or_404

from .filtering import ASSET_FILTERS, AssetFilters
from .models import (
    Asset,
    AssetQuerySet,
    Favorite,
    Rendition,
    StorageUsage,
    Tag,
    visible_q,
)


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
    """The caller's assets (the living ones, or the trash), narrowed by ``filters``,
    newest first."""
    qs = ASSET_FILTERS.apply(_base(membership), filters or AssetFilters(), membership)
    assert isinstance(qs, AssetQuerySet)
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
    """The workspace's counters; a workspace that never stored anything has no row yet
    and reads as zero (an unsaved instance: the row is made by the first write, under
    the lock in ``services``, never by a read)."""
    usage = StorageUsage.objects.filter(tenant_id=membership.tenant_id).first()
    return usage if usage is not None else StorageUsage(tenant_id=membership.tenant_id)


def asset_for_rendition(*, asset_id: int) -> Asset | None:
    """For signed rendition URLs: the signature is the permission, so no scoping here.
    Trashed assets are included: the trash page shows their thumbnails."""
    return Asset.objects.filter(pk=asset_id).first()


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
