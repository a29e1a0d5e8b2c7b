"""Subscribers to domain events: they keep the index current without a rebuild.

Gallery emits ``asset.created``, ``asset.ready``, ``asset.updated`` (title, description,
visibility, tags, renames), ``asset.trashed``, ``asset.restored`` and ``asset.deleted``
after its transaction commits, with ``{"tenant_id", "asset_id"}``. Each one refreshes
that asset's document at once, in the process that made the change (the processing
worker for ``asset.ready``, which is where the place lookup runs). Should the refresh
fail, it is queued as a task with retries, and a periodic task indexes any asset that
still has no document.

Other apps' events that change what is searched (``album.*``, ``tag.*``) are handled
when their payload names the assets (``asset_ids``) or an album (``album_id``).
"""

from __future__ import annotations

import logging
from typing import Any

logger = logging.getLogger(__name__)

ASSET_EVENTS = (
    "asset.created",
    "asset.ready",
    "asset.updated",
    "asset.trashed",
    "asset.restored",
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


def on_asset_event(event: str, payload: dict[str, Any]) -> None:
    asset_id = payload.get("asset_id")
    if isinstance(asset_id, int):
        _refresh([asset_id])


def on_other_event(event: str, payload: dict[str, Any]) -> None:
    """``album.*`` and ``tag.*`` events: re-index the assets they name."""
    if not event.startswith(("album.", "tag.")):
        return
    from .documents import album_asset_ids

    ids = [int(i) for i in payload.get("asset_ids") or [] if isinstance(i, int)]
    album_id = payload.get("album_id")
    if isinstance(album_id, int) and "asset_ids" not in payload:
        ids.extend(album_asset_ids(album_id))
    for start in range(0, len(ids), 1000):
        _refresh(sorted(set(ids[start : start + 1000])))


def connect() -> None:
    from lumina.core import events

    for name in ASSET_EVENTS:
        events.subscribe(name, on_asset_event)
    events.subscribe("*", on_other_event)
