"""Every write of the search app: the index (documents, vocabulary, places, near
duplicate pairs) and the one user action, keeping one of a group of near duplicates.
Assets themselves are only ever changed through gallery's services."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet

from accounts.models import Membership
from gallery import selectors as gallery_selectors
from gallery import services as gallery_services
from gallery.models import Asset
from lumina.core.errors import ValidationFailed

from . import documents, duplicates
from .models import DuplicatePair, SearchDocument, SearchPlace, SearchTerm

logger = logging.getLogger(__name__)

Progress = Callable[[int], None]


class NotDuplicates(ValidationFailed):
    code = "not_duplicates"
    default_message = "Only near duplicates of the kept asset can be trashed here."


def _bump_generation(tenant_ids: Sequence[int]) -> None:
    """Cached facet counts of these workspaces are stale from now on."""
    for tenant_id in set(tenant_ids):
        key = f"search:generation:{tenant_id}"
        try:
            cache.incr(key)
        except ValueError:
            cache.set(key, 1, None)


@transaction.atomic
def documents_refresh(*, asset_ids: Sequence[int], geocode: bool = False) -> int:
    """Bring the documents of these assets up to date with the assets, their tags,
    albums and place; find near duplicates again where the perceptual hash changed.
    Idempotent; ids of assets deleted meanwhile are skipped."""
    written, phash_changed = documents.upsert(asset_ids, geocode_all=geocode)
    if phash_changed:
        duplicates.refresh_pairs(phash_changed)
    if written:
        tenants = list(
            SearchDocument.objects.filter(asset_id__in=asset_ids)
            .values_list("tenant_id", flat=True)
            .distinct()
        )
        transaction.on_commit(lambda: _bump_generation(tenants))
    return written


@dataclass
class RebuildReport:
    documents: int = 0
    pairs: int = 0


def documents_rebuild(
    *,
    tenant_id: int | None = None,
    batch_size: int = 2000,
    with_duplicates: bool = True,
    geocode: bool = False,
    on_total: Callable[[str, int], None] | None = None,
    on_progress: Progress | None = None,
) -> RebuildReport:
    """Rebuild every document (of one workspace, or all), the vocabulary and the
    place list from scratch, then the near-duplicate pairs. One transaction per batch,
    so searches keep working meanwhile. ``geocode`` looks every place up again (after
    an upgrade of the geocoder's data); otherwise a known position keeps its place."""
    assets = Asset.objects.all() if tenant_id is None else Asset.objects.filter(tenant_id=tenant_id)
    scope = {} if tenant_id is None else {"tenant_id": tenant_id}
    report = RebuildReport()
    total = assets.count()
    with transaction.atomic():
        SearchTerm.objects.filter(**scope).delete()
        SearchPlace.objects.filter(**scope).delete()
    if on_total:
        on_total("documents", total)
    for batch in _batches(assets, batch_size):
        with transaction.atomic():
            written, _ = documents.upsert(batch, geocode_all=geocode)
        report.documents += written
        if on_progress:
            on_progress(len(batch))
    if with_duplicates:
        with transaction.atomic():
            DuplicatePair.objects.filter(**scope).delete()
        if on_total:
            on_total("near duplicates", duplicates.BANDS)
        for k in range(duplicates.BANDS):
            with transaction.atomic():
                duplicates.rebuild_pairs_band(k, tenant_id)
            if on_progress:
                on_progress(1)
        report.pairs = DuplicatePair.objects.filter(**scope).count()
    _bump_generation(
        [tenant_id]
        if tenant_id is not None
        else list(assets.values_list("tenant_id", flat=True).distinct())
    )
    return report


def _batches(assets: QuerySet[Asset], size: int) -> Iterator[list[int]]:
    """Asset ids in ascending batches, by keyset (no offset, no id list in memory)."""
    last = 0
    while True:
        ids = list(assets.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:size])
        if not ids:
            return
        yield ids
        last = ids[-1]


def documents_index_missing(*, limit: int = 5000) -> int:
    """Index assets that have no document (an event lost to a crash): the safety net
    a periodic task runs."""
    ids = list(
        Asset.objects.filter(search_document__isnull=True).values_list("pk", flat=True)[:limit]
    )
    if not ids:
        return 0
    return documents_refresh(asset_ids=ids)


def duplicates_resolve(*, membership: Membership, keep_id: int, trash_ids: Sequence[int]) -> int:
    """Keep one asset of a group of near duplicates and move the others to the trash,
    all or nothing, through gallery's service (role checks and events included)."""
    from .selectors import duplicate_group_of

    wanted = [int(i) for i in dict.fromkeys(trash_ids)]
    if not wanted:
        raise ValidationFailed("Choose at least one copy to trash.", details={"field": "trash"})
    if keep_id in wanted:
        raise ValidationFailed("The kept asset cannot be trashed.", details={"field": "trash"})
    gallery_selectors.asset_get(membership=membership, asset_id=keep_id, include_trashed=False)
    assets = gallery_selectors.assets_for_bulk(membership=membership, ids=wanted)
    group = set(duplicate_group_of(membership=membership, asset_id=keep_id))
    strangers = [a.pk for a in assets if a.pk not in group]
    if strangers:
        raise NotDuplicates(details={"ids": strangers})
    return gallery_services.asset_bulk(
        membership=membership, assets=assets, action="delete", params={}
    )
