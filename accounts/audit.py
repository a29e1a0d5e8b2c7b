"""The audit trail: one entry per change, written by the service that makes it
(``record``), plus django-auditlog's field-level history of the tracked models.

An entry (a django-auditlog ``LogEntry`` with ``additional_data["event"]``) names who
(a member, an operator in the admin, or the system), the verb, the objects with the
labels they had then, the workspace (``tenant_id``; a member's own security events carry
``tenant_ids``), from where (IP; session, token, admin or task) and the change. The
request context comes from a context variable the middleware sets, so services take no
request. Sentences are made when entries are read (``audit_verbs``). Secrets never go
in: password and token hashes are excluded from the tracked fields, 2FA devices are not
tracked at all, and entries only ever hold names, ids and addresses.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
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
from django.http import HttpRequest, HttpResponse
from django.utils.functional import LazyObject, empty
from django.utils.translation import gettext as _

from lumina.core import plugins
from lumina.core.errors import PermissionDenied
from lumina.core.net import client_ip

from . import audit_verbs
from .models import Membership, Role, Tenant, User

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

# A member's own security events, shown in the trail of their workspaces.
MEMBER_EVENTS = frozenset(
    {
        SIGNIN,
        SIGNIN_FAILED,
        SIGNIN_NEW_DEVICE,
        LOCKOUT,
        OTP_ENABLED,
        OTP_DISABLED,
        OTP_CODES_REGENERATED,
        OTP_RECOVERY_USED,
        OTP_FAILED,
        PASSWORD_CHANGED,
    }
)


def register_models() -> None:
    """Accounts' own audited models and audit labels; the feature apps register theirs
    in ``ready()``."""
    from .models import ApiToken, Invitation

    for model, exclude in (
        (User, ("password", "last_login", "password_changed_at")),
        (Tenant, ("updated_at",)),
        (Membership, ()),
        (Invitation, ("token_hash",)),
        (ApiToken, ("token_hash", "last_used_at", "last_used_ip")),
    ):
        plugins.audited_models.register(
            model._meta.label, plugins.AuditedModel(model=model, exclude_fields=exclude)
        )
    # Labels captured at the time, by model (the feature apps register theirs).
    for kind, label, person in (
        ("accounts.user", _user_label, True),
        ("accounts.membership", _membership_label, True),
        ("accounts.invitation", _invitation_label, True),
        ("accounts.tenant", _tenant_label, False),
    ):
        plugins.audit_labels.register(kind, plugins.AuditLabel(label=label, person=person))


def track(label: str, entry: plugins.AuditedModel) -> None:
    """Give a registered model django-auditlog's field history (``audited_models``)."""
    if not auditlog.contains(entry.model):
        auditlog.register(
            entry.model,
            include_fields=list(entry.include_fields) or None,
            exclude_fields=list(entry.exclude_fields) or None,
        )


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


# --- where a change comes from -------------------------------------------------------
#
# Services do not take the request: the middleware (and the Bearer authentication, which
# DRF runs after the middleware) put who and from where into a context variable, and
# ``record`` reads it. Outside a request (Celery tasks, management commands) there is
# no context and the entry says "system".

VIA_SESSION = "session"
VIA_TOKEN = "token"  # noqa: S105  # nosec B105 - a channel name, not a secret
VIA_ADMIN = "admin"
VIA_SYSTEM = "system"


@dataclass
class AuditContext:
    ip: str | None = None
    via: str = VIA_SYSTEM
    user: Any = None  # the request's user, possibly still lazy
    token_prefix: str = ""
    token_name: str = ""


_context: ContextVar[AuditContext | None] = ContextVar("lumina_audit_context", default=None)


@contextmanager
def acting(context: AuditContext) -> Iterator[AuditContext]:
    """Run a block with ``context`` (requests use the middleware; tests and scripts
    may name an actor this way)."""
    reset = _context.set(context)
    try:
        yield context
    finally:
        _context.reset(reset)


