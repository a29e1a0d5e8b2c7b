"""Every write to assets, renditions, tags, favorites and storage usage."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Lower
from django.utils import timezone

from accounts import audit
from accounts.errors import RoleForbidden
from accounts.models import Membership, Role, Tenant
from lumina.core import events
from lumina.core.errors import LuminaError, QuotaExceeded, ValidationFailed
from lumina.core.text import clean_text, strip_unsafe

from . import selectors, storage
from .errors import BulkTooLarge
from .events import (
    AssetCreated,
    AssetDeleted,
    AssetFoldered,
    AssetReady,
    AssetRestored,
    AssetTrashed,
    AssetUpdated,
)
from .models import (
    Asset,
    AssetTag,
    Favorite,
    Rendition,
    Status,
    StorageUsage,
    Tag,
    Visibility,
)

logger = logging.getLogger(__name__)

MAX_BULK = 1000
MAX_TAGS = 50


def _require(membership: Membership, role: str) -> None:
    if not membership.at_least(role):
        raise RoleForbidden()


def _queue_processing(asset_id: int) -> None:
    from .tasks import asset_process_task

    transaction.on_commit(lambda: asset_process_task.delay(asset_id))


# --- usage and quota ------------------------------------------------------------------


def _usage_locked(tenant_id: int) -> StorageUsage:
    StorageUsage.objects.get_or_create(tenant_id=tenant_id)
    return StorageUsage.objects.select_for_update().get(tenant_id=tenant_id)


def usage_add(*, tenant_id: int, originals: int = 0, renditions: int = 0, assets: int = 0) -> None:
    StorageUsage.objects.get_or_create(tenant_id=tenant_id)
    StorageUsage.objects.filter(tenant_id=tenant_id).update(
        originals_bytes=F("originals_bytes") + originals,
        renditions_bytes=F("renditions_bytes") + renditions,
        assets_count=F("assets_count") + assets,
    )


def _check_quota(tenant: Tenant, usage: StorageUsage, incoming: int, filename: str) -> None:
    if tenant.quota_bytes and usage.total_bytes + incoming > tenant.quota_bytes:
        raise QuotaExceeded(
            f"{filename}: uploading it would exceed the workspace quota.",
            details={
                "quota_bytes": tenant.quota_bytes,
                "used_bytes": usage.total_bytes,
                "file_bytes": incoming,
            },
        )


# --- tags -------------------------------------------------------------------------------


def normalise_tags(names: Iterable[str] | str | None) -> list[str]:
    if names is None:
        return []
    if isinstance(names, str):
        names = names.split(",")
    seen: dict[str, str] = {}
    for raw in names:
        text = clean_text(str(raw)[:128], field="tags", max_length=128, label="Tag")
        name = re.sub(r"\s+", " ", text).strip()[:64]
        if name and name.lower() not in seen:
            seen[name.lower()] = name
    if len(seen) > MAX_TAGS:
        raise ValidationFailed(f"At most {MAX_TAGS} tags per request.", details={"field": "tags"})
    return list(seen.values())


def _tags_named(tenant_id: int, names: Sequence[str]) -> list[Tag]:
    lowered = [n.lower() for n in names]
    return list(
        Tag.objects.annotate(lname=Lower("name")).filter(tenant_id=tenant_id, lname__in=lowered)
    )


def tags_ensure(*, tenant_id: int, names: Sequence[str]) -> list[Tag]:
    """The tags with these names (case-insensitive), created where missing."""
    wanted = normalise_tags(names)
    if not wanted:
        return []
    existing = {t.name.lower(): t for t in _tags_named(tenant_id, wanted)}
    for name in wanted:
        if name.lower() in existing:
            continue
        try:
            with transaction.atomic():
                tag = Tag.objects.create(tenant_id=tenant_id, name=name)
        except IntegrityError:  # created concurrently
            tag = Tag.objects.get(tenant_id=tenant_id, name__iexact=name)
        existing[name.lower()] = tag
    return [existing[n.lower()] for n in wanted]


def _add_tags(assets: Sequence[Asset], tags: Sequence[Tag]) -> None:
    AssetTag.objects.bulk_create(
        [AssetTag(asset=a, tag=t) for a in assets for t in tags], ignore_conflicts=True
    )


def _remove_tags(assets: Sequence[Asset], tags: Sequence[Tag]) -> None:
    AssetTag.objects.filter(asset__in=assets, tag__in=tags).delete()


# --- upload and processing ----------------------------------------------------------------


def asset_upload(
    *,
    membership: Membership,
    fileobj: IO[bytes],
    filename: str,
    title: str = "",
    description: str = "",
    tags: Iterable[str] | str | None = None,
    visibility: str | None = None,
    relative_path: str = "",
    reachable: QuerySet[Asset] | None = None,
) -> tuple[Asset, bool]:
    """Validate, store and record an upload; processing is queued on commit.

    Returns ``(asset, duplicate)``: the same bytes in the same workspace give back the
    asset that exists only when the uploader may see it (``selectors.dedup_candidates``; their own
    is restored from the trash); otherwise a new asset is made over the same stored
    bytes, exactly as for a fresh upload. ``reachable`` narrows what may be given back
    (an outsider uploading through a shared album: what the share shows them).
    ``relative_path`` is where the file sat in an uploaded folder ("Trip/Day 1/a.jpg");
    its folder is announced in an ``asset.foldered`` event (albums file the asset).
    """
    asset, duplicate = _upload(
        membership=membership,
        fileobj=fileobj,
        filename=filename,
        title=title,
        description=description,
        tags=tags,
        visibility=visibility,
        reachable=reachable,
    )
    if not duplicate:
        audit.record(
            "asset.uploaded", actor=membership.user, target=asset, tenant=membership.tenant_id
        )
    folder = folder_of(relative_path)
    if folder:
        events.emit(
            AssetFoldered(
                tenant_id=membership.tenant_id,
                asset_id=asset.pk,
                user_id=membership.user_id,
                folder=folder,
            )
        )
    return asset, duplicate


def folder_of(relative_path: str) -> str:
    """The folder part of a client's relative path, cleaned ("" when none or unsafe)."""
    parts = [p.strip() for p in (relative_path or "").replace("\\", "/").split("/")]
    parts = [p for p in parts[:-1] if p and p != "."]
    if any(p == ".." for p in parts):
        return ""
    return "/".join(p[:120] for p in parts[:20])


