"""Thin Celery tasks that call album services."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from .sharing import services as sharing_services


@shared_task(name="albums.share_access_purge", acks_late=True)
def share_access_purge_task() -> int:
    """Forget share-link accesses older than LUMINA_SHARE_ACCESS_LOG_DAYS (idempotent)."""
    return sharing_services.share_access_purge(
        older_than_days=settings.LUMINA_SHARE_ACCESS_LOG_DAYS
    )
