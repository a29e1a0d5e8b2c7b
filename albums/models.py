"""Albums (nested, ordered collections of assets), share links and album shares."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import Tenant
from gallery.models import Asset


class SortMode(models.TextChoices):
    MANUAL = "manual", _("Manual (drag and drop)")
    TAKEN = "taken", _("Date taken")
    UPLOADED = "uploaded", _("Date uploaded")
    TITLE = "title", _("Title")


class SortDirection(models.TextChoices):
    ASC = "asc", _("Ascending")
    DESC = "desc", _("Descending")


class AlbumQuerySet(models.QuerySet["Album"]):
    def for_tenant(self, tenant_id: int) -> AlbumQuerySet:
        return self.filter(tenant_id=tenant_id)

    def roots(self) -> AlbumQuerySet:
        return self.filter(parent__isnull=True)


class Album(models.Model):
    """A named, ordered collection of assets. Albums nest to any depth; an asset can be
    in any number of albums and deleting an album never deletes assets."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="albums")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True, default="")
    cover = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    sort_mode = models.CharField(max_length=16, choices=SortMode.choices, default=SortMode.MANUAL)
    sort_direction = models.CharField(
        max_length=4, choices=SortDirection.choices, default=SortDirection.ASC
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Touched by every change to the album or its items: the "last change" statistic.
    updated_at = models.DateTimeField(default=timezone.now)

    objects = AlbumQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["tenant", "parent"], name="albums_album_tree"),
            models.Index("tenant", Lower("title"), name="albums_album_title"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")), name="albums_album_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class AlbumItem(models.Model):
    """An asset in an album. ``position`` is a fractional key (see ``positions``): keys
    compare as plain strings (C collation), and a new key always fits between two
    neighbours without renumbering the rest."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="items")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="album_items")
    position = models.CharField(max_length=255, db_collation="C")
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["album", "asset"], name="albums_item_unique"),
        ]
        indexes = [models.Index(fields=["album", "position", "id"], name="albums_item_order")]

    def __str__(self) -> str:
        return f"{self.album_id}:{self.asset_id}@{self.position}"


class ShareLinkQuerySet(models.QuerySet["ShareLink"]):
    def for_tenant(self, tenant_id: int) -> ShareLinkQuerySet:
        return self.filter(tenant_id=tenant_id)

    def usable(self) -> ShareLinkQuerySet:
        """Neither revoked nor expired (out of views or not: visitors already counted
        keep using a link that reached its limit)."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )

    def live(self) -> ShareLinkQuerySet:
        """Neither revoked, nor expired, nor out of views."""
        return self.usable().filter(
            models.Q(max_views__isnull=True) | models.Q(view_count__lt=models.F("max_views"))
        )


class LinkState(models.TextChoices):
    ACTIVE = "active", _("Active")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")
    EXHAUSTED = "exhausted", _("Out of views")


class ShareLink(models.Model):
    """A public link to an album (with its sub-albums) or to one asset. Only the hash of
    the token is stored; the token itself is shown once, when the link is made."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="share_links")
    album = models.ForeignKey(
        Album, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.CASCADE, related_name="share_links"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True, default="")
    expires_at = models.DateTimeField(null=True, blank=True)
    password = models.CharField(max_length=256, blank=True, default="")
    max_views = models.PositiveIntegerField(null=True, blank=True)
    max_downloads = models.PositiveIntegerField(null=True, blank=True)
    view_count = models.PositiveIntegerField(default=0)
    download_count = models.PositiveIntegerField(default=0)
    allow_download = models.BooleanField(default=True)
    strip_metadata = models.BooleanField(default=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_accessed_at = models.DateTimeField(null=True, blank=True)

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(album__isnull=False, asset__isnull=True)
                    | models.Q(album__isnull=True, asset__isnull=False)
                ),
                name="albums_sharelink_one_target",
            ),
        ]
        indexes = [models.Index(fields=["tenant", "-created_at"], name="albums_link_recent")]

    def __str__(self) -> str:
        return self.name or f"link {self.token_prefix}…"

    @property
    def has_password(self) -> bool:
        return bool(self.password)

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return LinkState.REVOKED
        if self.expires_at is not None and self.expires_at <= timezone.now():
            return LinkState.EXPIRED
        if self.max_views is not None and self.view_count >= self.max_views:
            return LinkState.EXHAUSTED
        return LinkState.ACTIVE

    @property
    def downloads_left(self) -> int | None:
        if self.max_downloads is None:
            return None
        return max(self.max_downloads - self.download_count, 0)

    @property
    def can_download(self) -> bool:
        return self.allow_download and self.downloads_left != 0


class AccessKind(models.TextChoices):
    VIEW = "view", _("Opened")
    DOWNLOAD = "download", _("Downloaded an original")
    ZIP = "zip", _("Downloaded a ZIP")
    PASSWORD_FAILED = "password_failed", _("Wrong password")
    THROTTLED = "throttled", _("Too many wrong passwords")
    REFUSED = "refused", _("Refused (limit reached)")


class ShareAccess(models.Model):
    """One use of a share link: when, from where, and what was fetched."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="accesses")
    at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    what = models.CharField(max_length=16, choices=AccessKind.choices)
    album = models.ForeignKey(
        Album, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user_agent = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        indexes = [
            models.Index(fields=["link", "-at"], name="albums_access_recent"),
            models.Index(fields=["at"], name="albums_access_at"),
        ]

    def __str__(self) -> str:
        return f"{self.link_id} {self.what} {self.at:%Y-%m-%d %H:%M}"


class SharePasswordAttempts(models.Model):
    """Password guesses on one link in the current window, per address (``scope`` is
    the IP) and for the whole link (``scope`` "*"). Counted in PostgreSQL with one
    atomic upsert before the password is checked (albums.services.share_password_check),
    so parallel guesses cannot all slip under the limit, whatever the cache."""

    link = models.ForeignKey(ShareLink, on_delete=models.CASCADE, related_name="+")
    scope = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    window_ends = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["link", "scope"], name="albums_share_pw_scope"),
        ]
        indexes = [models.Index(fields=["window_ends"], name="albums_share_pw_window")]

    def __str__(self) -> str:
        return f"{self.link_id}:{self.scope}={self.count}"


