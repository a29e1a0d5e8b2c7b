"""Privacy: a user's data export (a ZIP built by a task) and account deletion after a
grace period (carried out by a periodic task).

The ZIP holds ``profile.json``, ``memberships.json``, ``devices.json``, ``tokens.json``
(names, scopes and dates; never hashes), ``audit.json`` (entries about or by the user),
and what the feature apps contribute through ``lumina.core.plugins.data_exporters``
(gallery: ``assets.json`` and ``originals/``; albums: ``albums.json``), registered in
their ``ready()``, so accounts imports none of them.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import zipfile
from datetime import timedelta
from typing import Any

from auditlog.context import disable_auditlog
from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from lumina.core import events, plugins
from lumina.core.errors import Conflict, LuminaError, NotFound, ValidationFailed
from lumina.core.plugins import ExportArchive

from . import audit, services
from .events import TenantDeleted, UserDeleted
from .models import (
    AccountDeletion,
    ApiToken,
    DataExport,
    ExportStatus,
    KnownDevice,
    Membership,
    Tenant,
    User,
)

logger = logging.getLogger(__name__)
EXPORT_PREFIX = "exports"


def _export_accounts(archive: ExportArchive) -> None:
    user = User.objects.get(pk=archive.user_id)
    archive.write_json(
        "profile.json",
        {
            "id": user.pk,
            "email": user.email,
            "username": user.username,
            "display_name": user.display_name,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
            "is_staff": user.is_staff,
            "two_factor": user.totpdevice_set.filter(confirmed=True).exists(),  # type: ignore[attr-defined]
            "social_accounts": [
                {"provider": a.provider, "uid": a.uid, "data": a.extra_data}
                for a in user.socialaccount_set.all()  # type: ignore[attr-defined]
            ],
        },
    )
    archive.write_json(
        "memberships.json",
        [
            {
                "workspace_id": m.tenant_id,
                "workspace": m.tenant.name,
                "role": m.role,
                "since": m.created_at,
            }
            for m in Membership.objects.filter(user=user).select_related("tenant")
        ],
    )
    archive.write_json(
        "devices.json",
        list(
            KnownDevice.objects.filter(user=user).values(
                "ip", "user_agent", "first_seen", "last_seen"
            )
        ),
    )
    archive.write_json(
        "tokens.json",
        list(
            ApiToken.objects.filter(user=user).values(
                "name",
                "public_prefix",
                "tenant_id",
                "scopes",
                "created_at",
                "expires_at",
                "last_used_at",
                "last_used_ip",
                "revoked_at",
            )
        ),
    )
    archive.write_json(
        "audit.json",
        [
            audit.as_row(e)
            for e in audit.audit_for_user(user=user)
            if _workspace_of(e) is None or _workspace_of(e) in archive.workspace_ids
        ],
    )


def _member_of(user: User) -> set[int]:
    """Workspaces the user belongs to now. Of a workspace they left (or were removed
    from), the export keeps only their own account data and the metadata of their own
    uploads: no originals, albums or audit entries of it (they may hold colleagues' data
    the user no longer has a right to)."""
    return set(Membership.objects.filter(user=user).values_list("tenant_id", flat=True))


def _workspace_of(entry: Any) -> int | None:
    value = (entry.additional_data or {}).get("tenant_id")
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


# --- export services -----------------------------------------------------------------


@transaction.atomic
def data_export_request(*, user: User, ip: str | None = None) -> DataExport:
    """Queue a new export (one at a time)."""
    if DataExport.objects.filter(user=user, status=ExportStatus.PENDING).exists():
        raise Conflict("An export is already being prepared.", code="export_pending")
    export = DataExport.objects.create(user=user)
    audit.record(audit.EXPORT_REQUESTED, actor=user, ip=ip, data={"export_id": export.pk})

    def queue() -> None:
        from .tasks import data_export_build_task

        data_export_build_task.delay(export.pk)

    transaction.on_commit(queue)
    return export


def data_export_build(*, export_id: int) -> DataExport | None:
    """Build the ZIP. Idempotent: a ready or finished export is left as it is."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != ExportStatus.PENDING:
        return export
    user = export.user
    key = f"{EXPORT_PREFIX}/{user.pk}/{export.pk}-{secrets.token_hex(8)}.zip"
    try:
        with tempfile.TemporaryFile() as tmp:
            with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
                archive = ExportArchive(
                    zf=zf, user_id=user.pk, workspace_ids=frozenset(_member_of(user))
                )
                for exporter in plugins.data_exporters:
                    exporter(archive)
            size = tmp.tell()
            tmp.seek(0)
            saved = default_storage.save(key, File(tmp, name=key))
    except Exception as exc:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(
            status=ExportStatus.FAILED, error=type(exc).__name__
        )
        raise
    now = timezone.now()
    export.status = ExportStatus.READY
    export.file = saved
    export.bytes = size
    export.ready_at = now
    export.expires_at = now + timedelta(days=settings.LUMINA_EXPORT_DAYS)
    export.save(update_fields=["status", "file", "bytes", "ready_at", "expires_at"])
    audit.record(audit.EXPORT_READY, actor=user, data={"export_id": export.pk, "bytes": size})
    send_mail(
        subject="[Lumina Host] Your data export is ready",
        message=(
            "The export of your Lumina Host data is ready. Download it from the Privacy "
            f"page while you are signed in; it is kept for {settings.LUMINA_EXPORT_DAYS} days."
        ),
        from_email=None,
        recipient_list=[user.email],
    )
    return export