class AuditContextMiddleware(AuditlogMiddleware):
    """auditlog's middleware, with the client IP from ``client_ip`` (it would otherwise
    believe any X-Forwarded-For), and the context ``record`` reads."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_ip(request) or None

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> int | None:
        return None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        via = VIA_ADMIN if request.path.startswith("/admin/") else VIA_SESSION
        context = AuditContext(
            ip=client_ip(request) or None, via=via, user=getattr(request, "user", None)
        )
        with acting(context):
            response: HttpResponse = super().__call__(request)
        return response


def set_actor(user: User, token: Any = None) -> None:
    """Name ``user`` as the actor of the changes of this request (Bearer tokens are
    authenticated by DRF after the middleware ran); ``token`` is the API token used."""
    context = _context.get()
    if context is not None:
        context.user = user
        if token is not None:
            context.via = VIA_TOKEN
            context.token_prefix = getattr(token, "public_prefix", "") or ""
            context.token_name = getattr(token, "name", "") or ""
    try:
        value = auditlog_value.get()
    except LookupError:
        return
    if isinstance(value, dict) and value.get("actor") is None:
        value["actor"] = user


# --- what an entry names -------------------------------------------------------------

ACTOR_USER = "user"
ACTOR_OPERATOR = "operator"
ACTOR_SYSTEM = "system"
ACTOR_ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Ref:
    """An object known only by type and id (ids from a request, rows already gone)."""

    type: str
    id: Any
    label: str = ""


def _user_label(user: User) -> str:
    return user.name


def _membership_label(membership: Membership) -> str:
    return membership.user.name


def _invitation_label(invitation: Any) -> str:
    return str(invitation.email)


def _tenant_label(tenant: Tenant) -> str:
    return tenant.name


def _target(obj: Any) -> dict[str, Any]:
    if isinstance(obj, Ref):
        return {"type": obj.type, "id": obj.id, "label": obj.label}
    obj = _unwrap(obj)
    kind = obj._meta.label_lower
    named = plugins.audit_labels.get(kind)
    label = named.label(obj) if named is not None else str(obj)
    found: dict[str, Any] = {"type": kind, "id": obj.pk, "label": str(label or "")[:200]}
    if kind == "accounts.membership":
        found["user_id"] = obj.user_id  # so that erasing the person finds the entry
    # Whose private object this was, so readers other than its owner get no title.
    if getattr(obj, "visibility", None) == "private":
        found["private_owner"] = getattr(obj, "owner_id", None)
    return found


def _tenant_pk(tenant: Any) -> int | None:
    if tenant is None:
        return None
    if isinstance(tenant, int):
        return tenant
    return int(tenant.pk)


def _who(actor: Any) -> tuple[User | None, str, str]:
    """(user, kind, label) of whoever made the change."""
    context = _context.get()
    user = _unwrap(actor) if actor is not None else _unwrap(context.user if context else None)
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    via = context.via if context is not None else VIA_SYSTEM
    if user is None:
        return None, (ACTOR_SYSTEM if via == VIA_SYSTEM else ACTOR_ANONYMOUS), ""
    if via == VIA_ADMIN and user.is_staff:
        return user, ACTOR_OPERATOR, user.email
    return user, ACTOR_USER, user.name


def _plain(value: Any) -> Any:
    if isinstance(value, models.Model):
        return _target(value)
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    return str(value)


def _payload(
    event: str, kind: str, actor_label: str, context: Any, data: dict[str, Any] | None
) -> dict[str, Any]:
    """The entry's own data: the event, who made it and through what."""
    payload: dict[str, Any] = {"event": event, **_plain(data or {})}
    payload["actor_kind"] = kind
    payload["actor_label"] = actor_label
    payload["via"] = context.via if context is not None else VIA_SYSTEM
    if context is not None and context.via == VIA_TOKEN:
        payload["token"] = {"prefix": context.token_prefix, "name": context.token_name}
    payload["count"] = 0
    return payload


def _workspace_keys(event: str, tenant_pk: int | None, user: User | None) -> dict[str, Any]:
    """Where the entry shows: its workspace, or for a member's own security events every
    workspace they belong to at the time (never one they join later)."""
    if tenant_pk is not None:
        return {"tenant_id": tenant_pk}
    if event in MEMBER_EVENTS and user is not None:
        tenant_ids = Membership.objects.filter(user=user).values_list("tenant_id", flat=True)
        return {"tenant_ids": list(tenant_ids)}
    return {}


