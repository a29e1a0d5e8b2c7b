"""Operator actions in the admin leave audit entries like members' changes do.

``AuditedAdmin`` records adding, changing (field old -> new, secrets never) and deleting
objects, inline rows included; a bulk delete is one entry per workspace with every id.
Admin actions that change data call services, which record their own entries. The
entries name the operator ("operator admin@example.com changed workspace 'Trip'").
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.db.models import Model, QuerySet
from django.forms import BaseModelFormSet, ModelForm
from django.http import HttpRequest

from . import audit

# Never copied into an entry, whatever the model.
SECRET_FIELDS = frozenset(
    {"password", "token_hash", "password_hash", "secret", "key", "token", "token_secret"}
)


def _tenant_of(obj: Model) -> int | None:
    if obj._meta.label_lower == "accounts.tenant":
        return int(obj.pk) if obj.pk else None
    value = getattr(obj, "tenant_id", None)
    return value if isinstance(value, int) else None


def _form_changes(form: ModelForm[Any]) -> dict[str, list[Any]]:
    changes: dict[str, list[Any]] = {}
    for name in form.changed_data:
        if name in SECRET_FIELDS:
            changes[name] = ["…", "changed"]
            continue
        old = form.initial.get(name)
        new = form.cleaned_data.get(name)
        changes[name] = [_plain(old), _plain(new)]
    return changes


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return str(value)
    if isinstance(value, QuerySet | list | tuple | set):
        return [str(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _model_name(obj: Model | type[Model]) -> str:
    return str(obj._meta.verbose_name)


def record_save(obj: Model, *, added: bool, changes: dict[str, Any]) -> None:
    if not added and not changes:
        return
    audit.record(
        "admin.added" if added else "admin.changed",
        target=obj,
        tenant=_tenant_of(obj),
        changes=changes or None,
        data={"model": _model_name(obj)},
    )


def record_delete(objs: list[Model]) -> None:
    if not objs:
        return
    by_tenant: dict[int | None, list[Model]] = {}
    for obj in objs:
        by_tenant.setdefault(_tenant_of(obj), []).append(obj)
    for tenant_id, group in by_tenant.items():
        audit.record(
            "admin.deleted",
            targets=group,
            tenant_id=tenant_id,
            data={"model": _model_name(group[0])},
        )


class AuditedAdmin(admin.ModelAdmin[Any]):
    # Lumina's admin actions call services, which record; other apps' actions change
    # rows directly, so the action itself is recorded for them.
    record_actions = False

    def response_action(
        self, request: HttpRequest, queryset: QuerySet[Any], *args: Any, **kwargs: Any
    ) -> Any:
        action = request.POST.get("action", "")
        ids = request.POST.getlist(ACTION_CHECKBOX_NAME)
        objs = list(queryset.filter(pk__in=ids)) if self.record_actions and ids else []
        response = super().response_action(request, queryset, *args, **kwargs)
        if objs and action != "delete_selected":
            by_tenant: dict[int | None, list[Model]] = {}
            for obj in objs:
                by_tenant.setdefault(_tenant_of(obj), []).append(obj)
            for tenant_id, group in by_tenant.items():
                audit.record(
                    "admin.action",
                    targets=group,
                    tenant_id=tenant_id,
                    data={"model": _model_name(group[0]), "action": action},
                )
        return response

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        changes = _form_changes(form) if change else {}
        super().save_model(request, obj, form, change)
        record_save(obj, added=not change, changes=changes)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_delete([obj])
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        record_delete(list(queryset))
        super().delete_queryset(request, queryset)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        # The password form of the user admin saves without save_model.
        if request.path.rstrip("/").endswith("/password"):
            record_save(obj, added=False, changes={"password": ["…", "changed"]})
        return super().log_change(request, obj, message)

    def save_formset(
        self, request: HttpRequest, form: Any, formset: BaseModelFormSet[Any, Any], change: bool
    ) -> None:
        edits = [
            (f, _form_changes(f), f.instance.pk is None)
            for f in formset.forms
            if f.has_changed() and f not in formset.deleted_forms
        ]
        removed = [f.instance for f in formset.deleted_forms if f.instance.pk is not None]
        record_delete(removed)
        super().save_formset(request, form, formset, change)
        for inline_form, changes, added in edits:
            record_save(inline_form.instance, added=added, changes=changes)


def audit_every_admin(site: admin.AdminSite) -> None:
    """Other apps' admins (lockouts, periodic tasks, 2FA devices...) get the same
    recording, so that every operator action leaves an entry. Runs once the admin
    modules are loaded (``AccountsConfig.ready``)."""
    from auditlog.models import LogEntry

    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, AuditedAdmin) or model is LogEntry:
            continue
        base = type(model_admin)
        audited = type(f"Audited{base.__name__}", (AuditedAdmin, base), {"record_actions": True})
        site.unregister(model)
        site.register(model, audited)
