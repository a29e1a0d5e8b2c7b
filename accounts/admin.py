from __future__ import annotations

from typing import Any

from auditlog.admin import LogEntryAdmin as _AuditlogEntryAdmin
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from . import audit
from .admin_audit import AuditedAdmin
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
    model = Membership
    extra = 0
    autocomplete_fields = ("user", "tenant")


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
    autocomplete_fields = ("user", "tenant")
    list_select_related = ("user", "tenant")


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
