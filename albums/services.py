"""Every write to albums, their items, share links and album shares."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any

from django.core.mail import send_mail
from django.db import connection, transaction
from django.utils import timezone

from accounts import audit
from accounts.errors import RoleForbidden
from accounts.models import Membership, Role, User
from gallery.models import Asset
from lumina.core import events
from lumina.core.errors import ValidationFailed
from lumina.core.lookup import all_or_404
from lumina.core.text import clean_email, clean_text, single_line

from . import positions, selectors
from .errors import (
    AlbumCycle,
    AlbumForbidden,
    NotInAlbum,
)
from .events import (
    AlbumCreated,
    AlbumDeleted,
    AlbumItemsAdded,
    AlbumItemsRemoved,
    AlbumItemsReordered,
    AlbumShared,
    AlbumUnshared,
    AlbumUpdated,
)
from .models import (
    Album,
    AlbumItem,
    AlbumShare,
    ShareRole,
    SortDirection,
    SortMode,
)
from .selectors import CONTRIBUTOR, EDITOR, Actor

logger = logging.getLogger(__name__)

MAX_ITEMS_PER_REQUEST = 1000
TITLE_MAX = 200


# --- checks -----------------------------------------------------------------------------


def _require(actor: Actor, album: Album, needed: str) -> str:
    access = selectors.album_access(actor=actor, album=album)
    if access is None:
        from lumina.core.errors import NotFound

        raise NotFound("Album not found.")
    if not selectors.at_least(access, needed):
        raise AlbumForbidden()
    return access


def require_editor(actor: Actor, tenant_id: int | None) -> Membership:
    """The actor's membership when they are an editor (or more) of ``tenant_id``."""
    membership = actor.membership
    if membership is None or membership.tenant_id != tenant_id:
        raise AlbumForbidden()
    if not membership.at_least(Role.EDITOR):
        raise RoleForbidden()
    return membership


def _clean_title(title: Any) -> str:
    text = clean_text(str(title or "")[: TITLE_MAX * 2], field="title", max_length=TITLE_MAX * 2)
    cleaned = re.sub(r"\s+", " ", text).strip()[:TITLE_MAX]
    if not cleaned:
        raise ValidationFailed("An album needs a title.", details={"field": "title"})
    return cleaned


def _clean_description(value: Any) -> str:
    return clean_text(
        str(value or "")[:10000], field="description", max_length=10000, multiline=True
    )


def _check_sort(mode: str, direction: str) -> None:
    if mode not in SortMode.values:
        raise ValidationFailed(f"Unknown sort mode {mode!r}.", details={"field": "sort_mode"})
    if direction not in SortDirection.values:
        raise ValidationFailed(
            f"Unknown sort direction {direction!r}.", details={"field": "sort_direction"}
        )