def _upload(
    *,
    membership: Membership,
    fileobj: IO[bytes],
    filename: str,
    title: str,
    description: str,
    tags: Iterable[str] | str | None,
    visibility: str | None,
    reachable: QuerySet[Asset] | None = None,
) -> tuple[Asset, bool]:
    from .validators import inspect_data, read_upload

    _require(membership, Role.EDITOR)
    # The client's name is kept (downloads use it) but never with control characters.
    filename = strip_unsafe(filename or "upload", "_")[-255:]
    title = _clean_asset_text("title", title)
    description = _clean_asset_text("description", description)
    visibility = visibility or Visibility.TENANT
    if visibility not in Visibility.values:
        raise ValidationFailed(
            f"Unknown visibility {visibility!r}.", details={"field": "visibility"}
        )
    tag_names = normalise_tags(tags)
    # The hash first: known bytes are answered without decoding anything (L8).
    data, sha256 = read_upload(
        fileobj, filename=filename, max_bytes=settings.LUMINA_MAX_UPLOAD_BYTES
    )
    tenant = membership.tenant
    with transaction.atomic():
        # Uploads and purges of the same bytes in one workspace take turns, so a purge
        # never deletes a file an upload is about to use, nor two uploads race.
        _lock_bytes(tenant.pk, sha256)
        # The hash first: known bytes the uploader can see are answered without decoding
        # anything (L8); bytes they cannot see make a new asset (M5).
        existing = selectors.dedup_candidates(
            membership=membership, sha256=sha256, reachable=reachable
        ).first()
        if existing is not None:
            if existing.deleted_at is not None:  # only ever the uploader's own
                asset_restore(membership=membership, assets=[existing])
                existing.refresh_from_db()
            return existing, True
        info = inspect_data(
            data,
            sha256=sha256,
            filename=filename,
            max_pixels=settings.LUMINA_MAX_PIXELS,
            max_frames=settings.LUMINA_MAX_FRAMES,
        )
        del data  # the original is stored from the file object, not from this copy
        key = storage.original_key(tenant_id=tenant.pk, sha256=info.sha256, fmt=info.format)
        key_existed = storage.storage().exists(key)
        try:
            usage = _usage_locked(tenant.pk)
            _check_quota(tenant, usage, info.bytes, filename)
            if not key_existed:  # same key, same bytes: another asset's file is left alone
                fileobj.seek(0)
                storage.save(key, File(fileobj, name=key))
            asset = Asset.objects.create(
                tenant=tenant,
                owner=membership.user,
                title=title,
                description=description,
                original=key,
                original_filename=filename,
                sha256=info.sha256,
                format=info.format,
                mime=info.mime,
                bytes=info.bytes,
                width=info.width,
                height=info.height,
                frames=info.frames,
                visibility=visibility,
            )
            _add_tags([asset], tags_ensure(tenant_id=tenant.pk, names=tag_names))
            # Counted in full even over shared bytes: the quota answers as for a fresh
            # upload (no oracle), and each purge gives back what its asset counted.
            usage_add(tenant_id=tenant.pk, originals=info.bytes, assets=1)
            _queue_processing(asset.pk)
            events.emit(AssetCreated(tenant_id=tenant.pk, asset_id=asset.pk))
        except BaseException:
            if not key_existed:  # still under the lock: nobody else uses it yet
                storage.delete(key)
            raise
    return asset, False


