from __future__ import annotations

from typing import Any

from rest_framework import serializers

from gallery.api.serializers import AssetOutputSerializer
from gallery.models import Asset
from gallery.signing import rendition_url
from lumina.core.api import DataSerializer

from ..models import (
    AccessKind,
    Album,
    AlbumItem,
    AlbumShare,
    ShareAccess,
    ShareLink,
    ShareRole,
    SortDirection,
    SortMode,
)


def _ids() -> serializers.ListField:
    return serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=1000
    )


class AlbumCreateInputSerializer(DataSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=10000
    )
    parent = serializers.IntegerField(required=False, allow_null=True, default=None)  # type: ignore[assignment]
    sort_mode = serializers.ChoiceField(choices=SortMode.choices, default=SortMode.MANUAL)
    sort_direction = serializers.ChoiceField(
        choices=SortDirection.choices, default=SortDirection.ASC
    )


class AlbumUpdateInputSerializer(DataSerializer):
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    parent = serializers.IntegerField(  # type: ignore[assignment]
        required=False, allow_null=True, help_text="Another album's id, or null for the top level."
    )
    sort_mode = serializers.ChoiceField(choices=SortMode.choices, required=False)
    sort_direction = serializers.ChoiceField(choices=SortDirection.choices, required=False)
    cover = serializers.IntegerField(
        required=False,
        allow_null=True,
        help_text="An asset of the album, or null for the automatic cover.",
    )


class PlacementInputSerializer(DataSerializer):
    after = serializers.IntegerField(required=False, allow_null=True, default=None)
    before = serializers.IntegerField(required=False, allow_null=True, default=None)
    to = serializers.ChoiceField(choices=[("start", "start"), ("end", "end")], default="end")


class ItemsAddInputSerializer(PlacementInputSerializer):
    asset_ids = _ids()


class ItemsRemoveInputSerializer(DataSerializer):
    asset_ids = _ids()


class ItemsReorderInputSerializer(PlacementInputSerializer):
    asset_ids = _ids()


class ItemsAddOutputSerializer(DataSerializer):
    added = serializers.ListField(child=serializers.IntegerField())
    already = serializers.ListField(child=serializers.IntegerField())


class CountOutputSerializer(DataSerializer):
    count = serializers.IntegerField()


def cover_data(asset: Asset | None, chosen_id: int | None) -> dict[str, Any] | None:
    if asset is None:
        return None
    return {
        "asset_id": asset.pk,
        "chosen": asset.pk == chosen_id,
        "thumbnail": rendition_url(asset, "thumb-400", "auto"),
        "preview": rendition_url(asset, "preview-1600", "auto"),
    }


class OutsiderAware:
    """Someone outside the album's workspace (reaching it through a share) is shown only
    what the share grants: no album ids above the shared album, no e-mail addresses of
    members (only their own), no workspace id. Views pass the ``actor`` in the context;
    without one, the reader counts as an outsider (fail closed)."""

    context: dict[str, Any]

    def outsider(self, tenant_id: int) -> bool:
        actor = self.context.get("actor")
        return actor is None or not actor.is_member_of(tenant_id)

    def own(self, user_id: int | None) -> bool:
        actor = self.context.get("actor")
        return actor is not None and user_id is not None and actor.user.pk == user_id

    def shared_ids(self, tenant_id: int) -> set[int]:
        from ..selectors import shared_album_ids

        cache = self.context.setdefault("_shared_album_ids", {})
        if tenant_id not in cache:
            actor = self.context.get("actor")
            cache[tenant_id] = (
                set(shared_album_ids(actor=actor, tenant_id=tenant_id)) if actor else set()
            )
        return set(cache[tenant_id])

    def person(self, tenant_id: int, user: Any) -> str | None:
        if user is None:
            return None
        if self.outsider(tenant_id) and not self.own(user.pk):
            return None
        return str(user.email)


class AlbumOutputSerializer(OutsiderAware, serializers.ModelSerializer[Album]):
    parent = serializers.SerializerMethodField(help_text="Null above what a share shows.")  # type: ignore[assignment]
    cover = serializers.SerializerMethodField()
    stats = serializers.SerializerMethodField()
    access = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField(
        help_text="E-mail of the creator; null for readers outside the workspace."
    )

    class Meta:
        model = Album
        fields: tuple[str, ...] = (
            "id",
            "title",
            "description",
            "parent",
            "sort_mode",
            "sort_direction",
            "cover",
            "stats",
            "access",
            "created_by",
            "created_at",
            "updated_at",
        )

    def get_parent(self, obj: Album) -> int | None:
        if obj.parent_id is None or not self.outsider(obj.tenant_id):
            return obj.parent_id
        return obj.parent_id if obj.parent_id in self.shared_ids(obj.tenant_id) else None

    def get_created_by(self, obj: Album) -> str | None:
        return self.person(obj.tenant_id, obj.created_by)

    def get_cover(self, obj: Album) -> dict[str, Any] | None:
        return cover_data(getattr(obj, "resolved_cover", None), obj.cover_id)

    def get_stats(self, obj: Album) -> dict[str, Any]:
        last_added = getattr(obj, "last_added", None)
        last_change = max(obj.updated_at, last_added) if last_added else obj.updated_at
        return {
            "item_count": getattr(obj, "item_count", 0),
            "album_count": getattr(obj, "child_count", 0),
            "total_bytes": getattr(obj, "total_bytes", 0),
            "first_date": getattr(obj, "first_date", None),
            "last_date": getattr(obj, "last_date", None),
            "last_change": last_change,
        }

    def get_access(self, obj: Album) -> str | None:
        found = getattr(obj, "access", None) or getattr(obj, "share_role", None)
        return str(found) if found else None