def _lock_tree(tenant_id: int) -> None:
    """Serialise moves and path creation within one workspace, so that two concurrent
    moves cannot build a cycle and two uploads cannot create the same album twice."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [0x616C62, tenant_id % 2**31])


def _lock_album(album: Album) -> None:
    """Positions of one album are written by one transaction at a time."""
    Album.objects.select_for_update().filter(pk=album.pk).values_list("pk").first()


def _touch(album: Album) -> None:
    album.updated_at = timezone.now()
    Album.objects.filter(pk=album.pk).update(updated_at=album.updated_at)


# --- albums ----------------------------------------------------------------------------


@transaction.atomic
def album_create(
    *,
    actor: Actor,
    title: str,
    description: str = "",
    parent: Album | None = None,
    sort_mode: str = SortMode.MANUAL,
    sort_direction: str = SortDirection.ASC,
) -> Album:
    if actor.membership is None:
        raise AlbumForbidden("No workspace is selected.")
    membership = require_editor(actor, actor.membership.tenant_id)
    if parent is not None and parent.tenant_id != membership.tenant_id:
        from lumina.core.errors import NotFound

        raise NotFound("Album not found.")
    _check_sort(sort_mode, sort_direction)
    album = Album.objects.create(
        tenant_id=membership.tenant_id,
        parent=parent,
        title=_clean_title(title),
        description=_clean_description(description),
        sort_mode=sort_mode,
        sort_direction=sort_direction,
        created_by=actor.user,
    )
    audit.record(
        "album.created", actor=actor.user, target=album, parent=parent, tenant=album.tenant_id
    )
    events.emit(AlbumCreated(tenant_id=album.tenant_id, album_id=album.pk))
    return album


@transaction.atomic
def album_update(*, actor: Actor, album: Album, data: dict[str, Any]) -> Album:
    """Change title, description, sort order, cover (an asset id in the album, or None
    for the automatic one) and parent (an ``Album`` or None for the top level)."""
    require_editor(actor, album.tenant_id)
    before = audit.snapshot(album, *(f if f != "cover" else "cover_id" for f in data))
    changed: list[str] = []
    if "title" in data:
        album.title = _clean_title(data["title"])
        changed.append("title")
    if "description" in data:
        album.description = _clean_description(data["description"])
        changed.append("description")
    if "sort_mode" in data or "sort_direction" in data:
        mode = data.get("sort_mode", album.sort_mode)
        direction = data.get("sort_direction", album.sort_direction)
        _check_sort(mode, direction)
        album.sort_mode, album.sort_direction = mode, direction
        changed += ["sort_mode", "sort_direction"]
    if "cover" in data:
        cover = data["cover"]
        cover_id = cover.pk if isinstance(cover, Asset) else cover
        if cover_id is not None:
            visible = selectors.asset_visibility(actor.user, "asset__")
            if (
                not AlbumItem.objects.filter(album=album, asset_id=cover_id)
                .filter(visible)
                .exists()
            ):
                raise NotInAlbum(
                    "The cover must be an image of the album.", details={"field": "cover"}
                )
        album.cover_id = cover_id
        changed.append("cover")
    if "parent" in data:
        _move(actor, album, data["parent"])
        changed.append("parent")
    album.updated_at = timezone.now()
    album.save(update_fields=[*dict.fromkeys(changed), "updated_at"])
    audit.record(
        "album.moved" if set(data) == {"parent"} else "album.updated",
        actor=actor.user,
        target=album,
        tenant=album.tenant_id,
        changes=audit.diff(before, album),
    )
    events.emit(AlbumUpdated(tenant_id=album.tenant_id, album_id=album.pk))
    return album


def _move(actor: Actor, album: Album, parent: Album | None) -> None:
    if parent is None:
        album.parent = None
        return
    if parent.tenant_id != album.tenant_id:
        from lumina.core.errors import NotFound

        raise NotFound("Album not found.")
    _lock_tree(album.tenant_id)
    if parent.pk in selectors.descendant_ids(album.pk):
        raise AlbumCycle(details={"album": album.pk, "parent": parent.pk})
    album.parent = parent


CHILDREN_MOVE_UP = "move_up"
CHILDREN_DELETE = "delete"


@transaction.atomic
def album_delete(*, actor: Actor, album: Album, children: str = CHILDREN_MOVE_UP) -> int:
    """Delete the album (never its assets). Its sub-albums move up to its parent, or
    are deleted with it. Returns the number of albums deleted."""
    require_editor(actor, album.tenant_id)
    if children not in (CHILDREN_MOVE_UP, CHILDREN_DELETE):
        raise ValidationFailed("children: 'move_up' or 'delete'.", details={"field": "children"})
    _lock_tree(album.tenant_id)
    if children == CHILDREN_MOVE_UP:
        ids = [album.pk]
        Album.objects.filter(parent=album).update(parent=album.parent_id, updated_at=timezone.now())
    else:
        ids = selectors.descendant_ids(album.pk)
    # What each album held, so that listeners (the search index) can follow.
    held: dict[int, list[int]] = {album_id: [] for album_id in ids}
    for album_id, asset_id in AlbumItem.objects.filter(album_id__in=ids).values_list(
        "album_id", "asset_id"
    ):
        held[album_id].append(asset_id)
    # Children first, so that no row ever points at a deleted parent.
    Album.objects.filter(pk__in=ids).update(parent=None)
    AlbumItem.objects.filter(album_id__in=ids).delete()
    audit.record(
        "album.deleted",
        actor=actor.user,
        target=album,
        tenant=album.tenant_id,
        data={"album_ids": ids, "children": children},
    )
    Album.objects.filter(pk__in=ids).delete()
    for album_id in ids:
        events.emit(
            AlbumDeleted(tenant_id=album.tenant_id, album_id=album_id, asset_ids=held[album_id])
        )
    return len(ids)


def _path_parts(path: str) -> list[str]:
    parts = [re.sub(r"\s+", " ", p).strip() for p in re.split(r"[/\\]+", path or "")]
    return [p[:TITLE_MAX] for p in parts if p and p not in (".", "..")]


@transaction.atomic
def albums_for_path(*, membership: Membership, path: str) -> Album:
    """The album at ``path`` ("Trip/Day 1"), made with its parents where missing, so
    that uploading a folder can file each image into the matching nested album.
    Titles match without regard to case; concurrent calls make each album once."""
    actor = Actor(user=membership.user, membership=membership, shared=False)
    require_editor(actor, membership.tenant_id)
    parts = _path_parts(path)
    if not parts:
        raise ValidationFailed("An album path needs at least one name.", details={"field": "path"})
    _lock_tree(membership.tenant_id)
    parent: Album | None = None
    for title in parts:
        found = (
            Album.objects.for_tenant(membership.tenant_id)
            .filter(parent=parent, title__iexact=title)
            .order_by("id")
            .first()
        )
        if found is None:
            found = album_create(actor=actor, title=title, parent=parent)
        parent = found
    assert parent is not None
    return parent


# --- items ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where items go: after or before one item (asset id), or at the start or end."""

    after: int | None = None
    before: int | None = None
    to: str = "end"

    def __post_init__(self) -> None:
        if self.after is not None and self.before is not None:
            raise ValidationFailed(
                "Give 'after' or 'before', not both.", details={"field": "after"}
            )
        if self.to not in ("start", "end"):
            raise ValidationFailed("to: 'start' or 'end'.", details={"field": "to"})