def _lock_bytes(tenant_id: int, sha256: str) -> None:
    """A transaction-scoped PostgreSQL advisory lock on (workspace, content hash)."""
    digest = hashlib.sha256(f"lumina.bytes:{tenant_id}:{sha256}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def asset_process(*, asset_id: int) -> Asset | None:
    """Read metadata, compute hashes and make the eager renditions. Idempotent: a
    ready asset is left alone and renditions that exist are not made again.

    Content errors (``LuminaError``) mark the asset failed; anything else propagates
    so the task can retry it.
    """
    from .processing import generate_eager

    asset = Asset.objects.filter(pk=asset_id, deleted_at__isnull=True).first()
    if asset is None or asset.status == Status.READY:
        return asset
    try:
        with storage.storage().open(asset.original, "rb") as fh:
            data = fh.read()
        fields = generate_eager(asset=asset, data=data)
    except LuminaError as exc:
        asset_mark_failed(asset_id=asset.pk, reason=exc.message)
        return Asset.objects.get(pk=asset.pk)
    with transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(
            status=Status.READY, failure_reason="", updated_at=timezone.now(), **fields
        )
        events.emit(AssetReady(tenant_id=asset.tenant_id, asset_id=asset.pk))
    return Asset.objects.get(pk=asset.pk)


def rendition_record(
    *, asset: Asset, spec: str, fmt: str, data: bytes, width: int, height: int
) -> Rendition:
    """Store one rendition at its deterministic key and record it (safe under races)."""
    key = storage.rendition_key(tenant_id=asset.tenant_id, sha256=asset.sha256, spec=spec, fmt=fmt)
    found = Rendition.objects.filter(asset=asset, spec=spec, format=fmt).first()
    if found is not None and storage.storage().exists(found.file):
        return found
    storage.save(key, data)
    try:
        with transaction.atomic():
            rendition, created = Rendition.objects.update_or_create(
                asset=asset,
                spec=spec,
                format=fmt,
                defaults={"file": key, "width": width, "height": height, "bytes": len(data)},
            )
            if created:
                usage_add(tenant_id=asset.tenant_id, renditions=len(data))
    except IntegrityError:
        rendition = Rendition.objects.get(asset=asset, spec=spec, format=fmt)
    return rendition


def asset_mark_failed(*, asset_id: int, reason: str) -> None:
    Asset.objects.filter(pk=asset_id).update(
        status=Status.FAILED, failure_reason=reason[:500], updated_at=timezone.now()
    )
    logger.warning("asset %s failed: %s", asset_id, reason)


def asset_reprocess(*, asset_ids: Sequence[int]) -> int:
    """Queue processing again (operators; stuck assets). Renditions are kept."""
    with transaction.atomic():
        audit.record_per_tenant(
            "asset.reprocessed", objects=audit.objects("gallery.asset", asset_ids)
        )
        count = Asset.objects.filter(pk__in=asset_ids, deleted_at__isnull=True).update(
            status=Status.PROCESSING,
            failure_reason="",
            processing_attempts=F("processing_attempts") + 1,
            updated_at=timezone.now(),
        )
        for asset_id in asset_ids:
            _queue_processing(asset_id)
    return count


def assets_requeue_stuck(*, older_than: timedelta, max_attempts: int = 5) -> int:
    """Assets left in processing (a lost worker, a full queue) are queued again; after
    ``max_attempts`` they are marked failed instead of looping for ever."""
    cutoff = timezone.now() - older_than
    stuck = Asset.objects.filter(
        status=Status.PROCESSING, updated_at__lt=cutoff, deleted_at__isnull=True
    )
    gave_up = stuck.filter(processing_attempts__gte=max_attempts)
    for asset_id in gave_up.values_list("pk", flat=True):
        asset_mark_failed(
            asset_id=asset_id, reason="Processing did not finish after several attempts."
        )
    ids = list(
        stuck.filter(processing_attempts__lt=max_attempts).values_list("pk", flat=True)[:1000]
    )
    if ids:
        asset_reprocess(asset_ids=ids)
    return len(ids)


# --- editing ----------------------------------------------------------------------------


@transaction.atomic
def _clean_asset_text(field: str, value: Any) -> str:
    limit = 255 if field == "title" else 10000
    return clean_text(
        str(value)[:limit], field=field, max_length=limit, multiline=field == "description"
    )


def asset_update(*, membership: Membership, asset: Asset, data: dict[str, Any]) -> Asset:
    _require(membership, Role.EDITOR)
    before = audit.snapshot(asset, "title", "description", "visibility")
    changed: list[str] = []
    for field in ("title", "description"):
        if field in data:
            setattr(asset, field, _clean_asset_text(field, data[field]))
            changed.append(field)
    if "visibility" in data:
        if data["visibility"] not in Visibility.values:
            raise ValidationFailed("Unknown visibility.", details={"field": "visibility"})
        if data["visibility"] != asset.visibility:
            asset.visibility = data["visibility"]
            changed.append("visibility")
            # Revoke every rendition URL handed out so far (gallery.signing).
            Asset.objects.filter(pk=asset.pk).update(url_version=F("url_version") + 1)
            asset.refresh_from_db(fields=["url_version"])
    if changed:
        asset.save(update_fields=[*changed, "updated_at"])
    if "tags" in data:
        tags = tags_ensure(tenant_id=asset.tenant_id, names=normalise_tags(data["tags"]))
        AssetTag.objects.filter(asset=asset).exclude(tag__in=tags).delete()
        _add_tags([asset], tags)
    audit.record(
        "asset.updated",
        actor=membership.user,
        target=asset,
        tenant=asset.tenant_id,
        changes=audit.diff(before, asset),
        data={"tags": data["tags"]} if "tags" in data else None,
    )
    events.emit(AssetUpdated(tenant_id=asset.tenant_id, asset_id=asset.pk))
    return asset


@transaction.atomic
def asset_delete(*, membership: Membership, assets: Sequence[Asset]) -> int:
    """Move to the trash (files stay until the purge)."""
    _require(membership, Role.EDITOR)
    ids = [a.pk for a in assets]
    count = Asset.objects.filter(pk__in=ids, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), url_version=F("url_version") + 1
    )
    audit.record(
        "asset.trashed", actor=membership.user, targets=assets, tenant=membership.tenant_id
    )
    for asset_id in ids:
        events.emit(AssetTrashed(tenant_id=membership.tenant_id, asset_id=asset_id))
    return count