def _subject(
    subject: dict[str, Any] | None,
    user: User | None,
    tenant_pk: int | None,
    label: str,
    event: str,
) -> tuple[ContentType, Any, str]:
    """(content type, pk, text) of what the entry is about: its first target, else its
    parent, else the workspace, else the user; a system-wide change is about nothing."""
    if subject is not None:
        content_type = ContentType.objects.get_by_natural_key(*subject["type"].split("."))
        pk: Any = subject["id"]
        return content_type, pk, label or subject["label"] or f"#{pk}"
    holder: models.Model | None = Tenant(pk=tenant_pk) if tenant_pk is not None else user
    if holder is None:
        # A system-wide change (a retention purge): about nothing in particular.
        return ContentType.objects.get_for_model(LogEntry), "", label or event
    content_type = ContentType.objects.get_for_model(type(holder))
    text = label or (str(user) if holder is user else f"workspace {tenant_pk}")
    return content_type, holder.pk, text


def record(
    event: str,
    *,
    actor: User | None = None,
    target: Any = None,
    targets: Iterable[Any] | None = None,
    parent: Any = None,
    tenant: Any = None,
    tenant_id: int | None = None,
    changes: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    ip: str | None = None,
    data: dict[str, Any] | None = None,
    label: str | None = None,
) -> LogEntry:
    """Write one audit entry: who (``actor``, else the request's user, else the
    system), what (``event``, a verb of ``audit_verbs.VERBS``), which objects
    (``targets``: one entry for a bulk change, with every id; ``parent``: where, e.g.
    the album items went into), the workspace, from where (IP and session or token,
    from the request context) and ``changes`` ({field: [old, new]}). ``data`` must hold
    no secret (names, ids, addresses)."""
    user, kind, actor_label = _who(actor)
    context = _context.get()
    listed = [_target(t) for t in (targets if targets is not None else [])]
    if target is not None:
        listed.insert(0, _target(target))
    if ip is None and request is not None:
        ip = client_ip(request) or None
    if ip is None and context is not None:
        ip = context.ip
    tenant_pk = _tenant_pk(tenant) if tenant is not None else tenant_id
    payload = _payload(event, kind, actor_label, context, data)
    if listed:
        payload["targets"] = listed
        payload["count"] = len(listed)
    if parent is not None:
        payload["parent"] = _target(parent)
    payload.update(_workspace_keys(event, tenant_pk, user))
    content_type, pk, object_repr = _subject(
        listed[0] if listed else payload.get("parent"), user, tenant_pk, label or "", event
    )
    return LogEntry.objects.create(
        content_type=content_type,
        object_pk=str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=str(object_repr)[:200],
        action=LogEntry.Action.ACCESS,
        changes_text=event,
        changes=_plain(changes) if changes else None,
        actor=user,
        actor_email=getattr(user, "email", None),
        remote_addr=ip or None,
        additional_data=payload,
    )


def objects(model_label: str, ids: Iterable[Any]) -> list[Any]:
    """The rows of ``ids`` (one query), for entries about objects a service knows by id
    only; accounts looks the model up by label, so it imports no feature app."""
    model = apps.get_model(model_label)
    wanted = list(ids)
    found = {o.pk: o for o in model._default_manager.filter(pk__in=wanted)}
    return [found.get(i) or Ref(model_label, i) for i in wanted]


def snapshot(obj: Any, *fields: str) -> dict[str, Any]:
    """Field values before a change, for ``diff`` after it."""
    return {f: _plain(getattr(obj, f, None)) for f in fields}


def diff(before: dict[str, Any], obj: Any) -> dict[str, list[Any]]:
    """{field: [old, new]} of the fields in ``before`` that changed on ``obj``."""
    after = snapshot(obj, *before)
    return {f: [before[f], after[f]] for f in before if before[f] != after[f]}


def record_per_tenant(
    event: str, *, objects: Sequence[Any], actor: Any = None, data: dict[str, Any] | None = None
) -> None:
    """One entry per workspace for a change that spans several (system purges)."""
    by_tenant: dict[int | None, list[Any]] = {}
    for obj in objects:
        by_tenant.setdefault(getattr(obj, "tenant_id", None), []).append(obj)
    for tenant_pk, group in by_tenant.items():
        record(event, actor=actor, tenant_id=tenant_pk, targets=group, data=data)


# --- reading -------------------------------------------------------------------------

EXPORT_FIELDS = (
    "timestamp",
    "event",
    "sentence",
    "actor",
    "actor_kind",
    "via",
    "token",
    "ip",
    "object",
    "count",
    "targets",
    "parent",
    "changes",
    "detail",
)
# Keys of ``additional_data`` that are not part of an entry's free detail.
_KNOWN = {
    "event",
    "actor_kind",
    "actor_label",
    "via",
    "token",
    "targets",
    "count",
    "parent",
    "tenant_id",
    "tenant_ids",
}


