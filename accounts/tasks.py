from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.invitations_purge", acks_late=True, ignore_result=False)
def invitations_purge_task(older_than_days: int = 30) -> int:
    """Delete invitations that ended (expired, used or withdrawn) long ago. Idempotent."""
    return services.invitations_purge(older_than_days=older_than_days)