@transaction.atomic
def asset_restore(*, membership: Membership, assets: Sequence[Asset]) -> int:
    _require(membership, Role.EDITOR)
    ids = [a.pk for a in assets]
    count = Asset.objects.filter(pk__in=ids, deleted_at__isnull=False).update(deleted_at=None)
    audit.record(
        "asset.restored", actor=membership.user, targets=assets, tenant=membership.tenant_id
    )
    for asset_id in ids:
        events.emit(AssetRestored(tenant_id=membership.tenant_id, asset_id=asset_id))
    return count


def _purge(queryset: Any, verb: str = "trash.purged", actor: Any = None) -> int:
    """Delete rows first, then the files once the deletion committed: a failure in
    between leaves a stray file at worst, never a row pointing at nothing."""
    assets = list(queryset.prefetch_related("renditions"))
    if not assets:
        return 0
    files: list[tuple[int, str, list[str]]] = []
    with transaction.atomic():
        for asset in assets:
            rendition_bytes = sum(r.bytes for r in asset.renditions.all())
            keys = [asset.original, *(r.file for r in asset.renditions.all())]
            files.append((asset.tenant_id, asset.sha256, keys))
            usage_add(
                tenant_id=asset.tenant_id,
                originals=-asset.bytes,
                renditions=-rendition_bytes,
                assets=-1,
            )
        Asset.objects.filter(pk__in=[a.pk for a in assets]).delete()
        audit.record_per_tenant(verb, objects=assets, actor=actor)
        for asset in assets:
            events.emit(AssetDeleted(tenant_id=asset.tenant_id, asset_id=asset.pk))
        transaction.on_commit(lambda: _remove_unused_files(files))
    return len(assets)


