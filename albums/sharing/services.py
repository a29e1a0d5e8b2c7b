"""Every write to share links: creating, changing and revoking them, and counting what
visitors do with them (views, downloads, password attempts)."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password, make_password
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.crypto import salted_hmac

from accounts import audit
from accounts.models import hash_token
from gallery.models import Asset
from lumina.core import events
from lumina.core.errors import ValidationFailed
from lumina.core.text import clean_text

from ..errors import (
    DownloadLimitReached,
    DownloadsNotAllowed,
    ShareLinkUnavailable,
    SharePasswordThrottled,
    SharePasswordWrong,
)
from ..models import (
    AccessKind,
    Album,
    ShareAccess,
    ShareLink,
    SharePasswordAttempts,
)
from ..selectors import Actor
from ..services import require_editor


def _check_limits(data: dict[str, Any]) -> None:
    for field in ("max_views", "max_downloads"):
        value = data.get(field)
        if value is not None and (not isinstance(value, int) or value < 1):
            raise ValidationFailed(
                f"{field}: a whole number of at least 1.", details={"field": field}
            )
    expires = data.get("expires_at")
    if expires is not None:
        if not isinstance(expires, datetime):
            raise ValidationFailed("expires_at: a date-time.", details={"field": "expires_at"})
        if expires <= timezone.now():
            raise ValidationFailed(
                "The expiry must be in the future.", details={"field": "expires_at"}
            )


def _hash_password(raw: str) -> str:
    if len(raw) > 200:
        raise ValidationFailed("That password is too long.", details={"field": "password"})
    return make_password(raw)


@transaction.atomic
def share_link_create(
    *,
    actor: Actor,
    album: Album | None = None,
    asset: Asset | None = None,
    name: str = "",
    expires_at: datetime | None = None,
    password: str = "",
    max_views: int | None = None,
    max_downloads: int | None = None,
    allow_download: bool = True,
    strip_metadata: bool = True,
) -> tuple[ShareLink, str]:
    """A new link; returns it with the raw token, which is never stored or shown again."""
    if (album is None) == (asset is None):
        raise ValidationFailed("Share either an album or an asset.", details={"field": "album"})
    tenant_id = album.tenant_id if album is not None else asset.tenant_id  # type: ignore[union-attr]
    require_editor(actor, tenant_id)
    _check_limits(
        {"max_views": max_views, "max_downloads": max_downloads, "expires_at": expires_at}
    )
    raw = secrets.token_urlsafe(24)
    link = ShareLink.objects.create(
        tenant_id=tenant_id,
        album=album,
        asset=asset,
        token_hash=hash_token(raw),
        token_prefix=raw[:6],
        name=clean_text(str(name or "")[:100], field="name", max_length=100, label="Link name"),
        expires_at=expires_at,
        password=_hash_password(password) if password else "",
        max_views=max_views,
        max_downloads=max_downloads,
        allow_download=allow_download,
        strip_metadata=strip_metadata,
        created_by=actor.user,
    )
    audit.record(
        "share_link.created",
        actor=actor.user,
        target=link,
        parent=album or asset,
        tenant=tenant_id,
        data={
            "password": bool(password),
            "expires_at": expires_at,
            "max_views": max_views,
            "max_downloads": max_downloads,
            "allow_download": allow_download,
        },
    )
    events.emit(
        "share_link.created",
        {
            "tenant_id": tenant_id,
            "link_id": link.pk,
            "album_id": link.album_id,
            "asset_id": link.asset_id,
        },
    )
    return link, raw


SHARE_LINK_FIELDS = (
    "name",
    "expires_at",
    "password",
    "max_views",
    "max_downloads",
    "allow_download",
    "strip_metadata",
)


@transaction.atomic
def share_link_update(*, actor: Actor, link: ShareLink, data: dict[str, Any]) -> ShareLink:
    """Change a link. ``password``: a new one, or "" / None to remove it. Changing the
    password signs out everyone who had entered the old one."""
    require_editor(actor, link.tenant_id)
    unknown = set(data) - set(SHARE_LINK_FIELDS)
    if unknown:
        raise ValidationFailed(f"Unknown fields: {', '.join(sorted(unknown))}.")
    _check_limits(
        {k: v for k, v in data.items() if k in ("max_views", "max_downloads", "expires_at")}
    )
    before = audit.snapshot(link, *(f for f in data if f != "password"))  # never a hash
    for field, value in data.items():
        if field == "password":
            link.password = _hash_password(value) if value else ""
        elif field == "name":
            link.name = clean_text(
                str(value or "")[:100], field="name", max_length=100, label="Link name"
            )
        else:
            setattr(link, field, value)
    link.save(update_fields=list(data))
    audit.record(
        "share_link.updated",
        actor=actor.user,
        target=link,
        tenant=link.tenant_id,
        changes=audit.diff(before, link)
        | ({"password": ["…", "changed"]} if "password" in data else {}),
    )
    return link


@transaction.atomic
def share_link_revoke(*, actor: Actor, link: ShareLink) -> ShareLink:
    require_editor(actor, link.tenant_id)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        audit.record("share_link.revoked", actor=actor.user, target=link, tenant=link.tenant_id)
        events.emit("share_link.revoked", {"tenant_id": link.tenant_id, "link_id": link.pk})
    return link


@transaction.atomic
def share_links_revoke_operator(*, links: Sequence[ShareLink]) -> int:
    """Operators revoke links across workspaces (the admin): no membership needed, one
    audit entry per workspace."""
    live = [link for link in links if link.revoked_at is None]
    ShareLink.objects.filter(pk__in=[link.pk for link in live]).update(revoked_at=timezone.now())
    audit.record_per_tenant("share_link.revoked", objects=live)
    for link in live:
        events.emit("share_link.revoked", {"tenant_id": link.tenant_id, "link_id": link.pk})
    return len(live)


def share_access_record(
    *,
    link: ShareLink,
    what: str,
    ip: str = "",
    user_agent: str = "",
    album: Album | None = None,
    asset: Asset | None = None,
) -> None:
    ShareAccess.objects.create(
        link=link,
        what=what,
        ip=ip or None,
        user_agent=(user_agent or "")[:255],
        album=album,
        asset=asset,
    )


@transaction.atomic
def share_link_count_view(
    *, link: ShareLink, ip: str = "", user_agent: str = "", album: Album | None = None
) -> None:
    """Count one visit (a new visitor opening the link) and log it; a link whose
    views are used up is gone (``share_link_unavailable``)."""
    now = timezone.now()
    counted = (
        ShareLink.objects.filter(pk=link.pk)
        .filter(Q(max_views__isnull=True) | Q(view_count__lt=F("max_views")))
        .update(view_count=F("view_count") + 1, last_accessed_at=now)
    )
    if not counted:
        raise ShareLinkUnavailable()
    link.view_count += 1
    share_access_record(link=link, what=AccessKind.VIEW, ip=ip, user_agent=user_agent, album=album)


def share_link_check_download(*, link: ShareLink) -> None:
    """Whether a download would be allowed now, counting nothing (HEAD requests)."""
    if not link.allow_download:
        raise DownloadsNotAllowed()
    if link.downloads_left == 0:
        raise DownloadLimitReached()


def share_link_count_download(
    *,
    link: ShareLink,
    ip: str = "",
    user_agent: str = "",
    asset: Asset | None = None,
    album: Album | None = None,
) -> None:
    """Count one download (an original or a ZIP) against the link's limit and log it."""
    kind = AccessKind.DOWNLOAD if asset is not None else AccessKind.ZIP
    if not link.allow_download:
        raise DownloadsNotAllowed()
    with transaction.atomic():
        counted = (
            ShareLink.objects.filter(pk=link.pk)
            .filter(Q(max_downloads__isnull=True) | Q(download_count__lt=F("max_downloads")))
            .update(download_count=F("download_count") + 1, last_accessed_at=timezone.now())
        )
        if counted:
            link.download_count += 1
            share_access_record(
                link=link, what=kind, ip=ip, user_agent=user_agent, asset=asset, album=album
            )
            return
    share_access_record(
        link=link, what=AccessKind.REFUSED, ip=ip, user_agent=user_agent, asset=asset, album=album
    )
    raise DownloadLimitReached()


