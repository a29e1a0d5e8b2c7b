"""The audit trail: django-auditlog for model changes, plus our own entries for
security events (sign-in, failed sign-in, lockout, 2FA changes, token use from a new IP,
exports, deletions).

Every entry that belongs to a workspace carries ``additional_data["tenant_id"]`` so
that owners can read their workspace's trail. Secrets never go in: password and token
hashes are excluded from the tracked fields, 2FA devices are not tracked at all, and the
custom entries only ever hold names, ids and addresses.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from typing import Any

from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.functional import LazyObject, empty

from lumina.core.errors import PermissionDenied
from lumina.core.net import client_ip

from .models import Membership, Role, Tenant, User

# (app label, model, registration options). Models of apps not installed, or not built
# yet, are skipped: accounts never imports a feature app.
TRACKED: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("accounts", "User", {"exclude_fields": ["password", "last_login", "password_changed_at"]}),
    ("accounts", "Tenant", {"exclude_fields": ["updated_at"]}),
    ("accounts", "Membership", {}),
    ("accounts", "Invitation", {"exclude_fields": ["token_hash"]}),
    ("accounts", "ApiToken", {"exclude_fields": ["token_hash", "last_used_at", "last_used_ip"]}),
    (
        "gallery",
        "Asset",
        {
            "include_fields": [
                "title",
                "description",
                "visibility",
                "owner",
                "original_filename",
                "deleted_at",
            ]
        },
    ),
    ("albums", "Album", {}),
    ("albums", "ShareLink", {"exclude_fields": ["token_hash", "password", "password_hash"]}),
)

# Events of our own, stored as "access" entries with the event in additional_data.
SIGNIN = "auth.signin"
SIGNIN_FAILED = "auth.signin_failed"
SIGNIN_NEW_DEVICE = "auth.new_device"
LOCKOUT = "auth.lockout"
OTP_ENABLED = "2fa.enabled"
OTP_DISABLED = "2fa.disabled"
OTP_CODES_REGENERATED = "2fa.recovery_codes_regenerated"
OTP_RECOVERY_USED = "2fa.recovery_code_used"
OTP_FAILED = "2fa.failed"
# An event name, not a secret (ruff S105, bandit B105).
PASSWORD_CHANGED = "auth.password_changed"  # noqa: S105  # nosec B105
SSO_SIGNIN = "auth.sso_signin"
# An event name, not a secret (ruff S105, bandit B105).
TOKEN_CREATED = "token.created"  # noqa: S105  # nosec B105
# An event name, not a secret (ruff S105, bandit B105).
TOKEN_REVOKED = "token.revoked"  # noqa: S105  # nosec B105
# An event name, not a secret (ruff S105, bandit B105).
TOKEN_NEW_IP = "token.new_ip"  # noqa: S105  # nosec B105
EXPORT_REQUESTED = "privacy.export_requested"
EXPORT_READY = "privacy.export_ready"
EXPORT_DOWNLOADED = "privacy.export_downloaded"
DELETION_REQUESTED = "privacy.deletion_requested"
DELETION_CANCELLED = "privacy.deletion_cancelled"
DELETION_EXECUTED = "privacy.deletion_executed"
WORKSPACE_SECURITY_CHANGED = "workspace.security_changed"
AUDIT_EXPORTED = "audit.exported"


def register_models() -> None:
    for app_label, model_name, options in TRACKED:
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            continue
        if not auditlog.contains(model):
            field_names = {f.name for f in model._meta.get_fields()}
            opts = {
                key: [name for name in value if name in field_names]
                if key in ("include_fields", "exclude_fields")
                else value
                for key, value in options.items()
            }
            auditlog.register(model, **opts)


def _tenant_id_of(instance: models.Model) -> int | None:
    if isinstance(instance, Tenant):
        return instance.pk
    value = getattr(instance, "tenant_id", None)
    return int(value) if isinstance(value, int) else None


def _tag_with_tenant(sender: Any, instance: models.Model, log_entry: Any = None, **kw: Any) -> None:
    """Files each model change under its workspace, for the owners' audit page."""
    if log_entry is None:
        return
    tenant_id = _tenant_id_of(instance)
    if tenant_id is None:
        return
    data = dict(log_entry.additional_data or {})
    data["tenant_id"] = tenant_id
    LogEntry.objects.filter(pk=log_entry.pk).update(additional_data=data)
    log_entry.additional_data = data


def connect() -> None:
    post_log.connect(_tag_with_tenant, dispatch_uid="accounts_audit_tenant")


