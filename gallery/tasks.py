"""Thin Celery tasks: ids in, services do the work. Idempotent, acks late, bounded
retries with backoff for transient errors only."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from celery import shared_task
from django.conf import settings
from django.db import DatabaseError

from . import services

TRANSIENT = (OSError, DatabaseError, ConnectionError, TimeoutError)


@shared_task(
    name="gallery.asset_process",
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def asset_process_task(self: Any, asset_id: int) -> str:
    try:
        asset = services.asset_process(asset_id=asset_id)
    except TRANSIENT:
        if self.request.retries >= self.max_retries:
            services.asset_mark_failed(
                asset_id=asset_id, reason="Processing failed repeatedly (storage or database)."
            )
            return "failed"
        raise
    return asset.status if asset is not None else "gone"


@shared_task(name="gallery.assets_requeue_stuck", acks_late=True)
def assets_requeue_stuck_task() -> int:
    return services.assets_requeue_stuck(
        older_than=timedelta(minutes=settings.LUMINA_STUCK_MINUTES)
    )


@shared_task(name="gallery.trash_purge", acks_late=True)
def trash_purge_task() -> int:
    return services.trash_purge(older_than_days=settings.LUMINA_TRASH_DAYS)
