"""Events of assets (the catalogue: docs/events.md)."""

from __future__ import annotations

from dataclasses import dataclass

from lumina.core.events import Event


@dataclass(frozen=True, kw_only=True)
class AssetEvent(Event):
    """What every asset event carries."""

    tenant_id: int
    asset_id: int


@dataclass(frozen=True, kw_only=True)
class AssetCreated(AssetEvent):
    name = "asset.created"
    version = 1
    description = "An upload stored a new asset (its processing is queued)."


@dataclass(frozen=True, kw_only=True)
class AssetReady(AssetEvent):
    name = "asset.ready"
    version = 1
    description = "An asset finished processing: metadata read, renditions made."


@dataclass(frozen=True, kw_only=True)
class AssetUpdated(AssetEvent):
    name = "asset.updated"
    version = 1
    description = (
        "An asset's title, description, visibility or tags changed (one edit, or a bulk "
        "edit or rename, once per asset)."
    )


@dataclass(frozen=True, kw_only=True)
class AssetTrashed(AssetEvent):
    name = "asset.trashed"
    version = 1
    description = "An asset was moved to the trash."


@dataclass(frozen=True, kw_only=True)
class AssetRestored(AssetEvent):
    name = "asset.restored"
    version = 1
    description = "An asset was restored from the trash."


@dataclass(frozen=True, kw_only=True)
class AssetDeleted(AssetEvent):
    name = "asset.deleted"
    version = 1
    description = "An asset was deleted for good (purged from the trash)."


@dataclass(frozen=True, kw_only=True)
class AssetFoldered(AssetEvent):
    name = "asset.foldered"
    version = 1
    description = (
        "A file uploaded from a folder was stored (new or a duplicate); folder is its "
        "cleaned folder path."
    )

    user_id: int
    folder: str
