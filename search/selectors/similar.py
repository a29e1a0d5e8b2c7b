"""Near duplicates and similar images (perceptual hashes)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from accounts.models import Membership
from gallery import selectors as gallery_selectors
from gallery.models import Asset, Visibility
from lumina.core.errors import NotFound

from .. import duplicates
from ..models import DuplicatePair
from .fulltext import documents_for

# --- near duplicates -----------------------------------------------------------------------


def _visible_pairs(membership: Membership) -> QuerySet[DuplicatePair]:
    alive_visible = {}
    for side in ("asset_low", "asset_high"):
        alive_visible[side] = Q(**{f"{side}__deleted_at__isnull": True}) & (
            ~Q(**{f"{side}__visibility": Visibility.PRIVATE})
            | Q(**{f"{side}__owner_id": membership.user_id})
        )
    return DuplicatePair.objects.filter(tenant_id=membership.tenant_id).filter(
        alive_visible["asset_low"], alive_visible["asset_high"]
    )


def _components(edges: Iterable[tuple[int, int]]) -> list[list[int]]:
    parent: dict[int, int] = {}

    def root(node: int) -> int:
        parent.setdefault(node, node)
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    for a, b in edges:
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = defaultdict(list)
    for node in parent:
        groups[root(node)].append(node)
    return [sorted(members) for members in groups.values()]


def duplicate_group_ids(*, membership: Membership) -> list[list[int]]:
    """Groups of near duplicates the caller may see (linked pairs form one group),
    newest group first."""
    edges = _visible_pairs(membership).values_list("asset_low_id", "asset_high_id")
    return sorted(_components(edges), key=lambda group: -max(group))


def duplicate_groups(
    *, membership: Membership, page: int = 1, per_page: int = 20
) -> tuple[list[list[Asset]], bool, int]:
    """One page of near-duplicate groups (largest first inside a group, ties by
    resolution then age), whether there are more, and the number of groups."""
    groups = duplicate_group_ids(membership=membership)
    page = max(1, page)
    chosen = groups[(page - 1) * per_page : page * per_page]
    ids = [asset_id for group in chosen for asset_id in group]
    assets = {
        a.pk: a
        for a in gallery_selectors.asset_list(membership=membership)
        .filter(pk__in=ids)
        .select_related("search_document")
    }
    out = []
    for group in chosen:
        members = [assets[i] for i in group if i in assets]
        members.sort(key=lambda a: (-(a.width * a.height), -a.bytes, a.created_at, a.pk))
        if len(members) > 1:
            out.append(members)
    return out, len(groups) > page * per_page, len(groups)


def duplicate_group_of(*, membership: Membership, asset_id: int) -> list[int]:
    for group in duplicate_group_ids(membership=membership):
        if asset_id in group:
            return group
    return [asset_id]


_SIMILAR = f"""
SELECT b.asset_id, bit_count((b.phash # %(phash)s)::bit(64)) AS distance
FROM search_searchdocument b
WHERE b.tenant_id = %(tenant)s AND b.asset_id <> %(asset)s AND b.deleted_at IS NULL
  AND (b.visibility <> '{Visibility.PRIVATE.value}' OR b.owner_id = %(user)s)
  AND {duplicates.candidates_sql("b", "%(phash)s", [f"%(b{k})s" for k in range(4)])}
ORDER BY distance, b.asset_id DESC
LIMIT 100
"""  # noqa: S608  # nosec B608  # only constant SQL is formatted in; values are parameters


def similar_assets(*, membership: Membership, asset_id: Any) -> list[Asset]:
    """Near duplicates of one asset, closest first (``asset.distance`` in bits),
    found through the band indexes. 404 for an asset the caller cannot see."""
    try:
        pk = int(asset_id)
    except (TypeError, ValueError):
        raise NotFound("Asset not found.") from None
    doc = documents_for(membership).filter(asset_id=pk).values("phash").first()
    if doc is None:
        gallery_selectors.asset_get(membership=membership, asset_id=pk, include_trashed=False)
        return []  # not indexed yet
    phash = doc["phash"]
    if phash is None:
        return []
    distance = duplicates.max_distance()
    params = {
        "phash": phash,
        "tenant": membership.tenant_id,
        "asset": pk,
        "user": membership.user_id,
        "distance": distance,
        "radius": distance // 4,
        **{f"b{k}": duplicates.band(phash, k) for k in range(4)},
    }
    with connection.cursor() as cursor:
        cursor.execute(_SIMILAR, params)
        found = cursor.fetchall()
    assets = {
        a.pk: a
        for a in gallery_selectors.asset_list(membership=membership).filter(
            pk__in=[row[0] for row in found]
        )
    }
    out = []
    for other, bits in found:
        asset = assets.get(other)
        if asset is not None:
            asset.distance = bits  # type: ignore[attr-defined]
            out.append(asset)
    return out