def _remove_unused_files(files: list[tuple[int, str, list[str]]]) -> None:
    """Delete stored files no asset uses any more: assets share the files of the same
    bytes (``asset_upload``), so a key goes only with the last asset using it. Under
    the bytes' lock, so an upload of the same bytes either committed its asset before
    (the key is kept) or stores the file again after."""
    for tenant_id, sha256, keys in files:
        try:
            with transaction.atomic():
                _lock_bytes(tenant_id, sha256)
                used = set(
                    Asset.objects.filter(original__in=keys).values_list("original", flat=True)
                ) | set(Rendition.objects.filter(file__in=keys).values_list("file", flat=True))
                for key in keys:
                    if key not in used:
                        storage.delete(key)
        except Exception:  # a stray file is recoverable; keep deleting the rest
            logger.exception("could not delete the files of %s in workspace %s", sha256, tenant_id)


def trash_empty(*, membership: Membership) -> int:
    _require(membership, Role.EDITOR)
    return _purge(
        Asset.objects.filter(tenant_id=membership.tenant_id).trashed().visible_to(membership.user),
        "trash.emptied",
        membership.user,
    )


def trash_purge(*, older_than_days: int) -> int:
    """The periodic purge: assets in the trash for longer than ``older_than_days``."""
    cutoff = timezone.now() - timedelta(days=older_than_days)
    return _purge(Asset.objects.filter(deleted_at__lt=cutoff)[:1000])


# --- favorites and bulk -------------------------------------------------------------------


def favorite_set(*, membership: Membership, assets: Sequence[Asset], on: bool) -> int:
    user = membership.user
    audit.record(
        "asset.favorited" if on else "asset.unfavorited",
        actor=user,
        targets=assets,
        tenant=membership.tenant_id,
    )
    if on:
        created = Favorite.objects.bulk_create(
            [Favorite(user=user, asset=a) for a in assets], ignore_conflicts=True
        )
        return len(created)
    deleted, _ = Favorite.objects.filter(user=user, asset__in=assets).delete()
    return deleted


# Rename patterns are user input: a tiny parser for the three placeholders, never
# str.format (whose format spec lets "{n:1000000000}" allocate a gigabyte per asset).
RENAME_TOKEN = re.compile(r"\{\{|\}\}|\{(n|original|date)(?::(0?)(\d{1,2}))?\}|[{}]")
RENAME_MAX_PAD = 10
RENAME_MAX_START = 10**9


class InvalidPattern(ValidationFailed):
    code = "invalid_pattern"
    default_message = (
        "A rename pattern may hold {n}, {n:03} (zero-padded up to 10 digits), {original} "
        "and {date}; write {{ and }} for braces."
    )


def rename_pattern_parse(pattern: str) -> list[tuple[str, str | int]]:
    """``pattern`` as ``("text", literal)`` and ``(field, pad width)`` parts, or
    InvalidPattern for anything but the documented placeholders."""
    parts: list[tuple[str, str | int]] = []
    pos = 0
    for match in RENAME_TOKEN.finditer(pattern):
        if match.start() > pos:
            parts.append(("text", pattern[pos : match.start()]))
        token, field = match.group(0), match.group(1)
        pos = match.end()
        if token in ("{{", "}}"):
            parts.append(("text", token[0]))
        elif field is None:
            raise InvalidPattern(details={"field": "pattern", "at": match.start()})
        else:
            width = int(match.group(3) or 0)
            if match.group(3) and (field != "n" or width > RENAME_MAX_PAD):
                raise InvalidPattern(details={"field": "pattern", "at": match.start()})
            parts.append((field, width))
    if pos < len(pattern):
        parts.append(("text", pattern[pos:]))
    return parts


def _render_name(parts: list[tuple[str, str | int]], asset: Asset, n: int) -> str:
    limit = Asset._meta.get_field("title").max_length or 255
    out: list[str] = []
    for kind, value in parts:
        if kind == "text":
            out.append(str(value))
        elif kind == "n":
            out.append(str(n).zfill(int(value)))
        elif kind == "original":
            out.append(asset.original_filename.rsplit(".", 1)[0])
        else:
            out.append((asset.taken_at or asset.created_at).date().isoformat())
        if sum(map(len, out)) > limit:
            break  # each part is bounded, so the result stays small
    return "".join(out).strip()[:limit]


