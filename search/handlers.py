"""Subscribers to domain events: they keep the index current without a rebuild.

Gallery's asset events (``asset.created``, ``asset.ready``, ``asset.updated`` for title,
description, visibility, tags and renames, ``asset.trashed``, ``asset.restored``) each
refresh that asset's document at once, in the process that made the change (the
processing worker for ``asset.ready``, which is where the place lookup runs). Should the
refresh fail, it is queued as a task with retries, and a periodic task indexes any asset
that still has no document.

Album events change what is searched (album titles and membership): those that name
assets (``asset_ids``) re-index them, the others re-index the album's assets.
"""

from __future__ import annotations

import logging

from albums import events as album_events
from gallery import events as asset_events
from lumina.core import events

logger = logging.getLogger(__name__)

ASSET_EVENTS: tuple[type[asset_events.AssetEvent], ...] = (
    asset_events.AssetCreated,
    asset_events.AssetReady,
    asset_events.AssetUpdated,
    asset_events.AssetTrashed,
    asset_events.AssetRestored,
)
ALBUM_EVENTS: tuple[type[album_events.AlbumEvent], ...] = (
    album_events.AlbumCreated,
    album_events.AlbumUpdated,
    album_events.AlbumDeleted,
    album_events.AlbumItemsAdded,
    album_events.AlbumItemsRemoved,
    album_events.AlbumItemsReordered,
    album_events.AlbumShared,
    album_events.AlbumUnshared,
)


def _refresh(asset_ids: list[int]) -> None:
    from . import services, tasks

    if not asset_ids:
        return
    try:
        services.documents_refresh(asset_ids=asset_ids)
    except Exception:
        logger.exception("search index refresh failed; queued again", extra={"ids": asset_ids})
        tasks.documents_refresh_task.delay(asset_ids)


def on_asset_event(event: asset_events.AssetEvent) -> None:
    _refresh([event.asset_id])


def on_album_event(event: album_events.AlbumEvent) -> None:
    """Re-index the assets the event names, else those of the album."""
    from .documents import album_asset_ids

    named: list[int] | None = getattr(event, "asset_ids", None)
    ids = list(named) if named is not None else album_asset_ids(event.album_id)
    for start in range(0, len(ids), 1000):
        _refresh(sorted(set(ids[start : start + 1000])))


def connect() -> None:
    for asset_event in ASSET_EVENTS:
        events.subscribe(asset_event, on_asset_event)
    for album_event in ALBUM_EVENTS:
        events.subscribe(album_event, on_album_event)
