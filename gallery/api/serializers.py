from __future__ import annotations

from typing import Any

from rest_framework import serializers

from lumina.core.api import DataSerializer

from ..models import Asset, Visibility
from ..services import BULK_ACTIONS


class AssetUploadInputSerializer(DataSerializer):
    file = serializers.FileField(allow_empty_file=True)
    title = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    description = serializers.CharField(required=False, allow_blank=True, default="")
    tags = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Comma-separated tag names."
    )
    visibility = serializers.ChoiceField(
        choices=Visibility.choices, required=False, default=Visibility.TENANT
    )
    relative_path = serializers.CharField(
        max_length=1024,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where the file sat in an uploaded folder, e.g. 'Trip/Day 1/a.jpg': "
        "the image is filed into the matching nested album.",
    )


class AssetUpdateInputSerializer(DataSerializer):
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=10000)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    tags = serializers.ListField(
        child=serializers.CharField(max_length=64), required=False, max_length=50
    )


class AssetBulkInputSerializer(DataSerializer):
    action = serializers.ChoiceField(choices=[(a, a) for a in BULK_ACTIONS])
    ids = serializers.ListField(child=serializers.IntegerField(), min_length=1, max_length=1000)
    tags = serializers.ListField(child=serializers.CharField(max_length=64), required=False)
    visibility = serializers.ChoiceField(choices=Visibility.choices, required=False)
    pattern = serializers.CharField(
        max_length=255, required=False, help_text="e.g. 'Trip {n:03}' ({n}, {original}, {date})"
    )
    start = serializers.IntegerField(required=False, default=1, min_value=0, max_value=10**9)


class RenditionOutputSerializer(DataSerializer):
    spec = serializers.CharField()
    format = serializers.CharField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    bytes = serializers.IntegerField()
    url = serializers.CharField()


class AssetOutputSerializer(serializers.ModelSerializer[Asset]):
    tags = serializers.SerializerMethodField()
    renditions = serializers.SerializerMethodField()
    urls = serializers.SerializerMethodField()
    is_favorite = serializers.BooleanField(read_only=True, default=False)
    owner = serializers.EmailField(source="owner.email", default=None, read_only=True)
    gps = serializers.SerializerMethodField()
    camera = serializers.SerializerMethodField()

    class Meta:
        model = Asset
        fields: tuple[str, ...] = (
            "id",
            "title",
            "description",
            "original_filename",
            "format",
            "mime",
            "bytes",
            "width",
            "height",
            "frames",
            "sha256",
            "status",
            "failure_reason",
            "visibility",
            "owner",
            "tags",
            "is_favorite",
            "taken_at",
            "camera",
            "gps",
            "placeholder",
            "renditions",
            "urls",
            "deleted_at",
            "created_at",
            "updated_at",
        )

    def get_tags(self, obj: Asset) -> list[str]:
        return sorted(at.tag.name for at in obj.asset_tags.all())

    def get_renditions(self, obj: Asset) -> list[dict[str, Any]]:
        from ..signing import rendition_url

        return [
            {
                "spec": r.spec,
                "format": r.format,
                "width": r.width,
                "height": r.height,
                "bytes": r.bytes,
                "url": rendition_url(obj, r.spec, r.format),
            }
            for r in obj.renditions.all()
        ]

    def get_urls(self, obj: Asset) -> dict[str, str]:
        from ..signing import rendition_url

        return {
            "thumbnail": rendition_url(obj, "thumb-400", "auto"),
            "preview": rendition_url(obj, "preview-1600", "auto"),
            "original": f"/api/v1/assets/{obj.pk}/original/",
        }

    def get_gps(self, obj: Asset) -> dict[str, float | None] | None:
        if obj.latitude is None or obj.longitude is None:
            return None
        return {"latitude": obj.latitude, "longitude": obj.longitude, "altitude": obj.altitude}

    def get_camera(self, obj: Asset) -> dict[str, Any]:
        return {
            "make": obj.camera_make,
            "model": obj.camera_model,
            "lens": obj.lens,
            "exposure_time": obj.exposure_time,
            "f_number": obj.f_number,
            "iso": obj.iso,
            "focal_length": obj.focal_length,
        }


class AssetUploadOutputSerializer(AssetOutputSerializer):
    duplicate = serializers.BooleanField(read_only=True)

    class Meta(AssetOutputSerializer.Meta):
        fields = (*AssetOutputSerializer.Meta.fields, "duplicate")


class BulkOutputSerializer(DataSerializer):
    action = serializers.CharField()
    count = serializers.IntegerField()


class UsageOutputSerializer(DataSerializer):
    quota_bytes = serializers.IntegerField()
    originals_bytes = serializers.IntegerField()
    renditions_bytes = serializers.IntegerField()
    total_bytes = serializers.IntegerField()
    assets_count = serializers.IntegerField()