def _unwrap(obj: Any) -> Any:
    # request.user is lazy, and django-otp wraps the auth middleware's lazy user again.
    while isinstance(obj, LazyObject):
        if obj._wrapped is empty:
            obj._setup()
        obj = obj._wrapped
    return obj


def record(
    event: str,
    *,
    actor: User | None = None,
    target: models.Model | None = None,
    tenant_id: int | None = None,
    request: HttpRequest | None = None,
    ip: str | None = None,
    data: dict[str, Any] | None = None,
    label: str | None = None,
) -> LogEntry:
    """Write one security event. ``data`` must hold no secret (names, ids, addresses)."""
    actor = _unwrap(actor)
    target = _unwrap(target) if target is not None else actor
    if target is None:
        raise ValueError("An audit entry needs a target or an actor.")
    if ip is None and request is not None:
        ip = client_ip(request) or None
    payload: dict[str, Any] = {"event": event, **(data or {})}
    if tenant_id is not None:
        payload["tenant_id"] = tenant_id
    pk = target.pk
    return LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(type(target)),
        object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=(label or str(target))[:200],
        action=LogEntry.Action.ACCESS,
        changes_text=event,
        actor=actor if actor is not None and actor.pk else None,
        actor_email=getattr(actor, "email", None),
        remote_addr=ip or None,
        additional_data=payload,
    )


class AuditContextMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client IP from ``client_ip`` (it would otherwise
    believe any X-Forwarded-For)."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request) or None

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None


def set_actor(user: User) -> None:
    """Name ``user`` as the actor of the changes of this request (Bearer tokens are
    authenticated by DRF after the middleware ran)."""
    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if isinstance(context, dict) and context.get("actor") is None:
        context["actor"] = user


# --- reading -------------------------------------------------------------------------

EXPORT_FIELDS = ("timestamp", "event", "action", "object", "actor", "ip", "changes")


def audit_list(*, actor_membership: Membership) -> QuerySet[LogEntry]:
    """The workspace's entries, newest first; owners only."""
    if actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only owners can read the audit log.", code="role_forbidden")
    return (
        LogEntry.objects.filter(additional_data__tenant_id=actor_membership.tenant_id)
        .select_related("content_type", "actor")
        .order_by("-timestamp", "-id")
    )


def audit_for_user(*, user: User) -> QuerySet[LogEntry]:
    """Entries about a user or made by them (for their data export)."""
    user_type = ContentType.objects.get_for_model(User)
    return LogEntry.objects.filter(
        models.Q(actor=user) | models.Q(content_type=user_type, object_pk=str(user.pk))
    ).order_by("timestamp", "id")


def anonymise_user(*, user: User) -> None:
    """Before a user is erased: the trail keeps what happened, not who it was."""
    user_type = ContentType.objects.get_for_model(User)
    label = f"deleted user {user.pk}"
    LogEntry.objects.filter(actor=user).update(actor_email=None)
    LogEntry.objects.filter(content_type=user_type, object_pk=str(user.pk)).exclude(
        object_repr=label
    ).update(object_repr=label, changes=None, serialized_data=None)


def as_row(entry: LogEntry) -> dict[str, Any]:
    data = entry.additional_data or {}
    return {
        "timestamp": entry.timestamp.isoformat(),
        "event": data.get("event")
        or {0: "create", 1: "update", 2: "delete", 3: "access"}.get(entry.action, "other"),
        "action": entry.get_action_display(),
        "object": f"{entry.content_type.app_label}.{entry.content_type.model}:{entry.object_pk}"
        f" {entry.object_repr}",
        "actor": entry.actor_email or "",
        "ip": entry.remote_addr or "",
        "changes": entry.changes if entry.changes is not None else {},
    }


def export_csv(entries: Iterable[LogEntry]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for entry in entries:
        row = as_row(entry)
        row["changes"] = json.dumps(row["changes"], sort_keys=True, default=str)
        # Cells a spreadsheet would run as a formula are quoted.
        writer.writerow({k: _no_formula(str(v)) for k, v in row.items()})
    return out.getvalue()


def _no_formula(value: str) -> str:
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def export_json(entries: Iterable[LogEntry]) -> str:
    return json.dumps([as_row(e) for e in entries], indent=2, default=str)


Formatter = Callable[[Iterable[LogEntry]], str]
FORMATS: dict[str, tuple[Formatter, str]] = {
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "json": (export_json, "application/json"),
}
