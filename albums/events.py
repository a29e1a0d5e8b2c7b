"""Events of albums and share links (the catalogue: docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from lumina.core.events import Event


@dataclass(frozen=True, kw_only=True)
class AlbumEvent(Event):
    """What every album event carries."""

    tenant_id: int
    album_id: int


@dataclass(frozen=True, kw_only=True)
class AlbumCreated(AlbumEvent):
    name = "album.created"
    version = 1
    description = "An album was created."


@dataclass(frozen=True, kw_only=True)
class AlbumUpdated(AlbumEvent):
    name = "album.updated"
    version = 1
    description = "An album's title, description, sort, cover or parent changed."


@dataclass(frozen=True, kw_only=True)
class AlbumDeleted(AlbumEvent):
    name = "album.deleted"
    version = 1
    description = (
        "An album was deleted (once for it and once for each sub-album deleted with it); "
        "asset_ids are the assets it held."
    )

    asset_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class AlbumItemsAdded(AlbumEvent):
    name = "album.items_added"
    version = 1
    description = "Assets were added to an album; asset_ids are the ones new to it."

    asset_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class AlbumItemsRemoved(AlbumEvent):
    name = "album.items_removed"
    version = 1
    description = "Assets were removed from an album."

    asset_ids: list[int]


@dataclass(frozen=True, kw_only=True)
class AlbumItemsReordered(AlbumEvent):
    name = "album.items_reordered"
    version = 1
    description = "An album's items were moved to other positions."


@dataclass(frozen=True, kw_only=True)
class AlbumShared(AlbumEvent):
    name = "album.shared"
    version = 1
    description = "An album was shared with a person (a new or renewed album share)."

    share_id: int


@dataclass(frozen=True, kw_only=True)
class AlbumUnshared(AlbumEvent):
    name = "album.unshared"
    version = 1
    description = "A person's share of an album was deleted."


@dataclass(frozen=True, kw_only=True)
class ShareLinkCreated(Event):
    name = "share_link.created"
    version = 1
    description = "A share link to an album or an asset was made."

    tenant_id: int
    link_id: int
    album_id: int | None
    asset_id: int | None


@dataclass(frozen=True, kw_only=True)
class ShareLinkRevoked(Event):
    name = "share_link.revoked"
    version = 1
    description = "A share link was revoked (by a member, or by an operator in the admin)."

    tenant_id: int
    link_id: int
