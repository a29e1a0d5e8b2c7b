from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from accounts.admin_audit import AuditedAdmin

from . import services
from .models import Asset, Rendition, StorageUsage, Tag
from .signing import rendition_url


class RenditionInline(admin.TabularInline[Rendition, Asset]):
    model = Rendition
    extra = 0
    can_delete = False
    readonly_fields = ("spec", "format", "width", "height", "bytes", "file", "created_at")

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Asset)
class AssetAdmin(AuditedAdmin):
    list_display = (
        "thumbnail",
        "__str__",
        "tenant",
        "owner",
        "status",
        "bytes",
        "format",
        "created_at",
        "deleted_at",
    )
    list_filter = ("status", "format", "visibility", ("deleted_at", admin.EmptyFieldListFilter))
    search_fields = ("title", "original_filename", "sha256", "tenant__name", "owner__email")
    list_select_related = ("tenant", "owner")
    readonly_fields = [
        f.name for f in Asset._meta.fields if f.name not in ("title", "description", "visibility")
    ]
    inlines = (RenditionInline,)
    actions = ("reprocess",)
    date_hierarchy = "created_at"

    @admin.display(description=_("thumbnail"))
    def thumbnail(self, obj: Asset) -> str:
        if obj.status != "ready":
            return "—"
        return format_html(
            '<img src="{}" alt="" style="height:48px;border-radius:4px">',
            rendition_url(obj, "thumb-400", "auto"),
        )

    @admin.action(description=_("Re-run processing"))
    def reprocess(self, request: HttpRequest, queryset: QuerySet[Asset]) -> None:
        count = services.asset_reprocess(asset_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(
            request, _("%(n)d asset(s) queued for processing.") % {"n": count}, messages.SUCCESS
        )


@admin.register(Tag)
class TagAdmin(AuditedAdmin):
    list_display = ("name", "tenant", "created_at")
    search_fields = ("name", "tenant__name")
    list_select_related = ("tenant",)


@admin.register(StorageUsage)
class StorageUsageAdmin(AuditedAdmin):
    list_display = ("tenant", "assets_count", "originals_bytes", "renditions_bytes")
    search_fields = ("tenant__name",)
    list_select_related = ("tenant",)
    readonly_fields = ("tenant", "assets_count", "originals_bytes", "renditions_bytes")