def _position_of(album: Album, asset_id: int) -> str:
    found = (
        AlbumItem.objects.filter(album=album, asset_id=asset_id)
        .values_list("position", flat=True)
        .first()
    )
    if found is None:
        raise NotInAlbum(details={"missing": [asset_id]})
    return found


def _neighbours(
    album: Album, place: Placement, moving: Sequence[int]
) -> tuple[str | None, str | None]:
    others = AlbumItem.objects.filter(album=album).exclude(asset_id__in=moving)
    low: str | None
    high: str | None
    if place.after is not None:
        low = _position_of(album, place.after)
        high = (
            others.filter(position__gt=low)
            .order_by("position", "id")
            .values_list("position", flat=True)
            .first()
        )
        return low, high
    if place.before is not None:
        high = _position_of(album, place.before)
        low = (
            others.filter(position__lt=high)
            .order_by("-position", "-id")
            .values_list("position", flat=True)
            .first()
        )
        return low, high
    if place.to == "start":
        return None, others.order_by("position", "id").values_list("position", flat=True).first()
    return others.order_by("-position", "-id").values_list("position", flat=True).first(), None


def _renumber(album: Album, order: list[int]) -> dict[int, str]:
    """Give every item of the album a fresh short key, in ``order`` (asset ids)."""
    keys = positions.spread(len(order))
    mapping = dict(zip(order, keys, strict=True))
    items = list(AlbumItem.objects.filter(album=album).only("pk", "asset_id", "position"))
    for item in items:
        item.position = mapping[item.asset_id]
    AlbumItem.objects.bulk_update(items, ["position"], batch_size=1000)
    logger.info("renumbered album %s (%s items)", album.pk, len(items))
    return mapping


