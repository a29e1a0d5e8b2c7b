"""Reads of share links: the links of an album, and what a link's visitor may see
(what the person who made it may see, ready assets only)."""

from __future__ import annotations

from typing import Any

from django.db.models import (
    Exists,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Lower

from gallery.models import Asset, Status
from lumina.core.errors import NotFound, ValidationFailed

from ..errors import ShareLinkUnavailable
from ..models import (
    Album,
    AlbumItem,
    ShareAccess,
    ShareLink,
)
from ..selectors import (
    Actor,
    ancestors,
    asset_visibility,
    cover_for,
    descendant_ids,
    order_items,
    with_stats,
)


def _public_visibility(link: ShareLink, prefix: str = "") -> Q:
    return asset_visibility(link.created_by, prefix) & Q(**{f"{prefix}status": Status.READY})


def share_link_list(
    *, actor: Actor, album_id: Any = None, asset_id: Any = None
) -> QuerySet[ShareLink]:
    if actor.membership is None:
        return ShareLink.objects.none()
    qs = ShareLink.objects.for_tenant(actor.membership.tenant_id)
    if album_id not in (None, ""):
        try:
            qs = qs.filter(album_id=int(album_id))
        except (TypeError, ValueError):
            raise ValidationFailed("album: an id.", details={"field": "album"}) from None
    if asset_id not in (None, ""):
        try:
            qs = qs.filter(asset_id=int(asset_id))
        except (TypeError, ValueError):
            raise ValidationFailed("asset: an id.", details={"field": "asset"}) from None
    return qs.select_related("album", "asset", "created_by").order_by("-created_at", "-id")


def share_link_get(*, actor: Actor, link_id: Any) -> ShareLink:
    try:
        return share_link_list(actor=actor).get(pk=int(link_id))
    except (ShareLink.DoesNotExist, TypeError, ValueError):
        raise NotFound("Share link not found.") from None


def share_link_by_token(*, token: str, used_up: bool = False) -> ShareLink:
    """The link behind a raw token, if it can be used now; otherwise the same
    ``share_link_unavailable`` (404) for unknown, expired, revoked and used-up links.
    ``used_up`` also returns a link out of views (for a visitor counted already)."""
    from accounts.models import hash_token

    if not token or len(token) > 128:
        raise ShareLinkUnavailable()
    links = ShareLink.objects.usable() if used_up else ShareLink.objects.live()
    link = (
        links.select_related("album", "asset", "created_by", "tenant")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if link is None:
        raise ShareLinkUnavailable()
    target_alive = link.album_id is not None or (
        link.asset is not None and link.asset.deleted_at is None
    )
    if not target_alive:
        raise ShareLinkUnavailable()
    return link


def share_access_list(*, link: ShareLink) -> QuerySet[ShareAccess]:
    return link.accesses.select_related("asset", "album").order_by("-at", "-id")


def link_album(*, link: ShareLink, album_id: Any) -> Album:
    """An album inside what the link shares (its album or a sub-album of it)."""
    if link.album_id is None:
        raise ShareLinkUnavailable()
    try:
        pk = int(album_id)
    except (TypeError, ValueError):
        raise NotFound("Album not found.") from None
    lineage = ancestors(pk)
    ids = [row[0] for row in lineage]
    if link.album_id not in ids:
        raise NotFound("Album not found.")
    album = (
        link.album if pk == link.album_id and link.album is not None else Album.objects.get(pk=pk)
    )
    album.lineage = lineage[ids.index(link.album_id) :]  # type: ignore[attr-defined]
    return album


def link_items(*, link: ShareLink, album: Album) -> QuerySet[AlbumItem]:
    return order_items(
        AlbumItem.objects.filter(album=album)
        .filter(_public_visibility(link, "asset__"))
        .select_related("asset"),
        album,
    )


def link_children(*, link: ShareLink, album: Album) -> list[Album]:
    children: list[Album] = list(
        with_stats(Album.objects.filter(parent=album), link.created_by)
        .annotate(title_key=Lower("title"))
        .order_by("title_key", "id")
    )
    covers = cover_for(children, link.created_by)
    for child in children:
        child.resolved_cover = covers.get(child.pk)  # type: ignore[attr-defined]
    return children


def link_asset(*, link: ShareLink, asset_id: Any) -> Asset:
    """An asset the link shares: its single asset, or an item of its album or of one of
    the sub-albums. Anything else is missing, even in the same workspace."""
    try:
        pk = int(asset_id)
    except (TypeError, ValueError):
        raise NotFound("Asset not found.") from None
    visible = _public_visibility(link)
    if link.asset_id is not None:
        if pk != link.asset_id:
            raise NotFound("Asset not found.")
        asset = Asset.objects.filter(pk=pk).filter(visible).first()
    else:
        assert link.album_id is not None
        inside = AlbumItem.objects.filter(
            asset=OuterRef("pk"), album_id__in=descendant_ids(link.album_id)
        )
        asset = (
            Asset.objects.filter(pk=pk, tenant_id=link.tenant_id)
            .filter(visible)
            .filter(Exists(inside))
            .first()
        )
    if asset is None:
        raise NotFound("Asset not found.")
    return asset


def link_visibility(link: ShareLink) -> Q:
    """For ZIPs of a link's album: item filter on ``asset__``."""
    return _public_visibility(link, "asset__")