def data_export_open(*, user: User, export: DataExport, ip: str | None = None) -> File[Any]:
    if export.status != ExportStatus.READY or not export.file:
        raise NotFound("This export is not ready.")
    if export.expires_at and export.expires_at <= timezone.now():
        raise NotFound("This export has expired.")
    DataExport.objects.filter(pk=export.pk).update(downloaded_at=timezone.now())
    audit.record(audit.EXPORT_DOWNLOADED, actor=user, ip=ip, data={"export_id": export.pk})
    return default_storage.open(export.file, "rb")


def data_exports_purge() -> int:
    """Delete the files of expired exports (periodic). Idempotent."""
    count = 0
    due = DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=timezone.now())
    for export in due:
        try:
            if export.file and default_storage.exists(export.file):
                default_storage.delete(export.file)
        except OSError:
            logger.exception("could not delete export %s", export.pk)
            continue
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.EXPIRED, file="")
        count += 1
    if count:
        audit.record("privacy.exports_purged", data={"count": count})
    return count


# --- account deletion ----------------------------------------------------------------

DELETE = "delete"


class DeletionPlanInvalid(ValidationFailed):
    code = "deletion_plan_invalid"


@transaction.atomic
def account_deletion_request(
    *, user: User, password: str | None, plan: dict[str, str], ip: str | None = None
) -> AccountDeletion:
    """Schedule the deletion after ``LUMINA_DELETION_GRACE_DAYS``. ``plan`` maps each
    workspace the user solely owns (id as text) to ``"delete"`` or the user id of the
    member who becomes its owner. Needs the password when the account has one."""
    from . import selectors

    if user.has_usable_password() and not user.check_password(password or ""):
        raise ValidationFailed("The password is not correct.", code="wrong_password")
    clean: dict[str, str] = {}
    for tenant in selectors.sole_owned_tenants(user=user):
        choice = str(plan.get(str(tenant.pk), "")).strip()
        if tenant.personal and not choice:
            choice = DELETE
        others = {str(m.user_id) for m in tenant.other_members}  # type: ignore[attr-defined]
        if choice != DELETE and choice not in others:
            raise DeletionPlanInvalid(
                f"Choose what happens to {tenant.name}: delete it or hand it to a member.",
                details={"tenant_id": tenant.pk},
            )
        clean[str(tenant.pk)] = choice
    deletion, _ = AccountDeletion.objects.update_or_create(
        user=user,
        defaults={
            "plan": clean,
            "scheduled_for": timezone.now() + timedelta(days=settings.LUMINA_DELETION_GRACE_DAYS),
        },
    )
    audit.record(
        audit.DELETION_REQUESTED,
        actor=user,
        ip=ip,
        data={"scheduled_for": deletion.scheduled_for.isoformat(), "plan": clean},
    )
    transaction.on_commit(
        lambda: send_mail(
            subject="[Lumina Host] Your account will be deleted",
            message=(
                f"Your Lumina Host account is scheduled for deletion on "
                f"{deletion.scheduled_for:%Y-%m-%d %H:%M} UTC. Sign in and cancel it on the "
                "Privacy page if you did not ask for this."
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    )
    return deletion


@transaction.atomic
def account_deletion_cancel(*, user: User, ip: str | None = None) -> None:
    deleted, _ = AccountDeletion.objects.filter(user=user).delete()
    if deleted:
        audit.record(audit.DELETION_CANCELLED, actor=user, ip=ip)


@transaction.atomic
def account_delete(*, user: User, plan: dict[str, str]) -> None:
    """Carry out a deletion now: hand over or delete the solely owned workspaces, then
    the user (memberships, tokens, devices and exports go with them)."""
    email, user_id = user.email, user.pk
    for tenant_key, choice in plan.items():
        tenant = Tenant.objects.select_for_update().filter(pk=int(tenant_key)).first()
        if tenant is None:
            continue
        heir = None if choice == DELETE else int(choice)
        if services.membership_hand_over(leaving=user, tenant=tenant, heir_user_id=heir):
            continue
        # Nobody to hand it to: deletion was chosen, or the heir left meanwhile.
        tenant_id = tenant.pk
        audit.record(
            "workspace.deleted",
            actor=user,
            target=tenant,
            tenant=tenant,
            data={"reason": "account deletion"},
        )
        tenant.delete()
        events.emit(TenantDeleted(tenant_id=tenant_id))
    keys = list(
        DataExport.objects.filter(user=user).exclude(file="").values_list("file", flat=True)
    )

    def remove_exports() -> None:
        for key in keys:
            default_storage.delete(key)

    transaction.on_commit(remove_exports)
    audit.record(
        audit.DELETION_EXECUTED,
        actor=None,
        target=user,
        label=f"deleted user {user_id}",
        data={"user_id": user_id, "email_domain": email.rsplit("@", 1)[-1]},
    )
    audit.anonymise_user(user=user)
    # The cascade (memberships, tokens, ...) would log entries naming the person again;
    # the entry above records the deletion instead.
    with disable_auditlog():
        user.delete()
    events.emit(UserDeleted(user_id=user_id))


def account_deletions_execute() -> int:
    """The periodic task: every deletion whose grace period ended. Idempotent."""
    done = 0
    for deletion in AccountDeletion.objects.filter(
        scheduled_for__lte=timezone.now()
    ).select_related("user"):
        try:
            account_delete(user=deletion.user, plan=deletion.plan)
            done += 1
        except LuminaError:
            logger.exception("account deletion %s failed", deletion.pk)
    return done