def workspace_entries(*, tenant_id: int) -> QuerySet[LogEntry]:
    """The entries of one workspace (and its members' security events), newest first.
    Field-level model history (django-auditlog's own rows, without an event) stays in
    the operator console."""
    entries: QuerySet[LogEntry] = (
        LogEntry.objects.filter(additional_data__has_key="event")
        .filter(
            models.Q(additional_data__tenant_id=tenant_id)
            | models.Q(additional_data__tenant_ids__contains=[tenant_id])
        )
        .select_related("content_type")
        .order_by("-timestamp", "-id")
    )
    return entries


def audit_list(*, membership: Membership) -> QuerySet[LogEntry]:
    """The workspace's entries, newest first; owners and admins only."""
    if not membership.at_least(Role.ADMIN):
        raise PermissionDenied(
            "Only owners and admins can read the audit log.", code="role_forbidden"
        )
    return workspace_entries(tenant_id=membership.tenant_id)


def audit_for_user(*, user: User) -> QuerySet[LogEntry]:
    """Entries about a user or made by them (for their data export)."""
    user_type = ContentType.objects.get_for_model(User)
    entries: QuerySet[LogEntry] = LogEntry.objects.filter(
        models.Q(actor=user) | models.Q(content_type=user_type, object_pk=str(user.pk))
    ).order_by("timestamp", "id")
    return entries


def anonymise_user(*, user: User) -> None:
    """Before a user is erased: the trail keeps what happened, not who it was."""
    user_type = ContentType.objects.get_for_model(User)
    label = f"deleted user {user.pk}"
    LogEntry.objects.filter(actor=user).update(actor_email=None)
    LogEntry.objects.filter(content_type=user_type, object_pk=str(user.pk)).exclude(
        object_repr=label
    ).update(object_repr=label, changes=None, serialized_data=None)
    # Names captured at the time: as actor, and as the member an entry is about.
    named = LogEntry.objects.filter(
        models.Q(actor=user)
        | models.Q(additional_data__targets__contains=[{"type": "accounts.user", "id": user.pk}])
        | models.Q(additional_data__targets__contains=[{"user_id": user.pk}])
    ).only("pk", "actor_id", "additional_data")
    changed = []
    for entry in named.iterator():
        data = dict(entry.additional_data or {})
        if entry.actor_id == user.pk:
            data["actor_label"] = label
        for target in data.get("targets") or []:
            if target.get("user_id") == user.pk or (
                target.get("type") == "accounts.user" and target.get("id") == user.pk
            ):
                target["label"] = label
        entry.additional_data = data
        changed.append(entry)
    LogEntry.objects.bulk_update(changed, ["additional_data"], batch_size=500)


def _withhold(target: dict[str, Any] | None, viewer_id: int | None) -> dict[str, Any] | None:
    """Another member's private image is named by id only (the decision is in
    docs/security.md): the reader learns that something happened to it, not its title."""
    if target is None or viewer_id is None:
        return target
    owner = target.get("private_owner")
    if owner is None or owner == viewer_id:
        return target
    return {**target, "label": None, "withheld": True}


def _legacy_target(entry: LogEntry) -> dict[str, Any]:
    content_type = entry.content_type
    return {
        "type": f"{content_type.app_label}.{content_type.model}",
        "id": entry.object_id if entry.object_id is not None else entry.object_pk,
        "label": entry.object_repr,
    }


# django-auditlog's own actions, for field-level history rows without an event.
_ACTIONS = {0: "create", 1: "update", 2: "delete", 3: "access"}


def _visible_changes(
    entry: LogEntry, targets: list[dict[str, Any] | None], parent: dict[str, Any] | None
) -> dict[str, Any]:
    """The entry's changes; the values of private fields withheld when the viewer may not
    see a target."""
    changes = entry.changes if isinstance(entry.changes, dict) else {}
    if any(t and t.get("withheld") for t in targets) or (parent and parent.get("withheld")):
        return {
            k: (["(withheld)", "(withheld)"] if k in audit_verbs.PRIVATE_FIELDS else v)
            for k, v in changes.items()
        }
    return changes