def _manual_order(album: Album) -> list[int]:
    return list(
        AlbumItem.objects.filter(album=album)
        .order_by("position", "id")
        .values_list("asset_id", flat=True)
    )


def _materialise(album: Album) -> None:
    """Switching to manual order keeps what the user sees: the current order becomes
    the manual one."""
    if album.sort_mode == SortMode.MANUAL:
        return
    order = [asset_id for asset_id, _ in selectors.positions_in_order(album)]
    _renumber(album, order)
    album.sort_mode, album.sort_direction = SortMode.MANUAL, SortDirection.ASC
    Album.objects.filter(pk=album.pk).update(
        sort_mode=SortMode.MANUAL, sort_direction=SortDirection.ASC
    )


def _place_keys(album: Album, place: Placement, moving: list[int]) -> dict[int, str]:
    """Keys for ``moving`` (asset ids, in order) at ``place``; renumbers the album
    instead when the keys would get too long (or neighbours share a key)."""
    low, high = _neighbours(album, place, moving)
    if low is None or high is None or low < high:
        keys = positions.keys_between(low, high, len(moving))
        if not positions.too_long(keys):
            return dict(zip(moving, keys, strict=True))
    order = [a for a in _manual_order(album) if a not in set(moving)]
    if place.after is not None:
        at = order.index(place.after) + 1
    elif place.before is not None:
        at = order.index(place.before)
    else:
        at = 0 if place.to == "start" else len(order)
    order[at:at] = moving
    return _renumber(album, order)


def _check_count(ids: Sequence[Any]) -> None:
    if len(ids) > MAX_ITEMS_PER_REQUEST:
        raise ValidationFailed(
            f"At most {MAX_ITEMS_PER_REQUEST} assets per request.", details={"field": "asset_ids"}
        )


@dataclass(frozen=True)
class ItemsAdded:
    added: list[int]
    already: list[int]


@transaction.atomic
def album_items_add(
    *, actor: Actor, album: Album, assets: Sequence[Asset], place: Placement | None = None
) -> ItemsAdded:
    """Put assets into the album (at the end unless placed); ones already in it stay
    where they are. Contributors may add; the caller resolved the assets."""
    _require(actor, album, CONTRIBUTOR)
    _check_count(assets)
    all_or_404(  # the caller resolved them; checked again under this album's rule
        selectors.reachable_assets(actor=actor, tenant_id=album.tenant_id).only("pk"),
        [a.pk for a in assets],
        field="asset_ids",
    )
    _lock_album(album)
    present = set(
        AlbumItem.objects.filter(album=album, asset__in=assets).values_list("asset_id", flat=True)
    )
    new = list(dict.fromkeys(a.pk for a in assets if a.pk not in present))
    if new:
        keys = _place_keys(album, place or Placement(), new)
        AlbumItem.objects.bulk_create(
            [
                AlbumItem(
                    album=album, asset_id=asset_id, position=keys[asset_id], added_by=actor.user
                )
                for asset_id in new
            ]
        )
        _touch(album)
        audit.record(
            "album.items_added",
            actor=actor.user,
            targets=[a for a in assets if a.pk in new],
            parent=album,
            tenant=album.tenant_id,
        )
        events.emit(AlbumItemsAdded(tenant_id=album.tenant_id, album_id=album.pk, asset_ids=new))
    return ItemsAdded(added=new, already=[a.pk for a in assets if a.pk in present])