BULK_ACTIONS = (
    "delete",
    "restore",
    "tag",
    "untag",
    "set_visibility",
    "favorite",
    "unfavorite",
    "rename",
)


# Bulk actions audited here (the others by the service they call).
BULK_VERBS = {
    "tag": "asset.tagged",
    "untag": "asset.untagged",
    "set_visibility": "asset.visibility_changed",
    "rename": "asset.renamed",
}


def _bulk_delete(membership: Membership, assets: Sequence[Asset], params: dict[str, Any]) -> None:
    asset_delete(membership=membership, assets=assets)


def _bulk_restore(membership: Membership, assets: Sequence[Asset], params: dict[str, Any]) -> None:
    asset_restore(membership=membership, assets=assets)


def _bulk_tag_names(params: dict[str, Any]) -> list[str]:
    names = normalise_tags(params.get("tags"))
    if not names:
        raise ValidationFailed("Name at least one tag.", details={"field": "tags"})
    return names


def _bulk_tag(membership: Membership, assets: Sequence[Asset], params: dict[str, Any]) -> None:
    tags = tags_ensure(tenant_id=membership.tenant_id, names=_bulk_tag_names(params))
    _add_tags(assets, tags)


def _bulk_untag(membership: Membership, assets: Sequence[Asset], params: dict[str, Any]) -> None:
    _remove_tags(assets, _tags_named(membership.tenant_id, _bulk_tag_names(params)))


def _bulk_visibility(
    membership: Membership, assets: Sequence[Asset], params: dict[str, Any]
) -> None:
    value = params.get("visibility")
    if value not in Visibility.values:
        raise ValidationFailed("Unknown visibility.", details={"field": "visibility"})
    Asset.objects.filter(pk__in=[a.pk for a in assets]).exclude(visibility=value).update(
        visibility=value, url_version=F("url_version") + 1, updated_at=timezone.now()
    )


def _bulk_rename(membership: Membership, assets: Sequence[Asset], params: dict[str, Any]) -> None:
    pattern = clean_text(params.get("pattern", ""), field="pattern", max_length=255)
    if not pattern:
        raise ValidationFailed(
            "A rename needs a pattern, e.g. 'Trip {n:03}'.", details={"field": "pattern"}
        )
    parts = rename_pattern_parse(pattern)
    try:
        start = int(params.get("start", 1))
    except (TypeError, ValueError):
        start = -1
    if not 0 <= start <= RENAME_MAX_START:
        raise ValidationFailed(
            f"The first number must be between 0 and {RENAME_MAX_START}.",
            details={"field": "start"},
        )
    for offset, asset in enumerate(assets):
        asset.title = _render_name(parts, asset, start + offset)
    Asset.objects.bulk_update(assets, ["title"])


# The editors' bulk actions (favourites are each member's own and need no role).
_BULK_WRITES: dict[str, Callable[[Membership, Sequence[Asset], dict[str, Any]], None]] = {
    "delete": _bulk_delete,
    "restore": _bulk_restore,
    "tag": _bulk_tag,
    "untag": _bulk_untag,
    "set_visibility": _bulk_visibility,
    "rename": _bulk_rename,
}


@transaction.atomic
def asset_bulk(
    *, membership: Membership, assets: Sequence[Asset], action: str, params: dict[str, Any]
) -> int:
    """One action on up to 1,000 assets, all or nothing. The caller resolved the ids
    (a missing or foreign id refuses the whole request before this point)."""
    if len(assets) > MAX_BULK:
        raise BulkTooLarge()
    if action not in BULK_ACTIONS:
        raise ValidationFailed(f"Unknown action {action!r}.", details={"field": "action"})
    if action in ("favorite", "unfavorite"):
        favorite_set(membership=membership, assets=assets, on=action == "favorite")
        return len(assets)
    _require(membership, Role.EDITOR)
    titles = {a.pk: a.title for a in assets}  # for the audit entry of a rename
    _BULK_WRITES[action](membership, assets, params)
    if action in BULK_VERBS:
        audit.record(
            BULK_VERBS[action],
            actor=membership.user,
            targets=assets,
            tenant=membership.tenant_id,
            data={k: params[k] for k in ("tags", "visibility", "pattern", "start") if k in params}
            | ({"titles_before": titles} if action == "rename" else {}),
        )
    for asset in assets:
        events.emit(AssetUpdated(tenant_id=membership.tenant_id, asset_id=asset.pk))
    return len(assets)
