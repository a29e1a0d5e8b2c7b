from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="accounts.invitations_purge", acks_late=True, ignore_result=False)
def invitations_purge_task(older_than_days: int = 30) -> int:
    """Delete invitations that ended (expired, used or withdrawn) long ago. Idempotent."""
    return services.invitations_purge(older_than_days=older_than_days)


@shared_task(
    name="accounts.data_export_build",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=3,
)
def data_export_build_task(export_id: int) -> str | None:
    """Build a user's data export ZIP. Idempotent (a built export is left alone)."""
    from . import gdpr

    export = gdpr.data_export_build(export_id=export_id)
    return export.status if export else None


@shared_task(name="accounts.exports_purge", acks_late=True)
def data_exports_purge_task() -> int:
    from . import gdpr

    return gdpr.data_exports_purge()


@shared_task(name="accounts.deletions_execute", acks_late=True)
def account_deletions_execute_task() -> int:
    """Delete the accounts whose grace period ended. Idempotent."""
    from . import gdpr

    return gdpr.account_deletions_execute()