@transaction.atomic
def album_items_remove(*, actor: Actor, album: Album, asset_ids: Sequence[Any]) -> int:
    """Take assets out of the album (the assets stay). Editors remove anything;
    contributors only what they added."""
    access = _require(actor, album, CONTRIBUTOR)
    _check_count(asset_ids)
    try:
        ids = [int(i) for i in asset_ids]
    except (TypeError, ValueError):
        raise ValidationFailed(
            "Asset ids must be integers.", details={"field": "asset_ids"}
        ) from None
    items = AlbumItem.objects.filter(album=album, asset_id__in=ids)
    if access != EDITOR and items.exclude(added_by=actor.user).exists():
        raise AlbumForbidden("Contributors can only remove what they added.")
    removed, _ = items.delete()
    if album.cover_id in ids:
        album.cover_id = None
        Album.objects.filter(pk=album.pk).update(cover=None)
    if removed:
        _touch(album)
        audit.record(
            "album.items_removed",
            actor=actor.user,
            targets=audit.objects("gallery.asset", ids),
            parent=album,
            tenant=album.tenant_id,
        )
        events.emit(AlbumItemsRemoved(tenant_id=album.tenant_id, album_id=album.pk, asset_ids=ids))
    return removed


@transaction.atomic
def album_items_reorder(
    *, actor: Actor, album: Album, asset_ids: Sequence[Any], place: Placement
) -> None:
    """Move items, in the order given, after or before another item, or to the start
    or the end. Only their own keys change (the album is renumbered once in a long
    while). An album in another order switches to manual, keeping what was shown."""
    _require(actor, album, EDITOR)
    _check_count(asset_ids)
    try:
        moving = list(dict.fromkeys(int(i) for i in asset_ids))
    except (TypeError, ValueError):
        raise ValidationFailed(
            "Asset ids must be integers.", details={"field": "asset_ids"}
        ) from None
    if not moving:
        raise ValidationFailed("Name at least one asset.", details={"field": "asset_ids"})
    anchor = place.after if place.after is not None else place.before
    if anchor is not None and anchor in moving:
        raise ValidationFailed(
            "An item cannot be placed next to itself.", details={"field": "after"}
        )
    _lock_album(album)
    wanted = [*moving, *([anchor] if anchor is not None else [])]
    present = set(
        AlbumItem.objects.filter(album=album, asset_id__in=wanted).values_list(
            "asset_id", flat=True
        )
    )
    missing = [i for i in wanted if i not in present]
    if missing:
        raise NotInAlbum(details={"missing": missing[:100]})
    _materialise(album)
    keys = _place_keys(album, place, moving)
    items = list(AlbumItem.objects.filter(album=album, asset_id__in=moving).only("pk", "asset_id"))
    for item in items:
        item.position = keys[item.asset_id]
    AlbumItem.objects.bulk_update(items, ["position"])
    _touch(album)
    audit.record(
        "album.items_reordered",
        actor=actor.user,
        targets=audit.objects("gallery.asset", moving),
        parent=album,
        tenant=album.tenant_id,
    )
    events.emit(AlbumItemsReordered(tenant_id=album.tenant_id, album_id=album.pk))


def album_upload(
    *, actor: Actor, album: Album, fileobj: IO[bytes], filename: str, title: str = ""
) -> tuple[Asset, bool]:
    """Upload an image straight into an album: for editors, and for contributors
    (a workspace viewer with a contributor share, or someone from elsewhere). The
    image belongs to the album's workspace and counts against its quota."""
    from gallery import services as gallery_services

    _require(actor, album, CONTRIBUTOR)
    membership = actor.membership
    reachable = None
    if (
        membership is None
        or membership.tenant_id != album.tenant_id
        or not membership.at_least(Role.EDITOR)
    ):
        # The share is the permission: upload as an editor of the album's workspace,
        # for this one call only (nothing is stored). Same bytes give back only what
        # the share already shows them (or their own uploads), never anything else.
        membership = Membership(user=actor.user, tenant=album.tenant, role=Role.EDITOR)
        reachable = selectors.reachable_assets(actor=actor, tenant_id=album.tenant_id)
    with transaction.atomic():
        asset, duplicate = gallery_services.asset_upload(
            membership=membership,
            fileobj=fileobj,
            filename=filename,
            title=title,
            reachable=reachable,
        )
        album_items_add(actor=actor, album=album, assets=[asset])
    return asset, duplicate


# --- share links ------------------------------------------------------------------------


# --- album shares -------------------------------------------------------------------------


