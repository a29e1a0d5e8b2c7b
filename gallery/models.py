from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Tenant


class Status(models.TextChoices):
    PROCESSING = "processing", _("Processing")
    READY = "ready", _("Ready")
    FAILED = "failed", _("Failed")


class Visibility(models.TextChoices):
    PRIVATE = "private", _("Private (only me)")
    TENANT = "tenant", _("Workspace members")
    PUBLIC = "public", _("Anyone with the link")


def visible_q(user: Any, prefix: str = "") -> models.Q:
    """The one visibility rule: alive, and not private unless the user owns it.
    ``prefix`` reaches assets through a relation (``"asset__"``); ``user=None`` sees
    no private asset."""
    return models.Q(**{f"{prefix}deleted_at__isnull": True}) & owner_rule_q(user, prefix)


def owner_rule_q(user: Any, prefix: str = "") -> models.Q:
    """Private assets only for their owner (trashed ones included)."""
    not_private = ~models.Q(**{f"{prefix}visibility": Visibility.PRIVATE})
    if user is None:
        return not_private
    return not_private | models.Q(**{f"{prefix}owner": user})


class AssetQuerySet(models.QuerySet["Asset"]):
    def for_tenant(self, tenant_id: int) -> AssetQuerySet:
        return self.filter(tenant_id=tenant_id)

    def alive(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=True)

    def trashed(self) -> AssetQuerySet:
        return self.filter(deleted_at__isnull=False)

    def ready(self) -> AssetQuerySet:
        return self.filter(status=Status.READY)

    def visible_to(self, user: Any) -> AssetQuerySet:
        """Within one workspace: private assets only for their owner."""
        return self.filter(owner_rule_q(user))


class Asset(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="assets")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="assets"
    )
    title = models.CharField(max_length=255, blank=True, default="")
    description = models.TextField(blank=True, default="")
    original = models.CharField(max_length=255, help_text=_("Storage key of the original."))
    original_filename = models.CharField(max_length=255, blank=True, default="")
    sha256 = models.CharField(max_length=64)
    format = models.CharField(max_length=8)
    mime = models.CharField(max_length=32)
    bytes = models.BigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    frames = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PROCESSING)
    failure_reason = models.CharField(max_length=500, blank=True, default="")
    processing_attempts = models.PositiveSmallIntegerField(default=0)
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.TENANT
    )
    # Metadata read during processing.
    taken_at = models.DateTimeField(null=True, blank=True)
    camera_make = models.CharField(max_length=100, blank=True, default="")
    camera_model = models.CharField(max_length=100, blank=True, default="")
    lens = models.CharField(max_length=150, blank=True, default="")
    exposure_time = models.FloatField(null=True, blank=True)
    f_number = models.FloatField(null=True, blank=True)
    iso = models.PositiveIntegerField(null=True, blank=True)
    focal_length = models.FloatField(null=True, blank=True)
    orientation = models.PositiveSmallIntegerField(default=1)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    altitude = models.FloatField(null=True, blank=True)
    exif = models.JSONField(default=dict, blank=True)
    placeholder = models.CharField(max_length=100, blank=True, default="")
    # Signed in every rendition URL: raised when access shrinks (visibility changes,
    # trash), so URLs handed out before stop working (gallery.signing).
    url_version = models.PositiveIntegerField(default=0)
    phash = models.BigIntegerField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AssetQuerySet.as_manager()

    class Meta:
        indexes = [
            # Duplicate checks; not unique: see asset_upload (M5, issue 11).
            models.Index(fields=["tenant", "sha256"], name="gallery_asset_tenant_sha"),
            models.Index(fields=["tenant", "-created_at", "-id"], name="gallery_asset_timeline"),
            models.Index(fields=["status", "updated_at"], name="gallery_asset_status"),
            models.Index(
                fields=["deleted_at"],
                name="gallery_asset_trash",
                condition=models.Q(deleted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.original_filename or f"asset {self.pk}"

    @property
    def display_title(self) -> str:
        return self.title or self.original_filename or str(_("Untitled"))


class Rendition(models.Model):
    """A derived image: one per (asset, spec, format). Keys are deterministic."""

    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="renditions")
    spec = models.CharField(max_length=32)
    format = models.CharField(max_length=8)
    file = models.CharField(max_length=255)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    bytes = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["asset", "spec", "format"], name="gallery_rendition_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.spec}.{self.format}"


class Tag(models.Model):
    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint("tenant", Lower("name"), name="gallery_tag_tenant_name_ci"),
        ]

    def __str__(self) -> str:
        return self.name


class AssetTag(models.Model):
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="asset_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="asset_tags")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["asset", "tag"], name="gallery_assettag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.asset_id}:{self.tag_id}"


class Favorite(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="favorites"
    )
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="favorites")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "asset"], name="gallery_favorite_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.asset_id}"


class StorageUsage(models.Model):
    """Bytes stored per workspace, originals and renditions apart. Updated with F()
    expressions under a row lock, so concurrent uploads cannot overshoot the quota."""

    tenant = models.OneToOneField(
        Tenant, on_delete=models.CASCADE, related_name="usage", primary_key=True
    )
    originals_bytes = models.BigIntegerField(default=0)
    renditions_bytes = models.BigIntegerField(default=0)
    assets_count = models.IntegerField(default=0)

    def __str__(self) -> str:
        return f"usage of {self.tenant_id}"

    @property
    def total_bytes(self) -> int:
        return self.originals_bytes + self.renditions_bytes
