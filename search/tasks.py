"""Thin Celery tasks: ids in, services do the work. Idempotent, acks late, bounded
retries with backoff."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from . import services

TRANSIENT = (OSError, DatabaseError, ConnectionError, TimeoutError)


@shared_task(
    name="search.documents_refresh",
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def documents_refresh_task(asset_ids: list[int]) -> int:
    return services.documents_refresh(asset_ids=asset_ids)


@shared_task(name="search.documents_index_missing", acks_late=True)
def documents_index_missing_task() -> int:
    return services.documents_index_missing()