LINK_SCOPE = "*"


def _count_attempt(link: ShareLink, scope: str, window: int) -> int:
    """Count one guess and return the count in the current window, atomically: one
    upsert whose row lock makes parallel guesses take turns (autocommit: the count
    stays even when the guess is refused). ``clock_timestamp()``, not ``now()``: the
    time of the statement, even inside a longer transaction."""
    table = connection.ops.quote_name(SharePasswordAttempts._meta.db_table)
    sql = f"""
        INSERT INTO {table} (link_id, scope, count, window_ends)
        VALUES (%s, %s, 1, clock_timestamp() + make_interval(secs => %s))
        ON CONFLICT (link_id, scope) DO UPDATE SET
            count = CASE WHEN {table}.window_ends <= clock_timestamp()
                THEN 1 ELSE {table}.count + 1 END,
            window_ends = CASE WHEN {table}.window_ends <= clock_timestamp()
                THEN EXCLUDED.window_ends ELSE {table}.window_ends END
        RETURNING count
    """  # noqa: S608  # nosec B608  # the table name is ours, values are parameters
    with connection.cursor() as cursor:
        cursor.execute(sql, [link.pk, scope[:64], window])
        return int(cursor.fetchone()[0])


def share_password_check(
    *, link: ShareLink, password: str, ip: str = "", user_agent: str = ""
) -> None:
    """Check a visitor's password. Every guess is counted first, per address and per
    link (many addresses guessing together), atomically in PostgreSQL; past the limit
    the guess is refused without being checked, right or wrong, until the window has
    passed. A right password clears the address's count and gives back its place in
    the link's."""
    limit = int(settings.LUMINA_SHARE_PASSWORD_ATTEMPTS)
    window = int(settings.LUMINA_SHARE_PASSWORD_WINDOW)
    per_ip = _count_attempt(link, f"ip:{ip}", window)
    per_link = _count_attempt(link, LINK_SCOPE, window)
    if per_ip > limit or per_link > limit * 10:
        share_access_record(link=link, what=AccessKind.THROTTLED, ip=ip, user_agent=user_agent)
        raise SharePasswordThrottled(details={"retry_after": window})
    if link.password and check_password(password or "", link.password):
        SharePasswordAttempts.objects.filter(link=link, scope=f"ip:{ip}"[:64]).delete()
        SharePasswordAttempts.objects.filter(link=link, scope=LINK_SCOPE, count__gt=0).update(
            count=F("count") - 1
        )
        return
    share_access_record(link=link, what=AccessKind.PASSWORD_FAILED, ip=ip, user_agent=user_agent)
    raise SharePasswordWrong()


def password_fingerprint(link: ShareLink) -> str:
    """What a visitor's session keeps once they entered the password: it changes with
    the password, so a new password locks everyone out again."""
    return salted_hmac("albums.share-unlock", f"{link.pk}:{link.password}").hexdigest()[:32]


def share_access_purge(*, older_than_days: int) -> int:
    cutoff = timezone.now() - timedelta(days=older_than_days)
    deleted, _ = ShareAccess.objects.filter(at__lt=cutoff).delete()
    SharePasswordAttempts.objects.filter(window_ends__lt=timezone.now()).delete()
    if deleted:
        audit.record("share_access.purged", data={"count": deleted})
    return deleted