def _notify_share(share: AlbumShare, album: Album, sharer: User, base_url: str) -> None:
    to = share.user.email if share.user is not None else share.email_lower
    link = f"{base_url.rstrip('/')}/albums/{album.pk}/"
    role = ShareRole(share.role).label

    def send() -> None:
        try:
            send_mail(
                subject=(
                    f"[Lumina Host] {single_line(sharer.name)} shared the album "
                    f"“{single_line(album.title)}” with you"
                ),
                message=(
                    f"{sharer.name} shared the album “{album.title}” with you as {role}.\n\n"
                    f"Open it: {link}\n\n"
                    "If you have no account yet, sign up with this e-mail address first."
                ),
                from_email=None,
                recipient_list=[to],
            )
        except Exception:  # a failed mail must not undo the share
            logger.exception("could not send the album share mail")

    transaction.on_commit(send)


@transaction.atomic
def album_share_create(
    *,
    actor: Actor,
    album: Album,
    user: User | None = None,
    email: str = "",
    role: str = ShareRole.VIEWER,
    ends_at: datetime | None = None,
    base_url: str = "",
) -> AlbumShare:
    """Share the album (and its sub-albums) with a person: a ``user`` (e.g. a member of
    the workspace) or an ``email`` (an account is matched now or when it exists).
    Sharing again with the same person changes the role and end date."""
    require_editor(actor, album.tenant_id)
    if role not in ShareRole.values:
        raise ValidationFailed(f"Unknown role {role!r}.", details={"field": "role"})
    if ends_at is not None and ends_at <= timezone.now():
        raise ValidationFailed("The end date must be in the future.", details={"field": "ends_at"})
    email = clean_email(email) if (email or "").strip() else ""
    if user is None:
        if not email or "@" not in email:
            raise ValidationFailed("Name a user or an e-mail address.", details={"field": "email"})
        user = User.objects.filter(email__iexact=email).first()
    if user is not None and user.pk == actor.user.pk:
        raise ValidationFailed(
            "You cannot share an album with yourself.", details={"field": "email"}
        )
    lookup = {"user": user} if user is not None else {"user": None, "email_lower": email}
    share, created = AlbumShare.objects.update_or_create(
        album=album,
        **lookup,
        defaults={
            "role": role,
            "ends_at": ends_at,
            "email_lower": (user.email.lower() if user is not None else email),
            "created_by": actor.user,
        },
    )
    if created:
        _notify_share(share, album, actor.user, base_url)
    audit.record(
        "album.shared",
        actor=actor.user,
        target=share,
        parent=album,
        tenant=album.tenant_id,
        data={"role": role},
    )
    events.emit(AlbumShared(tenant_id=album.tenant_id, album_id=album.pk, share_id=share.pk))
    return share


@transaction.atomic
def album_share_update(
    *, actor: Actor, album: Album, share: AlbumShare, data: dict[str, Any]
) -> AlbumShare:
    require_editor(actor, album.tenant_id)
    before = audit.snapshot(share, "role", "ends_at")
    if "role" in data:
        if data["role"] not in ShareRole.values:
            raise ValidationFailed("Unknown role.", details={"field": "role"})
        share.role = data["role"]
    if "ends_at" in data:
        ends_at = data["ends_at"]
        if ends_at is not None and ends_at <= timezone.now():
            raise ValidationFailed(
                "The end date must be in the future.", details={"field": "ends_at"}
            )
        share.ends_at = ends_at
    share.save(update_fields=["role", "ends_at"])
    audit.record(
        "album.share_changed",
        actor=actor.user,
        target=share,
        parent=album,
        tenant=album.tenant_id,
        changes=audit.diff(before, share),
    )
    return share


@transaction.atomic
def album_share_delete(*, actor: Actor, album: Album, share: AlbumShare) -> None:
    require_editor(actor, album.tenant_id)
    audit.record(
        "album.unshared", actor=actor.user, target=share, parent=album, tenant=album.tenant_id
    )
    share.delete()
    events.emit(AlbumUnshared(tenant_id=album.tenant_id, album_id=album.pk))