class BreadcrumbSerializer(DataSerializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class AlbumDetailOutputSerializer(AlbumOutputSerializer):
    breadcrumbs = serializers.SerializerMethodField()
    workspace = serializers.SerializerMethodField(help_text="Null outside the workspace.")

    class Meta(AlbumOutputSerializer.Meta):
        fields = (*AlbumOutputSerializer.Meta.fields, "breadcrumbs", "workspace")

    def get_workspace(self, obj: Album) -> int | None:
        return None if self.outsider(obj.tenant_id) else obj.tenant_id

    def get_breadcrumbs(self, obj: Album) -> list[dict[str, Any]]:
        return [{"id": row[0], "title": row[2]} for row in getattr(obj, "lineage", [])]


class TreeNodeSerializer(DataSerializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    item_count = serializers.IntegerField()
    children = serializers.SerializerMethodField()

    def get_children(self, obj: Any) -> list[dict[str, Any]]:
        return [TreeNodeSerializer(child).data for child in obj.children]


class AlbumItemOutputSerializer(OutsiderAware, serializers.ModelSerializer[AlbumItem]):
    asset = serializers.SerializerMethodField()
    added_by = serializers.SerializerMethodField(
        help_text="E-mail of who added it; null for readers outside the workspace."
    )

    class Meta:
        model = AlbumItem
        fields = ("asset", "position", "added_at", "added_by")

    def get_asset(self, obj: AlbumItem) -> dict[str, Any]:
        asset = obj.asset
        asset.is_favorite = getattr(obj, "is_favorite", False)  # type: ignore[attr-defined]
        data = dict(AssetOutputSerializer(asset).data)
        data["owner"] = self.person(asset.tenant_id, asset.owner)
        return data

    def get_added_by(self, obj: AlbumItem) -> str | None:
        return self.person(obj.asset.tenant_id, obj.added_by)


class ShareLinkCreateInputSerializer(DataSerializer):
    album = serializers.IntegerField(required=False, allow_null=True, default=None)
    asset = serializers.IntegerField(required=False, allow_null=True, default=None)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    expires_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    password = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", trim_whitespace=False
    )
    max_views = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)
    max_downloads = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, default=None
    )
    allow_download = serializers.BooleanField(default=True)
    strip_metadata = serializers.BooleanField(default=True)


class ShareLinkUpdateInputSerializer(DataSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    expires_at = serializers.DateTimeField(required=False, allow_null=True)
    password = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text='A new password; "" or null removes it.',
    )
    max_views = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    max_downloads = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    allow_download = serializers.BooleanField(required=False)
    strip_metadata = serializers.BooleanField(required=False)


class ShareLinkOutputSerializer(serializers.ModelSerializer[ShareLink]):
    album = serializers.IntegerField(source="album_id", allow_null=True)
    asset = serializers.IntegerField(source="asset_id", allow_null=True)
    state = serializers.CharField()
    has_password = serializers.BooleanField()
    created_by = serializers.EmailField(source="created_by.email", default=None, read_only=True)

    class Meta:
        model = ShareLink
        fields: tuple[str, ...] = (
            "id",
            "name",
            "album",
            "asset",
            "token_prefix",
            "state",
            "expires_at",
            "has_password",
            "max_views",
            "max_downloads",
            "view_count",
            "download_count",
            "allow_download",
            "strip_metadata",
            "revoked_at",
            "created_by",
            "created_at",
            "last_accessed_at",
        )


class ShareLinkCreatedOutputSerializer(ShareLinkOutputSerializer):
    token = serializers.CharField(help_text="Shown once: only its hash is stored.")
    url = serializers.CharField()

    class Meta(ShareLinkOutputSerializer.Meta):
        fields = (*ShareLinkOutputSerializer.Meta.fields, "token", "url")


class ShareAccessOutputSerializer(serializers.ModelSerializer[ShareAccess]):
    what = serializers.ChoiceField(choices=AccessKind.choices)
    album = serializers.IntegerField(source="album_id", allow_null=True)
    asset = serializers.IntegerField(source="asset_id", allow_null=True)

    class Meta:
        model = ShareAccess
        fields = ("id", "at", "ip", "what", "album", "asset", "user_agent")


class AlbumShareInputSerializer(DataSerializer):
    user = serializers.IntegerField(
        required=False, allow_null=True, default=None, help_text="A member of the workspace."
    )
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=ShareRole.choices, default=ShareRole.VIEWER)
    ends_at = serializers.DateTimeField(required=False, allow_null=True, default=None)


class AlbumShareUpdateInputSerializer(DataSerializer):
    role = serializers.ChoiceField(choices=ShareRole.choices, required=False)
    ends_at = serializers.DateTimeField(required=False, allow_null=True)


class AlbumShareOutputSerializer(serializers.ModelSerializer[AlbumShare]):
    user = serializers.SerializerMethodField()
    email = serializers.CharField(source="email_lower")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = AlbumShare
        fields = ("id", "user", "email", "role", "ends_at", "active", "created_at")

    def get_user(self, obj: AlbumShare) -> dict[str, Any] | None:
        if obj.user is None:
            return None
        return {"id": obj.user.pk, "email": obj.user.email, "name": obj.user.name}


class ZipSelectionInputSerializer(DataSerializer):
    asset_ids = serializers.ListField(child=serializers.IntegerField(min_value=1), min_length=1)
