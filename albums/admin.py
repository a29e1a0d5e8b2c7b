from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.admin_audit import AuditedAdmin

from .models import Album, AlbumItem, AlbumShare, ShareAccess, ShareLink
from .sharing import services as sharing_services


class AlbumItemInline(admin.TabularInline[AlbumItem, Album]):
    model = AlbumItem
    extra = 0
    raw_id_fields = ("asset", "added_by")
    readonly_fields = ("position", "added_at")
    ordering = ("position", "id")


class AlbumShareInline(admin.TabularInline[AlbumShare, Album]):
    model = AlbumShare
    extra = 0
    raw_id_fields = ("user", "created_by")


@admin.register(Album)
class AlbumAdmin(AuditedAdmin):
    list_display = ("title", "tenant", "parent", "sort_mode", "sort_direction", "updated_at")
    list_filter = ("sort_mode",)
    search_fields = ("title", "tenant__name")
    list_select_related = ("tenant", "parent")
    raw_id_fields = ("tenant", "parent", "cover", "created_by")
    inlines = (AlbumShareInline, AlbumItemInline)


class ShareAccessInline(admin.TabularInline[ShareAccess, ShareLink]):
    model = ShareAccess
    extra = 0
    can_delete = False
    readonly_fields = ("at", "ip", "what", "album", "asset", "user_agent")
    ordering = ("-at",)

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ShareLink)
class ShareLinkAdmin(AuditedAdmin):
    list_display = (
        "__str__",
        "tenant",
        "album",
        "asset",
        "state",
        "view_count",
        "download_count",
        "expires_at",
        "created_at",
    )
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "allow_download", "strip_metadata")
    search_fields = ("name", "token_prefix", "tenant__name")
    list_select_related = ("tenant", "album", "asset")
    raw_id_fields = ("tenant", "album", "asset", "created_by")
    # The hash is no use to an operator and the password hash even less.
    exclude = ("token_hash", "password")
    # Revoking goes through the action (the service emits ``share_link.revoked``); the
    # form may neither revoke nor bring a revoked link back behind its back.
    readonly_fields = (
        "token_prefix",
        "view_count",
        "download_count",
        "last_accessed_at",
        "revoked_at",
    )
    inlines = (ShareAccessInline,)
    actions = ("revoke",)

    @admin.action(description=_("Revoke the selected links"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ShareLink]) -> None:
        # Operators act across workspaces, so not through the member-facing service.
        count = sharing_services.share_links_revoke_operator(links=list(queryset))
        self.message_user(request, _("%(n)s link(s) revoked.") % {"n": count}, messages.SUCCESS)
