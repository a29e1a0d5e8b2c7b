from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin as _AuditlogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from . import audit, services
from .admin_audit import AuditedAdmin
from .errors import LastOwner
from .models import (
    AccountDeletion,
    ApiToken,
    DataExport,
    Invitation,
    KnownDevice,
    Membership,
    Tenant,
    User,
)


class MembershipInline(admin.TabularInline[Membership, Any]):
    # Read-only: roles change through the membership actions, which call the services
    # (the last-owner rule under its lock, the member.* events, the audit trail).
    model = Membership
    extra = 0
    can_delete = False
    readonly_fields = ("user", "tenant", "role", "created_at")
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(AuditedAdmin, BaseUserAdmin[User]):
    ordering = ("email",)
    list_display = (
        "email",
        "username",
        "display_name",
        "is_staff",
        "is_active",
        "workspaces",
        "date_joined",
        "last_login",
    )
    list_filter = ("is_staff", "is_superuser", "is_active", "date_joined")
    search_fields = ("email", "username", "display_name")
    readonly_fields = ("date_joined", "last_login")
    inlines = (MembershipInline,)
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("username", "display_name")}),
        (
            _("Permissions"),
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        (_("Dates"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "username", "password1", "password2")}),
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        users: QuerySet[User] = super().get_queryset(request)
        return users.annotate(n_workspaces=Count("memberships"))

    @admin.display(description=_("workspaces"), ordering="n_workspaces")
    def workspaces(self, obj: User) -> int:
        return int(obj.n_workspaces)  # type: ignore[attr-defined]


@admin.register(Tenant)
class TenantAdmin(AuditedAdmin):
    list_display = ("name", "slug", "personal", "members", "quota_bytes", "created_at")
    list_filter = ("personal", "created_at")
    search_fields = ("name", "slug", "memberships__user__email")
    prepopulated_fields = {"slug": ("name",)}
    readonly_fields = ("created_at", "updated_at")
    inlines = (MembershipInline,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tenant]:
        tenants: QuerySet[Tenant] = super().get_queryset(request)
        return tenants.annotate(n_members=Count("memberships"))

    @admin.display(description=_("members"), ordering="n_members")
    def members(self, obj: Tenant) -> int:
        return int(obj.n_members)  # type: ignore[attr-defined]


@admin.register(Membership)
class MembershipAdmin(AuditedAdmin):
    list_display = ("user", "tenant", "role", "created_at")
    list_filter = ("role", "tenant__personal")
    search_fields = ("user__email", "user__username", "tenant__name", "tenant__slug")
    list_select_related = ("user", "tenant")
    # Memberships change only through the actions below, which call the services.
    readonly_fields = ("user", "tenant", "role", "created_at")
    actions = ("promote", "demote", "remove")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def get_actions(self, request: HttpRequest) -> dict[str, Any]:
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # "remove" goes through the service
        return actions

    def delete_model(self, request: HttpRequest, obj: Membership) -> None:
        services.membership_operator_remove(
            operator=request.user,  # type: ignore[arg-type]
            targets=[obj],
        )

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except LastOwner as exc:  # rolled back: the workspace keeps its owner
            self.message_user(request, exc.message, messages.ERROR)
            return redirect("admin:accounts_membership_change", object_id)

    def _step(self, request: HttpRequest, queryset: QuerySet[Membership], step: int) -> None:
        try:
            count = services.membership_operator_step(
                operator=request.user,  # type: ignore[arg-type]
                targets=list(queryset.order_by("pk")),
                step=step,
            )
        except LastOwner as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(request, _("%(n)s role(s) changed.") % {"n": count}, messages.SUCCESS)

    @admin.action(description=_("Promote one role (viewer, editor, admin, owner)"))
    def promote(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._step(request, queryset, 1)

    @admin.action(description=_("Demote one role"))
    def demote(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        self._step(request, queryset, -1)

    @admin.action(description=_("Remove from the workspace"))
    def remove(self, request: HttpRequest, queryset: QuerySet[Membership]) -> None:
        try:
            count = services.membership_operator_remove(
                operator=request.user,  # type: ignore[arg-type]
                targets=list(queryset.order_by("pk")),
            )
        except LastOwner as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request, _("%(n)s membership(s) removed.") % {"n": count}, messages.SUCCESS
        )


@admin.register(Invitation)
class InvitationAdmin(AuditedAdmin):
    list_display = (
        "email",
        "tenant",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    )
    list_filter = ("role",)
    search_fields = ("email", "tenant__name")
    list_select_related = ("tenant", "invited_by")
    readonly_fields = ("token_hash",)


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = (
        "name",
        "public_prefix",
        "user",
        "tenant",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    )
    search_fields = ("name", "public_prefix", "user__email", "tenant__name")
    list_select_related = ("user", "tenant")
    readonly_fields = ("token_hash", "public_prefix", "last_used_at", "last_used_ip")


@admin.register(KnownDevice)
class KnownDeviceAdmin(AuditedAdmin):
    list_display = ("user", "ip", "user_agent", "first_seen", "last_seen")
    search_fields = ("user__email", "ip")
    list_select_related = ("user",)
    readonly_fields = ("fingerprint",)


@admin.register(DataExport)
class DataExportAdmin(AuditedAdmin):
    list_display = ("user", "status", "bytes", "created_at", "ready_at", "expires_at")
    list_filter = ("status",)
    search_fields = ("user__email",)
    list_select_related = ("user",)
    readonly_fields = ("file",)


@admin.register(AccountDeletion)
class AccountDeletionAdmin(AuditedAdmin):
    list_display = ("user", "requested_at", "scheduled_for")
    search_fields = ("user__email",)
    list_select_related = ("user",)


# --- the audit trail -------------------------------------------------------------------
# django-auditlog's own admin lists field-level history; ours adds what happened as a
# sentence, who, from where and the workspace, and stays read-only.
admin.site.unregister(LogEntry)


@admin.register(LogEntry)
class AuditEntryAdmin(_AuditlogEntryAdmin):
    list_display = ["created", "what", "workspace", "origin", "remote_addr"]
    list_filter = ["action", "timestamp"]
    search_fields = ["object_repr", "actor_email", "changes_text", "remote_addr"]

    @admin.display(description=_("what happened"))
    def what(self, obj: LogEntry) -> str:
        return str(audit.as_row(obj)["sentence"])

    @admin.display(description=_("workspace"))
    def workspace(self, obj: LogEntry) -> Any:
        data = obj.additional_data or {}
        return data.get("tenant_id") or ", ".join(str(t) for t in data.get("tenant_ids") or [])

    @admin.display(description=_("from"))
    def origin(self, obj: LogEntry) -> str:
        data = obj.additional_data or {}
        token = data.get("token") or {}
        return " ".join(
            p for p in (data.get("via", ""), token.get("prefix", ""), token.get("name", "")) if p
        )