class ShareRole(models.TextChoices):
    VIEWER = "viewer", _("Viewer")
    CONTRIBUTOR = "contributor", _("Contributor")


class AlbumShareQuerySet(models.QuerySet["AlbumShare"]):
    def active(self) -> AlbumShareQuerySet:
        return self.filter(models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=timezone.now()))

    def for_user(self, user: Any) -> AlbumShareQuerySet:
        """Shares naming the user, or a verified e-mail address of theirs."""
        from allauth.account.models import EmailAddress

        emails = (
            EmailAddress.objects.filter(user=user, verified=True)
            .annotate(lowered=Lower("email"))
            .values("lowered")
        )
        return self.filter(
            models.Q(user=user) | models.Q(user__isnull=True, email_lower__in=emails)
        )


class AlbumShare(models.Model):
    """An album (and its sub-albums) shared with a person, as viewer or contributor:
    a member of the workspace (which can raise a workspace viewer to contributor on
    this album), or anyone else by e-mail. Ends by itself at ``ends_at``."""

    album = models.ForeignKey(Album, on_delete=models.CASCADE, related_name="shares")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="album_shares",
    )
    # Lower-cased; for people without an account yet (matched when they have one).
    email_lower = models.EmailField(blank=True, default="")
    role = models.CharField(max_length=16, choices=ShareRole.choices, default=ShareRole.VIEWER)
    ends_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    objects = AlbumShareQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["album", "user"],
                condition=models.Q(user__isnull=False),
                name="albums_share_album_user",
            ),
            models.UniqueConstraint(
                fields=["album", "email_lower"],
                condition=models.Q(user__isnull=True),
                name="albums_share_album_email",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=False) | ~models.Q(email_lower=""),
                name="albums_share_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.album_id} → {self.user_id or self.email_lower} ({self.role})"

    @property
    def is_active(self) -> bool:
        return self.ends_at is None or self.ends_at > timezone.now()