def _object_text(entry: LogEntry, subject: dict[str, Any] | None) -> str:
    """``type:id name`` of what the entry is about (no name when withheld)."""
    if subject is None:
        ct = entry.content_type
        return f"{ct.app_label}.{ct.model}:{entry.object_pk}"
    name = subject.get("label") if not subject.get("withheld") else None
    return f"{subject['type']}:{subject['id']}" + (f" {name}" if name else "")


def _subjects(
    entry: LogEntry, data: dict[str, Any], viewer: User | None
) -> tuple[list[dict[str, Any] | None], dict[str, Any] | None, dict[str, Any] | None]:
    """(targets, parent, subject) of an entry as ``viewer`` may see them; the subject is
    what the entry is about (for django-auditlog's own rows, its logged object)."""
    viewer_id = viewer.pk if viewer is not None else None
    targets = [_withhold(t, viewer_id) for t in data.get("targets") or []]
    parent = _withhold(data.get("parent"), viewer_id)
    subject = targets[0] if targets else parent
    if subject is None and "event" not in data:
        subject = _legacy_target(entry)
    return targets, parent, subject


def as_row(entry: LogEntry, *, viewer: User | None = None) -> dict[str, Any]:
    """One entry, raw: every id and label, the changes and the detail, plus its sentence.
    With a ``viewer``, the titles of other members' private images are withheld."""
    data = dict(entry.additional_data or {})
    event = data.get("event") or _ACTIONS.get(entry.action, "other")
    targets, parent, subject = _subjects(entry, data, viewer)
    changes = _visible_changes(entry, targets, parent)
    detail = {k: v for k, v in data.items() if k not in _KNOWN}
    kind = data.get("actor_kind") or (ACTOR_USER if entry.actor_email else ACTOR_SYSTEM)
    count = int(data.get("count") or len(targets))
    named = [t for t in targets if t]
    if not named and subject is not None and "event" not in data:
        named = [subject]
    return {
        "timestamp": entry.timestamp.isoformat(),
        "event": event,
        "sentence": audit_verbs.sentence(
            event=event,
            actor=audit_verbs.actor_text(kind, data.get("actor_label", ""), entry.actor_email),
            targets=named,
            count=count,
            parent=parent,
            changes=changes,
            detail=detail,
        ),
        "actor": entry.actor_email or "",
        "actor_kind": kind,
        "via": data.get("via", ""),
        "token": data.get("token") or {},
        "ip": entry.remote_addr or "",
        "object": _object_text(entry, subject),
        "count": count,
        "targets": targets,
        "parent": parent,
        "changes": changes,
        "detail": detail,
    }


def as_line(entry: LogEntry, *, viewer: User | None = None) -> dict[str, Any]:
    """What the audit page shows of an entry: the sentence, when, from where, and the
    changes its sentence does not already tell."""
    row = as_row(entry, viewer=viewer)
    verb = audit_verbs.VERBS.get(row["event"])
    token = row["token"]
    if row["via"] == VIA_TOKEN:
        origin = _("API token %(prefix)s… (%(name)s)") % {
            "prefix": token.get("prefix", ""),
            "name": token.get("name", ""),
        }
    elif row["via"] == VIA_ADMIN:
        origin = _("operator console")
    elif row["via"] == VIA_SYSTEM:
        origin = _("background task")
    else:
        origin = _("web session")
    return {
        "timestamp": entry.timestamp,
        "sentence": row["sentence"],
        "event": row["event"],
        "ip": row["ip"],
        "origin": origin,
        "changes": audit_verbs.change_lines(row["changes"], verb.field if verb else ""),
        "ids": [t["id"] for t in row["targets"] if t][:50] if row["count"] > 1 else [],
        "count": row["count"],
    }


def export_rows(
    entries: Iterable[LogEntry], *, viewer: User | None = None
) -> Iterator[dict[str, Any]]:
    for entry in entries:
        yield as_row(entry, viewer=viewer)


def _cell(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    # Cells a spreadsheet would run as a formula are quoted.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def export_csv(entries: Iterable[LogEntry], *, viewer: User | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in export_rows(entries, viewer=viewer):
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return out.getvalue()


def export_json(entries: Iterable[LogEntry], *, viewer: User | None = None) -> str:
    return json.dumps(list(export_rows(entries, viewer=viewer)), indent=2, default=str)


Formatter = Callable[..., str]
FORMATS: dict[str, tuple[Formatter, str]] = {
    "csv": (export_csv, "text/csv; charset=utf-8"),
    "json": (export_json, "application/json"),
}
